import { Test, TestingModule } from '@nestjs/testing';
import { Connection, Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import { inContinuedSpan } from '@app/core';
import { CampaignGatewayClient } from '@app/campaign-gateway';
import { RunSyncPass, taskConfig, TaskSettings } from '@app/task';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { contactsByTask, scalar, seedContacts, seedFirmBot, seedTasks, truncateAll } from '../lib/db';
import { BenchSimulator } from '../lib/simulator';
import { SectionContext, setAppEnv } from '../lib/context';
import { countQueries, QueryCount } from '../lib/query-count';
import { log, mapLimit, median, nowMs, profiled, round, timed } from '../lib/util';
import { startOtlpSink } from '../lib/otlp-sink';
import { withTracing } from '../lib/otel';

interface StoredRecord {
  record_id: string;
  task_id: string;
  call_task_id: string;
  contact_id: string;
  call_result: number;
  fail_reason: string | null;
  intension_result: number;
  duration_sec: number;
  called_at: Date;
}

export interface IngestRep {
  records: number;
  syncMs: number;
  recordsPerSec: number;
  complete: boolean;
  failedTasks: number;
  /** Hand-written bulk SQL doing the same writes as the sync's pages, from the same HTTP pages. */
  handBulkMs: number;
  handBulkPerSec: number;
  handBulkPages: number;
  rawUpsertMs: number;
  rawUpsertPerSec: number;
  rowByRowRecords: number;
  rowByRowMs: number;
  rowByRowPerSec: number;
  /**
   * BENCH_OTEL=1: the same pass again (campaigns dialled anew) with tracing on in this process, every statement and
   * platform call a recorded span (the pass in one root span, the worst case), exported to an OTLP sink here.
   */
  tracedPerSec?: number;
  tracedSpans?: number;
}

export interface IngestResult {
  tasks: number;
  contactsPerTask: number;
  records: number;
  syncPageSize: number;
  syncConcurrency: number;
  rawChunkRows: number;
  perRep: IngestRep[];
  recordsPerSec: number;
  rawUpsertPerSec: number;
  handBulkPerSec: number;
  rowByRowPerSec: number;
  /** The ratio that counts (issue 14): the sync against hand-written bulk SQL doing the same writes. */
  ratioToHandBulk: number;
  ratioToRawUpsert: number;
  ratioToRowByRow: number;
  /** BENCH_OTEL=1: records/s with tracing on ÷ off, median of the repetitions' ratios. */
  tracedRatio?: number;
}

const RECORD_COLUMNS = [
  'record_id',
  'task_id',
  'call_task_id',
  'contact_id',
  'call_result',
  'fail_reason',
  'intension_result',
  'duration_sec',
  'called_at',
] as const;

/**
 * End to end: campaigns dialled to completion by the simulator, then one sync pass of the real worker module
 * (RunSyncPass, in this process) reads every record over HTTP and stores it; only that pass is timed. The
 * stored rows are then written again by the two baselines, each time into an emptied ai_visitor_call_record.
 */
export async function runIngest(ctx: SectionContext): Promise<IngestResult> {
  const { db, config } = ctx;
  const { tasks, contactsPerTask } = config.ingest;
  const simulator = await BenchSimulator.start({ callMs: 0, parallelism: 10_000 });
  ctx.onCleanup(() => simulator.close().catch(() => undefined));
  // Only ingest is timed: "inconvenient now" callbacks wait a day here (with the bench's default of 0 days the
  // pass would open follow-up campaigns for them), as failed calls wait an hour (retry gap below).
  setAppEnv(db, simulator.baseUrl, { INCONVENIENT_CALLBACK_DAYS: '1' });
  const worker: TestingModule = await Test.createTestingModule({
    imports: [WorkerModule.forRoot({ scheduled: false })],
  }).compile();
  worker.useLogger(['error']);
  await worker.init();
  const { syncPageSize, syncConcurrency } = worker.get<TaskSettings>(taskConfig.KEY);
  const conn = await mysql.createConnection({
    uri: db.url,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  const perRep: IngestRep[] = [];
  let queries: QueryCount | undefined;
  try {
    for (let rep = 0; rep < config.repsExpensive; rep++) {
      await truncateAll(db.pool);
      await simulator.reset();
      const expected = await prepareDialledCampaigns(ctx, simulator, rep);

      const counted = await countQueries(() =>
        profiled(`ingest-rep${rep + 1}`, () => timed(() => worker.get(RunSyncPass).execute())),
      );
      const sync = counted.value;
      queries = counted.queries;
      const stored = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record');
      const complete = stored === expected && sync.value.failed === 0;
      if (!complete)
        log(`ingest: WARNING stored ${stored} of ${expected} records, ${sync.value.failed} task(s) failed`);
      const [rows] = await conn.query<RowDataPacket[]>(
        `SELECT ${RECORD_COLUMNS.join(', ')} FROM ai_visitor_call_record ORDER BY id`,
      );
      const records = rows as unknown as StoredRecord[];

      const written = await snapshotWrites(conn, tasks);
      await resetToDialled(conn, tasks);
      const hand = await handBulk(ctx, worker.get(CampaignGatewayClient), written, {
        tasks,
        pageSize: syncPageSize,
        concurrency: syncConcurrency,
      });
      const handStored = await scalar(db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record');
      if (handStored !== stored)
        log(`ingest: WARNING the hand-written baseline stored ${handStored} records, the sync ${stored}`);

      const raw = await rawUpsert(conn, records, syncPageSize);
      const byRow = await rowByRow(conn, records, config.ingest.rowByRowMaxRecords, config.ingest.rowByRowMaxMs, tasks);
      const r: IngestRep = {
        records: stored,
        syncMs: round(sync.ms, 1),
        recordsPerSec: round(stored / (sync.ms / 1000), 0),
        complete,
        failedTasks: sync.value.failed,
        handBulkMs: round(hand.ms, 1),
        handBulkPerSec: round(handStored / (hand.ms / 1000), 0),
        handBulkPages: hand.pages,
        rawUpsertMs: round(raw.ms, 1),
        rawUpsertPerSec: round(records.length / (raw.ms / 1000), 0),
        rowByRowRecords: byRow.records,
        rowByRowMs: round(byRow.ms, 1),
        rowByRowPerSec: round(byRow.records / (byRow.ms / 1000), 0),
      };
      if (config.otel) Object.assign(r, await tracedPass(ctx, simulator, worker, rep));
      perRep.push(r);
      log(
        `ingest: rep ${rep + 1}/${config.repsExpensive}: sync ${r.records} records in ${(r.syncMs / 1000).toFixed(2)} s = ${r.recordsPerSec}/s; ` +
          `hand-written bulk SQL, same writes from the same pages ${r.handBulkPerSec}/s (${r.handBulkPages} pages); raw upsert ${r.rawUpsertPerSec}/s; row by row ${r.rowByRowPerSec}/s (${r.rowByRowRecords} records)` +
          (r.tracedPerSec ? `; with tracing on ${r.tracedPerSec}/s (${r.tracedSpans} spans)` : ''),
      );
    }
  } finally {
    await conn.end().catch(() => undefined);
    await worker.close();
    await simulator.close().catch(() => undefined);
    await truncateAll(db.pool);
  }
  if (queries) {
    const pages = perRep[perRep.length - 1]?.handBulkPages ?? 0;
    log(
      `ingest: the sync pass sent ${queries.total} statements for ${pages} pages of ${tasks} tasks (${round(queries.total / Math.max(pages, 1), 1)} a page); by shape:`,
    );
    for (const [shape, n] of queries.byShape.slice(0, 25)) log(`  ${String(n).padStart(6)}  ${shape}`);
  }
  const recordsPerSec = median(perRep.map((r) => r.recordsPerSec));
  const rawUpsertPerSec = median(perRep.map((r) => r.rawUpsertPerSec));
  const handBulkPerSec = median(perRep.map((r) => r.handBulkPerSec));
  const rowByRowPerSec = median(perRep.map((r) => r.rowByRowPerSec));
  return {
    tasks,
    contactsPerTask,
    records: tasks * contactsPerTask,
    syncPageSize,
    syncConcurrency,
    rawChunkRows: syncPageSize,
    perRep,
    recordsPerSec,
    rawUpsertPerSec,
    handBulkPerSec,
    rowByRowPerSec,
    ratioToHandBulk: round(median(perRep.map((r) => r.recordsPerSec / r.handBulkPerSec)), 3),
    // Each repetition measures the app and the baselines minutes apart at most: the ratio is taken within a
    // repetition, then the median over repetitions (steadier than a ratio of medians on a noisy machine).
    ratioToRawUpsert: round(median(perRep.map((r) => r.recordsPerSec / r.rawUpsertPerSec)), 3),
    ratioToRowByRow: round(median(perRep.map((r) => r.recordsPerSec / r.rowByRowPerSec)), 1),
    tracedRatio: config.otel
      ? round(median(perRep.map((r) => (r.tracedPerSec ?? NaN) / r.recordsPerSec)), 3)
      : undefined,
  };
}

/**
 * BENCH_OTEL=1: campaigns dialled anew, then the sync pass timed with tracing on in this process (bench/lib/otel.ts:
 * the apps' instrumentations, exporting to an OTLP sink here) and the pass in one root span, so every statement and
 * platform call is a recorded, exported span: the most tracing can cost the pass (the apps start no trace for a
 * sync pass). Off again after it, so that nothing else in the run is traced.
 */
async function tracedPass(
  ctx: SectionContext,
  simulator: BenchSimulator,
  worker: TestingModule,
  rep: number,
): Promise<Pick<IngestRep, 'tracedPerSec' | 'tracedSpans'>> {
  await truncateAll(ctx.db.pool);
  await simulator.reset();
  await prepareDialledCampaigns(ctx, simulator, rep);
  const sink = await startOtlpSink({ keep: false });
  try {
    const pass = await withTracing(sink.endpoint, () =>
      timed(() => inContinuedSpan('bench.sync-pass', null, {}, () => worker.get(RunSyncPass).execute())),
    );
    const stored = await scalar(ctx.db.pool, 'SELECT COUNT(*) FROM ai_visitor_call_record');
    return { tracedPerSec: round(stored / (pass.ms / 1000), 0), tracedSpans: sink.counts.spans };
  } finally {
    await sink.close();
  }
}

/**
 * Tasks 1..T in progress, each with one campaign (call task id = task id) holding all its contacts, created and
 * started on the simulator, dialled to the end. Returns the number of records the simulator produced.
 */
export async function prepareDialledCampaigns(
  ctx: SectionContext,
  simulator: BenchSimulator,
  rep: number,
): Promise<number> {
  const { db, config } = ctx;
  const { tasks, contactsPerTask } = config.ingest;
  await seedFirmBot(db.pool, 1, tasks);
  // Retries wait an hour, so the pass stores records and opens no new campaign.
  await seedTasks(db, {
    firstId: 1,
    count: tasks,
    status: 3,
    batchSize: contactsPerTask,
    maxAttempts: 2,
    retryGapMinutes: 60,
  });
  await seedContacts(db, { firstTaskId: 1, tasks, perTask: contactsPerTask, status: 2, inCallTaskOfSameId: true });
  const byTask = await contactsByTask(db.pool, 1, tasks);
  const batches = [...byTask.entries()].map(([taskId, contacts]) => ({
    taskId,
    requestId: `bench-ingest-${rep}-${taskId}`,
    contacts,
  }));
  const campaignIds = await simulator.createCampaigns(batches, true);
  const values = batches.map((b) => [
    b.taskId,
    b.taskId,
    1,
    b.requestId,
    campaignIds.get(b.requestId)!,
    1,
    b.contacts.length,
  ]);
  await db.pool.query(
    'INSERT INTO ai_visitor_call_task (id, task_id, batch_no, request_id, campaign_id, status, contact_count) VALUES ?',
    [values],
  );
  const done = await simulator.waitAllFinished(Math.max(60_000, tasks * contactsPerTask));
  return done.records;
}

/** A row read to be written back as it is: its values are passed on, never looked into. */
interface CopiedRow extends RowDataPacket {
  [column: string]: unknown;
}

/** What the sync wrote that is not a call record: the contacts' final values and sealed numbers, the registry, the event batches' sizes. */
interface SyncWrites {
  contacts: Map<string, CopiedRow>;
  /** Registry rows the pass wrote, by phone hash. */
  registry: Map<string, CopiedRow>;
}

const CONTACT_FINAL = [
  'status',
  'attempts',
  'callback_count',
  'call_result',
  'fail_reason',
  'intension_result',
  'duration_sec',
  'called_at',
  'record_id',
  'next_attempt_at',
  'synced_at',
  'call_task_id',
] as const;

async function snapshotWrites(conn: Connection, tasks: number): Promise<SyncWrites> {
  const [contacts] = await conn.query<CopiedRow[]>(
    `SELECT id, phone_hash, phone_enc, phone_key_id, ${CONTACT_FINAL.join(', ')} FROM ai_visitor_list WHERE task_id BETWEEN 1 AND ?`,
    [tasks],
  );
  const [registry] = await conn.query<CopiedRow[]>('SELECT * FROM ai_visitor_firm_phone');
  return {
    contacts: new Map(contacts.map((c) => [String(c.id), c])),
    registry: new Map(registry.map((r) => [String(r.phone_hash), r])),
  };
}

/** Back to the campaigns dialled and nothing stored (the simulator keeps its records): the baselines start there. */
async function resetToDialled(conn: Connection, tasks: number): Promise<void> {
  await conn.query('TRUNCATE TABLE ai_visitor_call_record');
  await conn.query('TRUNCATE TABLE ai_visitor_event');
  await conn.query('TRUNCATE TABLE ai_visitor_firm_phone');
  await conn.query('UPDATE ai_visitor_call_task SET status = 1, detail_cursor = NULL WHERE task_id BETWEEN 1 AND ?', [
    tasks,
  ]);
  await conn.query('UPDATE ai_visitor_task SET event_seq = 0 WHERE id BETWEEN 1 AND ?', [tasks]);
  await conn.query(
    `UPDATE ai_visitor_list SET status = 2, attempts = 0, callback_count = 0, call_result = 0, fail_reason = NULL, intension_result = 0,
       duration_sec = 0, called_at = NULL, record_id = NULL, synced_at = NULL, next_attempt_at = NULL, call_task_id = task_id
     WHERE task_id BETWEEN 1 AND ?`,
    [tasks],
  );
}

/**
 * Baseline (the one that counts): hand-written bulk SQL doing the writes of the sync's pages, from the same HTTP
 * pages (the gateway client, same page size, the same number of tasks at a time), one transaction per page:
 * the records (multi-row INSERT IGNORE), the task's event sequence (one UPDATE), the page's event batch row,
 * the contacts (one joined UPDATE to the values the sync wrote; the statistics triggers write the counters), the
 * firm registry for "not considering" and wrong numbers (multi-row upsert), the detail cursor. What it leaves out
 * is what the issue lets the sync spend: the framework, the lease fence and the task lock, and the per-record
 * rules (reading the contacts and known records to decide).
 */
async function handBulk(
  ctx: SectionContext,
  gateway: CampaignGatewayClient,
  written: SyncWrites,
  opts: { tasks: number; pageSize: number; concurrency: number },
): Promise<{ ms: number; pages: number }> {
  const pool: Pool = mysql.createPool({
    uri: ctx.db.url,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    connectionLimit: opts.concurrency,
  });
  const [callTasks] = await pool.query<CopiedRow[]>(
    'SELECT id, task_id, campaign_id FROM ai_visitor_call_task WHERE task_id BETWEEN 1 AND ? ORDER BY id',
    [opts.tasks],
  );
  const [firms] = await pool.query<RowDataPacket[]>(
    'SELECT id, firm_id FROM ai_visitor_task WHERE id BETWEEN 1 AND ?',
    [opts.tasks],
  );
  const firmOf = new Map(firms.map((f) => [String(f.id), String(f.firm_id)]));
  let pages = 0;
  const start = nowMs();
  try {
    await mapLimit(callTasks, opts.concurrency, async (ct) => {
      const conn = await pool.getConnection();
      try {
        let cursor: string | null = null;
        for (;;) {
          const page = await gateway.getCampaignDetail({
            campaignId: String(ct.campaign_id),
            cursor,
            limit: opts.pageSize,
          });
          pages++;
          await conn.beginTransaction();
          const records = page.records.filter((r) => written.contacts.has(r.ref));
          if (records.length > 0) {
            await conn.query(`INSERT IGNORE INTO ai_visitor_call_record (${RECORD_COLUMNS.join(', ')}) VALUES ?`, [
              records.map((r) => [
                r.recordId,
                ct.task_id,
                ct.id,
                r.ref,
                r.callResult,
                r.failReason,
                r.callResult === 1 ? r.intention : 0,
                r.callResult === 1 ? r.durationSec : 0,
                r.calledAt,
              ]),
            ]);
            const events = records.reduce((n, r) => n + (r.callResult === 1 && r.intention === 1 ? 2 : 1), 0);
            const [seq] = await conn.query<ResultSetHeader>(
              'UPDATE ai_visitor_task SET event_seq = LAST_INSERT_ID(event_seq + ?) WHERE id = ?',
              [events, ct.task_id],
            );
            let sequence = Number(seq.insertId) - events + 1;
            const entries = records.map((r) => {
              const entry = [r.recordId, 1, sequence];
              sequence += r.callResult === 1 && r.intention === 1 ? 2 : 1;
              return entry;
            });
            await conn.query(
              'INSERT INTO ai_visitor_event (type, firm_id, task_id, data, created_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))',
              ['batch:records', firmOf.get(String(ct.task_id)), ct.task_id, JSON.stringify(entries)],
            );
            const contacts = [...new Set(records.map((r) => r.ref))]
              .sort((a, b) => Number(a) - Number(b))
              .map((id) => written.contacts.get(id)!);
            const derived = contacts
              .map((c, i) =>
                i === 0
                  ? `SELECT ? AS id, ${CONTACT_FINAL.map((col) => `? AS ${col}`).join(', ')}`
                  : `SELECT ${['?', ...CONTACT_FINAL.map(() => '?')].join(', ')}`,
              )
              .join(' UNION ALL ');
            await conn.query(
              `UPDATE ai_visitor_list t JOIN (${derived}) v ON t.id = v.id SET ${CONTACT_FINAL.map((col) => `t.${col} = v.${col}`).join(', ')}`,
              contacts.flatMap((c) => [c.id, ...CONTACT_FINAL.map((col) => c[col])]),
            );
            const registry = contacts
              .map((c) => written.registry.get(String(c.phone_hash)))
              .filter((r): r is CopiedRow => !!r);
            if (registry.length > 0) {
              await conn.query(
                `INSERT INTO ai_visitor_firm_phone (firm_id, phone_hash, phone_enc, phone_key_id, do_not_call, dnc_reason, dnc_at, invalid) VALUES ?
                 ON DUPLICATE KEY UPDATE do_not_call = VALUES(do_not_call), dnc_reason = VALUES(dnc_reason), dnc_at = VALUES(dnc_at), invalid = VALUES(invalid)`,
                [
                  registry.map((r) => [
                    r.firm_id,
                    r.phone_hash,
                    r.phone_enc,
                    r.phone_key_id,
                    r.do_not_call,
                    r.dnc_reason,
                    r.dnc_at,
                    r.invalid,
                  ]),
                ],
              );
            }
          }
          if (page.nextCursor && page.nextCursor !== cursor)
            await conn.query('UPDATE ai_visitor_call_task SET detail_cursor = ? WHERE id = ?', [
              page.nextCursor,
              ct.id,
            ]);
          await conn.commit();
          if (!page.hasMore || !page.nextCursor) return;
          cursor = page.nextCursor;
        }
      } finally {
        conn.release();
      }
    });
    return { ms: nowMs() - start, pages };
  } finally {
    await pool.end();
  }
}

/** Baseline (a): the same rows, multi-row INSERT … ON DUPLICATE KEY UPDATE, `chunk` rows per statement, autocommit. */
async function rawUpsert(conn: Connection, records: StoredRecord[], chunk: number): Promise<{ ms: number }> {
  await conn.query('TRUNCATE TABLE ai_visitor_call_record');
  const updates = RECORD_COLUMNS.filter((c) => c !== 'record_id')
    .map((c) => `${c} = VALUES(${c})`)
    .join(', ');
  const sql = `INSERT INTO ai_visitor_call_record (${RECORD_COLUMNS.join(', ')}) VALUES ? ON DUPLICATE KEY UPDATE ${updates}`;
  const start = nowMs();
  for (let i = 0; i < records.length; i += chunk) {
    const rows = records.slice(i, i + chunk).map((r) => RECORD_COLUMNS.map((c) => r[c]));
    await conn.query(sql, [rows]);
  }
  return { ms: nowMs() - start };
}

/**
 * Baseline (b): the original review's algorithm, one round trip per statement, autocommit: for each record,
 * SELECT whether it is stored, INSERT it, SELECT its contact, UPDATE the contact. Bounded in records and time;
 * the rate is what counts.
 */
async function rowByRow(
  conn: Connection,
  records: StoredRecord[],
  maxRecords: number,
  maxMs: number,
  tasks: number,
): Promise<{ records: number; ms: number }> {
  await conn.query('TRUNCATE TABLE ai_visitor_call_record');
  await conn.query(
    `UPDATE ai_visitor_list SET status = 2, attempts = 0, call_result = 0, fail_reason = NULL, intension_result = 0, duration_sec = 0,
       called_at = NULL, record_id = NULL, synced_at = NULL, next_attempt_at = NULL, call_task_id = task_id WHERE task_id BETWEEN 1 AND ?`,
    [tasks],
  );
  const insert = `INSERT INTO ai_visitor_call_record (${RECORD_COLUMNS.join(', ')}) VALUES (${RECORD_COLUMNS.map(() => '?').join(', ')})`;
  const start = nowMs();
  let done = 0;
  for (const r of records) {
    if (done >= maxRecords || nowMs() - start > maxMs) break;
    const [known] = await conn.query<RowDataPacket[]>('SELECT id FROM ai_visitor_call_record WHERE record_id = ?', [
      r.record_id,
    ]);
    if (known.length === 0) {
      await conn.query(
        insert,
        RECORD_COLUMNS.map((c) => r[c]),
      );
      const [contacts] = await conn.query<RowDataPacket[]>(
        'SELECT id, status, attempts, call_task_id FROM ai_visitor_list WHERE id = ?',
        [r.contact_id],
      );
      const contact = contacts[0];
      if (contact) {
        const attempts = Number(contact.attempts) + 1;
        const connected = Number(r.call_result) === 1;
        await conn.query(
          `UPDATE ai_visitor_list SET status = ?, attempts = ?, call_result = ?, fail_reason = ?, intension_result = ?, duration_sec = ?,
             called_at = ?, record_id = ?, synced_at = UTC_TIMESTAMP(3) WHERE id = ?`,
          [
            connected || attempts >= 2 ? 3 : 1,
            attempts,
            r.call_result,
            r.fail_reason,
            r.intension_result,
            r.duration_sec,
            r.called_at,
            r.record_id,
            r.contact_id,
          ],
        );
      }
    }
    done++;
  }
  return { records: done, ms: nowMs() - start };
}
