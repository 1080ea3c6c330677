import { INestApplication } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

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
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'SERVICE_TOKEN of the recruiting platform\'s back end' }, SERVICE_TOKEN_SCHEME)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Account-Id', description: 'The acting account (positive integer)' }, ACCOUNT_ID_SCHEME)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Firm-Id', description: 'The acting account\'s firm (positive integer)' }, FIRM_ID_SCHEME)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of operations tooling' }, ADMIN_TOKEN_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, config);
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
