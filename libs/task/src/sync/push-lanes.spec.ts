import { IngestPushedRecords, IngestPushedRecordsOutcome } from './ingest-pushed-records.usecase';

/**
 * When IngestPushedRecords starts a push transaction (the lanes of SYNC_PUSH_LANES opening on demand), on a fake
 * clock: each transaction (`settle`) is held until the spec releases it, so what runs beside what is exact. The
 * transactions' own work is the e2e suites' (test/push-coalescing.e2e-spec.ts).
 */
describe('push transactions: one at a time, another only beside one held past the patience', () => {
  interface Held {
    tasks: string[];
    release(): void;
  }
  let held: Held[];

  /** When set, the replay check's read fails with it (a connection error when its message says so). */
  let readFails: Error | undefined;

  function usecase(lanes: number, kind: 'mysql' | 'sqlite' = 'mysql'): IngestPushedRecords {
    const stub = (value: object) => value as never;
    const ingest = new IngestPushedRecords(
      stub({ autocommit: {} }),
      // A campaign "cmp_<task>" belongs to call task "<task>0" of task "<task>".
      stub({ findCallTaskByCampaign: (_: unknown, c: string) => ({ id: `${c.slice(4)}0`, taskId: c.slice(4) }) }),
      stub({}),
      stub({}),
      stub({ follow: () => undefined }),
      stub({ now: () => new Date() }),
      stub({ kind, isConnectionError: (e: Error) => e.message.includes('connection') }),
      stub({ pushLanes: lanes }),
      stub({
        inspectMany: (pushes: unknown[]) =>
          readFails
            ? Promise.reject(readFails)
            : Promise.resolve(pushes.map(() => ({ replay: false, notStored: new Set() }))),
      }),
    );
    type Pending = { taskId: string; resolve(o: IngestPushedRecordsOutcome): void }[];
    (ingest as unknown as { settle(batch: Pending): Promise<void> }).settle = (batch) =>
      new Promise<void>((done) =>
        held.push({
          tasks: batch.map((p) => p.taskId),
          release: () => {
            for (const p of batch) p.resolve({ received: 1, stored: 1 });
            done();
          },
        }),
      );
    return ingest;
  }

  const push = (ingest: IngestPushedRecords, task: string, records = 1) =>
    ingest.execute({
      campaignId: `cmp_${task}`,
      records: Array.from({ length: records }, (_, i) => ({ recordId: `rec_${task}_${i}` }) as never),
    });
  const tick = (ms: number) => jest.advanceTimersByTimeAsync(ms);

  beforeEach(() => {
    held = [];
    readFails = undefined;
    jest.useFakeTimers();
  });
  afterEach(() => jest.useRealTimers());

  it('coalesces the pushes arriving while a transaction runs into the next, whatever their task', async () => {
    const ingest = usecase(4);
    const answers = [push(ingest, '1')];
    await tick(0);
    expect(held.map((h) => h.tasks)).toEqual([['1']]);
    answers.push(push(ingest, '2'), push(ingest, '3'), push(ingest, '1'));
    await tick(99);
    expect(held).toHaveLength(1);
    held[0].release();
    await tick(0);
    // (In the order they reached the queue: task 1's campaign was known, so its push got there first.)
    expect(held.map((h) => [...h.tasks].sort())).toEqual([['1'], ['1', '2', '3']]);
    held[1].release();
    await expect(Promise.all(answers)).resolves.toHaveLength(4);
  });

  it("starts another beside a transaction held past the patience, for the other tasks' pushes only", async () => {
    const ingest = usecase(4);
    const answers = [push(ingest, '1')];
    await tick(0);
    answers.push(push(ingest, '1'), push(ingest, '2'));
    await tick(IngestPushedRecords.LANE_PATIENCE_MS - 1);
    expect(held).toHaveLength(1);
    await tick(1);
    // Task 1's second push waits for task 1's transaction: a task's pushes stay in order.
    expect(held.map((h) => h.tasks)).toEqual([['1'], ['2']]);
    held[0].release();
    await tick(0);
    // Task 1 is free, but the transaction of task 2 has just started: task 1's push waits for it or the patience.
    expect(held).toHaveLength(2);
    held[1].release();
    await tick(0);
    expect(held.map((h) => h.tasks)).toEqual([['1'], ['2'], ['1']]);
    held[2].release();
    await expect(Promise.all(answers)).resolves.toHaveLength(3);
  });

  it("starts another at once, patience or not, when a transaction's worth of records waits for it", async () => {
    const full = IngestPushedRecords.FULL_TRANSACTION_RECORDS;
    const ingest = usecase(4);
    void push(ingest, '1', 100);
    await tick(0);
    // Just short of a transaction's worth: they wait for the running one, or the patience.
    void push(ingest, '2', full / 2);
    void push(ingest, '3', full / 2 - 1);
    await tick(0);
    expect(held.map((h) => h.tasks)).toEqual([['1']]);
    // One record more, and they go at once, beside it.
    void push(ingest, '4', 1);
    await tick(0);
    expect(held.map((h) => h.tasks)).toEqual([['1'], ['2', '3', '4']]);
    // A push of the busy task counts for nothing: it waits for its task's transaction.
    void push(ingest, '1', full);
    await tick(0);
    expect(held).toHaveLength(2);
    // Nor does the embedded database open a second transaction for it.
    held = [];
    const embedded = usecase(4, 'sqlite');
    void push(embedded, '1');
    await tick(0);
    void push(embedded, '2', full);
    await tick(0);
    expect(held.map((h) => h.tasks)).toEqual([['1']]);
  });

  it('a database out of reach at the replay check answers the batch and every push waiting, without a transaction', async () => {
    const ingest = usecase(4);
    const first = push(ingest, '1');
    await tick(0);
    const waiting = [push(ingest, '1'), push(ingest, '2')];
    readFails = new Error('no database connection within 4000 ms');
    held[0].release();
    await expect(first).resolves.toEqual({ received: 1, stored: 1 });
    // Answered at once: the transaction would only wait out the same timeout again (past the platform's 5 s).
    for (const answer of waiting) await expect(answer).rejects.toThrow('no database connection');
    expect(held).toHaveLength(1);
    // Another fault of the read leaves the pushes to the transaction, which reads their records under the lock.
    readFails = new Error('a statement of its own failed');
    const answer = push(ingest, '3');
    await tick(0);
    expect(held.map((h) => h.tasks)).toEqual([['1'], ['3']]);
    held[1].release();
    await expect(answer).resolves.toEqual({ received: 1, stored: 1 });
  });

  it('runs SYNC_PUSH_LANES transactions at most, and one on the embedded database', async () => {
    const two = usecase(2);
    void push(two, '1');
    await tick(IngestPushedRecords.LANE_PATIENCE_MS);
    void push(two, '2');
    await tick(IngestPushedRecords.LANE_PATIENCE_MS);
    void push(two, '3');
    await tick(10 * IngestPushedRecords.LANE_PATIENCE_MS);
    expect(held.map((h) => h.tasks)).toEqual([['1'], ['2']]);
    held[0].release();
    await tick(0);
    expect(held.map((h) => h.tasks)).toEqual([['1'], ['2'], ['3']]);

    held = [];
    const embedded = usecase(4, 'sqlite');
    void push(embedded, '1');
    await tick(0);
    void push(embedded, '2');
    await tick(10 * IngestPushedRecords.LANE_PATIENCE_MS);
    expect(held.map((h) => h.tasks)).toEqual([['1']]);
    held[0].release();
    await tick(0);
    expect(held.map((h) => h.tasks)).toEqual([['1'], ['2']]);
  });
});
