import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApp } from '../support/app.builder';
import { RedisServer } from '../support/redis-server';

let redis: RedisServer;

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterAll(async () => {
  await redis.stop();
});

const scan = (app: NestFastifyApplication, body: unknown, query = '') =>
  app.inject({ method: 'POST', url: `/api/v1/scans${query}`, payload: body as object });

describe('POST /api/v1/scans', () => {
  it('ranks a universe, caches the answer and reuses per-symbol records for other filters', async () => {
    const app = await startApp({ REDIS_ENABLED: 'true', REDIS_URL: redis.url });

    const cold = await scan(app, { universe: 'sp500', limit: 10 });
    const again = await scan(app, { limit: 10, universe: 'sp500' });
    const filtered = await scan(app, { universe: 'sp500', limit: 10, minPrice: 50 });

    expect(cold.statusCode).toBe(200);
    const body = cold.json();
    expect(body.stats.scanned).toBeGreaterThan(490);
    expect(body.stats.computed).toBe(body.stats.scanned);
    expect(body.stats.upstreamCalls).toBeGreaterThan(0);
    expect(body.results).toHaveLength(10);
    const composites = body.results.map((r: { composite: number }) => r.composite);
    expect(composites).toEqual([...composites].sort((a, b) => b - a));
    expect(body.servedFromCache).toBe(false);

    expect(again.json().servedFromCache).toBe(true);
    expect(again.json().results).toEqual(body.results);

    const warm = filtered.json();
    expect(warm.servedFromCache).toBe(false);
    expect(warm.stats.cacheHits.l1).toBe(warm.stats.scanned);
    expect(warm.stats.upstreamCalls).toBe(0);
    expect(warm.results.every((r: { price: number }) => r.price >= 50)).toBe(true);
  });

  it('lists unknown symbols apart instead of failing the scan', async () => {
    const app = await startApp();

    const response = await scan(app, { symbols: ['aapl', 'MSFT', 'NOPE1'], horizon: 'short' });

    expect(response.statusCode).toBe(200);
    expect(response.json().unknown).toEqual(['NOPE1']);
    expect(response.json().results.map((r: { symbol: string }) => r.symbol).sort()).toEqual(['AAPL', 'MSFT']);
  });

  it('streams NDJSON: progress and first matches before the final result', async () => {
    const app = await startApp();

    const response = await scan(app, { universe: 'sp500', limit: 5 }, '?stream=true');

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/x-ndjson');
    const lines = response.body.trim().split('\n').map((l) => JSON.parse(l));
    const types = lines.map((l) => l.type);
    const firstMatch = types.indexOf('match');
    const lastProgress = types.lastIndexOf('progress');
    expect(types.at(-1)).toBe('result');
    expect(types.filter((t) => t === 'progress').length).toBeGreaterThan(1);
    expect(firstMatch).toBeGreaterThanOrEqual(0);
    expect(firstMatch).toBeLessThan(lastProgress);
    const progress = lines.filter((l) => l.type === 'progress');
    expect(progress.at(-1).done).toBe(progress.at(-1).total);
    expect(lines.at(-1).result.results).toHaveLength(5);
  });

  it.each([
    [{ limit: -1 }, 'limit'],
    [{ symbols: 'AAPL' }, 'symbols'],
    [{ horizon: 'forever' }, 'horizon'],
    [{ minScore: 'high' }, 'minScore'],
    [{ symbols: ['bad*sym'] }, 'symbol'],
    [{ universe: '../etc' }, 'universe'],
    [{ unexpected: true }, 'unexpected'],
  ])('rejects %j with a 400 naming %s', async (body, field) => {
    const app = await startApp();
    const response = await scan(app, body);
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json().message)).toContain(field);
  });

  it('rejects a non-JSON body with a 4xx, not a 500', async () => {
    const app = await startApp();
    const response = await app.inject({ method: 'POST', url: '/api/v1/scans', payload: '{"limit":', headers: { 'content-type': 'application/json' } });
    expect(response.statusCode).toBe(400);
  });
});
