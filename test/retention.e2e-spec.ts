import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { SqlDialect } from '@app/database';
import { EventView, ListEvents } from '@app/events';
import { PurgeExpiredConversations } from '@app/task';
import { ApiModule } from '../apps/api/src/api.module';
import { WorkerModule } from '../apps/worker/src/worker.module';
import { WorkerJobs } from '../apps/worker/src/worker-jobs';
import { asAccount, Harness, startHarness } from './support/harness';
import { contacts, createTask, grantBot, syncUntil } from './support/factories';

const FIRM = 8901;
const me = asAccount(FIRM, 1);
const DAY = 24 * 3600_000;

/**
 * The conversations' retention (CALL_CONTENT_RETENTION_DAYS): what candidates said on calls older than that is
 * deleted in batches by the worker's events housekeeping, and the events still carrying it are redacted in place;
 * results, contacts and counts stay. EVENTS_RETENTION_DAYS may not exceed it: a start-up error.
 */
describe('call content retention', () => {
  let h: Harness;
  let ds: DataSource;

  beforeAll(async () => {
    h = await startHarness({
      simulator: { callMs: 5, connectRate: 1, conversationRate: 1, intentionMix: { 0: 0, 1: 1, 2: 0, 3: 0, 4: 0 } },
      env: { CALL_CONTENT_RETENTION_DAYS: '90', EVENTS_RETENTION_DAYS: '30' },
    });
    ds = h.api.get(DataSource);
    await grantBot(h, FIRM);
  });

  afterAll(async () => {
    await h.close();
  });

  async function runTask(count: number, start: number): Promise<string> {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(count, start), maxAttempts: 1 });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    await syncUntil(h, FIRM, 1, taskId, 5);
    for (let i = 0; i < 3; i++) await h.relay();
    return taskId;
  }

  /** Moves a task's calls (records and conversations) back in time, as if made `days` ago. */
  async function age(taskId: string, days: number): Promise<void> {
    const at = new Date(Date.now() - days * DAY);
    const param = h.api.get(SqlDialect).dateParam(at);
    await ds.query('UPDATE call_conversation SET called_at = ? WHERE task_id = ?', [param, taskId]);
    await ds.query('UPDATE ai_visitor_call_record SET called_at = ? WHERE task_id = ?', [param, taskId]);
  }

  const eventsOf = async (taskId: string): Promise<EventView[]> =>
    (await h.api.get(ListEvents).execute({ firmId: String(FIRM), taskId, limit: 1000 })).items;
  async function conversationsOf(taskId: string): Promise<number> {
    const [row]: { n: number | string }[] = await ds.query(
      'SELECT COUNT(*) AS n FROM call_conversation WHERE task_id = ?',
      [taskId],
    );
    return Number(row.n);
  }
  /** A response's body, typed as the test reads it (the contract check has validated its shape). */
  const bodyOf = <T>(res: { body: unknown }): T => res.body as T;
  const stats = async (taskId: string) =>
    bodyOf<Record<string, unknown>>(await h.http().get(`/v1/tasks/${taskId}/stats`).set(me).expect(200));
  const contactsOf = async (taskId: string) =>
    bodyOf<{ items: Record<string, unknown>[] }>(await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200))
      .items;

  it('deletes conversations older than the retention in batches, redacts their events, keeps results and counts', async () => {
    const old = await runTask(7, 100);
    const young = await runTask(3, 200);
    await age(old, 91);
    await age(young, 89);
    expect(await conversationsOf(old)).toBe(7);
    const oldBefore = await eventsOf(old);
    const youngBefore = await eventsOf(young);
    const statsBefore = await stats(old);
    const contactsBefore = await contactsOf(old);

    // Batches of 3: three transactions for 7 conversations.
    const summary = await h.worker.get(PurgeExpiredConversations).execute({ batch: 3 });
    expect(summary).toEqual({ conversations: 7, events: 14 });
    expect(await conversationsOf(old)).toBe(0);
    expect(await conversationsOf(young)).toBe(3);

    // The events keep everything but the conversation (same ids, sequences, positions, names, numbers masked).
    const oldAfter = await eventsOf(old);
    expect(oldAfter.map((e) => [e.id, e.type, e.sequence, e.position])).toEqual(
      oldBefore.map((e) => [e.id, e.type, e.sequence, e.position]),
    );
    for (const [i, e] of oldAfter.entries()) {
      if (!['contact.called', 'candidate.interested'].includes(e.type)) {
        expect(e).toEqual(oldBefore[i]);
        continue;
      }
      expect(typeof oldBefore[i].data.transcript).toBe('string');
      expect(e.data).toEqual({ ...oldBefore[i].data, recordingUrl: null, transcript: null, summary: null });
    }
    expect(await eventsOf(young)).toEqual(youngBefore);

    // Results, contacts and counts stay; the call history keeps the calls without what was said.
    expect(await stats(old)).toEqual(statsBefore);
    const contactsAfter = await contactsOf(old);
    expect(contactsBefore.every((c) => typeof c.lastSummary === 'string')).toBe(true);
    expect(contactsAfter.map((c) => ({ ...c, lastSummary: null }))).toEqual(
      contactsBefore.map((c) => ({ ...c, lastSummary: null })),
    );
    const calls = bodyOf<Record<string, unknown>>(
      await h
        .http()
        .get(`/v1/tasks/${old}/contacts/${String(contactsAfter[0].id)}/calls`)
        .set(me)
        .expect(200),
    );
    expect(calls).toMatchObject({ erased: false, items: [{ callResult: 1, summary: null, transcript: null }] });

    // Nothing left to do: a second run finds nothing.
    expect(await h.worker.get(PurgeExpiredConversations).execute({ batch: 3 })).toEqual({
      conversations: 0,
      events: 0,
    });
  });

  it("runs in the worker's events housekeeping", async () => {
    const taskId = await runTask(2, 300);
    await age(taskId, 120);
    const summary = await h.worker.get(WorkerJobs).byName('events-housekeeping').run();
    expect(summary).toMatchObject({ purgedConversations: 2, redactedEvents: 4 });
    expect(await conversationsOf(taskId)).toBe(0);
  });

  describe('EVENTS_RETENTION_DAYS beyond CALL_CONTENT_RETENTION_DAYS', () => {
    const saved = process.env;
    afterEach(() => (process.env = saved));

    it('stops the API and the worker at start-up, naming both variables', async () => {
      process.env = { ...saved, CALL_CONTENT_RETENTION_DAYS: '30', EVENTS_RETENTION_DAYS: '31' };
      const message =
        /Invalid configuration:[\s\S]*EVENTS_RETENTION_DAYS \(31\) may not exceed CALL_CONTENT_RETENTION_DAYS \(30\)/;
      await expect(Test.createTestingModule({ imports: [ApiModule.forRoot()] }).compile()).rejects.toThrow(message);
      await expect(
        Test.createTestingModule({ imports: [WorkerModule.forRoot({ scheduled: false })] }).compile(),
      ).rejects.toThrow(message);
    });
  });
});
