/**
 * Size, seed and diagnostic switches of the lifecycle model (test/lifecycle-model.e2e-spec.ts).
 *
 *  MODEL_SEED=<int>          replay: the seed a failure printed (CI default: a fixed seed; SOAK: a random one)
 *  MODEL_PATH=<path>         replay: the counterexample path a failure printed (with MODEL_SEED)
 *  MODEL_REPLAY=<replayPath> replay: the commands' replayPath a failure printed (with MODEL_SEED and MODEL_PATH)
 *  MODEL_RUNS, MODEL_COMMANDS  override the number of runs and the longest command sequence
 *  MODEL_TIME_LIMIT_MS       stop starting new runs (or shrinking) after this long; a failure found is still reported
 *  MODEL_NO_SHRINK=1         report the first failing sequence as it is, without shrinking it
 *  MODEL_VERBOSE=1           print every step of every run as it happens
 *  MODEL_PUSH_FOLLOW_UP_MS   how long the model waits for the service's push follow-up (campaignMovedOn; 3000)
 *  MODEL_PUSH_ANSWER_MS      the bound of pushAnswered: a delivered push answered within it (5000)
 *
 * Diagnostic only (never in CI; a run using them says so loudly):
 *  MODEL_SKIP=check,…        do not check these (names in CHECKS below: the safety checks records, dialling,
 *                            oneActive, counters, waitingFor, liveness, boundedStart, passClean, pauseAnyTime,
 *                            responses, lifecycleEvents; the progress checks dueWork, stoppedWithinOnePass,
 *                            campaignMovedOn, attemptsBound, deliveryDue, deliveryHorizon; issue 22's withdrawn,
 *                            windowEditBound, scheduledStart; issue 23's pushAnswered)
 *  MODEL_DISABLE=feature,…   do not run these (names in FEATURES below); they are still generated, so a seed
 *                            keeps its sequence
 * e.g. to look at cancel alone on a service without `waitingFor` yet:
 *  MODEL_SKIP=waitingFor,pauseAnyTime MODEL_DISABLE=refuse,neverDial,oversize npx jest test/lifecycle-model.e2e-spec.ts
 */

export const SOAK = process.env.SOAK === '1';

const list = (name: string): Set<string> =>
  new Set(
    (process.env[name] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
const int = (name: string, fallback: number): number => {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : Number.parseInt(raw, 10);
};

export const CHECKS = [
  'records',
  'dialling',
  'oneActive',
  'counters',
  'waitingFor',
  'liveness',
  'boundedStart',
  'passClean',
  'pauseAnyTime',
  'responses',
  'lifecycleEvents',
  // Progress (issue 20, SPEC "Progress bounds", K = 1 pass): see invariants.ts.
  'dueWork',
  'stoppedWithinOnePass',
  'campaignMovedOn',
  'attemptsBound',
  'deliveryDue',
  'deliveryHorizon',
  'leasesAfterCut',
  // issue 22: a withdrawn contact is never dialled by a campaign made after its withdrawal, and none stays marked
  // for withdrawal once its campaign is closed; a window edit pauses a running task at the next minute check.
  'withdrawn',
  'windowEditBound',
  // issue 22: a scheduled task starts within its bound after `at`, never before it, and not while its BOT is off.
  'scheduledStart',
  // issue 23: every push delivered is answered within the platform's push timeout (push lanes: docs/architecture.md).
  'pushAnswered',
] as const;
export type CheckName = (typeof CHECKS)[number];
export const FEATURES = [
  'faults',
  'latency',
  'refuse',
  'neverDial',
  'oversize',
  'push',
  'race',
  'bot',
  'clock',
  'secondWorker',
  // issue 20: push faults (lost, held back and released late / out of order, repeated), many tasks at once, the
  // worker's edge pass, the events relay with a slow or failing receiver, redelivery, database cuts (MySQL).
  'pushFaults',
  'manyTasks',
  'edgePass',
  'relay',
  'slowReceiver',
  'redeliver',
  'dbCut',
  // issue 22: a candidate's erasure (commands-erasure.ts)
  'erasure',
  // issue 22: a recruiter edits a task (window, attempts, retry gap, batch size, name) and withdraws candidates.
  'edit',
  'withdraw',
  // issue 22: start at a set time (Schedule, Unschedule, ScheduledStarts), follow-ups (FollowUp).
  'schedule',
  'followUp',
] as const;
export type FeatureName = (typeof FEATURES)[number];

const skipped = list('MODEL_SKIP');
const disabled = list('MODEL_DISABLE');
for (const name of skipped)
  if (!(CHECKS as readonly string[]).includes(name))
    throw new Error(`MODEL_SKIP: unknown check ${name} (${CHECKS.join(', ')})`);
for (const name of disabled)
  if (!(FEATURES as readonly string[]).includes(name))
    throw new Error(`MODEL_DISABLE: unknown feature ${name} (${FEATURES.join(', ')})`);

export const checks = (name: CheckName): boolean => !skipped.has(name);
export const enabled = (name: FeatureName): boolean => !disabled.has(name);
export const DIAGNOSTIC = skipped.size > 0 || disabled.size > 0;
export const DIAGNOSTIC_NOTE = DIAGNOSTIC
  ? `DIAGNOSTIC RUN: checks skipped [${[...skipped].join(', ')}], features disabled [${[...disabled].join(', ')}]: not the model CI runs`
  : '';

/** The CI size keeps one database's run near a minute; SOAK explores more and longer sequences. */
export const SIZE = {
  runs: int('MODEL_RUNS', SOAK ? 60 : 10),
  commands: int('MODEL_COMMANDS', SOAK ? 60 : 40),
  timeLimitMs: int('MODEL_TIME_LIMIT_MS', SOAK ? 20 * 60_000 : 70_000),
  /**
   * Tasks a run creates at most, over `firms` firms: more than one claim batch (SYNC_CONCURRENCY 1 × 4, see
   * world.ts), so the order in which a pass claims tasks is exercised (issue 20, item 2).
   */
  maxTasks: SOAK ? 10 : 8,
  firms: 2,
};

const FIXED_CI_SEED = 20261201;
export const SEED = process.env.MODEL_SEED
  ? Number.parseInt(process.env.MODEL_SEED, 10)
  : SOAK
    ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0
    : FIXED_CI_SEED;
export const PATH = process.env.MODEL_PATH || undefined;
export const REPLAY_PATH = process.env.MODEL_REPLAY || undefined;
export const SHRINK = process.env.MODEL_NO_SHRINK !== '1';
export const VERBOSE = process.env.MODEL_VERBOSE === '1';

/** The simulated platform and the gateway client: fast calls, quick time-outs, a breaker that recovers quickly. */
export const PLATFORM = {
  callMs: 15,
  parallelism: 2,
  connectRate: 0.5,
  clientTimeoutMs: 400,
  breakerResetMs: 300,
  /** Hangs shorter and longer than the client's time-out: slow answers and lost ones. */
  hangsMs: [150, 600],
};

/**
 * Progress bounds (issue 20; SPEC "Progress bounds"). `pushFollowUpMs`: how long, after a step on a healthy
 * platform in which pushes revealed a campaign's end (every contact's result stored, the platform reports it
 * finished), the model waits for the service to move the task on by itself (`awaitPushFollowUp`, progress.ts)
 * before `campaignMovedOn` fails. The service promises "within seconds" (issue 20, item 1).
 */
export const PROGRESS = {
  pushFollowUpMs: int('MODEL_PUSH_FOLLOW_UP_MS', 3000),
  /** `pushAnswered`: the platform's push timeout (the simulator's, 5 s): a push answered later is one it retries. */
  pushAnswerMs: int('MODEL_PUSH_ANSWER_MS', 5000),
};

/** The webhook relay as the model runs it: short time-outs and retries, a retry horizon the clock moves can pass. */
export const RELAY = {
  timeoutMs: 300,
  retryBaseMs: 20,
  retryHours: 1,
  /** A slow receiver answers after this long (under the time-out); a hung one never (cut off at the time-out). */
  slowMs: 120,
};
