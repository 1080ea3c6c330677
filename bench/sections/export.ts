import { get } from 'http';
import { join } from 'path';
import mysql, { RowDataPacket } from 'mysql2/promise';
import { BENCH_ACCOUNT, BENCH_FIRM, seedContacts, seedFirmBot, seedTasks, truncateAll } from '../lib/db';
import { AppBuild, LogSummary, spawnNode, summarizeLog, waitLive } from '../lib/children';
import { appEnv, SectionContext, SERVICE_TOKEN } from '../lib/context';
import { procMemoryMb, RssSampler } from '../lib/rss';
import { freePort, localDatabaseCpuMs, log, median, nowMs, processCpuMs, round, sleep, timed } from '../lib/util';

/** One download of the CSV through the API process, with what the process held meanwhile. */
export interface ExportRun {
  /**
   * Request sent → response headers, → the first byte of the body (the BOM and header, written before the first
   * page is read), and → the end of the first contact's row.
   */
  headersMs: number;
  firstByteMs: number;
  firstRowMs: number;
  /** Request sent → the last byte. */
  totalMs: number;
  bytes: number;
  /** Data rows in the CSV (lines after the header). */
  rows: number;
  rowsPerSec: number;
  /** What the CSV holds checked: row count, BOM and header, first and last contact. */
  csvOk: boolean;
  csvProblem?: string;
  /** The API process's VmRSS just before the request, its peak during the download, at the last byte and 1 s later. */
  rssBeforeMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  rssAfterMb: number;
  rssGrowthMb: number;
  rssSamples: number;
  /** Peak from the kernel's high-water mark (reset before the request) rather than from the samples; null if refused. */
  rssHwmMb: number | null;
  /** CPU used during the download by the API process and by the local database server (absent when remote). */
  apiCpuMs?: number;
  databaseCpuMs?: number;
}

export interface BareRun {
  ms: number;
  rows: number;
  rowsPerSec: number;
}

export interface ExportResult {
  how: string;
  build: AppBuild['kind'];
  contacts: number;
  otherContacts: number;
  csvBytes: number;
  reps: number;
  seedMs: number;
  bootMs: number;
  /** The baseline's statement: the keyset page the export reads, the columns it writes. */
  bareSql: string;
  explain: unknown[];
  /** The first export after the API started (code loaded, pools and caches filled on the way): reported apart. */
  cold: ExportRun;
  perRep: { app: ExportRun; bare: BareRun; ratio: number }[];
  rowsPerSec: number;
  firstByteMs: number;
  firstRowMs: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  rssGrowthMb: number;
  rssGrowthMaxMb: number;
  bareRowsPerSec: number;
  ratioToBare: number;
  allRowsOk: boolean;
  apiLog: LogSummary;
}

/** Rows per keyset page: the export's own page size (libs/task/src/usecases/export-contacts.usecase.ts). */
const PAGE = 1000;
/** Contacts are stored in blocks of this many per task, alternating between the two tasks, as bulk adds leave them. */
const BLOCK = 10_000;

const HEADER =
  'candidate_ref,name,phone,status,skip_reason,attempts,call_result,fail_reason,intention,duration_sec,called_at\r\n';

/** The statement the export sends for each page (ContactRepository.exportPageAfter), as mysql2 receives it. */
const BARE_SQL =
  'SELECT id, candidate_ref, name, phone_enc, phone_key_id, status, skip_reason, attempts, call_result, fail_reason, intension_result, ' +
  `duration_sec, called_at FROM ai_visitor_list WHERE task_id = ? AND id > ? ORDER BY id LIMIT ${PAGE}`;

interface Download {
  status: number;
  headersMs: number;
  firstByteMs: number;
  firstRowMs: number;
  totalMs: number;
  bytes: number;
  newlines: number;
  head: string;
  tail: string;
}

/** GET the URL with node:http (no agent, no pooling), reading as fast as it comes, counting lines on the way. */
function download(url: string, headers: Record<string, string>): Promise<Download> {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const req = get(url, { headers, agent: false }, (res) => {
      const headersMs = nowMs() - t0;
      let firstByteMs = NaN;
      let firstRowMs = NaN;
      let bytes = 0;
      let newlines = 0;
      let head: Buffer = Buffer.alloc(0);
      let tail: Buffer = Buffer.alloc(0);
      res.on('data', (chunk: Buffer) => {
        if (bytes === 0) firstByteMs = nowMs() - t0;
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
        if (newlines >= 2 && Number.isNaN(firstRowMs)) firstRowMs = nowMs() - t0;
        if (head.length < 1024) head = Buffer.concat([head, chunk.subarray(0, 1024)]);
        tail =
          chunk.length >= 1024 ? chunk.subarray(chunk.length - 1024) : Buffer.concat([tail, chunk]).subarray(-1024);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headersMs,
          firstByteMs,
          firstRowMs,
          totalMs: nowMs() - t0,
          bytes,
          newlines,
          head: head.toString('utf8'),
          tail: tail.toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** What the seeded task's CSV must hold: every contact, refs cand-1 … cand-N in id order, numbers +86139…. */
function checkCsv(d: Download, contacts: number): string | undefined {
  if (d.status !== 200) return `status ${d.status}: ${d.head.slice(0, 300)}`;
  if (d.newlines - 1 !== contacts) return `${d.newlines - 1} rows, expected ${contacts}`;
  if (!d.head.startsWith(`\ufeff${HEADER}`)) return `unexpected start: ${JSON.stringify(d.head.slice(0, 200))}`;
  if (!d.head.slice(HEADER.length + 1).startsWith('cand-1,候选人1,+8613900000001,'))
    return `unexpected first row: ${JSON.stringify(d.head.slice(HEADER.length + 1, HEADER.length + 200))}`;
  const lines = d.tail.split('\r\n');
  const last = lines[lines.length - 2] ?? '';
  if (!last.startsWith(`cand-${contacts},候选人${contacts},+86139${String(contacts).padStart(8, '0')},`))
    return `unexpected last row: ${JSON.stringify(last)}`;
  return undefined;
}

/**
 * GET /v1/tasks/:id/contacts.csv of one task of `contacts` contacts with call results, served by the API as its
 * own process (the real main.js of the build), downloaded by node:http in this process: time to the first byte,
 * rows/s end to end, and the API's resident set before, at its peak during and after each download. The
 * baseline, measured in the same repetition: the export's keyset SELECT of the same rows, page by page, through
 * one bare mysql2 connection (no decrypting, no CSV, no HTTP).
 */
export async function runExport(ctx: SectionContext, build: AppBuild): Promise<ExportResult> {
  const { db, config } = ctx;
  const { contacts, otherContacts, rssSampleMs } = config.exportCsv;
  const reps = config.repsCheap;

  await truncateAll(db.pool);
  log(
    `export: seeding task 1 with ${contacts.toLocaleString()} contacts and task 2 with ${otherContacts.toLocaleString()}, in alternating blocks of ${BLOCK.toLocaleString()}`,
  );
  const seeded = await timed(async () => {
    await seedFirmBot(db.pool);
    await seedTasks(db, { firstId: 1, count: 2, status: 5, batchSize: 1000, maxAttempts: 2, retryGapMinutes: 60 });
    const seeded = { 1: 0, 2: 0 };
    while (seeded[1] < contacts || seeded[2] < otherContacts) {
      for (const [taskId, total] of [
        [1, contacts],
        [2, otherContacts],
      ] as const) {
        const n = Math.min(BLOCK, total - seeded[taskId]);
        if (n <= 0) continue;
        await seedContacts(db, {
          firstTaskId: taskId,
          tasks: 1,
          perTask: n,
          status: 'stats',
          phoneBase: seeded[taskId],
          refBase: seeded[taskId],
        });
        seeded[taskId] += n;
      }
    }
    // The call results a finished task shows: when, how long, why a call failed.
    await db.pool.query(
      `UPDATE ai_visitor_list SET
         called_at = CASE WHEN call_result <> 0 THEN DATE_SUB(UTC_TIMESTAMP(3), INTERVAL id SECOND) END,
         duration_sec = CASE WHEN call_result = 1 THEN 20 + id % 180 ELSE 0 END,
         fail_reason = CASE WHEN call_result = 2 THEN 'no_answer' END`,
    );
    await db.pool.query('ANALYZE TABLE ai_visitor_list');
  });
  log(`export: seeded in ${(seeded.ms / 1000).toFixed(1)} s`);

  const port = await freePort();
  const logFile = join(ctx.tmpDir, 'api-export.log');
  const logLevel = process.env.BENCH_API_LOG_LEVEL || 'info';
  const bootStart = Date.now();
  // No platform call is made by an export: the simulator URL only has to be valid.
  const api = spawnNode(
    build,
    join(build.dir, 'apps/api/src/main.js'),
    [],
    appEnv(db, 'http://127.0.0.1:9', { API_PORT: String(port), LOG_LEVEL: logLevel }),
    logFile,
  );
  ctx.onCleanup(() => api.kill());
  const base = `http://127.0.0.1:${port}`;
  const bare = await mysql.createConnection({
    uri: db.url,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  try {
    await waitLive(`${base}/health/live`, api, logFile, 'the API');
    const bootMs = Date.now() - bootStart;
    const pid = api.child.pid!;
    log(`export: API up on ${base} in ${(bootMs / 1000).toFixed(1)} s (${build.kind} build), pid ${pid}`);

    const url = `${base}/v1/tasks/1/contacts.csv`;
    const headers = {
      Authorization: `Bearer ${SERVICE_TOKEN}`,
      'X-Firm-Id': String(BENCH_FIRM),
      'X-Account-Id': String(BENCH_ACCOUNT),
    };

    const measureApp = async (): Promise<ExportRun> => {
      // Let the previous run's garbage and sockets settle: "before" is the process at rest.
      await sleep(500);
      const rssBeforeMb = procMemoryMb(pid, 'VmRSS') ?? NaN;
      const cpu0 = processCpuMs(pid);
      const db0 = localDatabaseCpuMs();
      const sampler = RssSampler.start(pid, rssSampleMs);
      const d = await download(url, headers);
      const trace = sampler.stop();
      const cpu1 = processCpuMs(pid);
      const db1 = localDatabaseCpuMs();
      const rssEndMb = trace.samplesMb[trace.samplesMb.length - 1] ?? NaN;
      await sleep(1000);
      const rssAfterMb = procMemoryMb(pid, 'VmRSS') ?? NaN;
      const problem = checkCsv(d, contacts);
      return {
        headersMs: round(d.headersMs, 1),
        firstByteMs: round(d.firstByteMs, 1),
        firstRowMs: round(d.firstRowMs, 1),
        totalMs: round(d.totalMs, 1),
        bytes: d.bytes,
        rows: d.newlines - 1,
        rowsPerSec: round((d.newlines - 1) / (d.totalMs / 1000), 0),
        csvOk: problem === undefined,
        ...(problem ? { csvProblem: problem } : {}),
        rssBeforeMb: round(rssBeforeMb, 1),
        rssPeakMb: round(trace.peakMb, 1),
        rssEndMb: round(rssEndMb, 1),
        rssAfterMb: round(rssAfterMb, 1),
        rssGrowthMb: round(trace.peakMb - rssBeforeMb, 1),
        rssSamples: trace.samplesMb.length,
        rssHwmMb: trace.hwmMb === undefined ? null : round(trace.hwmMb, 1),
        apiCpuMs: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined,
        databaseCpuMs: db0 !== undefined && db1 !== undefined ? db1 - db0 : undefined,
      };
    };

    const measureBare = async (): Promise<BareRun> => {
      await sleep(200);
      const t0 = nowMs();
      let rows = 0;
      let after = '0';
      for (;;) {
        const [page] = await bare.query<RowDataPacket[]>(BARE_SQL, ['1', after]);
        rows += page.length;
        if (page.length === 0) break;
        after = String(page[page.length - 1].id);
        if (page.length < PAGE) break;
      }
      const ms = nowMs() - t0;
      if (rows !== contacts) throw new Error(`the bare keyset read ${rows} rows, expected ${contacts}`);
      return { ms: round(ms, 1), rows, rowsPerSec: round(rows / (ms / 1000), 0) };
    };

    const describe = (r: ExportRun) =>
      `${r.rowsPerSec.toLocaleString()} rows/s (${(r.totalMs / 1000).toFixed(2)} s), first byte ${r.firstByteMs} ms (first row ${r.firstRowMs} ms), ` +
      `RSS ${r.rssBeforeMb} → peak ${r.rssPeakMb} (+${r.rssGrowthMb}) → ${r.rssAfterMb} MB, API CPU ${r.apiCpuMs ?? '?'} ms, DB CPU ${r.databaseCpuMs ?? '?'} ms` +
      (r.csvOk ? '' : `; CSV WRONG: ${r.csvProblem}`);

    const [explain] = await bare.query<RowDataPacket[]>(`EXPLAIN ${BARE_SQL}`, ['1', '0']);
    const cold = await measureApp();
    log(`export: first export after boot: ${describe(cold)}`);
    await measureBare(); // warms the baseline's connection as the cold run warmed the API

    const perRep: ExportResult['perRep'] = [];
    for (let rep = 0; rep < reps; rep++) {
      // Alternate which goes first, so neither always finds the buffer pool as the other left it.
      let app: ExportRun;
      let bareRun: BareRun;
      if (rep % 2 === 0) {
        app = await measureApp();
        bareRun = await measureBare();
      } else {
        bareRun = await measureBare();
        app = await measureApp();
      }
      perRep.push({ app, bare: bareRun, ratio: round(app.rowsPerSec / bareRun.rowsPerSec, 3) });
      log(
        `export: rep ${rep + 1}/${reps}: ${describe(app)}; bare keyset SELECT ${bareRun.rowsPerSec.toLocaleString()} rows/s`,
      );
    }
    const apps = perRep.map((r) => r.app);
    return {
      how: 'child process: node <build>/apps/api/src/main.js; node:http client in the bench process; RSS from /proc/<pid>/status',
      build: build.kind,
      contacts,
      otherContacts,
      csvBytes: cold.bytes,
      reps,
      seedMs: round(seeded.ms, 0),
      bootMs,
      bareSql: BARE_SQL,
      explain,
      cold,
      perRep,
      rowsPerSec: round(median(apps.map((a) => a.rowsPerSec)), 0),
      firstByteMs: round(median(apps.map((a) => a.firstByteMs)), 1),
      firstRowMs: round(median(apps.map((a) => a.firstRowMs)), 1),
      rssBeforeMb: round(median(apps.map((a) => a.rssBeforeMb)), 1),
      rssPeakMb: round(median(apps.map((a) => a.rssPeakMb)), 1),
      rssAfterMb: round(median(apps.map((a) => a.rssAfterMb)), 1),
      rssGrowthMb: round(median(apps.map((a) => a.rssGrowthMb)), 1),
      rssGrowthMaxMb: round(Math.max(...apps.map((a) => a.rssGrowthMb)), 1),
      bareRowsPerSec: round(median(perRep.map((r) => r.bare.rowsPerSec)), 0),
      ratioToBare: round(median(perRep.map((r) => r.ratio)), 3),
      allRowsOk: cold.csvOk && apps.every((a) => a.csvOk),
      apiLog: summarizeLog(logFile),
    };
  } finally {
    await bare.end().catch(() => undefined);
    await api.kill();
    await truncateAll(db.pool);
  }
}
