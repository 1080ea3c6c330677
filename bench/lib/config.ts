/** What one `npm run bench` measures and how big, from BENCH_* variables (see bench/README.md). */

export type ScaleName = 'small' | 'full';
export type SectionName =
  | 'stats'
  | 'ingest'
  | 'events'
  | 'conversations'
  | 'history'
  | 'delivery'
  | 'freshness'
  | 'push'
  | 'rollover'
  | 'system'
  | 'api'
  | 'callback'
  | 'export'
  | 'live'
  | 'scale'
  | 'erasure';
export const ALL_SECTIONS: SectionName[] = [
  'stats',
  'ingest',
  'events',
  'conversations',
  'history',
  'delivery',
  'freshness',
  'push',
  'rollover',
  'system',
  'api',
  'callback',
  'export',
  'live',
  'scale',
  'erasure',
];

export interface BenchConfig {
  scale: ScaleName;
  /** The MySQL/MariaDB server; the bench creates (and drops) its own database on it. */
  serverUrl: string;
  sections: SectionName[];
  /** Repetitions of cheap measurements (stats) and of expensive ones (ingest, API, scale). */
  repsCheap: number;
  repsExpensive: number;
  /**
   * BENCH_OTEL=1: the freshness section runs a second time with tracing on in the API and the worker (exporting to
   * an OTLP sink in the bench process), and the ingest section times one more sync pass a repetition with the SDK
   * started in the bench process: each against its run with tracing off, in the same run.
   */
  otel: boolean;
  ingest: { tasks: number; contactsPerTask: number; rowByRowMaxRecords: number; rowByRowMaxMs: number };
  stats: { contacts: number; runs: number; warmup: number };
  /**
   * Call history (issue 22): one task of `contacts` contacts with their calls and conversations; `sampled` of
   * them with `attempts` calls each are read `runs` times a repetition.
   */
  history: { contacts: number; sampled: number; attempts: number; runs: number };
  api: { connections: number; durationS: number; poolTasks: number; contactsPerTask: number };
  /**
   * The callback endpoint (issue 23): signed pushes to one API process from `connections` connections for
   * `durationS` a scenario, over `tasks` running tasks of `contactsPerTask` contacts; batched pushes carry `batch`
   * records; every record has a transcript of `transcriptBytes`. `reps` repetitions of all the scenarios (5 by
   * default, whatever BENCH_REPS_EXPENSIVE: the ratio's median needs them on a shared 2-core machine).
   */
  callback: {
    reps: number;
    connections: number;
    durationS: number;
    tasks: number;
    contactsPerTask: number;
    batch: number;
    transcriptBytes: number;
  };
  scaling: {
    tasks: number;
    contactsPerTask: number;
    timeoutS: number;
    maxPasses: number;
    platformLatencyMs: number;
    /** Worker processes compared (1 first: the others are against it). */
    workerCounts: number[];
    /** SYNC_CONCURRENCY of each worker. */
    syncConcurrency: number;
  };
  /** One pass over many live tasks, `newsPercent` of them with a new record, at each SYNC_CONCURRENCY of `concurrencies`. */
  liveTasks: {
    tasks: number;
    newsPercent: number;
    waitingPercent: number;
    concurrencies: number[];
    defaultConcurrency: number;
  };
  /** Webhook delivery rate of one worker from a backlog of `events` in the outbox over `tasks` tasks. */
  delivery: { events: number; tasks: number; block: number; timeoutS: number };
  /**
   * Freshness: the simulator pushes results for `durationS` at about `ratePerSec` (tasks × parallelism ÷ call time),
   * each task's contacts in one campaign; `pushBatchMs` 0 pushes each record as its call ends.
   */
  /**
   * What a pushed record costs the database (issue 23): the simulator pushes one record per push (1 KB transcript)
   * at tasks × parallelism ÷ callMs a second; the database's work is measured over `durationS` after `warmupS`.
   */
  push: { durationS: number; warmupS: number; tasks: number; parallelism: number; callMs: number };
  freshness: {
    durationS: number;
    tasks: number;
    parallelism: number;
    callMs: number;
    pushBatchMs: number;
    drainS: number;
  };
  /**
   * Rollover (issue 20): `tasks` tasks of `campaigns` campaigns of `batchSize` contacts each, the platform dialling
   * `parallelism` lines a campaign with calls of `callMs`, a running worker at the default SYNC_CRON and
   * SYNC_EDGE_CRON; with pushes on, then off (`offCampaigns` campaigns a task: each rollover waits for a minute check).
   */
  rollover: {
    tasks: number;
    campaigns: number;
    batchSize: number;
    callMs: number;
    parallelism: number;
    offCampaigns: number;
    timeoutS: number;
  };
  /**
   * The system at the planned load (issue 23): `firms` firms, each one task dialling `ratePerFirm` calls a second
   * (calls of `callMs`, so ratePerFirm × callMs ÷ 1000 lines a campaign, campaigns of `batchSize`) for `durationS`,
   * every result pushed; the API, a worker (relay on) and the simulator as processes, a webhook receiver here.
   * `search` (full scale, unless BENCH_SYSTEM_FIRMS fixes N): the highest `firms` the system holds, trying
   * `ladder` then bisecting to `resolution`, at most `maxTrials` trials and `searchMaxS` in all.
   */
  system: {
    firms: number;
    durationS: number;
    ratePerFirm: number;
    callMs: number;
    /**
     * Each call lasts callMs × (1 ± this %), uniformly: a platform's calls vary in length, so a firm's results come
     * spread over time at ratePerFirm a second, not all its lines' together every callMs (0: every call callMs).
     */
    callJitterPercent: number;
    batchSize: number;
    sampleMs: number;
    pushBatchMs: number;
    transcriptBytes: number;
    drainS: number;
    search: boolean;
    ladder: number[];
    resolution: number;
    maxTrials: number;
    searchMaxS: number;
  };
  /**
   * The CSV export of one task of `contacts` contacts through the API process; `otherContacts` belong to another
   * task, stored after the exported one, so the keyset paging does not read a table that is only its task.
   */
  exportCsv: { contacts: number; otherContacts: number; rssSampleMs: number };
  /**
   * A candidate's erasure: a number in each of `tasks` tasks of `contactsPerTask` contacts, with `events` events
   * stored; the conversations' retention purge of `conversations` conversations, alone and beside the ingest.
   */
  erasure: { tasks: number; contactsPerTask: number; events: number; conversations: number };
  /** Run the children (API, workers) from `dist/` instead of a fresh build of the current sources. */
  useDist: boolean;
  keepDatabase: boolean;
  resultFile: string;
}

const PRESETS: Record<
  ScaleName,
  Omit<
    BenchConfig,
    | 'scale'
    | 'serverUrl'
    | 'sections'
    | 'repsCheap'
    | 'repsExpensive'
    | 'useDist'
    | 'keepDatabase'
    | 'resultFile'
    | 'otel'
    | 'callback'
  > & { callback: Omit<BenchConfig['callback'], 'reps'> }
> = {
  small: {
    ingest: { tasks: 10, contactsPerTask: 1000, rowByRowMaxRecords: 3000, rowByRowMaxMs: 8_000 },
    stats: { contacts: 100_000, runs: 50, warmup: 3 },
    history: { contacts: 100_000, sampled: 200, attempts: 10, runs: 500 },
    api: { connections: 10, durationS: 5, poolTasks: 24, contactsPerTask: 1000 },
    callback: { connections: 10, durationS: 5, tasks: 100, contactsPerTask: 5000, batch: 100, transcriptBytes: 1024 },
    scaling: {
      tasks: 100,
      contactsPerTask: 100,
      timeoutS: 180,
      maxPasses: 60,
      platformLatencyMs: 100,
      workerCounts: [1, 2, 4],
      syncConcurrency: 4,
    },
    liveTasks: {
      tasks: 2000,
      newsPercent: 1,
      waitingPercent: 20,
      concurrencies: [4, 16, 32, 48, 64],
      defaultConcurrency: 48,
    },
    delivery: { events: 20_000, tasks: 100, block: 50, timeoutS: 300 },
    push: { durationS: 20, warmupS: 3, tasks: 20, parallelism: 10, callMs: 1000 },
    freshness: { durationS: 25, tasks: 20, parallelism: 10, callMs: 1000, pushBatchMs: 0, drainS: 60 },
    rollover: { tasks: 4, campaigns: 4, batchSize: 100, callMs: 1200, parallelism: 10, offCampaigns: 2, timeoutS: 600 },
    system: {
      firms: 20,
      durationS: 120,
      ratePerFirm: 5,
      callMs: 10_000,
      callJitterPercent: 50,
      batchSize: 200,
      sampleMs: 3000,
      pushBatchMs: 0,
      transcriptBytes: 1024,
      drainS: 45,
      search: false,
      ladder: [20, 50, 100, 150, 200, 300, 400],
      resolution: 10,
      maxTrials: 8,
      searchMaxS: 2700,
    },
    exportCsv: { contacts: 20_000, otherContacts: 20_000, rssSampleMs: 50 },
    // The sizes even at the small scale: the seeding is server-side SQL (about a minute), the timed work short.
    erasure: { tasks: 100, contactsPerTask: 1000, events: 1_000_000, conversations: 100_000 },
  },
  full: {
    ingest: { tasks: 100, contactsPerTask: 1000, rowByRowMaxRecords: 20_000, rowByRowMaxMs: 60_000 },
    stats: { contacts: 1_000_000, runs: 50, warmup: 3 },
    history: { contacts: 1_000_000, sampled: 200, attempts: 10, runs: 500 },
    api: { connections: 10, durationS: 15, poolTasks: 24, contactsPerTask: 1000 },
    callback: { connections: 10, durationS: 15, tasks: 100, contactsPerTask: 12000, batch: 100, transcriptBytes: 1024 },
    scaling: {
      tasks: 1000,
      contactsPerTask: 10,
      timeoutS: 1800,
      maxPasses: 200,
      platformLatencyMs: 100,
      workerCounts: [1, 2, 4],
      syncConcurrency: 4,
    },
    liveTasks: {
      tasks: 10_000,
      newsPercent: 1,
      waitingPercent: 20,
      concurrencies: [4, 16, 32, 48, 64],
      defaultConcurrency: 48,
    },
    delivery: { events: 100_000, tasks: 100, block: 50, timeoutS: 1200 },
    push: { durationS: 60, warmupS: 5, tasks: 20, parallelism: 10, callMs: 1000 },
    freshness: { durationS: 60, tasks: 20, parallelism: 10, callMs: 1000, pushBatchMs: 0, drainS: 120 },
    rollover: {
      tasks: 10,
      campaigns: 20,
      batchSize: 100,
      callMs: 1200,
      parallelism: 10,
      offCampaigns: 3,
      timeoutS: 1800,
    },
    system: {
      firms: 20,
      durationS: 180,
      ratePerFirm: 5,
      callMs: 10_000,
      callJitterPercent: 50,
      batchSize: 200,
      sampleMs: 3000,
      pushBatchMs: 0,
      transcriptBytes: 1024,
      drainS: 60,
      search: true,
      ladder: [20, 50, 100, 150, 200, 300, 400],
      resolution: 10,
      maxTrials: 8,
      searchMaxS: 2700,
    },
    exportCsv: { contacts: 100_000, otherContacts: 100_000, rssSampleMs: 50 },
    erasure: { tasks: 100, contactsPerTask: 1000, events: 1_000_000, conversations: 200_000 },
  },
};

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1, max = 100_000_000): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const scaleRaw = (env.BENCH_SCALE ?? 'small').trim() || 'small';
  if (scaleRaw !== 'small' && scaleRaw !== 'full')
    throw new Error(`BENCH_SCALE must be small or full, got "${scaleRaw}"`);
  const scale: ScaleName = scaleRaw;
  const preset = PRESETS[scale];
  const sections = (
    env.BENCH_ONLY?.trim() ? env.BENCH_ONLY.split(',').map((s) => s.trim()) : ALL_SECTIONS
  ) as SectionName[];
  for (const s of sections) {
    if (!ALL_SECTIONS.includes(s))
      throw new Error(`BENCH_ONLY: unknown section "${s}" (known: ${ALL_SECTIONS.join(', ')})`);
  }
  const reps = env.BENCH_REPS?.trim() ? int(env, 'BENCH_REPS', 1, 1, 50) : undefined;
  return {
    scale,
    serverUrl: env.BENCH_DATABASE_URL || env.DATABASE_URL || 'mysql://root@127.0.0.1:3306/test',
    sections,
    repsCheap: int(env, 'BENCH_REPS_CHEAP', reps ?? 5, 1, 50),
    repsExpensive: int(env, 'BENCH_REPS_EXPENSIVE', reps ?? 3, 1, 50),
    otel: env.BENCH_OTEL === '1',
    ingest: {
      tasks: int(env, 'BENCH_INGEST_TASKS', preset.ingest.tasks, 1, 10_000),
      contactsPerTask: int(env, 'BENCH_INGEST_CONTACTS', preset.ingest.contactsPerTask, 1, 10_000),
      rowByRowMaxRecords: int(env, 'BENCH_ROW_BY_ROW_MAX_RECORDS', preset.ingest.rowByRowMaxRecords),
      rowByRowMaxMs: int(env, 'BENCH_ROW_BY_ROW_MAX_MS', preset.ingest.rowByRowMaxMs, 1000, 3_600_000),
    },
    stats: {
      contacts: int(env, 'BENCH_STATS_CONTACTS', preset.stats.contacts, 1, 10_000_000),
      runs: int(env, 'BENCH_STATS_RUNS', preset.stats.runs, 2, 10_000),
      warmup: int(env, 'BENCH_STATS_WARMUP', preset.stats.warmup, 0, 100),
    },
    history: {
      contacts: int(env, 'BENCH_HISTORY_CONTACTS', preset.history.contacts, 1000, 10_000_000),
      sampled: int(env, 'BENCH_HISTORY_SAMPLED', preset.history.sampled, 1, 10_000),
      attempts: int(env, 'BENCH_HISTORY_ATTEMPTS', preset.history.attempts, 1, 100),
      runs: int(env, 'BENCH_HISTORY_RUNS', preset.history.runs, 2, 100_000),
    },
    api: {
      connections: int(env, 'BENCH_API_CONNECTIONS', preset.api.connections, 1, 1000),
      durationS: int(env, 'BENCH_API_DURATION_S', preset.api.durationS, 1, 600),
      poolTasks: Math.max(
        int(env, 'BENCH_API_POOL_TASKS', preset.api.poolTasks, 1, 10_000),
        2 * int(env, 'BENCH_API_CONNECTIONS', preset.api.connections, 1, 1000) + 2,
      ),
      contactsPerTask: int(env, 'BENCH_API_CONTACTS', preset.api.contactsPerTask, 1, 10_000),
    },
    callback: {
      reps: int(env, 'BENCH_CALLBACK_REPS', reps ?? 5, 1, 50),
      connections: int(env, 'BENCH_CALLBACK_CONNECTIONS', preset.callback.connections, 1, 1000),
      durationS: int(env, 'BENCH_CALLBACK_DURATION_S', preset.callback.durationS, 1, 600),
      tasks: int(env, 'BENCH_CALLBACK_TASKS', preset.callback.tasks, 1, 10_000),
      contactsPerTask: int(env, 'BENCH_CALLBACK_CONTACTS', preset.callback.contactsPerTask, 1, 100_000),
      batch: int(env, 'BENCH_CALLBACK_BATCH', preset.callback.batch, 1, 1000),
      transcriptBytes: int(env, 'BENCH_CALLBACK_TRANSCRIPT_BYTES', preset.callback.transcriptBytes, 0, 20_000),
    },
    scaling: {
      tasks: int(env, 'BENCH_SCALE_TASKS', preset.scaling.tasks, 1, 100_000),
      contactsPerTask: int(env, 'BENCH_SCALE_CONTACTS', preset.scaling.contactsPerTask, 1, 10_000),
      timeoutS: int(env, 'BENCH_SCALE_TIMEOUT_S', preset.scaling.timeoutS, 10, 24 * 3600),
      maxPasses: int(env, 'BENCH_SCALE_MAX_PASSES', preset.scaling.maxPasses, 1, 10_000),
      platformLatencyMs: int(env, 'BENCH_SCALE_LATENCY_MS', preset.scaling.platformLatencyMs, 0, 10_000),
      workerCounts: env.BENCH_SCALE_WORKERS?.trim()
        ? [
            ...new Set([
              1,
              ...env.BENCH_SCALE_WORKERS.split(',')
                .map((c) => Number(c.trim()))
                .filter((c) => Number.isInteger(c) && c > 0 && c <= 16),
            ]),
          ]
        : preset.scaling.workerCounts,
      syncConcurrency: int(env, 'BENCH_SCALE_SYNC_CONCURRENCY', preset.scaling.syncConcurrency, 1, 64),
    },
    liveTasks: {
      tasks: int(env, 'BENCH_LIVE_TASKS', preset.liveTasks.tasks, 1, 1_000_000),
      newsPercent: int(env, 'BENCH_LIVE_NEWS_PERCENT', preset.liveTasks.newsPercent, 0, 100),
      waitingPercent: int(env, 'BENCH_LIVE_WAITING_PERCENT', preset.liveTasks.waitingPercent, 0, 1000),
      concurrencies: env.BENCH_LIVE_CONCURRENCIES?.trim()
        ? env.BENCH_LIVE_CONCURRENCIES.split(',')
            .map((c) => Number(c.trim()))
            .filter((c) => Number.isInteger(c) && c > 0)
        : preset.liveTasks.concurrencies,
      defaultConcurrency: preset.liveTasks.defaultConcurrency,
    },
    delivery: {
      events: int(env, 'BENCH_DELIVERY_EVENTS', preset.delivery.events, 1, 10_000_000),
      tasks: int(env, 'BENCH_DELIVERY_TASKS', preset.delivery.tasks, 1, 100_000),
      block: int(env, 'BENCH_DELIVERY_BLOCK', preset.delivery.block, 1, 100_000),
      timeoutS: int(env, 'BENCH_DELIVERY_TIMEOUT_S', preset.delivery.timeoutS, 10, 24 * 3600),
    },
    push: {
      durationS: int(env, 'BENCH_PUSH_DURATION_S', preset.push.durationS, 1, 3600),
      warmupS: int(env, 'BENCH_PUSH_WARMUP_S', preset.push.warmupS, 0, 600),
      tasks: int(env, 'BENCH_PUSH_TASKS', preset.push.tasks, 1, 1000),
      parallelism: int(env, 'BENCH_PUSH_PARALLELISM', preset.push.parallelism, 1, 1000),
      callMs: int(env, 'BENCH_PUSH_CALL_MS', preset.push.callMs, 1, 600_000),
    },
    freshness: {
      durationS: int(env, 'BENCH_FRESHNESS_DURATION_S', preset.freshness.durationS, 1, 3600),
      tasks: int(env, 'BENCH_FRESHNESS_TASKS', preset.freshness.tasks, 1, 1000),
      parallelism: int(env, 'BENCH_FRESHNESS_PARALLELISM', preset.freshness.parallelism, 1, 1000),
      callMs: int(env, 'BENCH_FRESHNESS_CALL_MS', preset.freshness.callMs, 1, 600_000),
      pushBatchMs: int(env, 'BENCH_FRESHNESS_PUSH_BATCH_MS', preset.freshness.pushBatchMs, 0, 60_000),
      drainS: int(env, 'BENCH_FRESHNESS_DRAIN_S', preset.freshness.drainS, 1, 3600),
    },
    rollover: {
      tasks: int(env, 'BENCH_ROLLOVER_TASKS', preset.rollover.tasks, 1, 1000),
      campaigns: int(env, 'BENCH_ROLLOVER_CAMPAIGNS', preset.rollover.campaigns, 2, 1000),
      batchSize: int(env, 'BENCH_ROLLOVER_BATCH', preset.rollover.batchSize, 1, 1000),
      callMs: int(env, 'BENCH_ROLLOVER_CALL_MS', preset.rollover.callMs, 1, 600_000),
      parallelism: int(env, 'BENCH_ROLLOVER_PARALLELISM', preset.rollover.parallelism, 1, 1000),
      offCampaigns: int(env, 'BENCH_ROLLOVER_OFF_CAMPAIGNS', preset.rollover.offCampaigns, 0, 1000),
      timeoutS: int(env, 'BENCH_ROLLOVER_TIMEOUT_S', preset.rollover.timeoutS, 10, 24 * 3600),
    },
    system: {
      firms: int(env, 'BENCH_SYSTEM_FIRMS', preset.system.firms, 1, 10_000),
      durationS: int(env, 'BENCH_SYSTEM_DURATION_S', preset.system.durationS, 10, 3600),
      ratePerFirm: int(env, 'BENCH_SYSTEM_RATE', preset.system.ratePerFirm, 1, 1000),
      callMs: int(env, 'BENCH_SYSTEM_CALL_MS', preset.system.callMs, 100, 600_000),
      callJitterPercent: int(env, 'BENCH_SYSTEM_CALL_JITTER', preset.system.callJitterPercent, 0, 100),
      batchSize: int(env, 'BENCH_SYSTEM_BATCH', preset.system.batchSize, 1, 1000),
      sampleMs: int(env, 'BENCH_SYSTEM_SAMPLE_MS', preset.system.sampleMs, 500, 60_000),
      pushBatchMs: int(env, 'BENCH_SYSTEM_PUSH_BATCH_MS', preset.system.pushBatchMs, 0, 60_000),
      transcriptBytes: int(env, 'BENCH_SYSTEM_TRANSCRIPT_BYTES', preset.system.transcriptBytes, 0, 60_000),
      drainS: int(env, 'BENCH_SYSTEM_DRAIN_S', preset.system.drainS, 5, 3600),
      search: preset.system.search && !env.BENCH_SYSTEM_FIRMS?.trim(),
      ladder: env.BENCH_SYSTEM_LADDER?.trim()
        ? [
            ...new Set(
              env.BENCH_SYSTEM_LADDER.split(',')
                .map((c) => Number(c.trim()))
                .filter((c) => Number.isInteger(c) && c > 0 && c <= 10_000),
            ),
          ].sort((a, b) => a - b)
        : preset.system.ladder,
      resolution: int(env, 'BENCH_SYSTEM_RESOLUTION', preset.system.resolution, 1, 1000),
      maxTrials: int(env, 'BENCH_SYSTEM_MAX_TRIALS', preset.system.maxTrials, 1, 50),
      searchMaxS: int(env, 'BENCH_SYSTEM_SEARCH_MAX_S', preset.system.searchMaxS, 60, 24 * 3600),
    },
    exportCsv: {
      contacts: int(env, 'BENCH_EXPORT_CONTACTS', preset.exportCsv.contacts, 1, 10_000_000),
      otherContacts: int(env, 'BENCH_EXPORT_OTHER_CONTACTS', preset.exportCsv.otherContacts, 0, 10_000_000),
      rssSampleMs: int(env, 'BENCH_EXPORT_RSS_SAMPLE_MS', preset.exportCsv.rssSampleMs, 5, 10_000),
    },
    erasure: {
      tasks: int(env, 'BENCH_ERASURE_TASKS', preset.erasure.tasks, 1, 10_000),
      contactsPerTask: int(env, 'BENCH_ERASURE_CONTACTS', preset.erasure.contactsPerTask, 10, 100_000),
      events: int(env, 'BENCH_ERASURE_EVENTS', preset.erasure.events, 1, 100_000_000),
      conversations: int(env, 'BENCH_PURGE_CONVERSATIONS', preset.erasure.conversations, 100, 10_000_000),
    },
    useDist: env.BENCH_USE_DIST === '1',
    keepDatabase: env.BENCH_KEEP_DB === '1',
    resultFile: env.BENCH_RESULT_FILE || 'bench/results/latest.json',
  };
}
