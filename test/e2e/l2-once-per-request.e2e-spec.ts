import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/bootstrap';
import { RedisConnection } from '../../src/cache';
import { waitUntil } from '../support/cache.builder';
import { LatencyProxy } from '../support/latency-proxy';
import { RedisServer } from '../support/redis-server';

/**
 * A request hits a failing L2 once (issue 20, step 3): with Redis slower than the deadline and a
 * breaker that has not opened yet, a cold GET used to wait the deadline for its HTTP copy and
 * again for the value; now the first timeout makes the rest of that request skip L2.
 */

const DEADLINE_MS = 400;
const figures: Record<string, unknown> = {};
afterAll(() => console.log(`l2 once per request figures: ${JSON.stringify(figures)}`));

describe('one L2 deadline per HTTP request', () => {
  let redis: RedisServer;
  let proxy: LatencyProxy;
  let app: NestFastifyApplication;
  beforeAll(async () => {
    redis = await RedisServer.start();
    proxy = await LatencyProxy.start(redis.port);
    ({ app } = await createApp({
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      REDIS_ENABLED: 'true',
      REDIS_URL: proxy.url,
      REDIS_PREFIX: `l2o${Math.random().toString(36).slice(2, 8)}:`,
      CACHE_L2_TIMEOUT_MS: String(DEADLINE_MS),
      // The breaker stays closed through the test: what is measured is the per-request rule.
      CACHE_BREAKER_MIN_REQUESTS: '1000',
    }));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    await waitUntil(() => app.get(RedisConnection).remote?.available === true, 10_000);
  }, 20_000);
  afterAll(async () => {
    await app?.close();
    await proxy?.close();
    await redis?.stop();
  });

  it('a cold GET with Redis slower than the deadline takes about one deadline, not one per L2 read', async () => {
    // Served once with Redis healthy, so the route and the provider are warm.
    expect((await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' })).statusCode).toBe(200);
    proxy.latencyMs = DEADLINE_MS; // a round trip of twice the deadline: every L2 call times out
    const timings: number[] = [];
    try {
      for (const symbol of ['MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META']) {
        const started = performance.now();
        const response = await app.inject({ method: 'GET', url: `/api/v1/market/prices/${symbol}` });
        timings.push(Math.round(performance.now() - started));
        expect(response.statusCode).toBe(200);
      }
    } finally {
      proxy.latencyMs = 0;
    }
    figures.deadlineMs = DEADLINE_MS;
    figures.coldGetMs = timings;
    expect(Math.max(...timings)).toBeLessThan(DEADLINE_MS * 1.5);
  }, 20_000);
});
