import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildOpenApiDocument } from '../../src/openapi/openapi';
import { registeredRoutes } from './fastify-routes';

type Schema = { example?: unknown; default?: unknown; enum?: unknown[]; $ref?: string; properties?: Record<string, Schema>; required?: string[] };
type Parameter = { name: string; in: string; required?: boolean; schema?: Schema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
  security?: unknown[];
};

/** One field a client controls, with a value the docs say is valid (its example, default or first enum). */
export interface FuzzField {
  name: string;
  required: boolean;
  valid: unknown;
}

/** A route as the fuzzer sees it: from the app's router, described by the app's own OpenAPI document. */
export interface FuzzRoute {
  method: string;
  /** Fastify's pattern, `/api/v1/market/prices/:symbol`. */
  pattern: string;
  pathParams: FuzzField[];
  query: FuzzField[];
  /** Top-level body properties, when the route takes a JSON body. */
  body?: FuzzField[];
  /** Needs the admin key (its `x-scopes` name `admin`). */
  admin: boolean;
  /** 5xx statuses the route documents (e.g. 503 while the Redis it needs is away); any other 5xx is a bug. */
  documented5xx: number[];
  /** Answers an endless `text/event-stream`. */
  streams: boolean;
}

// Swagger UI's static files: not ours, and not JSON.
const SWAGGER_STATIC = /^\/docs(\/|$)/;

const validOf = (schema: Schema | undefined): unknown => schema?.example ?? schema?.default ?? schema?.enum?.[0] ?? 'x';

/**
 * Every (method, path) the running app routes (HEAD aside), with its parameters and body fields
 * as documented. A route added later is fuzzed without touching the test; an undocumented one
 * (`/metrics`, `/docs-json`) still gets hostile queries and bodies.
 */
export function fuzzRoutesOf(app: NestFastifyApplication): FuzzRoute[] {
  const document = buildOpenApiDocument(app) as unknown as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
  const resolve = (schema?: Schema): Schema | undefined => (schema?.$ref ? document.components.schemas[schema.$ref.split('/').pop()!] : schema);
  return registeredRoutes(app.getHttpAdapter().getInstance())
    .filter((route) => route.method !== 'HEAD' && route.method !== 'OPTIONS' && !SWAGGER_STATIC.test(route.path))
    .map((route) => {
      const operation = document.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()] ?? {};
      const parameters = operation.parameters ?? [];
      const fieldsIn = (where: string) =>
        parameters.filter((p) => p.in === where).map((p) => ({ name: p.name, required: where === 'path' || p.required === true, valid: validOf(p.schema) }));
      const bodySchema = resolve(operation.requestBody?.content?.['application/json']?.schema);
      const body = bodySchema?.properties
        ? Object.entries(bodySchema.properties).map(([name, schema]) => ({ name, required: bodySchema.required?.includes(name) ?? false, valid: validOf(schema) }))
        : undefined;
      const pathNames = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
      const pathParams = pathNames.map((name) => fieldsIn('path').find((f) => f.name === name) ?? { name, required: true, valid: 'x' });
      const responses = operation.responses ?? {};
      return {
        method: route.method,
        pattern: route.path,
        pathParams,
        query: fieldsIn('query'),
        body,
        // Every scoped route declares its credential schemes; the admin API is the one whose scopes name admin.
        admin: ((operation as { 'x-scopes'?: string[] })['x-scopes'] ?? []).includes('admin'),
        documented5xx: Object.keys(responses).map(Number).filter((status) => status >= 500),
        streams: Object.values(responses).some((r) => r.content?.['text/event-stream'] !== undefined),
      };
    });
}

/** The URL of `route` with `values` for its path parameters (already encoded) and a raw query string. */
export function urlOf(route: FuzzRoute, pathValues: Record<string, string>, query: string): string {
  const path = route.pattern.replace(/:(\w+)/g, (_, name: string) => pathValues[name]);
  return query === '' ? path : `${path}?${query}`;
}
