/**
 * Typed bodies for the end-to-end suites. supertest types every body as `any`; a suite says instead what it reads,
 * with the API's own response classes (apps/api/src/**\/*.responses.ts, re-exported here as types) or the small
 * interfaces below for what has no class (health probes, the error body's details). The types only name what a test
 * reads: each response is still checked against the served OpenAPI document (test/support/contract.ts).
 */

import type { Response } from 'supertest';
import type { FirmBotResponse as FirmBotClass } from '../../apps/api/src/bot/bot.responses';
import type { CallbackResultResponse as CallbackResultClass } from '../../apps/api/src/callbacks/callback.responses';
import type {
  DoNotCallAddedResponse as DoNotCallAddedClass,
  DoNotCallEntryResponse as DoNotCallEntryClass,
  DoNotCallPageResponse as DoNotCallPageClass,
  DoNotCallRemovedResponse as DoNotCallRemovedClass,
} from '../../apps/api/src/do-not-call/do-not-call.responses';
import type {
  EventPageResponse as EventPageClass,
  EventResponse as EventClass,
} from '../../apps/api/src/events/events.responses';
import type { CallerResponse as CallerClass } from '../../apps/api/src/me/me.responses';
import type {
  ActiveCampaignResponse as ActiveCampaignClass,
  AddContactsResponse as AddContactsClass,
  ContactPageResponse as ContactPageClass,
  ContactResponse as ContactClass,
  CreateTaskResponse as CreateTaskClass,
  TaskPageResponse as TaskPageClass,
  TaskResponse as TaskClass,
  TaskStatsResponse as TaskStatsClass,
} from '../../apps/api/src/tasks/task.responses';
import type {
  RedeliveryResponse as RedeliveryClass,
  RegisteredWebhookResponse as RegisteredWebhookClass,
  WebhookResponse as WebhookClass,
} from '../../apps/api/src/webhooks/webhooks.responses';

/**
 * A response class as it arrives in JSON: its enums as the plain numbers and strings on the wire (a test compares
 * `status` with `2`, the documented value, not with the lib's enum member).
 */
export type Wire<T> = T extends number
  ? number
  : T extends string
    ? string
    : T extends readonly (infer U)[]
      ? Wire<U>[]
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

export type FirmBotResponse = Wire<FirmBotClass>;
export type CallbackResultResponse = Wire<CallbackResultClass>;
export type DoNotCallAddedResponse = Wire<DoNotCallAddedClass>;
export type DoNotCallEntryResponse = Wire<DoNotCallEntryClass>;
export type DoNotCallPageResponse = Wire<DoNotCallPageClass>;
export type DoNotCallRemovedResponse = Wire<DoNotCallRemovedClass>;
export type EventPageResponse = Wire<EventPageClass>;
export type EventResponse = Wire<EventClass>;
export type CallerResponse = Wire<CallerClass>;
export type ActiveCampaignResponse = Wire<ActiveCampaignClass>;
export type AddContactsResponse = Wire<AddContactsClass>;
export type ContactPageResponse = Wire<ContactPageClass>;
export type ContactResponse = Wire<ContactClass>;
export type CreateTaskResponse = Wire<CreateTaskClass>;
export type TaskPageResponse = Wire<TaskPageClass>;
export type TaskResponse = Wire<TaskClass>;
export type TaskStatsResponse = Wire<TaskStatsClass>;
export type RedeliveryResponse = Wire<RedeliveryClass>;
export type RegisteredWebhookResponse = Wire<RegisteredWebhookClass>;
export type WebhookResponse = Wire<WebhookClass>;

/** One field VALIDATION_FAILED refused. */
export interface FieldError {
  field: string;
  errors: string[];
}

/**
 * The one error shape (ErrorResponse of apps/api/src/http/api-errors.ts), its `details` as the codes that carry
 * them give it: VALIDATION_FAILED a list of fields, the others an object.
 */
export interface ApiError {
  code: string;
  message: string;
  details?: FieldError[] & Record<string, unknown>;
}

/** /health/live and /health/ready (@nestjs/terminus): each indicator's state under its name. */
export interface HealthResponse {
  status: string;
  info?: Record<string, { status: string; [key: string]: unknown }>;
  error?: Record<string, { status: string; [key: string]: unknown }>;
  details?: Record<string, { status: string; [key: string]: unknown }>;
}

/**
 * The served OpenAPI document (/docs-json) as the suites read it. What a suite reads is declared present: one the
 * document lacks fails the test where it is read, as it did untyped.
 */
export interface OpenApiSchema {
  type?: string;
  format?: string;
  pattern?: string;
  description?: string;
  nullable?: boolean;
  maxItems?: number;
  $ref?: string;
  enum: unknown[];
  required: string[];
  properties: Record<string, OpenApiSchema>;
  allOf: OpenApiSchema[];
  anyOf: OpenApiSchema[];
  items: OpenApiSchema;
  additionalProperties?: unknown;
  [keyword: string]: unknown;
}
export interface OpenApiParameter {
  name: string;
  in: string;
  required?: boolean;
  schema: OpenApiSchema;
}
export interface OpenApiResponse {
  description: string;
  content: Record<string, { schema: OpenApiSchema; example?: unknown; examples?: Record<string, { value: unknown }> }>;
}
export interface OpenApiOperation {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: OpenApiParameter[];
  requestBody?: { content: Record<string, { schema: OpenApiSchema }> };
  responses: Record<string, OpenApiResponse>;
  [field: string]: unknown;
}
export interface OpenApiDocumentRead {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, OpenApiSchema>; securitySchemes: Record<string, Record<string, unknown>> };
}

/** A response whose body a suite reads as `T`. */
export type TypedResponse<T> = Omit<Response, 'body'> & { body: T };

/** The response with its body typed as the suite reads it: `const res = typed<TaskResponse>(await h.http()…)`. */
export function typed<T>(res: Response): TypedResponse<T> {
  return res;
}

/** The body of a response, as `T`: `bodyOf<TaskResponse>(await h.http()…).status`. */
export function bodyOf<T>(res: { body: unknown }): T {
  return res.body as T;
}

/** JSON text parsed as `T` (a log line, a webhook's delivered body, a stored event's data). */
export function parseAs<T>(text: string): T {
  return JSON.parse(text) as T;
}
