import autocannon from 'autocannon';
import { createHmac } from 'crypto';
import { join } from 'path';
import {
  BENCH_ACCOUNT,
  BENCH_FIRM,
  contactsByTask,
  scalar,
  seedContacts,
  seedFirmBot,
  seedTasks,
  truncateAll,
} from '../lib/db';
import { BenchSimulator } from '../lib/simulator';
import { AppBuild, LogSummary, spawnNode, summarizeLog, waitLive } from '../lib/children';
import { appEnv, SectionContext, SERVICE_TOKEN } from '../lib/context';
import { freePort, localDatabaseCpuMs, log, median, processCpuMs, round, sleep } from '../lib/util';

export type CallbackScenario = 'me' | 'push_new' | 'replay' | 'push_batch';

const ALL_SCENARIOS: CallbackScenario[] = ['me', 'push_new', 'replay', 'push_batch'];
// BENCH_CALLBACK_SCENARIOS=push_new runs one scenario alone (a CPU profile of the API then holds only it).
/** Accounts the `me` scenario's requests go round (the throttle's windows are per account). */
const ME_ACCOUNTS = 1000;
const SCENARIOS = process.env.BENCH_CALLBACK_SCENARIOS?.trim()
  ? ALL_SCENARIOS.filter((s) => process.env.BENCH_CALLBACK_SCENARIOS!.split(',').includes(s))
  : ALL_SCENARIOS;

/** The secret appEnv gives the API (ROBOT_CALL_CALLBACK_SECRET). */
const CALLBACK_SECRET = 'bench-callback-secret-0123';

export interface CallbackRun {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Records carried by the 2xx answers (1 a push, `batch` a batched push; 0 for `me`). */
  records: number;
  recordsPerSec: number;
  non2xx: number;
  errors: number;
  /** CPU of the API process per request (µs, user + system, from /proc). */
  apiCpuUsPerRequest?: number;
  /** CPU of the local database server per request (µs), from /proc; absent with a remote database. */
  dbCpuUsPerRequest?: number;
}

export interface CallbackResult {
  how: string;
  build: AppBuild['kind'];
  connections: number;
  durationS: number;
  tasks: number;
  contactsPerTask: number;
  batch: number;
  transcriptBytes: number;
  /** Bytes of one single-record push's body. */
  pushBytes: number;
  logLevel: string;
  perRep: Record<CallbackScenario, CallbackRun>[];
  median: Record<
    CallbackScenario,
    {
      rps: number;
      p50: number;
      p99: number;
      recordsPerSec: number;
      non2xx: number;
      errors: number;
      apiCpuUsPerRequest: number | null;
      dbCpuUsPerRequest: number | null;
    }
  >;
  /** push_new req/s ÷ me req/s within each repetition, then the median (target ≥ 0.6). */
  newToCeilingPerRep: number[];
  newToCeiling: number;
  /** replay req/s ÷ me req/s within each repetition, then the median. */
  replayToCeiling: number;
  /** Records stored by the run, against the records the new-record pushes carried (all must be stored). */
  stored: { expected: number; actual: number };
  apiLog: LogSummary;
}

/** A transcript of at least `bytes` bytes of UTF-8, as the platform transcribes a call (Chinese, two speakers). */
function transcriptOf(bytes: number): string {
  if (bytes === 0) return '';
  const lines = [
    '机器人：您好，我是寻访顾问的 AI 助理，想和您聊聊一个高级工程师的职位，现在方便吗？',
    '候选人：你好，可以，请讲。',
    '机器人：这个职位在上海，负责后端平台，团队二十人左右，薪资范围有竞争力。',
    '候选人：听起来不错，我比较关心远程办公和加班的情况。',
  ];
  let text = '';
  for (let i = 0; Buffer.byteLength(text) < bytes; i++) text += `${lines[i % lines.length]}\n`;
  return text;
}

function signed(body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    'Content-Type': 'application/json',
    'X-Robot-Timestamp': timestamp,
    'X-Robot-Signature': `sha256=${createHmac('sha256', CALLBACK_SECRET).update(`${timestamp}.${body}`).digest('hex')}`,
  };
}

/**
 * One API process (the real main.js of the compiled app, its pino logger at LOG_LEVEL) under autocannon from this
 * process, signed pushes to POST /v1/callbacks/robot-call against the authenticated no-op route of the same
 * process (GET /v1/me), back to back in every repetition:
 *  - push_new: one record a push, each a record never seen (distinct ids), for the next contact of the next task
 *    (round robin over the tasks; a contact's first record moves it on, later ones are its further calls), with a
 *    transcript of `transcriptBytes`, a summary and a recording link, as the platform pushes one result per call;
 *  - replay: one record already stored, pushed again and again (each push signed afresh): the idempotent path;
 *  - push_batch: `batch` new records a push, for one task's next contacts: the records/s a batching platform gets.
 */
export async function runCallback(ctx: SectionContext, build: AppBuild): Promise<CallbackResult> {
  const { db, config } = ctx;
  const { connections, durationS, tasks, contactsPerTask, batch, transcriptBytes } = config.callback;
  const logLevel = process.env.BENCH_CALLBACK_LOG_LEVEL || 'info';
  // Calls last an hour: the campaigns stay running, so a campaign's end followed after a push finds it running.
  const simulator = await BenchSimulator.start({ callMs: 3_600_000, parallelism: 1 });
  ctx.onCleanup(() => simulator.close().catch(() => undefined));

  await truncateAll(db.pool);
  await seedFirmBot(db.pool, BENCH_FIRM, tasks);
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
    requestId: `bench-callback-${taskId}`,
    contacts,
  }));
  const campaignIds = await simulator.createCampaigns(batches, true);
  await db.pool.query(
    'INSERT INTO ai_visitor_call_task (id, task_id, batch_no, request_id, campaign_id, status, contact_count) VALUES ?',
    [batches.map((b) => [b.taskId, b.taskId, 1, b.requestId, campaignIds.get(b.requestId)!, 1, b.contacts.length])],
  );
  const campaignOf = new Map(batches.map((b) => [b.taskId, campaignIds.get(b.requestId)!]));
  const contactIds = new Map(batches.map((b) => [b.taskId, b.contacts.map((c) => c.id)]));
  const taskIds = batches.map((b) => b.taskId);

  const transcript = transcriptOf(transcriptBytes);
  let recordSeq = 0;
  /**
   * Records that named a contact already given one (the tasks' contacts all used): such a record is a further call
   * of a contact no longer in the campaign, stored as history only, a cheaper path than a result that moves its
   * contact on (every record the platform pushes, but for a late duplicate). The presets seed enough contacts for
   * none; the count is logged each repetition.
   */
  let reused = 0;
  const nextContact = new Map<number, number>();
  const record = (taskId: number) => {
    const ids = contactIds.get(taskId)!;
    const n = nextContact.get(taskId) ?? 0;
    nextContact.set(taskId, n + 1);
    if (n >= ids.length) reused += 1;
    const seq = ++recordSeq;
    const connected = seq % 4 !== 0;
    return {
      record_id: `rec_bench_${String(seq).padStart(9, '0')}`,
      ref: ids[n % ids.length],
      call_result: connected ? 1 : 2,
      fail_reason: connected ? null : 'no_answer',
      intention: connected ? [0, 1, 3][seq % 3] : 0,
      duration_sec: connected ? 30 + (seq % 120) : 0,
      called_at: new Date().toISOString(),
      recording_url: `https://recordings.robot-call.example/r/${seq}.mp3`,
      transcript: connected ? transcript : null,
      summary: connected ? 'Interested in the role; prefers a call after 18:00.' : null,
    };
  };
  const pushBody = (taskId: number, count: number) =>
    JSON.stringify({
      campaign_id: campaignOf.get(taskId)!,
      records: Array.from({ length: count }, () => record(taskId)),
    });
  const pushBytes = Buffer.byteLength(pushBody(taskIds[0], 1));
  recordSeq = 0;
  nextContact.clear();

  const port = await freePort();
  const logFile = join(ctx.tmpDir, 'api-callback.log');
  const api = spawnNode(
    build,
    join(build.dir, 'apps/api/src/main.js'),
    [],
    appEnv(db, simulator.baseUrl, { API_PORT: String(port), LOG_LEVEL: logLevel }),
    logFile,
  );
  ctx.onCleanup(() => api.kill());
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitLive(`${base}/health/live`, api, logFile, 'the API');
    log(
      `callback: API up on ${base} (${build.kind} build, LOG_LEVEL=${logLevel}); a one-record push is ${pushBytes} bytes`,
    );

    // The replayed record: stored once, before any measurement.
    const replayBody = pushBody(taskIds[0], 1);
    const first = await fetch(`${base}/v1/callbacks/robot-call`, {
      method: 'POST',
      headers: signed(replayBody),
      body: replayBody,
    });
    const firstAnswer = (await first.json()) as { stored?: number };
    if (!first.ok || firstAnswer.stored !== 1)
      throw new Error(`the first push answered ${first.status}: ${JSON.stringify(firstAnswer)}`);
    let pushedNew = 1;

    const meHeaders = {
      Authorization: `Bearer ${SERVICE_TOKEN}`,
      'X-Firm-Id': String(BENCH_FIRM),
      'X-Account-Id': String(BENCH_ACCOUNT),
    };
    // The no-op route as the recruiting platform calls it: for many accounts, each with a throttle window of its own.
    // From one account, the bench's THROTTLE_LIMIT (1,000,000: nothing refused) lets that window grow to every request
    // of the last minute, and @nestjs/throttler's in-memory storage filters the window on each request (O(hits)):
    // `/v1/me` then cost more rep by rep (584 -> 1,095 us of API CPU a request in one run) and moved the ratio with it.
    // At the default limit (600 a minute) a window never holds more than 600 hits.
    const meRequest = (): autocannon.Options['requests'] => {
      let next = 0;
      return [
        {
          method: 'GET',
          path: '/v1/me',
          setupRequest: (req) => ({
            ...req,
            headers: { ...req.headers, ...meHeaders, 'X-Account-Id': String(BENCH_ACCOUNT + (next++ % ME_ACCOUNTS)) },
          }),
        },
      ];
    };
    const pushRequest = (count: number): autocannon.Options['requests'] => {
      let next = 0;
      return [
        {
          method: 'POST',
          path: '/v1/callbacks/robot-call',
          setupRequest: (req) => {
            const body = pushBody(taskIds[next++ % taskIds.length], count);
            return { ...req, headers: { ...req.headers, ...signed(body) }, body };
          },
        },
      ];
    };
    const scenarios: Record<CallbackScenario, { requests: () => autocannon.Options['requests']; records: number }> = {
      me: { requests: meRequest, records: 0 },
      push_new: { requests: () => pushRequest(1), records: 1 },
      replay: {
        requests: () => [
          {
            method: 'POST',
            path: '/v1/callbacks/robot-call',
            setupRequest: (req) => ({ ...req, headers: { ...req.headers, ...signed(replayBody) }, body: replayBody }),
          },
        ],
        records: 1,
      },
      push_batch: { requests: () => pushRequest(batch), records: batch },
    };

    const fire = (scenario: CallbackScenario, duration: number): Promise<CallbackRun> =>
      new Promise((resolve, reject) => {
        const cpuBefore = processCpuMs(api.child.pid);
        const dbBefore = localDatabaseCpuMs();
        autocannon(
          { url: base, connections, duration, requests: scenarios[scenario].requests(), timeout: 20 },
          (error: Error | null, result) => {
            if (error) return reject(error);
            const cpuAfter = processCpuMs(api.child.pid);
            const dbAfter = localDatabaseCpuMs();
            const total = result.requests.total;
            const ok = total - result.non2xx;
            const perRequest = (before: number | undefined, after: number | undefined) =>
              before === undefined || after === undefined || !total
                ? undefined
                : round(((after - before) * 1000) / total, 0);
            resolve({
              rps: round(result.requests.average, 1),
              p50: result.latency.p50,
              p99: result.latency.p99,
              requests: total,
              records: ok * scenarios[scenario].records,
              recordsPerSec: round((ok * scenarios[scenario].records) / duration, 0),
              non2xx: result.non2xx,
              errors: result.errors,
              apiCpuUsPerRequest: perRequest(cpuBefore, cpuAfter),
              dbCpuUsPerRequest: perRequest(dbBefore, dbAfter),
            });
          },
        );
      });

    log('callback: warm-up (2 s per scenario)');
    for (const s of SCENARIOS) {
      const run = await fire(s, 2);
      if (s === 'push_new' || s === 'push_batch') pushedNew += run.records;
    }
    const perRep: Record<CallbackScenario, CallbackRun>[] = [];
    for (let rep = 0; rep < config.callback.reps; rep++) {
      // A scenario left out (BENCH_CALLBACK_SCENARIOS) counts as nothing done.
      const none: CallbackRun = {
        rps: 0,
        p50: 0,
        p99: 0,
        requests: 0,
        records: 0,
        recordsPerSec: 0,
        non2xx: 0,
        errors: 0,
      };
      const runs = Object.fromEntries(ALL_SCENARIOS.map((s) => [s, none])) as Record<CallbackScenario, CallbackRun>;
      // The ceiling and the one-record pushes back to back, the ceiling first in even repetitions and second in odd
      // ones (never after the batched pushes, which leave the database busiest): the ratio compares neighbours.
      const pair: CallbackScenario[] = rep % 2 === 0 ? ['me', 'push_new'] : ['push_new', 'me'];
      const order = [...pair, ...SCENARIOS.filter((s) => !pair.includes(s))].filter((s) => SCENARIOS.includes(s));
      for (const s of order) {
        runs[s] = await fire(s, durationS);
        if (s === 'push_new' || s === 'push_batch') pushedNew += runs[s].records;
        await sleep(300);
      }
      perRep.push(runs);
      log(
        `callback: rep ${rep + 1}/${config.callback.reps}: ` +
          order
            .map(
              (s: CallbackScenario) =>
                `${s} ${runs[s].rps}/s p99 ${runs[s].p99} ms (API ${runs[s].apiCpuUsPerRequest ?? '?'} µs, DB ${runs[s].dbCpuUsPerRequest ?? '?'} µs a request)` +
                (runs[s].non2xx || runs[s].errors ? ` (non-2xx ${runs[s].non2xx}, errors ${runs[s].errors})` : ''),
            )
            .join('; ') +
          `; ${runs.push_batch.recordsPerSec} records/s batched; push_new / me ${round(runs.push_new.rps / runs.me.rps, 3)}` +
          `; ${reused} records so far for contacts given one already (history only)`,
      );
    }
    const med = {} as CallbackResult['median'];
    const medOrNull = (values: (number | undefined)[]) => {
      const known = values.filter((v): v is number => v !== undefined);
      return known.length === values.length ? round(median(known), 0) : null;
    };
    for (const s of ALL_SCENARIOS) {
      med[s] = {
        rps: round(median(perRep.map((r) => r[s].rps)), 1),
        p50: round(median(perRep.map((r) => r[s].p50)), 1),
        p99: round(median(perRep.map((r) => r[s].p99)), 1),
        recordsPerSec: round(median(perRep.map((r) => r[s].recordsPerSec)), 0),
        non2xx: perRep.reduce((n, r) => n + r[s].non2xx, 0),
        errors: perRep.reduce((n, r) => n + r[s].errors, 0),
        apiCpuUsPerRequest: medOrNull(perRep.map((r) => r[s].apiCpuUsPerRequest)),
        dbCpuUsPerRequest: medOrNull(perRep.map((r) => r[s].dbCpuUsPerRequest)),
      };
    }
    const newToCeilingPerRep = perRep.map((r) => round(r.push_new.rps / r.me.rps, 3));
    // Pushes answered late by autocannon's timeout may still commit: let them land before counting.
    await sleep(1000);
    const actual = await scalar(db.pool, 'SELECT COUNT(*) AS n FROM ai_visitor_call_record');
    return {
      how: 'child process: node <build>/apps/api/src/main.js (the real entry point), autocannon in the bench process',
      build: build.kind,
      connections,
      durationS,
      tasks,
      contactsPerTask,
      batch,
      transcriptBytes,
      pushBytes,
      logLevel,
      perRep,
      median: med,
      newToCeilingPerRep,
      newToCeiling: round(median(newToCeilingPerRep), 3),
      replayToCeiling: round(median(perRep.map((r) => r.replay.rps / r.me.rps)), 3),
      stored: { expected: pushedNew, actual },
      apiLog: summarizeLog(logFile),
    };
  } finally {
    await api.kill();
    await simulator.close().catch(() => undefined);
    await truncateAll(db.pool);
  }
}
