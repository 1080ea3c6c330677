import { DataSource } from 'typeorm';
import { EventSequencer, ListEvents } from '@app/events';
import { IngestPushedRecords } from '@app/task';
import { asAccount, Harness, signedPushHeaders, startHarness } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';
import { sample } from './operations/ops-stack';
import { expectCountersExact } from './support/stats-counters';
import {
  ApiError,
  bodyOf,
  CallbackResultResponse,
  ContactPageResponse,
  TaskResponse,
  typed,
} from './support/api-types';

const FIRM = 7901;
const me = asAccount(FIRM, 1);

interface Started {
  taskId: string;
  campaignId: string;
  contactIds: string[];
}

/** The use case's ingest step (the task lib's RecordIngestor, internal to it), reached for a test hook. */
type Ingest = (manager: unknown, command: { records: readonly { recordId: string }[] }) => Promise<unknown>;
interface Internals {
  ingestor: { ingest: Ingest };
  queues: Map<string, unknown[]>;
}

/**
 * Pushes of one task that arrive together share a transaction (group commit, IngestPushedRecords): each push
 * still answers with its own counts once its records are committed, each record is stored once, its events
 * are written once with the task's sequences, and a push that fails a shared transaction fails alone.
 */
describe('pushed results arriving together', () => {
  let h: Harness;
  let ingestor: { ingest: Ingest };
  let realIngest: Ingest;

  beforeAll(async () => {
    // The simulator's own calls are slow, never pushed and never synced here: only the test's pushes count.
    h = await startHarness({ simulator: { callMs: 60_000 } });
    await grantBot(h, FIRM);
    ingestor = h.api.get<IngestPushedRecords, Internals>(IngestPushedRecords).ingestor;
    realIngest = ingestor.ingest.bind(ingestor);
  });

  afterEach(() => {
    ingestor.ingest = realIngest;
  });

  afterAll(async () => {
    await h.close();
  });

  async function startTask(count: number, from: number): Promise<Started> {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(count, from), batchSize: count, maxAttempts: 1 });
    const started = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200));
    const items = bodyOf<ContactPageResponse>(
      await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).query({ pageSize: 100 }).expect(200),
    ).items;
    return {
      taskId,
      campaignId: started.activeCampaign!.campaignId!,
      contactIds: items.map((c: { id: string }) => c.id),
    };
  }

  const record = (recordId: string, ref: string, intention: number) => ({
    record_id: recordId,
    ref,
    call_result: 1,
    fail_reason: null,
    intention,
    duration_sec: 30,
    called_at: new Date().toISOString(),
  });

  function push(campaignId: string, records: unknown[]) {
    const body = JSON.stringify({ campaign_id: campaignId, records });
    return h.http().post('/v1/callbacks/robot-call').set(signedPushHeaders(body)).send(body);
  }

  /** Holds the task's first transaction at its ingest until released; resolves `entered` when it is there. */
  function holdFirstIngest(): { entered: Promise<void>; release: () => void } {
    let release!: () => void;
    let entered!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const reached = new Promise<void>((resolve) => (entered = resolve));
    let first = true;
    ingestor.ingest = async (manager, command) => {
      if (first) {
        first = false;
        entered();
        await gate;
      }
      return realIngest(manager, command);
    };
    return { entered: reached, release };
  }

  async function waitingPushes(taskId: string, count: number): Promise<void> {
    const queues = h.api.get<IngestPushedRecords, Internals>(IngestPushedRecords).queues;
    for (let i = 0; i < 400 && (queues.get(taskId)?.length ?? 0) < count; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(queues.get(taskId)).toHaveLength(count);
  }

  const coalesced = async () => {
    const text = (await h.http().get('/metrics').expect(200)).text;
    return {
      transactions: sample(text, 'aiv_push_pushes_per_transaction_count', {}) ?? 0,
      pushes: sample(text, 'aiv_push_pushes_per_transaction_sum', {}) ?? 0,
    };
  };

  it('share the next transaction: every push answered with its own counts, every record stored and announced once', async () => {
    const { taskId, campaignId, contactIds } = await startTask(30, 100);
    const before = await coalesced();
    const held = holdFirstIngest();
    // The first push's transaction is held at its ingest; the others arrive meanwhile and wait in the process.
    const first = push(campaignId, [record('rec_c_0', contactIds[0], 1)]).then((r) => typed<CallbackResultResponse>(r));
    await held.entered;
    const others = contactIds
      .slice(1)
      .map((id, i) =>
        push(campaignId, [record(`rec_c_${i + 1}`, id, i % 3 === 0 ? 1 : 0)]).then((r) =>
          typed<CallbackResultResponse>(r),
        ),
      );
    // Two pushes repeat records: counted stored by one push only.
    others.push(
      push(campaignId, [record('rec_c_1', contactIds[1], 1), record('rec_c_2', contactIds[2], 0)]).then((r) =>
        typed<CallbackResultResponse>(r),
      ),
    );
    await waitingPushes(taskId, others.length);
    held.release();

    const answers = await Promise.all([first, ...others]);
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(answers.map((a) => a.body.received)).toEqual([1, ...contactIds.slice(1).map(() => 1), 2]);
    expect(answers.reduce((n, a) => n + a.body.stored, 0)).toBe(30);
    expect(answers[0].body.stored).toBe(1);
    expect(answers[answers.length - 1].body.stored).toBe(0); // its records came in earlier pushes of the transaction

    const after = await coalesced();
    expect(after.transactions - before.transactions).toBe(2); // the first push's, then one for the 30 waiting
    expect(after.pushes - before.pushes).toBe(31);

    const db = h.api.get(DataSource);
    const stored = await db.query<{ n: string | number }[]>(
      'SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE task_id = ?',
      [taskId],
    );
    expect(Number(stored[0].n)).toBe(30);
    const items = bodyOf<ContactPageResponse>(
      await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).query({ pageSize: 100 }).expect(200),
    ).items;
    for (const c of items) expect(c).toMatchObject({ status: 3, callResult: 1 });

    await h.api.get(EventSequencer).sequenceAll();
    const called = (
      await h.api
        .get(ListEvents)
        .execute({ firmId: String(FIRM), taskId, types: ['contact.called', 'candidate.interested'], limit: 1000 })
    ).items;
    expect(called.filter((e) => e.type === 'contact.called')).toHaveLength(30);
    expect(called.filter((e) => e.type === 'candidate.interested')).toHaveLength(1 + 10); // rec_c_0 and every third
    // The task's sequences: one each, none repeated, none skipped.
    const sequences = called.map((e) => Number(e.sequence)).sort((a, b) => a - b);
    expect(new Set(sequences).size).toBe(sequences.length);
    expect(sequences[sequences.length - 1] - sequences[0]).toBe(sequences.length - 1);
    await expectCountersExact(db);
  });

  it('a push that fails a shared transaction fails alone: the others are run again one by one and stored', async () => {
    const { taskId, campaignId, contactIds } = await startTask(6, 200);
    const held = holdFirstIngest();
    const first = push(campaignId, [record('rec_p_0', contactIds[0], 0)]).then((r) => typed<CallbackResultResponse>(r));
    await held.entered;
    const guarded = ingestor.ingest;
    // A record the ingest cannot take (as a fault of the database would be): any transaction holding it fails.
    ingestor.ingest = async (manager, command) => {
      if (command.records.some((r) => r.recordId === 'rec_poison')) throw new Error('poisoned record');
      return guarded(manager, command);
    };
    const others = [
      push(campaignId, [record('rec_p_1', contactIds[1], 0)]).then((r) => typed<CallbackResultResponse>(r)),
      push(campaignId, [record('rec_poison', contactIds[2], 0)]).then((r) => typed<CallbackResultResponse>(r)),
      push(campaignId, [record('rec_p_3', contactIds[3], 0), record('rec_p_4', contactIds[4], 0)]).then((r) =>
        typed<CallbackResultResponse>(r),
      ),
    ];
    await waitingPushes(taskId, 3);
    held.release();

    const answers = await Promise.all([first, ...others]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 500, 200]);
    expect(answers.map((a) => a.body.stored)).toEqual([1, 1, undefined, 2]);
    const stored = await h.api
      .get(DataSource)
      .query<{ record_id: string }[]>(
        'SELECT record_id FROM ai_visitor_call_record WHERE task_id = ? ORDER BY record_id',
        [taskId],
      );
    expect(stored.map((r) => r.record_id)).toEqual(['rec_p_0', 'rec_p_1', 'rec_p_3', 'rec_p_4']);
  });

  it('a push for a campaign nobody recorded is refused at once, and remembered by no one', async () => {
    const body = [record('rec_x', '1', 0)];
    await push('campaign-unknown', body).expect(404);
    const answer = typed<ApiError>(await push('campaign-unknown', body).expect(404));
    expect(answer.body.code).toBe('CAMPAIGN_NOT_FOUND');
  });
});
