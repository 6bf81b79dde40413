import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApp } from '../support/app.builder';
import { RedisServer } from '../support/redis-server';

interface Detail {
  status: 'up' | 'down';
  [field: string]: unknown;
}
interface Report {
  status: string;
  degraded: boolean;
  details: Record<string, Detail>;
}

async function get(app: NestFastifyApplication, url: string): Promise<{ status: number; body: Report; headers: Record<string, unknown> }> {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json<Report>(), headers: response.headers };
}

/** Polls `/health` until `predicate` holds; returns the last report. */
async function healthUntil(app: NestFastifyApplication, predicate: (body: Report) => boolean, timeoutMs = 10_000): Promise<Report> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await get(app, '/health');
    if (predicate(body) || Date.now() > deadline) return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const backendOf = (body: Report) => body.details.cache?.backend;

describe('health routes', () => {
  it('live, ready and /health answer 200 without Redis (memory by configuration is not degraded), never cached', async () => {
    const app = await startApp();

    const live = await get(app, '/health/live');
    expect(live.status).toBe(200);
    expect(live.body.status).toBe('ok');
    expect(live.body.details).toEqual({});
    expect(live.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
    expect(live.headers['x-cache']).toBeUndefined();

    const ready = await get(app, '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', degraded: false });
    expect(ready.body.details.lifecycle).toMatchObject({ status: 'up', phase: 'ready' });
    expect(ready.body.details.cache).toMatchObject({ status: 'up', backend: 'memory', breaker: 'disabled', degraded: false });

    const health = await get(app, '/health');
    expect(health.status).toBe(200);
    const { app: about, cache, marketData } = health.body.details;
    expect(about).toMatchObject({ status: 'up', version: '0.1.0', phase: 'ready' });
    expect(about.uptimeSeconds).toEqual(expect.any(Number));
    expect(cache).toMatchObject({ backend: 'memory', breaker: 'disabled', degraded: false, redis: { enabled: false, roundTripMs: null } });
    expect(cache.l1).toMatchObject({ entries: expect.any(Number), bytes: expect.any(Number), maxEntries: 10_000, maxBytes: 64 * 1024 ** 2 });
    expect(marketData).toMatchObject({ status: 'up', provider: 'synthetic', upstream: 'ok', degraded: false });
    expect(marketData.stats).toMatchObject({ calls: expect.any(Number), failures: 0, inFlight: 0, queued: 0 });
  });

  it('/health reports upstream calls made by real traffic and L1 entries growing', async () => {
    const app = await startApp();
    const before = (await get(app, '/health')).body.details;
    expect((await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' })).statusCode).toBe(200);
    const after = (await get(app, '/health')).body.details;
    expect((after.marketData.stats as { calls: number }).calls).toBeGreaterThan((before.marketData.stats as { calls: number }).calls);
    expect((after.marketData.sinceLastCheck as { calls: number }).calls).toBeGreaterThan(0);
    expect((after.cache.l1 as { entries: number }).entries).toBeGreaterThan((before.cache.l1 as { entries: number }).entries);
  });

  describe('with a private Redis that is killed and restarted', () => {
    let redis: RedisServer;
    beforeEach(async () => {
      redis = await RedisServer.start();
    });
    afterEach(async () => {
      await redis.stop();
    });

    it('moves redis -> memory -> redis; ready stays 200 (degraded while down); live stays 200', async () => {
      // The cross-replica invalidation bus is not under test here.
      const app = await startApp({ REDIS_ENABLED: 'true', REDIS_URL: redis.url, CACHE_BREAKER_OPEN_MS: '200', CACHE_BUS_ENABLED: 'false' });

      const up = await healthUntil(app, (b) => backendOf(b) === 'redis');
      expect(up.details.cache).toMatchObject({ backend: 'redis', breaker: 'closed', degraded: false, redis: { enabled: true } });
      expect((up.details.cache.redis as { roundTripMs: number }).roundTripMs).toBeGreaterThanOrEqual(0);
      const readyUp = await get(app, '/health/ready');
      expect(readyUp.status).toBe(200);
      expect(readyUp.body.degraded).toBe(false);

      await redis.kill();
      const down = await healthUntil(app, (b) => backendOf(b) === 'memory');
      expect(down.status).toBe('ok');
      expect(down.degraded).toBe(true);
      expect(down.details.cache).toMatchObject({ backend: 'memory', degraded: true, redis: { enabled: true, roundTripMs: null } });
      const readyDown = await get(app, '/health/ready');
      expect(readyDown.status).toBe(200);
      expect(readyDown.body).toMatchObject({ status: 'ok', degraded: true });
      expect(readyDown.body.details.cache).toMatchObject({ status: 'up', backend: 'memory', degraded: true });
      expect((await get(app, '/health/live')).status).toBe(200);
      // The memory fallback serves while Redis is away.
      expect((await app.inject({ method: 'GET', url: '/api/v1/market/prices/MSFT' })).statusCode).toBe(200);

      await redis.restart();
      const back = await healthUntil(app, (b) => backendOf(b) === 'redis');
      expect(back.details.cache).toMatchObject({ backend: 'redis', degraded: false });
      expect(back.degraded).toBe(false);
      const readyBack = await get(app, '/health/ready');
      expect(readyBack.status).toBe(200);
      expect(readyBack.body.degraded).toBe(false);
    });
  });

  it('ready turns 503 with the reason once shutdown begins, while live still answers', async () => {
    const app = await startApp({ SHUTDOWN_DELAY_MS: '300' });
    expect((await get(app, '/health/ready')).status).toBe(200);

    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const ready = await get(app, '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('error');
    expect(ready.body.details.lifecycle).toMatchObject({ status: 'down', phase: 'shutting-down' });
    expect((await get(app, '/health/live')).status).toBe(200);
    await closing;
  });
});
