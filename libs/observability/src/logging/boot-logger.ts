import { LoggerService } from '@nestjs/common';
import { DestinationStream, Level, Logger as Pino, LoggerOptions, pino } from 'pino';
import { LOG_LEVELS, LogLevelName } from '@app/core';
import { buildPinoHttpOptions } from './pino-options';

/**
 * Nest's logger from the process's first line until the app's own (nestjs-pino, configured from the validated
 * config) takes over, and for a start-up that fails before there is an app: the same JSON lines as the app's,
 * so a bad configuration is one parseable `error` line, not Nest's coloured multi-line output. The level is
 * LOG_LEVEL when it is a valid one (the config has not been validated yet), else `info`.
 */
export class BootLogger implements LoggerService {
  private readonly pino: Pino;

  constructor(service: string, env: NodeJS.ProcessEnv = process.env, destination?: DestinationStream) {
    const requested = env.LOG_LEVEL as LogLevelName | undefined;
    const level = requested && LOG_LEVELS.includes(requested) ? requested : 'info';
    // pino-http's extra settings (request ids, access lines) are ignored by a plain pino logger.
    const options = buildPinoHttpOptions({ service, level }) as LoggerOptions;
    // Synchronous: the line must be out before a failed start-up's `process.exit`.
    this.pino = pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** The line saying why the process could not start. */
  startFailed(error: unknown, context: string): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.pino.fatal({ context, err }, `start-up failed: ${err.message}`);
  }

  /**
   * Nest calls `log(message, context)` and `error(message | error, stack?, context)`: the context is the last
   * string, a stack the one before it.
   */
  private write(level: Level, message: unknown, params: unknown[]): void {
    const fields: Record<string, unknown> = {};
    const context = params.length > 0 ? params[params.length - 1] : undefined;
    if (typeof context === 'string') fields.context = context;
    const stack = params.length > 1 ? params[params.length - 2] : undefined;
    if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'string' && typeof stack === 'string') {
      const err = new Error(message);
      err.stack = stack;
      this.pino[level]({ ...fields, err }, message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...message });
    } else {
      this.pino[level](fields, String(message));
    }
  }
}

/** The end of a process that could not start: one JSON `fatal` line, exit code 1. */
export function exitAfterBootFailure(logger: BootLogger, context: string, error: unknown): never {
  logger.startFailed(error, context);
  process.exit(1);
}
