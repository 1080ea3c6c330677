import axios from 'axios';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { asAccount, Harness, SIMULATOR_KEY, startHarness, signedPushHeaders } from './support/harness';
import { contacts, createTask, grantBot, syncUntil } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { sample } from './operations/ops-stack';
import { expectCountersExact } from './support/stats-counters';
import { LONG_FAIL_REASON } from '../apps/robot-call-simulator/src/faults/fault-injector.service';
import { bodyOf, ContactPageResponse, EventPageResponse, parseAs, TaskResponse } from './support/api-types';
import { DbValue } from './support/db-rows';

/** The platform's long fail_reason cut to the column's 16 characters (characters, not bytes: MySQL's VARCHAR). */
const CUT_FAIL_REASON = [...LONG_FAIL_REASON].slice(0, 16).join('');

async function setFaults(h: Harness, faults: Record<string, number>): Promise<void> {
  await axios.put(`${h.simulator.baseUrl}/_simulator/faults`, faults, {
    headers: { Authorization: `Bearer ${SIMULATOR_KEY}` },
  });
}

async function metrics(h: Harness): Promise<string> {
  return (await h.http().get('/metrics').expect(200)).text;
}

const unfit = (text: string, field: string, action: string) =>
  sample(text, 'aiv_ingest_unfit_values_total', { field, action }) ?? 0;

/** Runs `work`, failing instead of waiting for ever when it does not settle within `ms`. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function dialledOut(h: Harness, campaignId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await groundTruth(h.simulator.baseUrl, [campaignId])).campaigns[0]?.status === 3) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`campaign ${campaignId} did not finish dialling`);
}

describe('a call record whose values do not fit the database', () => {
  const FIRM = 7701;
  const me = asAccount(FIRM, 1);
  let h: Harness;

  beforeAll(async () => {
    // Every call fails, and every fail_reason is the platform's long free text.
    h = await startHarness({ simulator: { connectRate: 0, longFailReasonRate: 1 } });
    await grantBot(h, FIRM);
  });

  afterAll(async () => {
    await h.close();
  });

  it('polled: is stored with fail_reason cut to its column and a warning, and never blocks the page or the task', async () => {
    const before = await metrics(h);
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(6, 100), batchSize: 6, maxAttempts: 1 });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);

    await syncUntil(h, FIRM, 1, taskId, 5, 60);

    const items = bodyOf<ContactPageResponse>(
      await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200),
    ).items;
    expect(items).toHaveLength(6);
    for (const contact of items)
      expect(contact).toMatchObject({ status: 3, callResult: 2, failReason: CUT_FAIL_REASON });
    expect((await h.http().get(`/v1/tasks/${taskId}/stats`).set(me).expect(200)).body).toMatchObject({
      done: 6,
      failed: 6,
    });
    const csv = (await h.http().get(`/v1/tasks/${taskId}/contacts.csv`).set(me).expect(200)).text;
    expect(csv.split(CUT_FAIL_REASON)).toHaveLength(7);
    const after = await metrics(h);
    expect(unfit(after, 'fail_reason', 'cut') - unfit(before, 'fail_reason', 'cut')).toBe(6);
  });

  describe('pushed by the platform, through the same ingest', () => {
    it('cuts a long fail_reason, stores a record id too long for its column under a digest (distinct, idempotent), rejects a ref that names no contact', async () => {
      const before = await metrics(h);
      await setFaults(h, { longFailReasonRate: 0 });
      // The simulator dials these contacts too: once the test's push has given each its result, the campaign's end
      // is followed and its own records (ids rec_0…) are read and stored as history; only the pushed ones count here.
      const taskId = await createTask(h, FIRM, 1, { contacts: contacts(3, 300), batchSize: 3 });
      const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200));
      const ids = bodyOf<ContactPageResponse>(
        await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200),
      ).items.map((c: { id: string }) => c.id);
      const common = `rec_${'x'.repeat(70)}_`; // 75 characters before the last one: two ids alike in their first 64
      const record = (recordId: string, ref: string, extra: Record<string, unknown> = {}) => ({
        record_id: recordId,
        ref,
        call_result: 2,
        fail_reason: 'no_answer',
        intention: 0,
        duration_sec: 0,
        called_at: new Date().toISOString(),
        ...extra,
      });
      const body = JSON.stringify({
        campaign_id: started.activeCampaign!.campaignId,
        records: [
          record('rec_push_long_reason', ids[0], { fail_reason: LONG_FAIL_REASON }),
          record(`${common}A`, ids[1]),
          record(`${common}B`, ids[2]),
          record('rec_push_bad_ref', 'x'.repeat(80)),
        ],
      });

      const first = await h.http().post('/v1/callbacks/robot-call').set(signedPushHeaders(body)).send(body).expect(200);
      const replay = await h
        .http()
        .post('/v1/callbacks/robot-call')
        .set(signedPushHeaders(body))
        .send(body)
        .expect(200);

      expect(first.body).toEqual({ received: 4, stored: 3 });
      expect(replay.body).toEqual({ received: 4, stored: 0 });
      const items = bodyOf<ContactPageResponse>(
        await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200),
      ).items;
      expect(items.map((c) => c.failReason)).toEqual([CUT_FAIL_REASON, 'no_answer', 'no_answer']);
      const stored = await h.api
        .get(DataSource)
        .query<{ record_id: string }[]>(
          "SELECT record_id FROM ai_visitor_call_record WHERE task_id = ? AND record_id NOT LIKE 'rec_0%' ORDER BY record_id",
          [taskId],
        );
      expect(stored).toHaveLength(3);
      for (const { record_id } of stored) expect(record_id.length).toBeLessThanOrEqual(64);
      expect(stored.filter((r) => r.record_id.startsWith('sha256:'))).toHaveLength(2);
      const after = await metrics(h);
      // Counted each time received: the push and its replay.
      expect(unfit(after, 'fail_reason', 'cut') - unfit(before, 'fail_reason', 'cut')).toBe(2);
      expect(unfit(after, 'record_id', 'hashed') - unfit(before, 'record_id', 'hashed')).toBe(4);
      expect(unfit(after, 'ref', 'rejected') - unfit(before, 'ref', 'rejected')).toBe(2);
    });

    it('tells campaign ids apart byte for byte: two campaigns whose ids differ only in case are recorded, each push reaches its own', async () => {
      const ds = h.api.get(DataSource);
      const first = await createTask(h, FIRM, 1, { contacts: contacts(2, 500), batchSize: 2, maxAttempts: 1 });
      const second = await createTask(h, FIRM, 1, { contacts: contacts(2, 510), batchSize: 2, maxAttempts: 1 });
      for (const id of [first, second]) await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
      // The platform answered ids that differ only in case (its ids are case-sensitive): both must be recordable.
      await ds.query("UPDATE ai_visitor_call_task SET campaign_id = 'cmp_Case' WHERE task_id = ?", [first]);
      await ds.query("UPDATE ai_visitor_call_task SET campaign_id = 'cmp_case' WHERE task_id = ?", [second]);
      const contactOf = async (taskId: string) =>
        bodyOf<ContactPageResponse>(await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200)).items[0].id;
      for (const [campaignId, taskId, recordId] of [
        ['cmp_Case', first, 'rec_case_1'],
        ['cmp_case', second, 'rec_case_2'],
      ] as const) {
        const body = JSON.stringify({
          campaign_id: campaignId,
          records: [
            {
              record_id: recordId,
              ref: await contactOf(taskId),
              call_result: 2,
              fail_reason: 'no_answer',
              intention: 0,
              duration_sec: 0,
              called_at: new Date().toISOString(),
            },
          ],
        });
        expect(
          (await h.http().post('/v1/callbacks/robot-call').set(signedPushHeaders(body)).send(body).expect(200)).body,
        ).toEqual({ received: 1, stored: 1 });
      }
      const stored = await ds.query<{ record_id: string; task_id: string | number }[]>(
        "SELECT record_id, task_id FROM ai_visitor_call_record WHERE record_id IN ('rec_case_1', 'rec_case_2') ORDER BY record_id",
      );
      expect(stored.map((r) => [r.record_id, String(r.task_id)])).toEqual([
        ['rec_case_1', first],
        ['rec_case_2', second],
      ]);
      for (const id of [first, second]) await h.http().post(`/v1/tasks/${id}/cancel`).set(me).expect(200);
    });

    it('tells record ids apart byte for byte: ids differing only in case, or by a trailing space, are distinct records, each with its event', async () => {
      const errors = jest.spyOn(Logger.prototype, 'error');
      try {
        // A fifth contact gets no pushed result, so these pushes never end the campaign: nothing reads the
        // simulator's own records of it (a campaign's end would be followed and read to its last record).
        const taskId = await createTask(h, FIRM, 1, { contacts: contacts(5, 400), batchSize: 5, maxAttempts: 1 });
        const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200));
        const all: string[] = bodyOf<ContactPageResponse>(
          await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200),
        ).items.map((c: { id: string }) => c.id);
        const ids = all.slice(0, 4);
        const push = (records: [recordId: string, ref: string][]) => {
          const body = JSON.stringify({
            campaign_id: started.activeCampaign!.campaignId,
            records: records.map(([recordId, ref]) => ({
              record_id: recordId,
              ref,
              call_result: 2,
              fail_reason: 'no_answer',
              intention: 0,
              duration_sec: 0,
              called_at: new Date().toISOString(),
            })),
          });
          return h.http().post('/v1/callbacks/robot-call').set(signedPushHeaders(body)).send(body).expect(200);
        };
        // Across pushes (the id read back as known) and within one (the insert's unique key), in both spellings.
        const recordIds = ['rec_A1', 'rec_a1', 'rec_B2', 'rec_B2 '];
        expect((await push([[recordIds[0], ids[0]]])).body).toEqual({ received: 1, stored: 1 });
        expect(
          (
            await push([
              [recordIds[1], ids[1]],
              [recordIds[2], ids[2]],
              [recordIds[3], ids[3]],
            ])
          ).body,
        ).toEqual({ received: 3, stored: 3 });

        const ds = h.api.get(DataSource);
        const stored = await ds.query<{ record_id: string; contact_id: string | number }[]>(
          'SELECT record_id, contact_id FROM ai_visitor_call_record WHERE task_id = ?',
          [taskId],
        );
        const byRecord = Object.fromEntries(stored.map((r) => [r.record_id, String(r.contact_id)]));
        expect(byRecord).toEqual(Object.fromEntries(recordIds.map((recordId, i) => [recordId, ids[i]])));
        // Each contact moved on once, by its own record.
        const items = bodyOf<ContactPageResponse>(
          await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200),
        ).items;
        expect(
          items.slice(0, 4).map((c: { id: string; status: number; attempts: number }) => [c.id, c.status, c.attempts]),
        ).toEqual(ids.map((id) => [id, 3, 1]));
        const lastRecords = await ds.query<{ id: string | number; record_id: string }[]>(
          'SELECT id, record_id FROM ai_visitor_list WHERE task_id = ? AND record_id IS NOT NULL',
          [taskId],
        );
        expect(Object.fromEntries(lastRecords.map((c) => [String(c.id), c.record_id]))).toEqual(
          Object.fromEntries(ids.map((id, i) => [id, recordIds[i]])),
        );

        // Every contact.called renders from its own stored record.
        await h.relay();
        const feed = bodyOf<EventPageResponse>(
          await h.http().get(`/v1/events?taskId=${taskId}&types=contact.called&limit=100`).set(me).expect(200),
        ).items;
        expect(feed.map((e) => [e.data.recordId, e.data.contactId])).toEqual(
          recordIds.map((recordId, i) => [recordId, ids[i]]),
        );
        expect(errors.mock.calls.map((call) => String(call[0])).filter((line) => line.includes('is missing'))).toEqual(
          [],
        );
      } finally {
        errors.mockRestore();
      }
    });
  });

  it('left the statistics counters equal to the contacts they count', async () => {
    await expectCountersExact(h.api.get(DataSource));
  });
});

describe('paging that does not advance', () => {
  const FIRM = 7702;
  const me = asAccount(FIRM, 1);
  let h: Harness;

  beforeAll(async () => {
    // Pages of two records; every answer with more records beyond its page hands back the cursor it was asked with.
    h = await startHarness({
      simulator: { connectRate: 1, intentionMix: { 0: 0, 1: 1, 2: 0, 3: 0, 4: 0 }, stuckCursorRate: 1 },
      env: { SYNC_PAGE_SIZE: '2' },
    });
    await grantBot(h, FIRM);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await h.close();
  });

  it('ends the pass for that task with a logged error and a metric, keeping the page it read; reading goes on once the platform pages again', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(6, 100), batchSize: 6, maxAttempts: 1 });
    const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200));
    await dialledOut(h, started.activeCampaign!.campaignId!);
    const errors = jest.spyOn(Logger.prototype, 'error');
    const before = await metrics(h);

    // First page: has_more true and no next_cursor at all. Then the same again on the next pass.
    const summary = await within(15_000, 'a sync pass over a campaign whose paging never advances', h.sync());
    await within(15_000, 'a second sync pass', h.sync());

    expect(summary).toMatchObject({ tasks: 1, failed: 0, recordsStored: 2 });
    expect((await h.http().get(`/v1/tasks/${taskId}/stats`).set(me).expect(200)).body).toMatchObject({
      done: 2,
      inCampaign: 4,
    });
    expect((await h.http().get(`/v1/tasks/${taskId}`).set(me).expect(200)).body).toMatchObject({
      status: 3,
      activeCampaign: { status: 1 },
    });
    const logged = errors.mock.calls.map((call) => String(call[0]));
    expect(logged.filter((line) => line.includes('next_cursor') && line.includes(taskId))).toHaveLength(2);
    const after = await metrics(h);
    expect(
      (sample(after, 'aiv_sync_paging_stalls_total') ?? 0) - (sample(before, 'aiv_sync_paging_stalls_total') ?? 0),
    ).toBe(2);

    // Past the first page (a cursor stored as a platform that paged once would have), the stuck answer hands back
    // the very cursor it was asked with: the same error.
    await h.api
      .get(DataSource)
      .query("UPDATE ai_visitor_call_task SET detail_cursor = '2' WHERE task_id = ?", [taskId]);
    await within(15_000, 'a sync pass from a stored cursor', h.sync());
    expect((await h.http().get(`/v1/tasks/${taskId}/stats`).set(me).expect(200)).body).toMatchObject({ done: 4 });
    expect(
      sample(await metrics(h), 'aiv_sync_paging_stalls_total')! - (sample(before, 'aiv_sync_paging_stalls_total') ?? 0),
    ).toBe(3);

    await setFaults(h, { stuckCursorRate: 0 });
    await syncUntil(h, FIRM, 1, taskId, 5, 20);
    const [{ n }] = await h.api
      .get(DataSource)
      .query<{ n: DbValue }[]>('SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE task_id = ?', [taskId]);
    expect(Number(n)).toBe(6);
    expect((await h.http().get(`/v1/tasks/${taskId}/stats`).set(me).expect(200)).body).toMatchObject({
      done: 6,
      inCampaign: 0,
    });
  });
});

/**
 * A platform whose cursors are long opaque tokens: a proxy in front of the simulator that hands out each
 * `next_cursor` stretched to 80 characters and gives the simulator back its own when one is sent.
 */
async function startCursorStretcher(): Promise<{ url: string; target: string; close(): Promise<void> }> {
  const PAD = `opaque-${'x'.repeat(70)}:`;
  const state = { url: '', target: '', close: (): Promise<void> => Promise.resolve() };
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => void onEnd());
    const onEnd = async () => {
      const detail = req.url === '/robot_call_campaign_detail';
      const body = text ? parseAs<{ cursor?: unknown }>(text) : {};
      if (detail && typeof body.cursor === 'string') body.cursor = body.cursor.split(':').pop();
      const answer = await fetch(state.target + req.url, {
        method: req.method,
        headers: { 'Content-Type': 'application/json', Authorization: req.headers.authorization ?? '' },
        body: JSON.stringify(body),
      });
      const envelope = (await answer.json()) as { data?: { next_cursor?: unknown } };
      if (detail && typeof envelope.data?.next_cursor === 'string')
        envelope.data.next_cursor = PAD + envelope.data.next_cursor;
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(envelope));
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

describe('a paging cursor too long for its column', () => {
  const FIRM = 7703;
  const me = asAccount(FIRM, 1);
  let h: Harness;
  let stretcher: Awaited<ReturnType<typeof startCursorStretcher>>;

  beforeAll(async () => {
    stretcher = await startCursorStretcher();
    h = await startHarness({
      simulator: { connectRate: 1, intentionMix: { 0: 0, 1: 1, 2: 0, 3: 0, 4: 0 } },
      env: { SYNC_PAGE_SIZE: '2', ROBOT_CALL_BASE_URL: stretcher.url },
    });
    stretcher.target = h.simulator.baseUrl;
    await grantBot(h, FIRM);
  });

  afterAll(async () => {
    await h.close();
    await stretcher.close();
  });

  it('is followed in the pass but not stored, with a warning; every record is stored once and the task completes', async () => {
    const before = await metrics(h);
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(6, 100), batchSize: 6, maxAttempts: 1 });
    const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200));
    await dialledOut(h, started.activeCampaign!.campaignId!);

    const summary = await within(15_000, 'a sync pass over long cursors', h.sync());

    expect(summary).toMatchObject({ failed: 0, recordsStored: 6, completed: 1 });
    expect(bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(me).expect(200)).status).toBe(5);
    expect((await h.http().get(`/v1/tasks/${taskId}/stats`).set(me).expect(200)).body).toMatchObject({ done: 6 });
    // Three pages, each handing a cursor of 80 characters.
    expect(unfit(await metrics(h), 'next_cursor', 'not_saved') - unfit(before, 'next_cursor', 'not_saved')).toBe(3);
    const [{ stored_cursor: storedCursor }] = await h.api
      .get(DataSource)
      .query<{ stored_cursor: DbValue }[]>(
        'SELECT detail_cursor AS stored_cursor FROM ai_visitor_call_task WHERE task_id = ?',
        [taskId],
      );
    expect(storedCursor).toBeNull();
  });
});
