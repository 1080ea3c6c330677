import { DataSource } from 'typeorm';
import { PhoneVault } from '@app/core';
import { TransactionRunner } from '@app/database';
import { IngestPushedRecords } from '@app/task';
import { decodeCallRecord } from '@app/campaign-gateway';
import { asAccount, Harness, startHarness } from './support/harness';
import { grantBot } from './support/factories';
import { pushedRecord, pushRecords, startPushedTask } from './support/pushes';
import { groundTruth } from './support/ground-truth';
import {
  ApiError,
  bodyOf,
  CallbackResultResponse,
  ContactPageResponse,
  ContactResponse,
  typed,
} from './support/api-types';

const FIRM = 7911;
const me = asAccount(FIRM, 1);

/** The use case's pushes waiting for the next transaction, per task (internal to it), reached for a test hook. */
interface Internals {
  queues: Map<string, unknown[]>;
  /** Its replay check (ReplayedPushCheck). */
  replays: {
    inspectMany(pushes: unknown[][]): Promise<{ replay: boolean; notStored: ReadonlySet<string> }[]>;
  };
}

/** The one statement a replayed push sends: the pushed record ids read by their unique key (ReplayedPushCheck). */
const PRE_CHECK = /FROM ai_visitor_call_record r LEFT JOIN call_conversation v ON v\.call_record_id = r\.id\s+WHERE/;
/** The ingest's read of which record ids are stored (CallRecordRepository.knownIds). */
const KNOWN_IDS = /^SELECT record_id FROM ai_visitor_call_record WHERE record_id IN/;
/** The read of stored records' ids for their conversations (CallRecordRepository.storedOf). */
const STORED_OF = /SELECT r\.id, r\.record_id, r\.task_id, r\.contact_id, r\.called_at FROM ai_visitor_call_record r/;

/**
 * A push whose records are all stored already (the platform retrying, or a record polled before it was pushed)
 * changes nothing, so it is answered from one indexed read before the task's lock: no transaction, no lock, no
 * write (issue 23). Statements are counted at TypeORM's query runner as in test/queries-per-request, and the
 * transactions at the TransactionRunner every write of the service goes through.
 */
describe('a pushed record already stored', () => {
  let h: Harness;
  let statements: string[] = [];
  let transactions = 0;
  /** When set, the next transaction waits for it before its work (its BEGIN issued, nothing read or written). */
  let hold: Promise<void> | undefined;
  let held: () => void = () => undefined;
  let taskId: string;
  let campaignId: string;
  let contactIds: string[];

  beforeAll(async () => {
    h = await startHarness();
    await grantBot(h, FIRM);
    const logger = h.api.get(DataSource).logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      statements.push(query);
      return logQuery(query, parameters, runner) as unknown;
    };
    const runner = h.api.get(TransactionRunner);
    const run = runner.run.bind(runner);
    runner.run = (work) => {
      transactions += 1;
      const gate = hold;
      hold = undefined;
      if (!gate) return run(work);
      return run(async (manager) => {
        held();
        await gate;
        return work(manager);
      });
    };
    ({ taskId, campaignId, contactIds } = await startTask(10, 100));
  });

  afterAll(async () => {
    await h?.close();
  });

  const startTask = (count: number, from: number) => startPushedTask(h, FIRM, count, from);

  async function contactsOf(id: string): Promise<ContactResponse[]> {
    return bodyOf<ContactPageResponse>(
      await h.http().get(`/v1/tasks/${id}/contacts`).set(me).query({ pageSize: 100 }).expect(200),
    ).items;
  }

  const record = (recordId: string, ref: string, said: Record<string, string | null> = {}) =>
    pushedRecord(recordId, ref, 1, {
      duration_sec: 42,
      recording_url: 'https://recordings.robot-call.example/r/1.mp3',
      transcript: '机器人：您好。\n候选人：你好，请讲。',
      summary: 'Interested.',
      ...said,
    });

  const push = (records: unknown[], campaign = campaignId) => pushRecords(h, campaign, records);

  /** Holds the next transaction after its BEGIN: `reached` once it waits there, `release` lets it go on. */
  function holdNextTransaction(): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    const reached = new Promise<void>((resolve) => (held = resolve));
    return { reached, release };
  }

  /** What one push sent to the database: its statements and the transactions it ran. */
  async function counted(send: () => Promise<unknown>): Promise<{ statements: string[]; transactions: number }> {
    statements = [];
    transactions = 0;
    await send();
    return { statements, transactions };
  }

  const rows = (recordId: string) =>
    h.api
      .get(DataSource)
      .query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE record_id = ?', [
        recordId,
      ])
      .then((r) => Number(r[0].n));

  it('is answered {received, stored: 0} from one read: no transaction, no lock, no write', async () => {
    const first = await counted(async () =>
      expect(typed<CallbackResultResponse>(await push([record('rec_rp_1', contactIds[0])]).expect(200)).body).toEqual({
        received: 1,
        stored: 1,
      }),
    );
    // The counters see a push that stores: its transaction, the task's lock, the writes.
    expect(first.transactions).toBe(1);
    expect(first.statements.some((s) => /INSERT/i.test(s))).toBe(true);
    const contactAfterFirst = (await contactsOf(taskId)).find((c) => c.id === contactIds[0]);

    for (let i = 0; i < 3; i++) {
      const replay = await counted(async () =>
        expect(typed<CallbackResultResponse>(await push([record('rec_rp_1', contactIds[0])]).expect(200)).body).toEqual(
          { received: 1, stored: 0 },
        ),
      );
      expect(replay.transactions).toBe(0);
      expect(replay.statements).toEqual([expect.stringMatching(PRE_CHECK)]);
    }
    expect(await rows('rec_rp_1')).toBe(1);
    expect((await contactsOf(taskId)).find((c) => c.id === contactIds[0])).toEqual(contactAfterFirst);
  });

  it('a push of several stored records, repeated ids included, is one read too', async () => {
    await push([record('rec_rp_2', contactIds[1]), record('rec_rp_3', contactIds[2], { transcript: null })]).expect(
      200,
    );
    const replay = await counted(async () =>
      expect(
        typed<CallbackResultResponse>(
          await push([
            record('rec_rp_3', contactIds[2], { transcript: null }),
            record('rec_rp_2', contactIds[1]),
            record('rec_rp_1', contactIds[0]),
            record('rec_rp_2', contactIds[1]),
          ]).expect(200),
        ).body,
      ).toEqual({ received: 4, stored: 0 }),
    );
    expect(replay.transactions).toBe(0);
    expect(replay.statements).toEqual([expect.stringMatching(PRE_CHECK)]);
  });

  it('a push with one record not stored yet takes the transaction and stores that one, its contact moved on', async () => {
    const before = (await contactsOf(taskId)).find((c) => c.id === contactIds[3])!;
    expect(before.calledAt).toBeNull();
    const mixed = await counted(async () =>
      expect(
        typed<CallbackResultResponse>(
          await push([record('rec_rp_1', contactIds[0]), record('rec_rp_4', contactIds[3])]).expect(200),
        ).body,
      ).toEqual({ received: 2, stored: 1 }),
    );
    expect(mixed.transactions).toBe(1);
    const after = (await contactsOf(taskId)).find((c) => c.id === contactIds[3])!;
    expect(after.calledAt).not.toBeNull();
    expect(after.status).not.toEqual(before.status);
    expect(await rows('rec_rp_1')).toBe(1);
    expect(await rows('rec_rp_4')).toBe(1);
  });

  it('a new record is read once, by the replay check: not again under the lock, and its conversation keyed by the id its insert gave', async () => {
    const sent = await counted(async () =>
      expect(typed<CallbackResultResponse>(await push([record('rec_rp_6', contactIds[6])]).expect(200)).body).toEqual({
        received: 1,
        stored: 1,
      }),
    );
    expect(sent.transactions).toBe(1);
    expect(sent.statements.filter((s) => PRE_CHECK.test(s))).toHaveLength(1);
    expect(sent.statements.filter((s) => KNOWN_IDS.test(s))).toEqual([]);
    // Where the server returns an insert's rows (MariaDB 10.5+, SQLite), the record's id is not read back either.
    const driver = h.api.get(DataSource).driver as { isReturningSqlSupported?(kind: string): boolean };
    if (h.api.get(DataSource).options.type !== 'mariadb' || driver.isReturningSqlSupported?.('insert'))
      expect(sent.statements.filter((s) => STORED_OF.test(s))).toEqual([]);
    const [stored] = await h.api.get(DataSource).query<{ contact_id: string | number; enc: string | null }[]>(
      `SELECT v.contact_id, v.conversation_enc AS enc FROM ai_visitor_call_record r
         JOIN call_conversation v ON v.call_record_id = r.id WHERE r.record_id = ?`,
      ['rec_rp_6'],
    );
    expect(String(stored.contact_id)).toBe(contactIds[6]);
    expect(stored.enc).not.toBeNull();
  });

  it('a record stored between the replay check and the lock fails the insert, and the push runs again: stored once, counted once', async () => {
    // The record is stored by another API process's push after the check found it not stored. That process is
    // this one's use case with queues of its own (its lanes are its own; the database is the same).
    const usecase = h.api.get(IngestPushedRecords);
    const { replays } = usecase as unknown as Internals;
    const otherProcess = Object.assign(Object.create(IngestPushedRecords.prototype) as object, usecase, {
      queues: new Map(),
      busy: new Set(),
      running: new Set(),
      patienceTimer: undefined,
    }) as unknown as IngestPushedRecords;
    const inspectMany = replays.inspectMany.bind(replays);
    const spy = jest.spyOn(replays, 'inspectMany').mockImplementationOnce(async (pushes) => {
      const found = await inspectMany(pushes);
      await otherProcess.execute({ campaignId, records: [decodeCallRecord(record('rec_rp_7', contactIds[7]))] });
      return found;
    });
    try {
      transactions = 0;
      const late = typed<CallbackResultResponse>(await push([record('rec_rp_7', contactIds[7])]).expect(200));
      expect(late.body).toEqual({ received: 1, stored: 0 });
      // The other push's, the one that failed on the record's key, and the one run again.
      expect(transactions).toBe(3);
      expect(await rows('rec_rp_7')).toBe(1);
      const contact = (await contactsOf(taskId)).find((c) => c.id === contactIds[7])!;
      expect(contact.attempts).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('a stored record pushed with a conversation field its stored conversation lacks takes the ingest, which fills it; then it is a replay', async () => {
    // Whether the stored conversation holds a transcript: opened, its fields sealed together ([summary, transcript, link]).
    const transcriptOf = async () =>
      (
        await h.api.get(DataSource).query<{ e: string; k: string }[]>(
          `SELECT v.conversation_enc AS e, v.conversation_key_id AS k FROM ai_visitor_call_record r
               JOIN call_conversation v ON v.call_record_id = r.id WHERE r.record_id = ?`,
          ['rec_rp_3'],
        )
      ).map((r) => ((JSON.parse(h.api.get(PhoneVault).open({ enc: r.e, keyId: r.k })) as unknown[])[1] ? 1 : 0));
    expect(await transcriptOf()).toEqual([0]);
    const filling = await counted(async () =>
      expect(typed<CallbackResultResponse>(await push([record('rec_rp_3', contactIds[2])]).expect(200)).body).toEqual({
        received: 1,
        stored: 0,
      }),
    );
    expect(filling.transactions).toBe(1);
    expect(await transcriptOf()).toEqual([1]);
    const replay = await counted(() => push([record('rec_rp_3', contactIds[2])]).expect(200));
    expect(replay).toEqual({ statements: [expect.stringMatching(PRE_CHECK)], transactions: 0 });
    // A field the push leaves out, or sends empty, is nothing to fill.
    const without = await counted(() =>
      push([record('rec_rp_3', contactIds[2], { transcript: '', summary: null, recording_url: null })]).expect(200),
    );
    expect(without).toEqual({ statements: [expect.stringMatching(PRE_CHECK)], transactions: 0 });
  });

  it('a value the ingest must fit sends the push the full way (fitted, counted and logged each time received)', async () => {
    const long = await counted(() =>
      push([record('rec_rp_1', contactIds[0], { summary: 'x'.repeat(2_500) })]).expect(200),
    );
    expect(long.transactions).toBe(1);
  });

  it('a campaign that is not known is still refused, stored records or not', async () => {
    const refused = bodyOf<ApiError>(await push([record('rec_rp_1', contactIds[0])], 'cmp_not_known').expect(404));
    expect(refused.code).toBe('CAMPAIGN_NOT_FOUND');
  });

  it("a replay arriving while its record's first push is in its transaction waits for it: stored once, counted once", async () => {
    const { queues } = h.api.get<IngestPushedRecords, Internals>(IngestPushedRecords);
    const { reached, release } = holdNextTransaction();
    try {
      const first = push([record('rec_rp_5', contactIds[4])]).then((r) => typed<CallbackResultResponse>(r));
      await reached;
      // Not committed: the pre-check does not see it, so the replay waits for the next push transaction.
      const replay = push([record('rec_rp_5', contactIds[4])]).then((r) => typed<CallbackResultResponse>(r));
      for (let i = 0; i < 400 && (queues.get(taskId)?.length ?? 0) < 1; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(queues.get(taskId)).toHaveLength(1);
      release();
      const answers = await Promise.all([first, replay]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(answers.map((a) => a.body)).toEqual([
        { received: 1, stored: 1 },
        { received: 1, stored: 0 },
      ]);
      expect(await rows('rec_rp_5')).toBe(1);
    } finally {
      hold = undefined;
      release();
    }
  });

  it('the pushes waiting for a transaction are inspected by one read: the replays among them answered without one', async () => {
    const { queues } = h.api.get<IngestPushedRecords, Internals>(IngestPushedRecords);
    const { reached, release } = holdNextTransaction();
    try {
      const answer = (records: unknown[]) => push(records).then((r) => typed<CallbackResultResponse>(r));
      const first = answer([record('rec_rp_8', contactIds[8])]);
      await reached;
      // Behind the held transaction: two replays (stored by the tests above) and a new record.
      const waiting = [
        answer([record('rec_rp_1', contactIds[0])]),
        answer([record('rec_rp_2', contactIds[1])]),
        answer([record('rec_rp_9', contactIds[9])]),
      ];
      for (let i = 0; i < 400 && (queues.get(taskId)?.length ?? 0) < 3; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(queues.get(taskId)).toHaveLength(3);
      statements = [];
      transactions = 0;
      release();
      const answers = await Promise.all([first, ...waiting]);
      expect(answers.map((a) => [a.status, a.body])).toEqual([
        [200, { received: 1, stored: 1 }],
        [200, { received: 1, stored: 0 }],
        [200, { received: 1, stored: 0 }],
        [200, { received: 1, stored: 1 }],
      ]);
      // One read for the three waiting, and one transaction: the new record's (the replays took none).
      expect(statements.filter((s) => PRE_CHECK.test(s))).toHaveLength(1);
      expect(transactions).toBe(1);
      expect(await rows('rec_rp_9')).toBe(1);
    } finally {
      hold = undefined;
      release();
    }
  });

  it('a record stored by polling is stored too: its push is one read', async () => {
    // The simulator dials this task's contacts in a few ms; the sync reads the records and stores them.
    const polled = await startTask(3, 200);
    for (let i = 0; i < 200; i++) {
      if ((await groundTruth(h.simulator.baseUrl, [polled.campaignId])).campaigns[0]?.status === 3) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await h.sync();
    const [stored] = await h.api
      .get(DataSource)
      .query<{ record_id: string; contact_id: string | number }[]>(
        'SELECT record_id, contact_id FROM ai_visitor_call_record WHERE task_id = ? ORDER BY id LIMIT 1',
        [polled.taskId],
      );
    expect(stored).toBeDefined();
    const again = () =>
      push(
        [record(stored.record_id, String(stored.contact_id), { transcript: null, summary: null, recording_url: null })],
        polled.campaignId,
      );
    await again().expect(200); // the API learns the campaign's task (once per process)
    const replay = await counted(async () =>
      expect(
        typed<CallbackResultResponse>(
          await push(
            [
              record(stored.record_id, String(stored.contact_id), {
                transcript: null,
                summary: null,
                recording_url: null,
              }),
            ],
            polled.campaignId,
          ).expect(200),
        ).body,
      ).toEqual({ received: 1, stored: 0 }),
    );
    expect(replay).toEqual({ statements: [expect.stringMatching(PRE_CHECK)], transactions: 0 });
    expect(await rows(stored.record_id)).toBe(1);
  });
});
