import { INestApplication, RequestMethod } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { OPERATIONS_ROUTES } from '@app/observability';
import { ID_PARAM_SCHEMA } from './http/invalid-id.error';

/** Security scheme names, as the controllers reference them. */
export const SERVICE_TOKEN_SCHEME = 'service-token';
export const ACCOUNT_ID_SCHEME = 'account-id';
export const FIRM_ID_SCHEME = 'firm-id';
export const ADMIN_TOKEN_SCHEME = 'admin-token';

export const OPENAPI_PATH = 'docs';

/** User routes (ServiceAuthGuard): the service token AND both caller headers. */
export const ApiServiceAuth = () =>
  ApiSecurity({ [SERVICE_TOKEN_SCHEME]: [], [ACCOUNT_ID_SCHEME]: [], [FIRM_ID_SCHEME]: [] });

/** Operations routes (AdminAuthGuard): the admin token. */
export const ApiAdminAuth = () => ApiBearerAuth(ADMIN_TOKEN_SCHEME);

/**
 * A route no security scheme describes: it states `security: []` (OpenAPI's "no scheme here"), which
 * @nestjs/swagger cannot write itself (it drops an empty list), so a marker requirement stands in and
 * `buildOpenApiDocument` turns it into the empty list. Say in the operation how the route is protected, if it is.
 */
const NO_SCHEME = 'x-no-security-scheme';
export const ApiNoSecurityScheme = () => ApiSecurity(NO_SCHEME);

/**
 * `security: []` on the operations routes (probes, metrics: served unauthenticated outside `/v1` for
 * orchestrators and Prometheus; their controllers are the observability lib's) and on the routes marked
 * with `ApiNoSecurityScheme`. An operation left with no security at all fails `npm run openapi:lint`.
 */
function stateOpenRoutes(document: OpenAPIObject): void {
  for (const route of OPERATIONS_ROUTES) {
    const method = RequestMethod[route.method].toLowerCase() as 'get';
    const operation = document.paths[`/${route.path}`]?.[method];
    if (operation) operation.security = [];
  }
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path) as { security?: Record<string, string[]>[] }[]) {
      if (operation?.security?.some((requirement) => NO_SCHEME in requirement)) operation.security = [];
    }
  }
}

type SchemaNode = Record<string, unknown> & { nullable?: boolean; enum?: unknown[]; allOf?: { $ref?: string }[] };

/** `null` alone, as OpenAPI 3.0.3 can say it: `nullable` adds null to a `type`, and the enum keeps only null. */
const NULL_ONLY = { type: 'object', nullable: true, enum: [null] } as const;

/**
 * What @nestjs/swagger writes loosely, made exact for strict OpenAPI 3.0.3 validators (Prism's proxy, ajv,
 * openapi-typescript), in every schema of the document:
 * - a nullable reference (`nullable` beside an `allOf` of one `$ref`, which admits no null, since `nullable` only
 *   adds null to a `type` of its own schema) becomes `anyOf: [the reference, null]`;
 * - a nullable enum lists `null` among its values (an enum without it refuses null whatever `nullable` says);
 * - a component schema (a DTO or a view) is closed, `additionalProperties: false`: the service refuses unknown
 *   properties in requests (the validation pipe's whitelist) and answers only those its views declare;
 * - every path parameter is an id, and says so (`idParam` checks each against the same pattern).
 */
export function exactSchemas(document: OpenAPIObject): void {
  const visit = (node: unknown, parentKey?: string): unknown => {
    if (Array.isArray(node)) return node.map((item) => visit(item));
    if (!node || typeof node !== 'object') return node;
    const schema = node as SchemaNode;
    for (const [key, value] of Object.entries(schema)) {
      // Examples are data, not schemas: left as written.
      if (key !== 'example' && key !== 'examples') schema[key] = visit(value, key);
    }
    if (parentKey === 'example') return schema;
    if (schema.nullable && schema.allOf?.length === 1 && schema.allOf[0].$ref) {
      const { allOf, nullable: _nullable, type: _type, ...rest } = schema;
      return { ...rest, anyOf: [allOf[0], NULL_ONLY] };
    }
    if (schema.nullable && Array.isArray(schema.enum) && !schema.enum.includes(null))
      schema.enum = [...schema.enum, null];
    return schema;
  };
  for (const schema of Object.values(document.components?.schemas ?? {}) as SchemaNode[]) {
    if (schema.type === 'object' && schema.properties && schema.additionalProperties === undefined)
      schema.additionalProperties = false;
  }
  document.components = visit(document.components) as OpenAPIObject['components'];
  document.paths = visit(document.paths) as OpenAPIObject['paths'];
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as { parameters?: { in: string; schema?: object }[] }[]) {
      for (const parameter of operation?.parameters ?? []) {
        if (parameter.in === 'path') parameter.schema = { ...parameter.schema, ...ID_PARAM_SCHEMA };
      }
    }
  }
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    // 3.0.3, the release that says what `nullable` means (exactSchemas follows it); @nestjs/swagger writes 3.0
    // schemas (`nullable`), so a 3.1 document would be 3.0 schemas under a 3.1 label.
    .setOpenAPIVersion('3.0.3')
    .setTitle('AI Visitor API')
    .setDescription(
      [
        "Internal API of AI Visitor (AI寻访员) for the recruiting platform's back end. JSON in camelCase; ids are strings of digits.",
        '',
        'User routes take `Authorization: Bearer <SERVICE_TOKEN>` plus `X-Account-Id` and `X-Firm-Id` (positive integers);',
        "admin routes take `Authorization: Bearer <ADMIN_TOKEN>`. Neither token opens the other's routes.",
        '',
        'Every error is `{ code, message, details? }` with a stable `code`; each route lists the codes it may answer.',
        "Any unknown path answers 404 `ROUTE_NOT_FOUND`. Every response carries `X-Request-Id` (the caller's, or a new one).",
      ].join('\n'),
    )
    .setVersion('v1')
    // Relative: the API and this document are served by the same host, whichever it is.
    .addServer('/', 'The host serving this document')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: "SERVICE_TOKEN of the recruiting platform's back end" },
      SERVICE_TOKEN_SCHEME,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Account-Id', description: 'The acting account (positive integer)' },
      ACCOUNT_ID_SCHEME,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Firm-Id', description: "The acting account's firm (positive integer)" },
      FIRM_ID_SCHEME,
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of operations tooling' },
      ADMIN_TOKEN_SCHEME,
    )
    .build();
  // Stated (the lint asks for it), without a URL: there is no license text to point at (package.json: UNLICENSED).
  config.info.license = { name: 'Proprietary: an internal API, no license granted' };
  const document = SwaggerModule.createDocument(app, config);
  stateOpenRoutes(document);
  exactSchemas(document);
  return document;
}

/**
 * The OpenAPI document at `/docs-json` (and `/docs-yaml`) and Swagger UI at `/docs`, outside the `/v1`
 * prefix and without authentication. Call after `setGlobalPrefix`, so the paths carry it.
 */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(OPENAPI_PATH, app, document, {
    jsonDocumentUrl: `${OPENAPI_PATH}-json`,
    yamlDocumentUrl: `${OPENAPI_PATH}-yaml`,
  });
  return document;
}
