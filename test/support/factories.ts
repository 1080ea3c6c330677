import { DataSource } from 'typeorm';
import { maskPhone, PhoneVault } from '@app/core';
import { Harness, asAccount, asAdmin } from './harness';
import { bodyOf, CreateTaskResponse, TaskResponse, typed } from './api-types';

/** A call window that is always open, so tests do not depend on the hour they run at. */
export const ALWAYS = { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7], timeZone: 'Asia/Shanghai' };

/** Distinct valid Chinese mobile numbers: 139 0000 0001, 139 0000 0002, … */
export function mobiles(count: number, start = 1, prefix = '139'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(start + i).padStart(8, '0')}`);
}

export function contacts(count: number, start = 1): { phone: string; name: string; candidateRef: string }[] {
  return mobiles(count, start).map((phone, i) => ({
    phone,
    name: `候选人${start + i}`,
    candidateRef: `cand-${start + i}`,
  }));
}

/**
 * `count` contacts written straight into a task's list (waiting, never called), numbered from `start` as
 * contacts() numbers them and sealed with the API's own keys: for tests that need tens of thousands, which the
 * API takes 10,000 a request, each through intake. No registry checks, no campaign: only the rows.
 */
export async function insertContacts(h: Harness, taskId: string, count: number, start = 1): Promise<void> {
  const vault = h.api.get(PhoneVault);
  const columns = [
    'task_id',
    'candidate_ref',
    'name',
    'phone_hash',
    'phone_enc',
    'phone_key_id',
    'phone_masked',
    'status',
  ];
  const CHUNK = 500;
  await h.api.get(DataSource).transaction(async (manager) => {
    for (let i = 0; i < count; i += CHUNK) {
      const rows = contacts(Math.min(CHUNK, count - i), start + i).map((c) => {
        const e164 = `+86${c.phone}`;
        const sealed = vault.seal(e164);
        return [taskId, c.candidateRef, c.name, sealed.hash, sealed.enc, sealed.keyId, maskPhone(e164), 1];
      });
      const values = rows.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
      await manager.query(`INSERT INTO ai_visitor_list (${columns.join(', ')}) VALUES ${values}`, rows.flat());
    }
  });
}

export async function grantBot(
  h: Harness,
  firmId: number | string,
  grant: Partial<{ isOpenBot: boolean; botExpireAt: string | null; botTaskNum: number }> = {},
): Promise<void> {
  await h
    .http()
    .put(`/v1/admin/firms/${firmId}/bot`)
    .set(asAdmin())
    .send({
      isOpenBot: true,
      botExpireAt: new Date(Date.now() + 30 * 24 * 3600_000).toISOString(),
      botTaskNum: 100,
      ...grant,
    })
    .expect(200);
}

export async function createTask(
  h: Harness,
  firmId: number | string,
  accountId: number | string,
  body: Record<string, unknown> = {},
): Promise<string> {
  const res = typed<CreateTaskResponse>(
    await h
      .http()
      .post('/v1/tasks')
      .set(asAccount(firmId, accountId))
      .send({
        name: 'Java 架构师寻访',
        scriptId: 'recruit-v1',
        contacts: contacts(10),
        retryGapMinutes: 0,
        callWindow: ALWAYS,
        ...body,
      })
      .expect(201),
  );
  return res.body.task.id;
}

/** Runs sync passes (the simulator dials in real time) until the task reaches `status` or passes run out. */
export async function syncUntil(
  h: Harness,
  firmId: number | string,
  accountId: number | string,
  taskId: string,
  status: number,
  maxPasses = 200,
): Promise<TaskResponse> {
  let task: Partial<TaskResponse> = {};
  for (let pass = 0; pass < maxPasses; pass++) {
    await h.sync();
    task = bodyOf<TaskResponse>(
      await h.http().get(`/v1/tasks/${taskId}`).set(asAccount(firmId, accountId)).expect(200),
    );
    if (task.status === status) return task as TaskResponse;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`task ${taskId} did not reach status ${status}; last seen ${JSON.stringify(task)}`);
}
