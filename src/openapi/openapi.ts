import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';
/** Security scheme names for `@ApiSecurity(...)` / `@ApiBearerAuth(...)` on admin routes. */
export const API_KEY_SCHEME = 'api-key';
export const BEARER_SCHEME = 'bearer';

/** The OpenAPI document of `app`, built from its controllers' and DTOs' decorators. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Market Cache Service')
    .setDescription(
      'Market data and derived analytics (indicators, scores, scans) served through a two-tier cache. ' +
        'Cached GET routes answer with `X-Cache` (HIT-L1 | HIT-L2 | MISS | STALE), `Age`, `Cache-Control` and `ETag` ' +
        '(honoured by `If-None-Match`). Every response carries `x-request-id`; errors carry it as `requestId`.',
    )
    // The API's version (the /api/v1 contract), not the package's: a release must not churn the snapshot.
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, API_KEY_SCHEME)
    .addBearerAuth({ type: 'http', scheme: 'bearer' }, BEARER_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` });
}

/** Serves Swagger UI at `/docs` and the document at `/docs-json`, built on first request. Before `app.init()`. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
  });
}

/** JSON with object keys sorted at every depth (arrays keep their order): the snapshot is byte-stable. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
