import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorBody } from './domain-exception.filter';

/** Every stable error code of the contract (docs/api.md, "Errors") and its HTTP status. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  CALLER_HEADERS_INVALID: 400,
  MALFORMED_REQUEST: 400,
  WEBHOOK_URL_NOT_ALLOWED: 400,
  UNAUTHENTICATED: 401,
  CALLBACK_SIGNATURE_INVALID: 401,
  NOT_TASK_OWNER: 403,
  BOT_NOT_OPEN: 403,
  BOT_EXPIRED: 403,
  BOT_TASK_QUOTA_EXCEEDED: 403,
  TASK_NOT_FOUND: 404,
  CAMPAIGN_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  TASK_NOT_RUNNING: 409,
  NO_CONTACTS_WAITING: 409,
  TASK_FINISHED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_ERROR: 500,
  ROBOT_CALL_UNAVAILABLE: 502,
  ROBOT_CALL_REJECTED: 502,
  DATABASE_BUSY: 503,
  DATABASE_UNAVAILABLE: 503,
  ROBOT_CALL_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request',
  401: 'Not authenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict with the task\'s state',
  413: 'Body over 4 MB',
  415: 'A JSON body in a charset other than UTF-8',
  429: 'More than THROTTLE_LIMIT requests per THROTTLE_TTL_SECONDS from one account (or one address); Retry-After says when to try again',
  500: 'A fault of the service itself; nothing the request could change',
  502: 'The robot-call platform failed or refused',
  503: 'The database cannot be reached, or stayed busy through the retries; try again shortly',
  504: 'The robot-call platform did not answer in time',
};

/** The one error shape: `{ code, message, details? }`. */
export class ErrorResponse implements ErrorBody {
  @ApiProperty({ description: 'Stable error code', enum: Object.keys(ERROR_STATUS), example: 'TASK_NOT_FOUND' })
  code: string;

  @ApiProperty({ description: 'Human-readable explanation (phone numbers masked)', example: 'Task 42 does not exist' })
  message: string;

  // Either shape is sent: an array (invalid fields or numbers, one entry each) or an object (e.g. the field of an
  // invalid task setting, the robot-call call and its attempts).
  @ApiPropertyOptional({
    oneOf: [{ type: 'array', items: { type: 'object', additionalProperties: true } }, { type: 'object', additionalProperties: true }],
    description: 'More about the error, e.g. for VALIDATION_FAILED the fields: `[{ field, errors[] }]`',
    example: [{ field: 'name', errors: ['name should not be empty'] }],
  })
  details?: unknown;
}

/** What any route under /v1 may answer, whatever it does: the throttle (a global guard) and a fault of its own. */
export const EVERY_ROUTE_ERRORS: ErrorCode[] = ['TOO_MANY_REQUESTS', 'INTERNAL_ERROR'];

/** Documents the error responses a route may give, one per status, each listing its codes (and EVERY_ROUTE_ERRORS). */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ...EVERY_ROUTE_ERRORS])) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const responses = [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, statusCodes]) =>
      ApiResponse({
        status,
        description: `${DESCRIPTIONS[status] ?? 'Error'}: ${statusCodes.map((c) => `\`${c}\``).join(', ')}`,
        schema: {
          allOf: [{ $ref: getSchemaPath(ErrorResponse) }, { properties: { code: { type: 'string', enum: statusCodes } } }],
        },
      }),
    );
  return applyDecorators(ApiExtraModels(ErrorResponse), ...responses);
}

/** Groups of codes many routes share. */
export const USER_AUTH_ERRORS: ErrorCode[] = ['UNAUTHENTICATED', 'CALLER_HEADERS_INVALID'];
/** A route with a JSON body: invalid, not JSON, over 4 MB, or in a charset the parser does not read. */
export const BODY_ERRORS: ErrorCode[] = ['VALIDATION_FAILED', 'MALFORMED_REQUEST', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
/** Routes under /tasks/:id: a malformed id, another account's task, a task not found (or another firm's). */
export const OWNED_TASK_ERRORS: ErrorCode[] = ['VALIDATION_FAILED', 'NOT_TASK_OWNER', 'TASK_NOT_FOUND'];
export const BOT_ERRORS: ErrorCode[] = ['BOT_NOT_OPEN', 'BOT_EXPIRED'];
export const ROBOT_CALL_ERRORS: ErrorCode[] = ['ROBOT_CALL_UNAVAILABLE', 'ROBOT_CALL_REJECTED', 'ROBOT_CALL_TIMEOUT'];
/** Every route that reads or writes the database (all but `GET /me`): it may be unreachable for a while. */
export const DATABASE_ERRORS: ErrorCode[] = ['DATABASE_UNAVAILABLE'];
