import { readFileSync } from 'node:fs';
import { buildOpenApiDocument, stableJson } from '../../src/openapi/openapi';
import { OPENAPI_SNAPSHOT_ENV, OPENAPI_SNAPSHOT_PATH } from '../../scripts/export-openapi';
import { startApp } from '../support/app.builder';
import { registeredRoutes } from '../support/fastify-routes';

const REGENERATE = 'run `npm run openapi` and commit docs/openapi.json';
// Served by Swagger itself / plain text for Prometheus: not API operations.
const UNDOCUMENTED = [/^\/docs/, /^\/metrics$/];

type Operation = { summary?: string; tags?: string[]; responses?: Record<string, unknown> };
type Paths = Record<string, Record<string, Operation>>;

function differences(actual: Record<string, unknown>, expected: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort();
  return keys.filter((key) => stableJson(actual[key] ?? null) !== stableJson(expected[key] ?? null));
}

describe('OpenAPI document', () => {
  it('matches the checked-in docs/openapi.json', async () => {
    const app = await startApp({ ...OPENAPI_SNAPSHOT_ENV });
    const document = buildOpenApiDocument(app);
    const actual = stableJson(document);
    const expected = readFileSync(OPENAPI_SNAPSHOT_PATH, 'utf8');

    if (actual !== expected) {
      const before = JSON.parse(expected) as { paths: Paths; components: { schemas: Record<string, unknown> } };
      const changed = [
        ...differences(document.paths, before.paths).map((p) => `path ${p}`),
        ...differences(document.components?.schemas ?? {}, before.components.schemas).map((s) => `schema ${s}`),
      ];
      throw new Error(`docs/openapi.json is out of date (${changed.join(', ') || 'document metadata'}): ${REGENERATE}`);
    }
  });

  it('documents every route the app registers, with a summary and a tag', async () => {
    const app = await startApp({ ...OPENAPI_SNAPSHOT_ENV });
    const paths = buildOpenApiDocument(app).paths as Paths;

    const routes = registeredRoutes(app.getHttpAdapter().getInstance())
      .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !UNDOCUMENTED.some((re) => re.test(r.path)))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const incomplete = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => !op.summary || !op.tags?.length || !Object.keys(op.responses ?? {}).some((s) => s.startsWith('2')))
        .map(([m]) => `${m.toUpperCase()} ${path}`),
    );

    expect(routes.length).toBeGreaterThan(5);
    expect(routes).toContain('GET /api/v1/market/prices/{symbol}');
    expect(routes.filter((r) => !documented.includes(r))).toEqual([]);
    // Fails when a controller lacks @ApiTags / @ApiOperation / a 2xx @ApiResponse.
    expect(incomplete).toEqual([]);
  });

  it('serves the UI at /docs and the same document at /docs-json', async () => {
    const app = await startApp();

    const ui = await app.inject({ method: 'GET', url: '/docs' });
    const json = await app.inject({ method: 'GET', url: '/docs-json' });

    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
    expect(json.statusCode).toBe(200);
    expect(stableJson(json.json())).toBe(stableJson(buildOpenApiDocument(app)));
  });
});
