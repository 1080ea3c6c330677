import { IsIn, IsInt, Max, Min } from 'class-validator';
import { envNamespace, LOG_LEVELS, LogLevelName } from '@app/core';

/** The operations variables every app reads (docs/operations.md). */
export class ObservabilityEnv {
  /** Lowest level written to the JSON log on stdout; `silent` writes nothing. */
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevelName = 'info';

  /**
   * On SIGTERM: how long in-flight HTTP requests (and, in the worker, a sync pass in progress) may run on
   * before the process closes anyway. Keep it below the orchestrator's grace period (Kubernetes: 30 s).
   */
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS: number = 25_000;
}

/** Read by the logging module, the HTTP drain, and the worker's wait for a sync pass on shutdown. */
export const observabilityConfig = envNamespace('observability', ObservabilityEnv, (env) => ({
  logLevel: env.LOG_LEVEL,
  shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
}));
