import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** An incoming id is kept only if it is short and plain, so a caller cannot forge log structure with it. */
const ACCEPTABLE_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * The request's id: the caller's `X-Request-Id` when acceptable, else a fresh UUID. Stored on `req.id`
 * (where pino-http looks first, so the log lines of the request carry the same id) and echoed in the
 * response's `X-Request-Id`. Idempotent.
 */
export function assignRequestId(req: IncomingMessage & { id?: unknown }, res: ServerResponse): string {
  if (typeof req.id === 'string' && req.id) return req.id;
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
  req.id = id;
  if (!res.headersSent) res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** Express middleware form; installed before the body parser so even refused bodies get an id. */
export function requestIdMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  assignRequestId(req, res);
  next();
}
