import { LogLevel } from '@nestjs/common';

/** What `npm test` logs when the developer sets no LOG_LEVEL: nothing; failures speak through the assertions. */
export const DEFAULT_TEST_LOG_LEVEL = 'silent';

const NEST_LEVELS_FROM: Record<string, LogLevel[]> = {
  silent: [],
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** The suite's LOG_LEVEL (pino's names, as the apps read it) as the levels Nest's own logger prints. */
export function nestLogLevels(level = process.env.LOG_LEVEL || DEFAULT_TEST_LOG_LEVEL): LogLevel[] {
  return NEST_LEVELS_FROM[level] ?? NEST_LEVELS_FROM.info;
}
