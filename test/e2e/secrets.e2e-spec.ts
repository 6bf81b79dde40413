import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/bootstrap';
import { SyntheticMarketDataProvider } from '../../src/market-data/providers/synthetic.provider';
import { PolygonMockServer } from '../support/polygon-mock.server';
import { RedisServer } from '../support/redis-server';

/**
 * Every secret at once (Redis password in the URL, Polygon key, admin key), every surface at
 * once: all log lines at trace level, every response body and header, /health, /metrics,
 * /docs-json, the admin API, over working and failing paths. (redis-auth-tls.e2e-spec.ts checks
 * the wrong-password warning itself; admin-cache.e2e-spec.ts the admin key in audit lines.)
 */
const REDIS_PASSWORD = 'rpw-4e7d21c9-topsecret';
const WRONG_REDIS_PASSWORD = 'wrongrpw-8a2f60-topsecret';
const POLYGON_KEY = 'pgk-b3c95d18-topsecret';
const ADMIN_KEY = 'adm-e60f2a97c4-topsecret';
const WRONG_ADMIN_KEY = 'admwrong-1d9c7b35-topsecret';
const SECRETS = [REDIS_PASSWORD, WRONG_REDIS_PASSWORD, POLYGON_KEY, ADMIN_KEY, WRONG_ADMIN_KEY];

/** The secret, and the forms it could leak in: URL-encoded, base64 (Basic auth), its middle (a cut-off log). */
const leakFormsOf = (secret: string) => [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), secret.slice(4, -4)];

type Exposure = { where: string; text: string };

function expectNoSecret(exposures: Exposure[], secrets = SECRETS): void {
  const leaks = exposures.flatMap(({ where, text }) => secrets.flatMap((s) => leakFormsOf(s).filter((form) => text.includes(form)).map((form) => `${where} holds ${form}`)));
  expect(leaks).toEqual([]);
}

describe('no secret in logs, errors, /health, /metrics or the OpenAPI document', () => {
  let redis: RedisServer;
  let polygon: PolygonMockServer;
  const apps: NestFastifyApplication[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start(['--requirepass', REDIS_PASSWORD]);
    polygon = await PolygonMockServer.start({ apiKey: POLYGON_KEY });
    const bars = await new SyntheticMarketDataProvider({ seed: 7, universeSize: 600 }).getHistory('AAPL', { interval: '1d', period: '1y' });
    polygon.setBars('AAPL', bars);
  });
  afterAll(async () => {
    await polygon?.close();
    await redis?.stop();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  async function start(redisPassword: string): Promise<{ app: NestFastifyApplication; logs: string[] }> {
    const logs: string[] = [];
    const { app } = await createApp(
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'trace',
        REDIS_URL: `redis://:${redisPassword}@127.0.0.1:${redis.port}/0`,
        REDIS_PREFIX: `sec${Math.random().toString(36).slice(2, 7)}:`,
        CACHE_BUS_ENABLED: 'false',
        MARKET_DATA_PROVIDER: 'polygon',
        POLYGON_BASE_URL: polygon.baseUrl,
        POLYGON_API_KEY: POLYGON_KEY,
        UPSTREAM_MAX_RETRIES: '1',
        ADMIN_API_KEY: ADMIN_KEY,
        WARMUP_ON_BOOT: 'false',
        WARMUP_CRON: 'off',
      },
      { logDestination: { write: (line: string) => void logs.push(line) } },
    );
    apps.push(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return { app, logs };
  }

  /** Working and failing requests on every kind of route; returns what each answer exposed. */
  async function exercise(app: NestFastifyApplication): Promise<Exposure[]> {
    // Upstream trouble: a 500, a 401 whose body echoes the key it got (as some APIs do), a malformed body.
    polygon.script(/MSFT/, { status: 500, body: { status: 'ERROR', error: `internal error for key ${POLYGON_KEY}` } }, { status: 500, body: { status: 'ERROR' } });
    polygon.script(/IBM/, { status: 401, body: { status: 'ERROR', error: `Unknown API Key ${POLYGON_KEY}` }, headers: { 'www-authenticate': `Bearer ${POLYGON_KEY}` } });
    polygon.script(/KO/, { raw: `{"results":[{"c": "${POLYGON_KEY}` });
    const admin = { 'x-api-key': ADMIN_KEY };
    const requests: { method: 'GET' | 'POST' | 'DELETE'; url: string; headers?: Record<string, string>; payload?: string }[] = [
      { method: 'GET', url: '/api/v1/market/prices/AAPL' },
      { method: 'GET', url: '/api/v1/market/history/AAPL' },
      { method: 'GET', url: '/api/v1/market/prices/MSFT' },
      { method: 'GET', url: '/api/v1/market/prices/IBM' },
      { method: 'GET', url: '/api/v1/market/history/KO' },
      { method: 'GET', url: '/api/v1/market/info/IBM' },
      { method: 'GET', url: '/api/v1/scores/MSFT' },
      { method: 'GET', url: '/api/v1/admin/cache/info', headers: { 'x-api-key': WRONG_ADMIN_KEY } },
      { method: 'GET', url: '/api/v1/admin/cache/info', headers: { authorization: `Bearer ${WRONG_ADMIN_KEY}` } },
      { method: 'GET', url: '/api/v1/admin/cache/info', headers: { authorization: `Basic ${Buffer.from(`admin:${WRONG_ADMIN_KEY}`).toString('base64')}` } },
      { method: 'GET', url: '/api/v1/admin/cache/info', headers: admin },
      { method: 'GET', url: '/api/v1/admin/cache/stats', headers: admin },
      { method: 'GET', url: '/api/v1/admin/cache/keys?pattern=*', headers: admin },
      { method: 'DELETE', url: '/api/v1/admin/cache/keys?pattern=v1:price:*', headers: admin },
      { method: 'POST', url: '/api/v1/admin/cache/warmup', headers: { ...admin, 'content-type': 'application/json' }, payload: '{"symbols":["AAPL","MSFT"],"policies":["prices"]}' },
      { method: 'GET', url: '/api/v1/admin/cache/warmup', headers: admin },
      { method: 'POST', url: '/api/v1/predictions/batch', headers: { 'content-type': 'application/json' }, payload: '{"symbols":["AAPL","MSFT"]}' },
      { method: 'GET', url: '/health' },
      { method: 'GET', url: '/health/ready' },
      { method: 'GET', url: '/health/live' },
      { method: 'GET', url: '/metrics' },
      { method: 'GET', url: '/docs-json' },
      { method: 'GET', url: '/no/such/route', headers: { cookie: `session=${WRONG_ADMIN_KEY}` } },
    ];
    const exposures: Exposure[] = [];
    const statuses: number[] = [];
    for (const request of requests) {
      const response = await app.inject(request);
      statuses.push(response.statusCode);
      exposures.push({ where: `${request.method} ${request.url} → ${response.statusCode}`, text: `${JSON.stringify(response.headers)}\n${response.body}` });
    }
    // The failing paths were taken: upstream errors, refused admin keys.
    expect(statuses.filter((s) => s >= 500).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    return exposures;
  }

  it('with the right Redis password: nothing anywhere, at trace level, through working and failing requests', async () => {
    const { app, logs } = await start(REDIS_PASSWORD);
    const deadline = Date.now() + 5000;
    while ((await app.inject({ method: 'GET', url: '/health' })).json().info?.cache?.backend !== 'redis' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect((await app.inject({ method: 'GET', url: '/health' })).json().info.cache.backend).toBe('redis');

    const exposures = await exercise(app);
    await app.close();

    expect(logs.length).toBeGreaterThan(30);
    expectNoSecret([...logs.map((text, i) => ({ where: `log line ${i}`, text })), ...exposures]);
  });

  it('with a wrong Redis password in the URL: memory fallback, and neither password anywhere', async () => {
    const { app, logs } = await start(WRONG_REDIS_PASSWORD);
    const exposures = await exercise(app);
    const health = await app.inject({ method: 'GET', url: '/health' });
    await app.close();

    expect(health.json().info.cache.backend).toBe('memory');
    expect(logs.some((line) => /WRONGPASS|NOAUTH|invalid username-password|auth/i.test(line))).toBe(true);
    expectNoSecret([...logs.map((text, i) => ({ where: `log line ${i}`, text })), ...exposures]);
  });

  it('a refused configuration names the bad variables, never their secret values', async () => {
    const attempts: Record<string, string>[] = [
      { ADMIN_API_KEY: 'short-topsecret' },
      { REDIS_URL: `ftp://user:${REDIS_PASSWORD}@127.0.0.1:1/0` },
      { REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:notaport` },
      { MARKET_DATA_PROVIDER: 'polygon', POLYGON_API_KEY: '' },
    ];
    let refused = 0;
    for (const env of attempts) {
      const error = await createApp({ NODE_ENV: 'test', REDIS_ENABLED: 'false', ...env }).then(
        () => undefined,
        (e: Error) => e,
      );
      if (error === undefined) continue; // accepted (e.g. the URL is only parsed at connect time): nothing to leak here
      refused++;
      expect(error.message).toMatch(/ADMIN_API_KEY|REDIS_URL|POLYGON_API_KEY/);
      expectNoSecret([{ where: `error for ${Object.keys(env).join(',')}`, text: `${error.message}\n${error.stack}` }], [REDIS_PASSWORD, 'short-topsecret']);
    }
    expect(refused).toBeGreaterThanOrEqual(3);
  });
});
