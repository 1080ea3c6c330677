import { Test, TestingModule } from '@nestjs/testing';
import { maskPhone, PhoneVault, phoneKeysFromEnv } from '@app/core';
import { EraseCandidates, PurgeExpiredConversations, RunSyncPass } from '@app/task';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { BENCH_PHONE_KEYS, BenchDatabase, numbers, scalar, seedContacts, seedTasks, truncateAll } from '../lib/db';
import { BenchSimulator } from '../lib/simulator';
import { SectionContext, setAppEnv } from '../lib/context';
import { log, median, round, timed } from '../lib/util';
import { prepareDialledCampaigns } from './ingest';

export interface ErasureRep {
  /** One number present in every one of `tasks` tasks: ms, and what it erased. */
  manyTasksMs: number;
  manyTasksContacts: number;
  manyTasksEvents: number;
  /** Baseline: one number present in one task, same database. */
  oneTaskMs: number;
}

export interface PurgeRep {
  conversations: number;
  /** The retention purge alone as shipped (PurgeExpiredConversations, batches of 5,000, a quarter of each batch's time yielded, events redacted). */
  purgePerSec: number;
  /** The same with no yield between batches (`yieldShare: 0`): what the purge's own work costs. */
  purgeRawPerSec: number;
  /** Baseline: a bare `DELETE … WHERE called_at < ? ORDER BY called_at LIMIT 5000` loop over the same rows. */
  bareDeletePerSec: number;
  /** The ingest (one sync pass of dialled campaigns) alone, and while the purge runs beside it. */
  ingestAlonePerSec: number;
  ingestDuringPurgePerSec: number;
  /** The purge's rate while the ingest runs beside it. */
  purgeDuringIngestPerSec: number;
  ingestRecords: number;
}

export interface ErasureResult {
  tasks: number;
  contactsPerTask: number;
  events: number;
  perRep: ErasureRep[];
  manyTasksMs: number;
  oneTaskMs: number;
  ratioToOneTask: number;
  purge: PurgeRep[];
  purgeConversations: number;
  purgePerSec: number;
  purgeRawPerSec: number;
  bareDeletePerSec: number;
  /** Without its yield, against the bare delete. */
  purgeRatioToBare: number;
  ingestAlonePerSec: number;
  ingestDuringPurgePerSec: number;
  /** Median over repetitions of (ingest during the purge / ingest alone): the target is ≥ 0.8. */
  ingestRatio: number;
  purgeDuringIngestPerSec: number;
}

const FIRM = 1;
/** The purge's tasks: another firm, ids far above the ingest's. */
const PURGE_FIRST_TASK = 100_001;
const DAY_MS = 24 * 3600_000;

function vault(): PhoneVault {
  return new PhoneVault(phoneKeysFromEnv({ ...BENCH_PHONE_KEYS, DATABASE_URL: 'mysql://bench/bench' }));
}

/** The number shared by every task (the one erased in repetition r), and one found in task r + 1 alone. */
const shared = (r: number) => `+86137${String(r + 1).padStart(8, '0')}`;
const single = (r: number) => `+86136${String(r + 1).padStart(8, '0')}`;

/**
 * A candidate's erasure and the conversations' retention (issue 22, item 6), on MySQL/MariaDB.
 *
 * Erasure: `tasks` completed tasks of `contactsPerTask` contacts (one call record and one conversation each), with
 * `events` events stored (`contact.called`-shaped, spread over every contact); a number present in every task is
 * erased (EraseCandidates, one transaction: contacts, conversations, events found by `idx_event_contact`, the
 * registry), against the same erasure of a number present in one task. A repetition erases another number.
 *
 * Retention: `conversations` conversations of calls older than the retention (one in ten with an event still
 * carrying it) purged by PurgeExpiredConversations, against a bare DELETE loop over the same rows; then the ingest
 * (one sync pass over dialled campaigns, as the ingest section) alone and while the purge runs beside it.
 */
export async function runErasure(ctx: SectionContext): Promise<ErasureResult> {
  const { db, config } = ctx;
  const { tasks, contactsPerTask, events, conversations } = config.erasure;
  const reps = config.repsExpensive;
  const simulator = await BenchSimulator.start({ callMs: 0, parallelism: 10_000 });
  ctx.onCleanup(() => simulator.close().catch(() => undefined));
  setAppEnv(db, simulator.baseUrl, { INCONVENIENT_CALLBACK_DAYS: '1' });
  const worker: TestingModule = await Test.createTestingModule({
    imports: [WorkerModule.forRoot({ scheduled: false })],
  }).compile();
  worker.useLogger(['error']);
  await worker.init();
  const perRep: ErasureRep[] = [];
  const purge: PurgeRep[] = [];
  try {
    await truncateAll(db.pool);
    const seeded = await timed(() => seedErasure(db, tasks, contactsPerTask, events, reps));
    log(
      `erasure: seeded ${tasks} tasks × ${contactsPerTask} contacts, ${await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_event')} events in ${round(seeded.ms / 1000, 1)} s`,
    );
    const erase = worker.get(EraseCandidates);
    for (let rep = 0; rep < reps; rep++) {
      const many = await timed(() => erase.execute({ firmId: String(FIRM), phones: [shared(rep)] }));
      const one = await timed(() => erase.execute({ firmId: String(FIRM), phones: [single(rep)] }));
      const r: ErasureRep = {
        manyTasksMs: round(many.ms, 1),
        manyTasksContacts: many.value.contacts,
        manyTasksEvents: many.value.events,
        oneTaskMs: round(one.ms, 1),
      };
      if (r.manyTasksContacts !== tasks || one.value.contacts !== 1)
        log(`erasure: WARNING erased ${r.manyTasksContacts} / ${one.value.contacts} contacts, expected ${tasks} / 1`);
      perRep.push(r);
      log(
        `erasure: rep ${rep + 1}/${reps}: a number in ${tasks} tasks ${r.manyTasksMs} ms (${r.manyTasksContacts} contacts, ${r.manyTasksEvents} events), in one task ${r.oneTaskMs} ms`,
      );
    }

    for (let rep = 0; rep < reps; rep++) {
      // The ingest alone, with the purge's rows in place (idle), then the purge alone, then a bare delete of the
      // same rows (seeded again).
      // The purge's rows are seeded first: the simulator's dialling then gives the database's background flushing of
      // the seed time to settle before anything is timed.
      await truncateAll(db.pool);
      await simulator.reset();
      await seedPurge(db, conversations);
      await prepareDialledCampaigns(ctx, simulator, rep * 2);
      const alone = await timed(() => worker.get(RunSyncPass).execute());
      const aloneRecords = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record WHERE task_id < ?', [
        PURGE_FIRST_TASK,
      ]);
      const purged = await timed(() => worker.get(PurgeExpiredConversations).execute());
      if (purged.value.conversations !== conversations)
        log(`erasure: WARNING purged ${purged.value.conversations} of ${conversations} conversations`);
      await seedPurgeConversations(db);
      const raw = await timed(() => worker.get(PurgeExpiredConversations).execute({ yieldShare: 0 }));
      await seedPurgeConversations(db);
      const bare = await timed(() => bareDelete(db));

      // The ingest while the purge runs beside it (the purge started first; both in this process, as in a worker).
      await truncateAll(db.pool);
      await simulator.reset();
      await seedPurge(db, conversations);
      await prepareDialledCampaigns(ctx, simulator, rep * 2 + 1);
      const purging = timed(() => worker.get(PurgeExpiredConversations).execute());
      const during = await timed(() => worker.get(RunSyncPass).execute());
      const purgedBeside = await purging;
      const duringRecords = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record WHERE task_id < ?', [
        PURGE_FIRST_TASK,
      ]);
      const p: PurgeRep = {
        conversations,
        purgePerSec: round(purged.value.conversations / (purged.ms / 1000), 0),
        purgeRawPerSec: round(raw.value.conversations / (raw.ms / 1000), 0),
        bareDeletePerSec: round(bare.value / (bare.ms / 1000), 0),
        ingestAlonePerSec: round(aloneRecords / (alone.ms / 1000), 0),
        ingestDuringPurgePerSec: round(duringRecords / (during.ms / 1000), 0),
        purgeDuringIngestPerSec: round(purgedBeside.value.conversations / (purgedBeside.ms / 1000), 0),
        ingestRecords: aloneRecords,
      };
      purge.push(p);
      log(
        `erasure: purge rep ${rep + 1}/${reps}: ${p.purgePerSec}/s as shipped, ${p.purgeRawPerSec}/s without its yield (bare delete ${p.bareDeletePerSec}/s); ingest ${p.ingestAlonePerSec}/s alone, ${p.ingestDuringPurgePerSec}/s beside the purge (which ran at ${p.purgeDuringIngestPerSec}/s)`,
      );
    }
  } finally {
    await worker.close();
    await simulator.close().catch(() => undefined);
    await truncateAll(db.pool);
  }
  const manyTasksMs = median(perRep.map((r) => r.manyTasksMs));
  const oneTaskMs = median(perRep.map((r) => r.oneTaskMs));
  return {
    tasks,
    contactsPerTask,
    events,
    perRep,
    manyTasksMs,
    oneTaskMs,
    ratioToOneTask: round(manyTasksMs / oneTaskMs, 2),
    purge,
    purgeConversations: conversations,
    purgePerSec: median(purge.map((p) => p.purgePerSec)),
    purgeRawPerSec: median(purge.map((p) => p.purgeRawPerSec)),
    bareDeletePerSec: median(purge.map((p) => p.bareDeletePerSec)),
    purgeRatioToBare: round(median(purge.map((p) => p.purgeRawPerSec / p.bareDeletePerSec)), 2),
    ingestAlonePerSec: median(purge.map((p) => p.ingestAlonePerSec)),
    ingestDuringPurgePerSec: median(purge.map((p) => p.ingestDuringPurgePerSec)),
    ingestRatio: round(median(purge.map((p) => p.ingestDuringPurgePerSec / p.ingestAlonePerSec)), 3),
    purgeDuringIngestPerSec: median(purge.map((p) => p.purgeDuringIngestPerSec)),
  };
}

/**
 * The erasure's database: completed tasks 1..tasks of firm 1; in every task, contacts 1..reps carry the numbers
 * shared by all tasks (one erased per repetition), contact reps + 1 of task t a number of that task alone (the
 * baseline's, t ≤ reps), the rest numbers of their own. Every contact has one call record and one conversation;
 * `events` events (two-thirds `contact.called`, one-third `candidate.interested`) are spread evenly over them.
 */
async function seedErasure(
  db: BenchDatabase,
  tasks: number,
  perTask: number,
  events: number,
  reps: number,
): Promise<void> {
  const v = vault();
  await seedTasks(db, { firstId: 1, count: tasks, status: 5, batchSize: 100, maxAttempts: 1, retryGapMinutes: 0 });
  const CHUNK = 5_000;
  let rows: unknown[][] = [];
  const flush = async () => {
    if (rows.length === 0) return;
    await db.pool.query(
      `INSERT INTO ai_visitor_list (task_id, phone_hash, phone_enc, phone_key_id, phone_masked, name, candidate_ref, status,
         call_result, intension_result, attempts, duration_sec, called_at) VALUES ?`,
      [rows],
    );
    rows = [];
  };
  for (let t = 1; t <= tasks; t++) {
    for (let n = 1; n <= perTask; n++) {
      const phone =
        n <= reps
          ? shared(n - 1)
          : n === reps + 1 && t <= reps
            ? single(t - 1)
            : `+86139${String(t * 100_000 + n).padStart(8, '0')}`;
      const sealed = v.seal(phone);
      rows.push([
        t,
        sealed.hash,
        sealed.enc,
        sealed.keyId,
        maskPhone(phone),
        `候选人${t}-${n}`,
        `cand-${t}-${n}`,
        3,
        1,
        1,
        1,
        42,
        new Date(),
      ]);
      if (rows.length >= CHUNK) await flush();
    }
  }
  await flush();
  await db.pool.query(
    `INSERT INTO ai_visitor_call_record (record_id, task_id, call_task_id, contact_id, call_result, fail_reason,
       intension_result, duration_sec, called_at)
     SELECT CONCAT('rec-', id), task_id, task_id, id, 1, NULL, 1, 42, UTC_TIMESTAMP(3) FROM ai_visitor_list`,
  );
  await seedConversations(db, 'UTC_TIMESTAMP(3)');
  const contacts = tasks * perTask;
  const perContact = Math.max(1, Math.round(events / contacts));
  // Each contact's events, numbered 1..perContact in its task's sequence (gapless per task is not what is timed).
  await db.pool.query(
    `INSERT INTO ai_visitor_event (type, firm_id, task_id, contact_id, sequence, position, data, created_at)
     SELECT IF(nums.n % 3 = 0, 'candidate.interested', 'contact.called'), ${FIRM}, c.task_id, c.id,
            (c.id - 1) * ${perContact} + nums.n, (c.id - 1) * ${perContact} + nums.n,
            CONCAT('{"taskId":"', c.task_id, '","contactId":"', c.id, '","candidateRef":"', c.candidate_ref,
                   '","name":"', c.name, '","phone":"', c.phone_masked, '","attempt":1,"recordId":"rec-', c.id,
                   '","callResult":1,"intention":1,"failReason":null,"durationSec":42,"calledAt":"2026-12-01T02:03:04.000Z",',
                   '"recordingUrl":"https://recordings.robot-call.example/r/rec-', c.id,
                   '.mp3","transcript":"机器人：您好……候选人：可以的，我对这个机会挺感兴趣。","summary":"Interested."}'),
            UTC_TIMESTAMP(3)
       FROM ai_visitor_list c CROSS JOIN ${numbers(db, 1, perContact)}`,
  );
  await db.pool.query(
    `UPDATE ai_visitor_event_cursor SET position = (SELECT COALESCE(MAX(position), 0) FROM ai_visitor_event) WHERE name IN ('feed', 'fanout')`,
  );
}

/** A conversation (about 1.5 KB sealed, as a short call's) for every call record without one, at `calledAt`. */
async function seedConversations(db: BenchDatabase, calledAt: string, where = '1 = 1'): Promise<void> {
  // One value, as the ingest seals a conversation (summary, transcript and link together).
  const body = 'x'.repeat(1_430);
  await db.pool.query(
    `INSERT INTO call_conversation (call_record_id, task_id, contact_id, called_at, conversation_enc, conversation_key_id)
     SELECT r.id, r.task_id, r.contact_id, ${calledAt}, ?, 'bench'
       FROM ai_visitor_call_record r LEFT JOIN call_conversation v ON v.call_record_id = r.id
      WHERE v.call_record_id IS NULL AND ${where}`,
    [body],
  );
}

/**
 * The purge's rows: 100 tasks of firm 2 (ids from PURGE_FIRST_TASK) with `conversations` contacts, each with one
 * call record and one conversation of a call made 200 days ago; one contact in ten has its `contact.called` event
 * still kept (a record that arrived late), carrying the conversation.
 */
export async function seedPurge(db: BenchDatabase, conversations: number): Promise<void> {
  const tasks = 100;
  const perTask = Math.ceil(conversations / tasks);
  await seedTasks(db, {
    firstId: PURGE_FIRST_TASK,
    count: tasks,
    status: 5,
    batchSize: 100,
    maxAttempts: 1,
    retryGapMinutes: 0,
    firmId: 2,
  });
  await seedContacts(db, {
    firstTaskId: PURGE_FIRST_TASK,
    tasks,
    perTask,
    status: 'stats',
    phoneBase: 50_000_000,
  });
  const old = new Date(Date.now() - 200 * DAY_MS);
  await db.pool.query(
    `INSERT INTO ai_visitor_call_record (record_id, task_id, call_task_id, contact_id, call_result, fail_reason,
       intension_result, duration_sec, called_at)
     SELECT CONCAT('purge-', id), task_id, task_id, id, 1, NULL, 1, 42, ? FROM ai_visitor_list WHERE task_id >= ?`,
    [old, PURGE_FIRST_TASK],
  );
  await seedPurgeConversations(db);
  await db.pool.query(
    `INSERT INTO ai_visitor_event (type, firm_id, task_id, contact_id, sequence, position, data, created_at)
     SELECT 'contact.called', 2, r.task_id, r.contact_id, NULL, NULL,
            CONCAT('{"taskId":"', r.task_id, '","contactId":"', r.contact_id, '","recordId":"', r.record_id,
                   '","callResult":1,"recordingUrl":"https://r.example/x.mp3","transcript":"候选人：好的。","summary":"ok"}'),
            UTC_TIMESTAMP(3)
       FROM ai_visitor_call_record r WHERE r.task_id >= ? AND r.contact_id % 10 = 0`,
    [PURGE_FIRST_TASK],
  );
  // Positioned and past the fan-out already (a relay round would not render them again).
  await db.pool.query(
    `UPDATE ai_visitor_event SET position = id + 1000000000 WHERE position IS NULL AND task_id >= ?`,
    [PURGE_FIRST_TASK],
  );
  await db.pool.query(
    `UPDATE ai_visitor_event_cursor SET position = (SELECT COALESCE(MAX(position), 0) FROM ai_visitor_event) WHERE name IN ('feed', 'fanout')`,
  );
}

async function seedPurgeConversations(db: BenchDatabase): Promise<void> {
  const old = new Date(Date.now() - 200 * DAY_MS).toISOString().replace('T', ' ').replace('Z', '');
  await seedConversations(db, `'${old}'`, `r.task_id >= ${PURGE_FIRST_TASK}`);
}

/** The baseline: the same rows deleted by a bare loop, 5,000 a statement, oldest first; returns how many. */
async function bareDelete(db: BenchDatabase): Promise<number> {
  const before = new Date(Date.now() - 180 * DAY_MS);
  let deleted = 0;
  for (;;) {
    const [result] = await db.pool.query(
      'DELETE FROM call_conversation WHERE called_at < ? ORDER BY called_at LIMIT 5000',
      [before],
    );
    const n = (result as { affectedRows: number }).affectedRows;
    deleted += n;
    if (n < 5000) return deleted;
  }
}
