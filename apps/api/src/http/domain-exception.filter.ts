import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, Optional } from '@nestjs/common';
import { Response } from 'express';
import { DomainError, ErrorKind, maskPhonesInText } from '@app/core';
import { DatabaseUnavailableError, SqlDialect } from '@app/database';
import type { ErrorCode } from './api-errors';

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  [ErrorKind.Invalid]: HttpStatus.BAD_REQUEST,
  [ErrorKind.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [ErrorKind.Forbidden]: HttpStatus.FORBIDDEN,
  [ErrorKind.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorKind.Conflict]: HttpStatus.CONFLICT,
  [ErrorKind.UpstreamUnavailable]: HttpStatus.BAD_GATEWAY,
  [ErrorKind.UpstreamTimeout]: HttpStatus.GATEWAY_TIMEOUT,
  [ErrorKind.Unavailable]: HttpStatus.SERVICE_UNAVAILABLE,
};

/** Nest's own HTTP errors (unknown route, oversized body…) get stable codes too, codes of the contract's enum. */
const CODE_BY_HTTP_STATUS: Partial<Record<number, ErrorCode>> = {
  // Nest turns body-parser's SyntaxError (malformed JSON) and bad %-escapes into a 400; validation never
  // reaches here (it raises RequestValidationError).
  400: 'MALFORMED_REQUEST',
  401: 'UNAUTHENTICATED',
  404: 'ROUTE_NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
};

export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

/**
 * The one place errors become HTTP: `{ code, message, details? }` with the status the contract names. A database
 * that cannot be reached (the dialect recognises the driver's error, wherever the request met it: a guard, a read,
 * a transaction) is 503 `DATABASE_UNAVAILABLE`, not a 500: the request was fine and may be sent again.
 */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(@Optional() private readonly dialect?: SqlDialect) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const [status, body] = this.toHttp(exception);
    if (status >= 500) {
      const text = exception instanceof Error ? `${exception.name}: ${exception.message}` : String(exception);
      this.logger.error(maskPhonesInText(text));
    }
    if (response.headersSent) {
      // A streamed answer (the CSV export) failed after its first bytes: no status can follow, so the response
      // is cut off instead of ending as if it were complete.
      response.destroy();
      return;
    }
    response.status(status).json(body);
  }

  private toHttp(exception: unknown): [number, ErrorBody] {
    if (!(exception instanceof DomainError) && this.dialect?.isConnectionError(exception))
      exception = new DatabaseUnavailableError();
    if (exception instanceof DomainError) {
      const body: ErrorBody = { code: exception.code, message: maskPhonesInText(exception.message) };
      if (exception.details !== undefined) body.details = exception.details;
      return [STATUS_BY_KIND[exception.kind], body];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return [status, { code: CODE_BY_HTTP_STATUS[status] ?? `HTTP_${status}`, message: exception.message }];
    }
    const httpError = exception as { status?: number; message?: string };
    if (typeof httpError?.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
      // body-parser's other errors (body too large, bad charset) arrive as plain errors with a status.
      const code = CODE_BY_HTTP_STATUS[httpError.status] ?? `HTTP_${httpError.status}`;
      return [httpError.status, { code, message: httpError.message ?? 'Bad request' }];
    }
    return [HttpStatus.INTERNAL_SERVER_ERROR, { code: 'INTERNAL_ERROR', message: 'Internal error' }];
  }
}
