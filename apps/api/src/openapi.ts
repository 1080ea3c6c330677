import { INestApplication, RequestMethod } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { OPERATIONS_ROUTES } from '@app/observability';

/** Security scheme names, as the controllers reference them. */
export const SERVICE_TOKEN_SCHEME = 'service-token';
export const ACCOUNT_ID_SCHEME = 'account-id';
export const FIRM_ID_SCHEME = 'firm-id';
export const ADMIN_TOKEN_SCHEME = 'admin-token';

export const OPENAPI_PATH = 'docs';

/** User routes (ServiceAuthGuard): the service token AND both caller headers. */
export const ApiServiceAuth = () => ApiSecurity({ [SERVICE_TOKEN_SCHEME]: [], [ACCOUNT_ID_SCHEME]: [], [FIRM_ID_SCHEME]: [] });

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

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('AI Visitor API')
    .setDescription(
      [
        'Internal API of AI Visitor (AI寻访员) for the recruiting platform\'s back end. JSON in camelCase; ids are strings of digits.',
        '',
        'User routes take `Authorization: Bearer <SERVICE_TOKEN>` plus `X-Account-Id` and `X-Firm-Id` (positive integers);',
        'admin routes take `Authorization: Bearer <ADMIN_TOKEN>`. Neither token opens the other\'s routes.',
        '',
        'Every error is `{ code, message, details? }` with a stable `code`; each route lists the codes it may answer.',
        'Any unknown path answers 404 `ROUTE_NOT_FOUND`. Every response carries `X-Request-Id` (the caller\'s, or a new one).',
      ].join('\n'),
    )
    .setVersion('v1')
    // Relative: the API and this document are served by the same host, whichever it is.
    .addServer('/', 'The host serving this document')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'SERVICE_TOKEN of the recruiting platform\'s back end' }, SERVICE_TOKEN_SCHEME)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Account-Id', description: 'The acting account (positive integer)' }, ACCOUNT_ID_SCHEME)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Firm-Id', description: 'The acting account\'s firm (positive integer)' }, FIRM_ID_SCHEME)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of operations tooling' }, ADMIN_TOKEN_SCHEME)
    .build();
  // Stated (the lint asks for it), without a URL: there is no license text to point at (package.json: UNLICENSED).
  config.info.license = { name: 'Proprietary: an internal API, no license granted' };
  const document = SwaggerModule.createDocument(app, config);
  stateOpenRoutes(document);
  return document;
}

/**
 * The OpenAPI document at `/docs-json` (and `/docs-yaml`) and Swagger UI at `/docs`, outside the `/v1`
 * prefix and without authentication. Call after `setGlobalPrefix`, so the paths carry it.
 */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(OPENAPI_PATH, app, document, { jsonDocumentUrl: `${OPENAPI_PATH}-json`, yamlDocumentUrl: `${OPENAPI_PATH}-yaml` });
  return document;
}
