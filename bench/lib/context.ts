import { BenchConfig } from './config';
import { BENCH_PHONE_KEYS, BenchDatabase } from './db';
import { SIMULATOR_KEY } from './simulator';

export interface SectionContext {
  config: BenchConfig;
  db: BenchDatabase;
  /** A scratch folder for this run (child logs); removed at the end. */
  tmpDir: string;
  /** Registers a clean-up to run even when the bench is interrupted (children, servers). */
  onCleanup(fn: () => Promise<void> | void): void;
}

export const SERVICE_TOKEN = 'bench-service-token-0123456789';
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** The environment the apps read (in this process, or handed to a child). */
export function appEnv(
  db: BenchDatabase,
  simulatorUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    ROBOT_CALL_BASE_URL: simulatorUrl,
    ROBOT_CALL_API_KEY: SIMULATOR_KEY,
    ROBOT_CALL_TIMEOUT_MS: '10000',
    ROBOT_CALL_RETRIES: '2',
    ROBOT_CALL_CALLBACK_SECRET: 'bench-callback-secret-0123',
    SERVICE_TOKEN,
    ADMIN_TOKEN,
    SYNC_CRON: '0 0 1 1 *',
    SYNC_EDGE_CRON: '0 0 1 1 *',
    LOG_LEVEL: 'error',
    // With an always-open window, "inconvenient now" callbacks are due at once (else tasks wait a day to complete).
    INCONVENIENT_CALLBACK_DAYS: '0',
    // The API section drives one account far past the production rate limit on purpose.
    THROTTLE_LIMIT: '1000000',
    ...BENCH_PHONE_KEYS,
    ...extra,
  };
}

/** Sets the apps' environment in this process, before a Nest module is compiled here. */
export function setAppEnv(db: BenchDatabase, simulatorUrl: string, extra: Record<string, string> = {}): void {
  Object.assign(process.env, appEnv(db, simulatorUrl, extra));
}
