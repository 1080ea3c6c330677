import { DataSource } from 'typeorm';
import { SqlDialect } from '@app/database';
import { EventSequencer, ListEvents } from '@app/events';
import { IngestPushedRecords } from '@app/task';
import { asAccount, Harness, startHarness } from './support/harness';
import { grantBot } from './support/factories';
import { PushedTask, pushedRecord, pushRecords, startPushedTask } from './support/pushes';
import { sample } from './operations/ops-stack';
import { expectCountersExact } from './support/stats-counters';
import { ApiError, bodyOf, CallbackResultResponse, ContactPageResponse, typed } from './support/api-types';

const FIRM = 7901;
const me = asAccount(FIRM, 1);

/** The use case's ingest step (the task lib's RecordIngestor, internal to it), reached for a test hook. */
type Ingest = (
  manager: unknown,
  pages: readonly { task: { id: unknown }; records: readonly { recordId: string }[] }[],
  options?: unknown,
) => Promise<unknown>;
interface Internals {
  ingestor: { ingestMany: Ingest };
  queues: Map<string, unknown[]>;
}

/**
 * Pushes of one task that arrive together share a transaction (group commit, IngestPushedRecords): each push
 * still answers with its own counts once its records are committed, each record is stored once, its events
 * are written once with the task's sequences, and a push that fails a shared transaction fails alone.
 */
describe('pushed results arriving together', () => {
  let h: Harness;
  let ingestor: { ingestMany: Ingest };
  let realIngest: Ingest;

  beforeAll(async () => {
    // The simulator's own calls are slow, never pushed and never synced here: only the test's pushes count. One
    // push lane: the cases below hold a transaction and expect every other task's pushes to wait behind it (the
    // lanes have their own suite, at the end).
    h = await startHarness({ simulator: { callMs: 60_000 }, env: { SYNC_PUSH_LANES: '1' } });
    await grantBot(h, FIRM);
    ingestor = h.api.get<IngestPushedRecords, Internals>(IngestPushedRecords).ingestor;
    realIngest = ingestor.ingestMany.bind(ingestor);
  });

  afterEach(() => {
    ingestor.ingestMany = realIngest;
  });

  afterAll(async () => {
    await h.close();
  });

  const startTask = (count: number, from: number): Promise<PushedTask> => startPushedTask(h, FIRM, count, from);
  const record = (recordId: string, ref: string, intention: number) => pushedRecord(recordId, ref, intention);
  const push = (campaignId: string, records: unknown[]) => pushRecords(h, campaignId, records);

  /** Holds the task's first transaction at its ingest until released; resolves `entered` when it is there. */
  function holdFirstIngest(): { entered: Promise<void>; release: () => void } {
    let release!: () => void;
    let entered!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const reached = new Promise<void>((resolve) => (entered = resolve));
    let first = true;
    ingestor.ingestMany = async (manager, pages, options) => {
      if (first) {
        first = false;
        entered();
        await gate;
      }
      return realIngest(manager, pages, options);
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
    const guarded = ingestor.ingestMany;
    // A record the ingest cannot take (as a fault of the database would be): any transaction holding it fails.
    ingestor.ingestMany = async (manager, pages, options) => {
      if (pages.some((p) => p.records.some((r) => r.recordId === 'rec_poison'))) throw new Error('poisoned record');
      return guarded(manager, pages, options);
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

  /** The push transactions from now on (not the sync's, which a campaign's end starts), as their pages' task ids. */
  function watchTransactions(): string[][] {
    const seen: string[][] = [];
    const inner = ingestor.ingestMany;
    ingestor.ingestMany = async (manager, pages, options) => {
      if ((options as { lockedTogether?: boolean } | undefined)?.lockedTogether)
        seen.push([...new Set(pages.map((p) => String(p.task.id)))].sort());
      return inner(manager, pages, options);
    };
    return seen;
  }

  async function storedOf(taskId: string): Promise<string[]> {
    const rows = await h.api
      .get(DataSource)
      .query<{ record_id: string }[]>(
        'SELECT record_id FROM ai_visitor_call_record WHERE task_id = ? ORDER BY record_id',
        [taskId],
      );
    return rows.map((r) => r.record_id);
  }

  it("pushes of several tasks share one transaction: each task's records stored once, its events in its own sequence", async () => {
    const a = await startTask(4, 300);
    const b = await startTask(4, 400);
    const before = await coalesced();
    const held = holdFirstIngest();
    const first = push(a.campaignId, [record('rec_x_a0', a.contactIds[0], 1)]).then((r) =>
      typed<CallbackResultResponse>(r),
    );
    await held.entered;
    const transactions = watchTransactions();
    const others = [0, 1, 2, 3].flatMap((i) => [
      push(b.campaignId, [record(`rec_x_b${i}`, b.contactIds[i], i % 2)]).then((r) => typed<CallbackResultResponse>(r)),
      ...(i > 0
        ? [
            push(a.campaignId, [record(`rec_x_a${i}`, a.contactIds[i], 0)]).then((r) =>
              typed<CallbackResultResponse>(r),
            ),
          ]
        : []),
    ]);
    await waitingPushes(b.taskId, 4);
    await waitingPushes(a.taskId, 3);
    held.release();

    const answers = await Promise.all([first, ...others]);
    expect(answers.map((x) => [x.status, x.body.stored])).toEqual(answers.map(() => [200, 1]));
    const after = await coalesced();
    expect(after.transactions - before.transactions).toBe(2); // the first push's, then one for both tasks' 7
    expect(after.pushes - before.pushes).toBe(8);
    expect(transactions).toEqual([[a.taskId, b.taskId].sort()]);
    expect(await storedOf(a.taskId)).toEqual(['rec_x_a0', 'rec_x_a1', 'rec_x_a2', 'rec_x_a3']);
    expect(await storedOf(b.taskId)).toEqual(['rec_x_b0', 'rec_x_b1', 'rec_x_b2', 'rec_x_b3']);

    await h.api.get(EventSequencer).sequenceAll();
    for (const { taskId, interested } of [
      { taskId: a.taskId, interested: 1 },
      { taskId: b.taskId, interested: 2 },
    ]) {
      const events = (
        await h.api
          .get(ListEvents)
          .execute({ firmId: String(FIRM), taskId, types: ['contact.called', 'candidate.interested'], limit: 1000 })
      ).items;
      expect(events.filter((e) => e.type === 'contact.called')).toHaveLength(4);
      expect(events.filter((e) => e.type === 'candidate.interested')).toHaveLength(interested);
      // Each task's own sequences: one each, none repeated, none skipped, whatever the other task took.
      const sequences = events.map((e) => Number(e.sequence)).sort((x, y) => x - y);
      expect(new Set(sequences).size).toBe(sequences.length);
      expect(sequences[sequences.length - 1] - sequences[0]).toBe(sequences.length - 1);
    }
    await expectCountersExact(h.api.get(DataSource));
  });

  it("a push that fails a transaction shared by several tasks fails alone: the other tasks' pushes are stored", async () => {
    const a = await startTask(3, 500);
    const b = await startTask(3, 600);
    const held = holdFirstIngest();
    const first = push(a.campaignId, [record('rec_y_a0', a.contactIds[0], 0)]).then((r) =>
      typed<CallbackResultResponse>(r),
    );
    await held.entered;
    const guarded = ingestor.ingestMany;
    ingestor.ingestMany = async (manager, pages, options) => {
      if (pages.some((p) => p.records.some((r) => r.recordId === 'rec_y_poison'))) throw new Error('poisoned record');
      return guarded(manager, pages, options);
    };
    const others = [
      push(b.campaignId, [record('rec_y_poison', b.contactIds[0], 0)]),
      push(a.campaignId, [record('rec_y_a1', a.contactIds[1], 0)]),
      push(b.campaignId, [record('rec_y_b1', b.contactIds[1], 0)]),
    ].map((p) => p.then((r) => typed<CallbackResultResponse>(r)));
    await waitingPushes(b.taskId, 2);
    await waitingPushes(a.taskId, 1);
    held.release();

    const answers = await Promise.all([first, ...others]);
    expect(answers.map((x) => x.status)).toEqual([200, 500, 200, 200]);
    expect(await storedOf(a.taskId)).toEqual(['rec_y_a0', 'rec_y_a1']);
    expect(await storedOf(b.taskId)).toEqual(['rec_y_b1']);
    await expectCountersExact(h.api.get(DataSource));
  });

  it('a shared transaction locks its tasks in id order, whatever order their pushes came in', async () => {
    const c = await startTask(1, 700);
    const low = await startTask(2, 710);
    const high = await startTask(2, 720);
    expect(BigInt(low.taskId) < BigInt(high.taskId)).toBe(true);
    const dialect = h.api.get(SqlDialect);
    const lockMany = dialect.lockMany.bind(dialect);
    const locked: string[][] = [];
    const spy = jest.spyOn(dialect, 'lockMany').mockImplementation((manager, target, ids) => {
      locked.push(ids.map(String));
      return lockMany(manager, target, ids);
    });
    const db = h.api.get(DataSource);
    // On MySQL/MariaDB, another transaction holds the higher task's row: the shared transaction must hold the lower
    // one already while it waits for it (it locked in id order, though the higher task's push came first).
    const other = h.db.kind === 'mysql' ? db.createQueryRunner() : undefined;
    try {
      const held = holdFirstIngest();
      // (A supertest request is sent once it is awaited or then'd.)
      const first = push(c.campaignId, [record('rec_z_c0', c.contactIds[0], 0)]).then((r) => r);
      await held.entered;
      const pushes = [
        push(high.campaignId, [record('rec_z_h0', high.contactIds[0], 0)]).then((r) => r),
        push(low.campaignId, [record('rec_z_l0', low.contactIds[0], 0)]).then((r) => r),
      ];
      await waitingPushes(high.taskId, 1);
      await waitingPushes(low.taskId, 1);
      if (other) {
        await other.connect();
        await other.startTransaction();
        await other.query('SELECT id FROM ai_visitor_task WHERE id = ? FOR UPDATE', [high.taskId]);
      }
      held.release();
      if (other) {
        let lowHeld = false;
        for (let i = 0; i < 200 && !lowHeld; i++) {
          lowHeld = await db
            .transaction((m) => m.query('SELECT id FROM ai_visitor_task WHERE id = ? FOR UPDATE NOWAIT', [low.taskId]))
            .then(
              () => false,
              () => true,
            );
          if (!lowHeld) await new Promise((r) => setTimeout(r, 25));
        }
        expect(lowHeld).toBe(true);
        await other.commitTransaction();
      }
      const answers = await Promise.all([first, ...pushes]);
      expect(answers.map((x) => x.status)).toEqual([200, 200, 200]);
      expect(locked).toContainEqual([low.taskId, high.taskId]);
      expect(await storedOf(low.taskId)).toEqual(['rec_z_l0']);
      expect(await storedOf(high.taskId)).toEqual(['rec_z_h0']);
    } finally {
      spy.mockRestore();
      if (other?.isTransactionActive) await other.rollbackTransaction();
      await other?.release();
    }
  });

  it('a push for a campaign nobody recorded is refused at once, and remembered by no one', async () => {
    const body = [record('rec_x', '1', 0)];
    await push('campaign-unknown', body).expect(404);
    const answer = typed<ApiError>(await push('campaign-unknown', body).expect(404));
    expect(answer.body.code).toBe('CAMPAIGN_NOT_FOUND');
  });
});

/**
 * Push lanes (SYNC_PUSH_LANES): an API process runs one push transaction at a time, and starts another beside it
 * only once it has run IngestPushedRecords.LANE_PATIENCE_MS, for the other tasks' pushes. A transaction held up (by
 * a task lock another transaction holds: a sync page, a campaign's end) holds back its own task's pushes; another
 * task's is stored and answered meanwhile (docs/architecture.md, "Progress bounds"). The embedded database runs one
 * transaction at a time, so it keeps one lane whatever the setting, and there a held transaction holds every push.
 */
describe('pushed results of tasks in different lanes', () => {
  const LANE_FIRM = 7902;
  let h: Harness;
  let ingestor: { ingestMany: Ingest };

  beforeAll(async () => {
    h = await startHarness({ simulator: { callMs: 60_000 }, env: { SYNC_PUSH_LANES: '2' } });
    await grantBot(h, LANE_FIRM);
    ingestor = h.api.get<IngestPushedRecords, Internals>(IngestPushedRecords).ingestor;
  });

  afterAll(async () => {
    await h.close();
  });

  const startTask = (from: number) => startPushedTask(h, LANE_FIRM, 2, from);
  const push = (campaignId: string, recordId: string, ref: string) =>
    pushRecords(h, campaignId, [pushedRecord(recordId, ref, 0)]).then((r) => typed<CallbackResultResponse>(r));

  it("a push transaction held up holds back its own lane's pushes only", async () => {
    // Two tasks (in different lanes when lanes were fixed by task id: consecutive ids differ in parity).
    const a = await startTask(800);
    const b = await startTask(810);
    expect(BigInt(a.taskId) % 2n).not.toBe(BigInt(b.taskId) % 2n);

    const realIngest = ingestor.ingestMany.bind(ingestor);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const held = new Promise<void>((resolve) => (entered = resolve));
    ingestor.ingestMany = async (manager, pages, options) => {
      if (pages.some((p) => String(p.task.id) === a.taskId)) {
        entered();
        await gate;
      }
      return realIngest(manager, pages, options);
    };
    try {
      const first = push(a.campaignId, 'rec_lane_a0', a.contactIds[0]);
      await held;
      // a's lane is held: a's next push waits for it.
      let aSecondAnswered = false;
      const second = push(a.campaignId, 'rec_lane_a1', a.contactIds[1]).then((r) => {
        aSecondAnswered = true;
        return r;
      });
      const queues = h.api.get<IngestPushedRecords, Internals>(IngestPushedRecords).queues;
      for (let i = 0; i < 400 && (queues.get(a.taskId)?.length ?? 0) < 1; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(queues.get(a.taskId)).toHaveLength(1);

      const other = push(b.campaignId, 'rec_lane_b0', b.contactIds[0]);
      if (h.db.kind === 'mysql') {
        // b's lane is free: its push is stored and answered while a's transaction is still held.
        const answer = await other;
        expect([answer.status, answer.body.stored]).toEqual([200, 1]);
        expect(aSecondAnswered).toBe(false);
        const rows = await h.api
          .get(DataSource)
          .query<{ n: string | number }[]>('SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE task_id = ?', [
            b.taskId,
          ]);
        expect(Number(rows[0].n)).toBe(1);
        release();
      } else {
        // One lane on the embedded database: b's push waits behind a's transaction like a's own.
        for (let i = 0; i < 400 && (queues.get(b.taskId)?.length ?? 0) < 1; i++)
          await new Promise((r) => setTimeout(r, 10));
        expect(queues.get(b.taskId)).toHaveLength(1);
        release();
        expect([(await other).status, (await other).body.stored]).toEqual([200, 1]);
      }
      const answers = await Promise.all([first, second]);
      expect(answers.map((x) => [x.status, x.body.stored])).toEqual([
        [200, 1],
        [200, 1],
      ]);
      await expectCountersExact(h.api.get(DataSource));
    } finally {
      release();
      ingestor.ingestMany = realIngest;
    }
  });
});
