import { Harness, asAccount, signedPushHeaders } from './harness';
import { contacts, createTask } from './factories';
import { bodyOf, ContactPageResponse, TaskResponse } from './api-types';

/** A task started with its one campaign holding every contact (so each can be pushed a result), as the push suites need. */
export interface PushedTask {
  taskId: string;
  campaignId: string;
  contactIds: string[];
}

/**
 * Creates a task of `count` contacts (phones from `from`) for account 1 of the firm, one campaign of them all and one
 * attempt each, starts it and reads its campaign and contact ids. The firm's BOT must be granted.
 */
export async function startPushedTask(
  h: Harness,
  firmId: number | string,
  count: number,
  from: number,
): Promise<PushedTask> {
  const owner = asAccount(firmId, 1);
  const taskId = await createTask(h, firmId, 1, { contacts: contacts(count, from), batchSize: count, maxAttempts: 1 });
  const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(owner).expect(200));
  const items = bodyOf<ContactPageResponse>(
    await h.http().get(`/v1/tasks/${taskId}/contacts`).set(owner).query({ pageSize: 100 }).expect(200),
  ).items;
  return { taskId, campaignId: started.activeCampaign!.campaignId!, contactIds: items.map((c) => c.id) };
}

/** A connected call's record as the platform pushes it (`ref`: the contact's id), with `more` merged in. */
export function pushedRecord(
  recordId: string,
  ref: string,
  intention: number,
  more: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    record_id: recordId,
    ref,
    call_result: 1,
    fail_reason: null,
    intention,
    duration_sec: 30,
    called_at: new Date().toISOString(),
    ...more,
  };
}

/** The platform's signed push of these records for the campaign (a supertest request: sent once awaited). */
export function pushRecords(h: Harness, campaignId: string, records: unknown[]) {
  const body = JSON.stringify({ campaign_id: campaignId, records });
  return h.http().post('/v1/callbacks/robot-call').set(signedPushHeaders(body)).send(body);
}
