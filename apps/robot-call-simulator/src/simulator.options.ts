import {
  DEFAULT_INTENTION_MIX_TEXT,
  IntentionMix,
  intentionMixProblem,
  parseIntentionMix,
} from './outcomes/intention-mix';

/** Faults injected into the contract's three calls; changeable at runtime via `PUT /_simulator/faults`. */
export interface SimulatorFaults {
  /** Fraction of requests answered HTTP 500 / code 50000 (nothing is done). */
  errorRate: number;
  /** Fraction of requests held for `hangMs` before being handled, so clients time out. */
  timeoutRate: number;
  hangMs: number;
  /** Latency added to every request. */
  delayMs: number;
  /** Fraction of `add` calls whose campaign is created but whose connection is then destroyed unanswered. */
  lostReplyRate: number;
  /** Fraction of `add` and `change_status(start)` requests refused with 42200 (nothing done). */
  refuseRate: number;
  /** Fraction of contacts a running campaign passes over without dialling: it finishes without their record. */
  undialledRate: number;
  /** Fraction of failed calls whose `fail_reason` is a long free text instead of one of the four codes. */
  longFailReasonRate: number;
  /**
   * Fraction of `detail` answers with more records beyond the page (`has_more` true) that hand back the cursor
   * they were asked with (null for a first page) instead of the next one: paging that does not advance.
   */
  stuckCursorRate: number;
}

/** Where finished calls are pushed (contract: "Push: call results by callback"); changeable via `PUT /_simulator/push`. */
export interface SimulatorPushSettings {
  /** The receiver's callback URL (http or https); empty disables pushing. */
  pushUrl: string;
  /** Shared secret of the `X-Robot-Signature` HMAC. */
  pushSecret: string;
  /** 0: one POST per record; above 0: a campaign's records are gathered this long and POSTed together. */
  pushBatchMs: number;
}

export interface SimulatorOptions extends SimulatorFaults, SimulatorPushSettings {
  port: number;
  apiKey: string;
  /** How long one call takes, from dial to record. */
  callMs: number;
  /** Calls in flight at once per campaign. */
  parallelism: number;
  seed: number;
  /** Fraction of calls that connect. */
  connectRate: number;
  intentionMix: IntentionMix;
  /** Fraction of connected calls whose record carries `recording_url`, `transcript` and `summary`. */
  conversationRate: number;
  /** The least size of a transcript, UTF-8 bytes (0: the short one); the bench's 1 KB transcripts. */
  transcriptBytes: number;
  /**
   * Test-only hook, never read from the environment: the platform's clock, for `called_at` and the push
   * timestamp (default: the real clock). A test that moves the service's clock (test/support/harness.ts
   * ShiftedClock) passes the same clock here, so the two systems share one time as real ones do.
   */
  now?: () => Date;
  /**
   * Test-only hook, never read from the environment: numbers (E.164) the platform never dials, as a real one
   * skips blocked numbers. Their campaign finishes without a record for them (they count as undialled).
   */
  neverDials?: (phone: string) => boolean;
  /**
   * How long a call to this number lasts, in ms; `undefined`: `callMs` (test and bench hook: e.g. most calls of
   * a campaign last an hour, so it keeps running, while one ends at once).
   */
  callMsOf?: (phone: string) => number | undefined;
}

export const SIMULATOR_OPTIONS = Symbol('SIMULATOR_OPTIONS');

type NumericOption = {
  [K in keyof SimulatorOptions]-?: SimulatorOptions[K] extends number ? K : never;
}[keyof SimulatorOptions];

interface NumericSpec {
  env: string;
  fallback: number;
  integer: boolean;
  min: number;
  max: number;
}

const HOUR_MS = 3_600_000;

/** One table for env parsing, option checks and fault updates, so the limits cannot drift apart. */
export const NUMERIC_OPTIONS: Readonly<Record<NumericOption, NumericSpec>> = {
  port: { env: 'SIMULATOR_PORT', fallback: 4010, integer: true, min: 0, max: 65535 },
  callMs: { env: 'SIMULATOR_CALL_MS', fallback: 2000, integer: true, min: 0, max: HOUR_MS },
  parallelism: { env: 'SIMULATOR_PARALLELISM', fallback: 5, integer: true, min: 1, max: 10_000 },
  seed: { env: 'SIMULATOR_SEED', fallback: 42, integer: true, min: 0, max: 0xffffffff },
  connectRate: { env: 'SIMULATOR_CONNECT_RATE', fallback: 0.7, integer: false, min: 0, max: 1 },
  conversationRate: { env: 'SIMULATOR_CONVERSATION_RATE', fallback: 1, integer: false, min: 0, max: 1 },
  transcriptBytes: { env: 'SIMULATOR_TRANSCRIPT_BYTES', fallback: 0, integer: true, min: 0, max: 60_000 },
  errorRate: { env: 'SIMULATOR_ERROR_RATE', fallback: 0, integer: false, min: 0, max: 1 },
  timeoutRate: { env: 'SIMULATOR_TIMEOUT_RATE', fallback: 0, integer: false, min: 0, max: 1 },
  hangMs: { env: 'SIMULATOR_HANG_MS', fallback: 30_000, integer: true, min: 0, max: HOUR_MS },
  delayMs: { env: 'SIMULATOR_DELAY_MS', fallback: 0, integer: true, min: 0, max: HOUR_MS },
  lostReplyRate: { env: 'SIMULATOR_LOST_REPLY_RATE', fallback: 0, integer: false, min: 0, max: 1 },
  refuseRate: { env: 'SIMULATOR_REFUSE_RATE', fallback: 0, integer: false, min: 0, max: 1 },
  undialledRate: { env: 'SIMULATOR_UNDIALLED_RATE', fallback: 0, integer: false, min: 0, max: 1 },
  longFailReasonRate: { env: 'SIMULATOR_LONG_FAIL_REASON_RATE', fallback: 0, integer: false, min: 0, max: 1 },
  stuckCursorRate: { env: 'SIMULATOR_STUCK_CURSOR_RATE', fallback: 0, integer: false, min: 0, max: 1 },
  pushBatchMs: { env: 'SIMULATOR_PUSH_BATCH_MS', fallback: 0, integer: true, min: 0, max: HOUR_MS },
};

export const FAULT_KEYS: readonly (keyof SimulatorFaults)[] = [
  'errorRate',
  'timeoutRate',
  'hangMs',
  'delayMs',
  'lostReplyRate',
  'refuseRate',
  'undialledRate',
  'longFailReasonRate',
  'stuckCursorRate',
];

const API_KEY_ENV = 'SIMULATOR_API_KEY';
const INTENTION_MIX_ENV = 'SIMULATOR_INTENTION_MIX';
const DEFAULT_API_KEY = 'dev-robot-key';
const PUSH_URL_ENV = 'SIMULATOR_PUSH_URL';
const PUSH_SECRET_ENV = 'SIMULATOR_PUSH_SECRET';
const DEFAULT_PUSH_SECRET = 'dev-callback-secret';

/** Why `value` is not a push URL (empty, or an absolute http/https URL), or null. Never echoes the value: it may carry a token. */
export function pushUrlProblem(value: unknown, label = 'pushUrl'): string | null {
  if (value === '') return null;
  if (typeof value !== 'string') return `${label} must be a string (empty disables pushing)`;
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    return `${label} must be an absolute http or https URL, or empty`;
  }
  return protocol === 'http:' || protocol === 'https:'
    ? null
    : `${label} must be an absolute http or https URL, or empty`;
}

/** Why `value` is not a push secret (a non-empty string), or null. */
export function pushSecretProblem(value: unknown, label = 'pushSecret'): string | null {
  return typeof value === 'string' && value.length > 0 ? null : `${label} must be a non-empty string`;
}

/** Why `value` is not acceptable for `key` (named `label` in the message), or null. */
export function numericOptionProblem(key: NumericOption, value: unknown, label: string = key): string | null {
  const spec = NUMERIC_OPTIONS[key];
  const kind = spec.integer ? 'an integer' : 'a number';
  const valid =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!spec.integer || Number.isInteger(value)) &&
    value >= spec.min &&
    value <= spec.max;
  return valid ? null : `${label} must be ${kind} between ${spec.min} and ${spec.max}, got ${JSON.stringify(value)}`;
}

/**
 * Reads the `SIMULATOR_*` variables (README lists them); unset or empty ones take their defaults.
 * Throws naming the variable when a value is invalid, so a bad deployment fails at start. It reads process.env
 * itself: the simulator stands in for the platform and is no part of the service's configuration.
 */
export function simulatorOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SimulatorOptions {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };

  const numbers = {} as Record<NumericOption, number>;
  for (const [key, spec] of Object.entries(NUMERIC_OPTIONS) as [NumericOption, NumericSpec][]) {
    const raw = read(spec.env);
    const value =
      raw === undefined ? spec.fallback : /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw) ? Number(raw) : NaN;
    const problem = numericOptionProblem(key, value, spec.env);
    if (problem) problems.push(raw === undefined ? problem : problem.replace(/got .*$/, `got "${raw}"`));
    numbers[key] = value;
  }

  const mix = parseIntentionMix(read(INTENTION_MIX_ENV) ?? DEFAULT_INTENTION_MIX_TEXT);
  if (typeof mix === 'string') problems.push(`${INTENTION_MIX_ENV} is invalid: ${mix}`);

  const pushUrl = read(PUSH_URL_ENV) ?? '';
  const urlProblem = pushUrlProblem(pushUrl, PUSH_URL_ENV);
  if (urlProblem) problems.push(urlProblem);

  if (problems.length > 0) throw new Error(`Invalid simulator configuration: ${problems.join('; ')}`);
  return {
    ...numbers,
    apiKey: read(API_KEY_ENV) ?? DEFAULT_API_KEY,
    intentionMix: mix as IntentionMix,
    pushUrl,
    pushSecret: read(PUSH_SECRET_ENV) ?? DEFAULT_PUSH_SECRET,
  };
}

/** The defaults, ignoring the environment: what in-process tests start from. */
export function defaultSimulatorOptions(): SimulatorOptions {
  return simulatorOptionsFromEnv({});
}

/** Checks options built in code (forRoot, startSimulator overrides) with the same limits as the env. */
export function assertValidSimulatorOptions(options: SimulatorOptions): void {
  const problems = (Object.keys(NUMERIC_OPTIONS) as NumericOption[])
    .map((key) => numericOptionProblem(key, options[key]))
    .filter((p): p is string => p !== null);
  if (typeof options.apiKey !== 'string' || options.apiKey.length === 0)
    problems.push('apiKey must be a non-empty string');
  const mixProblem = options.intentionMix ? intentionMixProblem(options.intentionMix) : 'intentionMix is required';
  if (mixProblem) problems.push(`intentionMix: ${mixProblem}`);
  for (const problem of [pushUrlProblem(options.pushUrl), pushSecretProblem(options.pushSecret)]) {
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new Error(`Invalid simulator options: ${problems.join('; ')}`);
}
