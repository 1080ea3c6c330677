import { IncomingMessage, ServerResponse } from 'node:http';
import { pino, stdSerializers } from 'pino';
import type { Options } from 'pino-http';
import { LogLevelName, maskPhonesInText } from '@app/core';
import { assignRequestId } from './request-id';

export interface LogSettings {
  /** `service` field of every line, e.g. `ai-visitor-api`. */
  service: string;
  level: LogLevelName;
}

/** Secrets that must never reach a log line, whatever logs them. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
];

/** Probes and scrapes are answered every few seconds; logging each would drown the log. */
const QUIET_PATHS = /^\/(health\/(live|ready)|metrics)(\?|$)/;

const mask = (value: unknown): unknown => (typeof value === 'string' ? maskPhonesInText(value) : value);

type Serialized = Record<string, unknown>;

/**
 * Ids the tracing writes on a line (hex; one with 11 digits in a row would read as a phone number and lose its
 * middle, so the line could no longer be found by its trace): never masked.
 */
const TRACE_FIELDS = new Set(['trace_id', 'span_id', 'trace_flags']);

/** Messages and top-level string fields are masked; errors (message and stack) too, in `serializeError`. */
function maskFields(object: Serialized): Serialized {
  const masked: Serialized = {};
  for (const [key, value] of Object.entries(object)) masked[key] = TRACE_FIELDS.has(key) ? value : mask(value);
  return masked;
}

function serializeError(error: unknown): unknown {
  const serialized = (error instanceof Error ? stdSerializers.err(error) : error) as Serialized | undefined;
  if (!serialized || typeof serialized !== 'object') return serialized;
  return { ...serialized, message: mask(serialized.message), stack: mask(serialized.stack) };
}

/** The request as pino-http serialized it, less query/params (the url has them), with the url masked. */
function serializeRequest(req: Serialized): Serialized {
  return { id: req.id, method: req.method, url: mask(req.url), headers: req.headers, remoteAddress: req.remoteAddress };
}

function isStatusPlaceholder(error: Error, res: ServerResponse): boolean {
  return error.message === `failed with status code ${res.statusCode}`;
}

function withoutErr(value: Serialized): Serialized {
  const { err: _err, ...rest } = value;
  return rest;
}

function urlOf(req: IncomingMessage & { originalUrl?: string }): string {
  return maskPhonesInText(req.originalUrl ?? req.url ?? '');
}

/**
 * pino(-http) settings for the apps: one JSON object per line on stdout with `time` (ISO 8601), `level`
 * (a name), `service`, `msg`, `context` (the Nest logger's context), `requestId` on every line of a request
 * and `taskId` on every line of one task's sync. Phone numbers are masked in messages, string fields and
 * errors; authorization headers and cookies are redacted; request bodies are never logged.
 */
export function buildPinoHttpOptions(settings: LogSettings): Options<IncomingMessage, ServerResponse> {
  return {
    level: settings.level,
    base: { service: settings.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => maskFields(object),
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map(mask) as Parameters<typeof method>);
      },
    },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest, err: serializeError },
    genReqId: (req, res) => assignRequestId(req, res),
    customAttributeKeys: { reqId: 'requestId' },
    // Lines written while handling a request carry only its id; the `request completed` line has the rest.
    quietReqLogger: true,
    autoLogging: { ignore: (req) => QUIET_PATHS.test((req as { originalUrl?: string }).originalUrl ?? req.url ?? '') },
    // One error line per error: the API's exception filter logs the cause of every 5xx at `error` (with the
    // request id); the access line of a 5xx is a `warn`, of anything else `info`.
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'warn' : 'info'),
    customSuccessMessage: (req, res) => `${req.method} ${urlOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${urlOf(req)} ${res.statusCode}`,
    // pino-http invents an Error (with its own stack) for any 5xx; only a real one (an aborted response) is kept.
    customErrorObject: (_req, res, error, value: Serialized) =>
      isStatusPlaceholder(error, res) ? withoutErr(value) : value,
  };
}
