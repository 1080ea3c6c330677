import { appendFileSync } from 'fs';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';

/**
 * The served OpenAPI document as a response validator for the end-to-end suites (issue 21, item 6): every response
 * a suite's supertest client gets is checked against the operation it answers, with ajv (and ajv-formats) over the
 * document's own schemas. A response fails the check when its route, its status, its content type, or its body (a
 * field, a type, a format, a value outside an enum) is not what the document says.
 *
 * Outside the document on purpose: its own routes (`/docs`, `/docs-json`, `/docs-yaml`). A path no operation
 * matches may only answer what the document's description promises for it: 404 `ROUTE_NOT_FOUND`.
 */

type Schema = Record<string, unknown>;
interface MediaType {
  schema?: Schema;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  responses: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** The part of a response the check reads (a superagent response has them). */
export interface CheckedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  text?: string;
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

const UNDOCUMENTED_PATHS = /^\/docs(-json|-yaml)?(\/.*)?$/;
const SCHEMAS_ID = 'openapi-components';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** OpenAPI's annotations that are not JSON Schema keywords: known to ajv, so its strict mode still catches typos. */
const OPENAPI_KEYWORDS = ['example', 'xml', 'externalDocs', 'discriminator'];

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  operation: Operation;
}

export class ContractValidator {
  private readonly ajv: Ajv;
  private readonly routes: Route[] = [];
  private readonly compiled = new Map<Schema, ValidateFunction>();
  /** Responses checked, and the documented (operation, status) pairs they covered. */
  checked = 0;
  readonly covered = new Set<string>();

  constructor(private readonly document: OpenApiDocument) {
    if (!/^3\.0\.\d+$/.test(document.openapi))
      throw new Error(`contract: OpenAPI ${document.openapi} is not the 3.0 this validator reads`);
    // strictTypes off: OpenAPI 3.0's `nullable` sits beside `type`, which ajv supports but reports in strict mode.
    this.ajv = new Ajv({
      allErrors: true,
      strict: true,
      strictTypes: false,
      strictRequired: false,
      keywords: OPENAPI_KEYWORDS,
    });
    addFormats(this.ajv);
    // The document's schemas under one id; the operations' `#/components/schemas/X` point into it.
    this.ajv.addSchema({ $id: SCHEMAS_ID, definitions: rewriteRefs(document.components?.schemas ?? {}) });
    for (const [template, item] of Object.entries(document.paths)) {
      const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const [method, operation] of Object.entries(item)) {
        if (METHODS.includes(method)) this.routes.push({ method, template, pattern, operation });
      }
    }
  }

  /** The problems of one response, or none. */
  problems(method: string, url: string, res: CheckedResponse): string[] {
    // As sent, not normalised: `/v1/tasks/../contacts` reaches the service as it is (and is refused as an id).
    const path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split(/[?#]/)[0];
    if (UNDOCUMENTED_PATHS.test(path)) return [];
    const verb = method.toLowerCase();
    // A literal segment wins over a template (`/do-not-call/remove` over `/{firmId}`): fewest parameters first.
    const candidates = this.routes
      .filter((r) => r.method === verb && r.pattern.test(path))
      .sort((a, b) => (a.template.match(/\{/g) ?? []).length - (b.template.match(/\{/g) ?? []).length);
    const route = candidates[0];
    if (!route) {
      const body = res.body as { code?: unknown } | undefined;
      if (res.status === 404 && body?.code === 'ROUTE_NOT_FOUND')
        return this.body('unmatched', res, { $ref: `#/components/schemas/ErrorResponse` });
      return [
        `${method.toUpperCase()} ${path}: no operation of the document answers it, yet it answered ${res.status}`,
      ];
    }
    const where = `${verb.toUpperCase()} ${route.template} → ${res.status}`;
    const response =
      route.operation.responses[String(res.status)] ?? route.operation.responses[`${String(res.status)[0]}XX`];
    if (!response)
      return [
        `${where}: the status is not documented (documented: ${Object.keys(route.operation.responses).join(', ')})`,
      ];
    this.covered.add(`${verb.toUpperCase()} ${route.template} ${res.status}`);
    const contentType = String(res.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    const documented = Object.keys(response.content ?? {});
    if (!contentType) {
      const length = Number(res.headers['content-length'] ?? 0);
      if (documented.length > 0)
        return [`${where}: no content type, while the document gives ${documented.join(', ')}`];
      return length > 0 ? [`${where}: a body of ${length} bytes where the document gives none`] : [];
    }
    const media = response.content?.[contentType];
    if (!media)
      return [
        `${where}: content type ${contentType} is not documented (documented: ${documented.join(', ') || 'no body'})`,
      ];
    return media.schema ? this.body(where, res, media.schema, contentType) : [];
  }

  private body(where: string, res: CheckedResponse, schema: Schema, contentType = 'application/json'): string[] {
    // A text body as text, also when the suite parsed it into a Buffer itself (`.buffer(true).parse(…)`).
    const value =
      contentType === 'application/json'
        ? res.body
        : (res.text ?? (Buffer.isBuffer(res.body) ? res.body.toString('utf8') : res.body));
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile({ ...rewriteRefs(schema) });
      this.compiled.set(schema, validate);
    }
    if (validate(value)) return [];
    const shown = JSON.stringify(value)?.slice(0, 400);
    return (validate.errors ?? []).map(
      (e) => `${where}: body${e.instancePath} ${e.message} ${JSON.stringify(e.params)} in ${shown}`,
    );
  }

  /** Throws a ContractViolation naming every problem of the response. */
  check(method: string, url: string, res: CheckedResponse): void {
    this.checked += 1;
    const problems = this.problems(method, url, res);
    if (problems.length)
      throw new ContractViolation(`the response breaks the OpenAPI document:\n  ${problems.join('\n  ')}`);
  }
}

/** `#/components/schemas/X` → the shared schema's `definitions/X`, in a copy. */
function rewriteRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(rewriteRefs) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] =
        key === '$ref' && typeof inner === 'string'
          ? inner.replace('#/components/schemas/', `${SCHEMAS_ID}#/definitions/`)
          : rewriteRefs(inner);
    }
    return out as T;
  }
  return value;
}

type Client = ReturnType<typeof request>;
type SupertestTest = ReturnType<Client['get']>;

/**
 * supertest over `server`, every response checked by `contract()` (read once, lazily: the document the server
 * itself serves at /docs-json). A violation fails the request's own promise or callback; it is also kept in
 * `violations`, so one a test swallowed (a `.catch(() => undefined)`) still fails the suite when it closes.
 */
export function checkedClient(
  server: Parameters<typeof request>[0],
  contract: () => ContractValidator,
  violations: Error[],
): () => Client {
  const plain = request(server);
  const client = {} as Record<string, unknown>;
  for (const [name, make] of Object.entries(plain as unknown as Record<string, (url: string) => SupertestTest>)) {
    client[name] = (url: string) => {
      const test = make(url) as SupertestTest & {
        assert(err: unknown, res: CheckedResponse | undefined, fn?: (...args: unknown[]) => void): void;
      };
      const assert = test.assert.bind(test);
      const method = (test as unknown as { method: string }).method;
      test.assert = (err, res, fn) => {
        if (res) {
          try {
            contract().check(method, url, res);
          } catch (violation) {
            violations.push(violation as Error);
            if (fn) return fn.call(test, violation, res);
            return;
          }
        }
        assert(err, res, fn);
      };
      return test;
    };
  }
  return () => client as unknown as Client;
}

/** With CONTRACT_COUNT_FILE set, one line per closed harness: the file, the responses checked, the pairs covered. */
export function reportCoverage(validator: ContractValidator | undefined): void {
  const file = process.env.CONTRACT_COUNT_FILE;
  if (!file || !validator) return;
  const suite = expect.getState().testPath ?? 'unknown';
  appendFileSync(file, `${JSON.stringify({ suite, checked: validator.checked, covered: [...validator.covered] })}\n`);
}
