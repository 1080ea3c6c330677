import { Test } from '@nestjs/testing';
import mysql, { RowDataPacket } from 'mysql2/promise';
import { AuthorizeTaskAccess, ListContactCalls } from '@app/task';
import { ApiModule } from '../../apps/api/src/api.module';
import { BENCH_ACCOUNT, BENCH_FIRM, benchVault, seedContacts, seedFirmBot, seedTasks, truncateAll } from '../lib/db';
import { SectionContext, setAppEnv } from '../lib/context';
import { log, median, nowMs, percentile, round, timed } from '../lib/util';

export interface HistoryResult {
  /** EXPLAIN of the read at this size: per table, its access type, the index used, the rows estimated. */
  explain: { table: string; type: string; key: string | null; rows: number; extra: string }[];
  contacts: number;
  records: number;
  conversations: number;
  /** Contacts read, each with `attempts` calls (a conversation on every other one, 1 KB transcripts). */
  sampled: number;
  attempts: number;
  runsPerRep: number;
  seedMs: number;
  perRep: { appP50: number; appP99: number; bareP50: number; bareP99: number }[];
  appP50: number;
  appP99: number;
  bareP50: number;
  bareP99: number;
  ratioP50: number;
  ratioP99: number;
}

/**
 * The read ListContactCalls makes (one statement; it sorts the few rows itself), as bare SQL returning the sealed
 * columns unopened and unsorted: the baseline.
 */
const BARE_HISTORY = `SELECT c.phone_key_id, r.id, r.record_id, r.call_result, r.intension_result, r.duration_sec, r.fail_reason,
  r.called_at, v.summary_enc, v.summary_key_id, v.transcript_enc, v.transcript_key_id, v.recording_url_enc, v.recording_url_key_id,
  v.conversation_enc, v.conversation_key_id
  FROM ai_visitor_list c LEFT JOIN ai_visitor_call_record r ON r.contact_id = c.id
  LEFT JOIN call_conversation v ON v.call_record_id = r.id
  WHERE c.id = ? AND c.task_id = ?`;

const KB_TRANSCRIPT =
  `机器人：您好，我是猎头顾问的 AI 助理，想和您聊一个工作机会，现在方便吗？\n候选人：可以的。`.padEnd(
    400,
    '候选人对岗位感兴趣。',
  ); // 1,2xx bytes of UTF-8

/**
 * Issue 22: a contact's call history (ListContactCalls, after the ownership check the API's guard makes) at
 * `contacts` contacts in one task: every called contact has its call record, every connected one a conversation
 * (one sealed conversation's ciphertext, copied server-side: the table has its real size), and `sampled` contacts
 * spread over the task have `attempts` calls each, a 1 KB transcript on every other one. The reads go round the
 * sampled contacts, alternating with the same statement as bare SQL (sealed columns not opened).
 */
export async function runHistory(ctx: SectionContext): Promise<HistoryResult> {
  const { db, config } = ctx;
  const { contacts: n, sampled, attempts, runs } = config.history;
  const vault = benchVault();
  await truncateAll(db.pool);
  log(`history: seeding one task with ${n.toLocaleString()} contacts, their calls and conversations`);
  const seeded = await timed(async () => {
    await seedFirmBot(db.pool);
    await seedTasks(db, { firstId: 1, count: 1, status: 3, batchSize: 1000, maxAttempts: 10, retryGapMinutes: 60 });
    await seedContacts(db, { firstTaskId: 1, tasks: 1, perTask: n, status: 'stats' });
    const [[bounds]] = await db.pool.query<RowDataPacket[]>('SELECT MIN(id) AS lo, MAX(id) AS hi FROM ai_visitor_list');
    const [lo, hi] = [Number(bounds.lo), Number(bounds.hi)];
    // One record for each called contact, a conversation for each connected one (chunks: no giant transaction).
    // Sealed together, as the ingest stores them (migration ConversationSealedTogether): [summary, transcript, link].
    const said = vault.seal(
      JSON.stringify([
        'Interested: asked for details of the role.',
        KB_TRANSCRIPT,
        'https://recordings.robot-call.invalid/r/00000000-1.mp3',
      ]),
    );
    for (let a = lo; a <= hi; a += 50_000) {
      const b = Math.min(hi, a + 49_999);
      await db.pool.query(
        `INSERT INTO ai_visitor_call_record (record_id, task_id, call_task_id, contact_id, call_result, fail_reason, intension_result, duration_sec, called_at)
         SELECT CONCAT('rec_bg_', id), task_id, 1, id, call_result, IF(call_result = 2, 'no_answer', NULL), intension_result,
                IF(call_result = 1, 30, 0), UTC_TIMESTAMP(3) - INTERVAL (id % 1000) MINUTE
           FROM ai_visitor_list WHERE id BETWEEN ? AND ? AND call_result <> 0`,
        [a, b],
      );
      await db.pool.query(
        `INSERT INTO call_conversation (call_record_id, task_id, contact_id, called_at, conversation_enc, conversation_key_id)
         SELECT id, task_id, contact_id, called_at, ?, ? FROM ai_visitor_call_record
          WHERE contact_id BETWEEN ? AND ? AND call_result = 1`,
        [said.enc, said.keyId, a, b],
      );
    }
    // The sampled contacts: `attempts` calls each, oldest first, every other one connected with its conversation.
    const ids = Array.from({ length: sampled }, (_, i) => lo + Math.floor(((i + 0.5) * (hi - lo)) / sampled));
    await db.pool.query(`DELETE v FROM call_conversation v WHERE v.contact_id IN (?)`, [ids]);
    await db.pool.query('DELETE FROM ai_visitor_call_record WHERE contact_id IN (?)', [ids]);
    for (const id of ids) {
      const records = Array.from({ length: attempts }, (_, k) => [
        `rec_h_${id}_${k}`,
        1,
        1,
        id,
        k % 2 === 1 ? 1 : 2,
        k % 2 === 1 ? null : 'no_answer',
        k % 2 === 1 ? 3 : 0,
        k % 2 === 1 ? 40 : 0,
        new Date(Date.now() - (attempts - k) * 3_600_000),
      ]);
      await db.pool.query(
        `INSERT INTO ai_visitor_call_record (record_id, task_id, call_task_id, contact_id, call_result, fail_reason, intension_result, duration_sec, called_at) VALUES ?`,
        [records],
      );
      const [stored] = await db.pool.query<RowDataPacket[]>(
        'SELECT id, called_at FROM ai_visitor_call_record WHERE contact_id = ? AND call_result = 1',
        [id],
      );
      const rows = stored.map((r): unknown[] => {
        const said = vault.seal(
          JSON.stringify([
            'Inconvenient now; asked to be called back later.',
            KB_TRANSCRIPT,
            `https://recordings.robot-call.invalid/r/${String(r.id)}.mp3`,
          ]),
        );
        return [r.id, 1, id, r.called_at, said.enc, said.keyId];
      });
      await db.pool.query(
        `INSERT INTO call_conversation (call_record_id, task_id, contact_id, called_at, conversation_enc, conversation_key_id) VALUES ?`,
        [rows],
      );
    }
    await db.pool.query('ANALYZE TABLE ai_visitor_list, ai_visitor_call_record, call_conversation');
    return ids;
  });
  const ids = seeded.value;
  const [[counts]] = await db.pool.query<RowDataPacket[]>(
    'SELECT (SELECT COUNT(*) FROM ai_visitor_call_record) AS records, (SELECT COUNT(*) FROM call_conversation) AS conversations',
  );
  log(
    `history: seeded in ${(seeded.ms / 1000).toFixed(1)} s: ${Number(counts.records).toLocaleString()} call records, ` +
      `${Number(counts.conversations).toLocaleString()} conversations`,
  );

  setAppEnv(db, 'http://127.0.0.1:9');
  const moduleRef = await Test.createTestingModule({ imports: [ApiModule.forRoot()] }).compile();
  moduleRef.useLogger(['error']);
  await moduleRef.init();
  const bare = await mysql.createConnection({
    uri: db.url,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  try {
    const calls = moduleRef.get(ListContactCalls);
    const caller = { firmId: String(BENCH_FIRM), accountId: String(BENCH_ACCOUNT) };
    const access = await moduleRef.get(AuthorizeTaskAccess).execute({ caller, taskId: '1' });
    const first = await calls.execute({ access, contactId: String(ids[0]) });
    const connected = first.items.filter((c) => c.callResult === 1);
    if (first.items.length !== attempts || connected.some((c) => c.transcript !== KB_TRANSCRIPT))
      throw new Error(`ListContactCalls gave ${first.items.length} calls, expected ${attempts} with their transcripts`);
    const app = (id: number) => calls.execute({ access, contactId: String(id) });
    const raw = async (id: number) => {
      await bare.query(BARE_HISTORY, [id, 1]);
    };
    // The plan at this size, for the record (JSON and the log): which index each table is read by.
    const [plan] = await bare.query<RowDataPacket[]>(`EXPLAIN ${BARE_HISTORY}`, [ids[0], 1]);
    const explain = plan.map((p) => ({
      table: String(p.table),
      type: String(p.type),
      key: p.key === null ? null : String(p.key),
      rows: Number(p.rows),
      extra: p.Extra === null ? '' : String(p.Extra),
    }));
    log(
      `history: plan ${explain.map((p) => `${p.table} ${p.type} ${p.key ?? '-'} (${p.rows} rows) ${p.extra}`).join('; ')}`,
    );
    for (const id of ids.slice(0, 20)) {
      await app(id);
      await raw(id);
    }
    const perRep: HistoryResult['perRep'] = [];
    for (let rep = 0; rep < config.repsCheap; rep++) {
      const appMs: number[] = [];
      const bareMs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const id = ids[(i * 7 + rep) % ids.length];
        const order = i % 2 === 0 ? [0, 1] : [1, 0];
        for (const side of order) {
          const t0 = nowMs();
          if (side === 0) await app(id);
          else await raw(id);
          (side === 0 ? appMs : bareMs).push(nowMs() - t0);
        }
      }
      const r = {
        appP50: percentile(appMs, 50),
        appP99: percentile(appMs, 99),
        bareP50: percentile(bareMs, 50),
        bareP99: percentile(bareMs, 99),
      };
      perRep.push(r);
      log(
        `history: rep ${rep + 1}/${config.repsCheap}: app p50 ${r.appP50.toFixed(2)} ms p99 ${r.appP99.toFixed(2)} ms; bare p50 ${r.bareP50.toFixed(2)} ms p99 ${r.bareP99.toFixed(2)} ms`,
      );
    }
    return {
      explain,
      contacts: n,
      records: Number(counts.records),
      conversations: Number(counts.conversations),
      sampled,
      attempts,
      runsPerRep: runs,
      seedMs: round(seeded.ms, 0),
      perRep: perRep.map((r) => ({
        appP50: round(r.appP50),
        appP99: round(r.appP99),
        bareP50: round(r.bareP50),
        bareP99: round(r.bareP99),
      })),
      appP50: round(median(perRep.map((r) => r.appP50))),
      appP99: round(median(perRep.map((r) => r.appP99))),
      bareP50: round(median(perRep.map((r) => r.bareP50))),
      bareP99: round(median(perRep.map((r) => r.bareP99))),
      ratioP50: round(median(perRep.map((r) => r.appP50 / r.bareP50)), 3),
      ratioP99: round(median(perRep.map((r) => r.appP99 / r.bareP99)), 3),
    };
  } finally {
    await bare.end().catch(() => undefined);
    await moduleRef.close();
    await truncateAll(db.pool);
  }
}
