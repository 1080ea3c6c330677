import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { RobotCall } from '@app/campaign-gateway';
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
  CONTACT_NOT_FOUND: 404,
  CAMPAIGN_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  TASK_NOT_RUNNING: 409,
  NO_CONTACTS_WAITING: 409,
  TASK_FINISHED: 409,
  TASK_ALREADY_STARTED: 409,
  TASK_NOT_SETTLED: 409,
  NO_CONTACTS_MATCH: 409,
  WEBHOOK_SECRET_ROTATING: 409,
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
  409: "Conflict with the current state (of the task, or of a webhook's secret rotation)",
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

  // One shape per code (DETAILS_BY_CODE); each route's error responses say which code carries which.
  @ApiPropertyOptional({
    oneOf: [
      { type: 'array', items: { type: 'object', additionalProperties: true } },
      { type: 'object', additionalProperties: true },
    ],
    description:
      'More about the error, in one shape per code: VALIDATION_FAILED `[{ field, errors[] }]` (every field refused, at most 50), ' +
      'WEBHOOK_URL_NOT_ALLOWED `{ reason }`, ROBOT_CALL_* `{ call, attempts?, httpStatus?, remoteCode? }`, ' +
      'WEBHOOK_SECRET_ROTATING `{ previousSecretExpiresAt }`; no other code has details',
    example: [{ field: 'name', errors: ['name should not be empty'] }],
  })
  details?: unknown;
}

/** What any route under /v1 may answer, whatever it does: the throttle (a global guard) and a fault of its own. */
export const EVERY_ROUTE_ERRORS: ErrorCode[] = ['TOO_MANY_REQUESTS', 'INTERNAL_ERROR'];

const ROBOT_CALL = {
  type: 'string',
  enum: Object.values(RobotCall),
  description: "The robot-call platform's call that failed",
} as const;
const COUNT = { type: 'integer', minimum: 0 } as const;

/** The one shape of `details` each code has; a code not here never has details. */
export const DETAILS_BY_CODE: Partial<Record<ErrorCode, SchemaObject>> = {
  VALIDATION_FAILED: {
    type: 'array',
    maxItems: 50,
    description: 'Every field refused: its path (`contacts.3.phone`, `phones.1`, `id`) and why',
    items: {
      type: 'object',
      required: ['field', 'errors'],
      additionalProperties: false,
      properties: { field: { type: 'string' }, errors: { type: 'array', minItems: 1, items: { type: 'string' } } },
    },
  },
  WEBHOOK_URL_NOT_ALLOWED: {
    type: 'object',
    required: ['reason'],
    additionalProperties: false,
    properties: { reason: { type: 'string', enum: ['malformed', 'scheme', 'credentials', 'host'] } },
  },
  ROBOT_CALL_TIMEOUT: {
    type: 'object',
    required: ['call', 'attempts'],
    additionalProperties: false,
    properties: { call: ROBOT_CALL, attempts: COUNT },
  },
  ROBOT_CALL_UNAVAILABLE: {
    type: 'object',
    required: ['call'],
    additionalProperties: false,
    properties: { call: ROBOT_CALL, attempts: COUNT, httpStatus: { type: 'integer' }, remoteCode: { type: 'integer' } },
  },
  ROBOT_CALL_REJECTED: {
    type: 'object',
    required: ['call', 'remoteCode'],
    additionalProperties: false,
    properties: { call: ROBOT_CALL, remoteCode: { type: 'integer' } },
  },
  WEBHOOK_SECRET_ROTATING: {
    type: 'object',
    required: ['previousSecretExpiresAt'],
    additionalProperties: false,
    description: 'When the overlap of the last rotation ends: the endpoint can be rotated again from then',
    properties: { previousSecretExpiresAt: { type: 'string', format: 'date-time' } },
  },
};

/** No details at all. */
const NO_DETAILS: SchemaObject = { not: {} };

/** An error response's body for these codes of one status: the error shape, the codes, each code's details. */
function errorSchema(codes: ErrorCode[]): SchemaObject {
  const listed = { properties: { code: { type: 'string', enum: codes } } };
  if (!codes.some((code) => DETAILS_BY_CODE[code])) {
    return {
      allOf: [{ $ref: getSchemaPath(ErrorResponse) }, { properties: { ...listed.properties, details: NO_DETAILS } }],
    };
  }
  const byCode = codes.map((code) => ({
    required: ['code'],
    properties: { code: { type: 'string', enum: [code] }, details: DETAILS_BY_CODE[code] ?? NO_DETAILS },
  }));
  return {
    allOf: [{ $ref: getSchemaPath(ErrorResponse) }, listed, byCode.length === 1 ? byCode[0] : { oneOf: byCode }],
  };
}

/** Documents the error responses a route may give, one per status, each listing its codes (and EVERY_ROUTE_ERRORS). */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ...EVERY_ROUTE_ERRORS]))
    byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const responses = [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, statusCodes]) =>
      ApiResponse({
        status,
        description: `${DESCRIPTIONS[status] ?? 'Error'}: ${statusCodes.map((c) => `\`${c}\``).join(', ')}`,
        schema: errorSchema(statusCodes),
      }),
    );
  return applyDecorators(ApiExtraModels(ErrorResponse), ...responses);
}

/** Groups of codes many routes share. */
export const USER_AUTH_ERRORS: ErrorCode[] = ['UNAUTHENTICATED', 'CALLER_HEADERS_INVALID'];
/** A route with a JSON body: invalid, not JSON, over 4 MB, or in a charset the parser does not read. */
export const BODY_ERRORS: ErrorCode[] = [
  'VALIDATION_FAILED',
  'MALFORMED_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
];
/** Routes under /tasks/:id: a malformed id, another account's task, a task not found (or another firm's). */
export const OWNED_TASK_ERRORS: ErrorCode[] = ['VALIDATION_FAILED', 'NOT_TASK_OWNER', 'TASK_NOT_FOUND'];
export const BOT_ERRORS: ErrorCode[] = ['BOT_NOT_OPEN', 'BOT_EXPIRED'];
export const ROBOT_CALL_ERRORS: ErrorCode[] = ['ROBOT_CALL_UNAVAILABLE', 'ROBOT_CALL_REJECTED', 'ROBOT_CALL_TIMEOUT'];
/** Every route that reads or writes the database (all but `GET /me`): it may be unreachable for a while. */
export const DATABASE_ERRORS: ErrorCode[] = ['DATABASE_UNAVAILABLE'];
