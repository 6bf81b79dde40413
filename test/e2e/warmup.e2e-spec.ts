import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createClient } from '@redis/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisConnection } from '../../src/cache';
import { LimitedMarketDataProvider } from '../../src/market-data/providers/limited.provider';
import type { WarmupProgress } from '../../src/warmup/warmup-run';
import { WarmupSchedule } from '../../src/warmup/warmup-schedule.service';
import { startApp } from '../support/app.builder';
import { RedisServer } from '../support/redis-server';

const KEY = 'warmup-e2e-admin-key-0123456789';
const WARMUP = '/api/v1/admin/cache/warmup';
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'JPM', 'XOM', 'JNJ', 'PG', 'KO', 'PEP', 'WMT', 'HD', 'CVX', 'MRK'];
const auth = { 'x-api-key': KEY };

let redis: RedisServer;

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterAll(async () => {
  await redis.stop();
});

async function start(env: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const app = await startApp({ REDIS_ENABLED: 'true', REDIS_URL: redis.url, ADMIN_API_KEY: KEY, ADMIN_RATE_LIMIT_PER_MINUTE: '100000', ...env });
  const connection = app.get(RedisConnection);
  for (let i = 0; i < 200 && !connection.remote?.available; i++) await new Promise((r) => setTimeout(r, 10));
  return app;
}

async function waitUntilFinished(app: NestFastifyApplication, id: string): Promise<WarmupProgress> {
  for (let i = 0; i < 600; i++) {
    const res = await app.inject({ method: 'GET', url: `${WARMUP}/${id}`, headers: auth });
    expect(res.statusCode).toBe(200);
    const progress = res.json<WarmupProgress>();
    if (progress.status !== 'running') return progress;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`warmup ${id} did not finish`);
}

describe('Cache warmup (admin API)', () => {
  it('starts a warmup, joins a second request, reports progress, and leaves the routes warm', async () => {
    const prefix = `wr${Date.now().toString(36)}:`;
    const app = await start({ REDIS_PREFIX: prefix });
    const first = await app.inject({ method: 'POST', url: WARMUP, headers: auth, payload: { symbols: SYMBOLS, policies: ['prices', 'history', 'indicators', 'scores'] } });
    expect(first.statusCode).toBe(202);
    const { id, joined } = first.json<{ id: string; joined: boolean }>();
    expect(joined).toBe(false);

    const second = await app.inject({ method: 'POST', url: WARMUP, headers: auth, payload: { symbols: ['IBM'] } });
    expect(second.statusCode).toBe(202);
    expect(second.json()).toMatchObject({ id, joined: true, status: 'running' });

    const progress = await waitUntilFinished(app, id);
    expect(progress).toMatchObject({ status: 'done', trigger: 'api', symbols: SYMBOLS.length, total: SYMBOLS.length * 4, failed: 0 });
    expect(progress.done).toBe(progress.total);
    expect(progress.symbolsDone).toBe(SYMBOLS.length);
    expect(progress.percent).toBe(100);
    expect(progress.rate).toBeGreaterThan(0);
    expect(progress.etaMs).toBeNull();

    const upstream = app.get(LimitedMarketDataProvider);
    const callsBefore = upstream.stats().calls;
    for (const symbol of SYMBOLS.slice(0, 4)) {
      for (const url of [
        `/api/v1/market/prices/${symbol}`,
        `/api/v1/market/history/${symbol}`,
        `/api/v1/market/info/${symbol}`,
        `/api/v1/indicators/${symbol}`,
        `/api/v1/scores/${symbol}`,
      ]) {
        const res = await app.inject({ method: 'GET', url });
        expect({ url, status: res.statusCode }).toEqual({ url, status: 200 });
        expect({ url, cache: res.headers['x-cache'] }).toEqual({ url, cache: expect.stringMatching(/^HIT-L[12]$/) });
      }
    }
    // Service-level values are warm too: a different query of a warmed history needs no upstream call either.
    expect((await app.inject({ method: 'GET', url: `/api/v1/market/history/${SYMBOLS[0]}?period=1y` })).statusCode).toBe(200);
    expect(upstream.stats().calls).toBe(callsBefore);

    // Another replica on the same Redis answers the warmed routes from L2, without upstream calls either.
    const replica = await start({ REDIS_PREFIX: prefix });
    const replicaUpstream = replica.get(LimitedMarketDataProvider);
    const replicaCalls = replicaUpstream.stats().calls;
    const fromL2 = await replica.inject({ method: 'GET', url: `/api/v1/scores/${SYMBOLS[5]}` });
    expect(fromL2.headers['x-cache']).toBe('HIT-L2');
    expect(replicaUpstream.stats().calls).toBe(replicaCalls);

    const list = await app.inject({ method: 'GET', url: WARMUP, headers: auth });
    expect(list.json<WarmupProgress[]>()[0]).toMatchObject({ id, status: 'done' });
  });

  it('counts failures per code without failing the run', async () => {
    const app = await start();
    const res = await app.inject({ method: 'POST', url: WARMUP, headers: auth, payload: { symbols: 'AAPL,ZZZZ9', policies: 'prices,scores' } });
    const progress = await waitUntilFinished(app, res.json<{ id: string }>().id);
    expect(progress).toMatchObject({ status: 'done', total: 4, done: 4, failed: 2, failuresByCode: { SYMBOL_NOT_FOUND: 2 } });
    expect(progress.failures.map((f) => `${f.symbol}/${f.policy}`).sort()).toEqual(['ZZZZ9/prices', 'ZZZZ9/scores']);
  });

  it('answers 404 for an unknown id, 400 for a bad policy, symbol or id, 401 without the key', async () => {
    const app = await start();
    expect((await app.inject({ method: 'GET', url: `${WARMUP}/no-such-run`, headers: auth })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `${WARMUP}/NOT_AN_ID!`, headers: auth })).statusCode).toBe(400);
    const badPolicy = await app.inject({ method: 'POST', url: WARMUP, headers: auth, payload: { policies: ['prices', 'bogus'] } });
    expect(badPolicy.statusCode).toBe(400);
    expect(JSON.stringify(badPolicy.json())).toContain('each policy must be one of');
    expect((await app.inject({ method: 'POST', url: WARMUP, headers: auth, payload: { symbols: ['not a symbol'] } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: WARMUP, payload: {} })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: `${WARMUP}/x`, headers: { 'x-api-key': `${KEY}-wrong` } })).statusCode).toBe(401);
    // Admin answers are never cached.
    const noCache = await app.inject({ method: 'GET', url: WARMUP, headers: auth });
    expect(noCache.headers['x-cache']).toBeUndefined();
  });

  it('warms at boot when WARMUP_ON_BOOT=true, and the boot gate opens within WARMUP_BOOT_MAX_WAIT_MS', async () => {
    const app = await start({ WARMUP_ON_BOOT: 'true', WARMUP_SYMBOLS: 'AAPL,MSFT', WARMUP_POLICIES: 'prices', WARMUP_BOOT_MAX_WAIT_MS: '2000' });
    const list = (await app.inject({ method: 'GET', url: WARMUP, headers: auth })).json<WarmupProgress[]>();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ trigger: 'boot', policies: ['prices'] });
    const progress = await waitUntilFinished(app, list[0].id);
    expect(progress).toMatchObject({ status: 'done', symbols: 2, total: 2, failed: 0 });
    const res = await app.inject({ method: 'GET', url: '/api/v1/market/prices/MSFT' });
    expect(res.headers['x-cache']).toMatch(/^HIT-L[12]$/);
  });

  it('keeps readiness at 503 during the boot warmup for at most WARMUP_BOOT_MAX_WAIT_MS, then warms on in the background', async () => {
    const app = await startApp({ ADMIN_API_KEY: KEY, WARMUP_ON_BOOT: 'true', WARMUP_TOP_N: '300', WARMUP_CONCURRENCY: '1', WARMUP_BOOT_MAX_WAIT_MS: '400' });
    const early = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(early.statusCode).toBe(503);
    expect(JSON.stringify(early.json())).toContain('boot-warmup');
    // The warmup yields to the event loop: timers (and so probes and requests) are not starved.
    const sleeping = Date.now();
    await new Promise((r) => setTimeout(r, 600));
    expect(Date.now() - sleeping).toBeLessThan(3000);
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    const [boot] = (await app.inject({ method: 'GET', url: WARMUP, headers: auth })).json<WarmupProgress[]>();
    // The default list: hot symbols (none yet) plus the first 300 of sp500, one at a time: still running.
    expect(boot).toMatchObject({ trigger: 'boot', status: 'running', symbols: 300 });
    const closing = Date.now();
    await app.close();
    // Shutdown skips the symbols not started yet.
    expect(Date.now() - closing).toBeLessThan(5000);
  });

  it('runs a scheduled warmup on one replica at a time: skips while the Redis lease is held, releases it after', async () => {
    const app = await start({ WARMUP_SYMBOLS: 'AAPL', WARMUP_POLICIES: 'prices', REDIS_PREFIX: 'wl:' });
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const schedule = app.get(WarmupSchedule);
      await client.set('wl:state:lease:warmup', 'another-replica', { expiration: { type: 'PX', value: 10_000 } });
      await schedule.scheduledWarmup();
      expect((await app.inject({ method: 'GET', url: WARMUP, headers: auth })).json()).toEqual([]);

      await client.del('wl:state:lease:warmup');
      await schedule.scheduledWarmup();
      const [run] = (await app.inject({ method: 'GET', url: WARMUP, headers: auth })).json<WarmupProgress[]>();
      expect(run).toMatchObject({ trigger: 'cron', status: 'done', total: 1, failed: 0 });
      expect(await client.exists('wl:state:lease:warmup')).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('a prefetch of cold data survives a restart without Redis, through the disk tier', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warmup-disk-'));
    const env = { REDIS_ENABLED: 'false', DISK_CACHE_ENABLED: 'true', DISK_CACHE_DIR: dir, ADMIN_API_KEY: KEY };
    try {
      const first = await startApp(env);
      const res = await first.inject({ method: 'POST', url: WARMUP, headers: auth, payload: { symbols: 'AAPL,MSFT', policies: 'history' } });
      expect(await waitUntilFinished(first, res.json<{ id: string }>().id)).toMatchObject({ status: 'done', failed: 0 });
      // Disk writes are not awaited by the answer; give them a moment before the "restart" (a new
      // app on the same folder, with empty memory and no Redis).
      await new Promise((r) => setTimeout(r, 200));

      const restarted = await startApp(env);
      const upstream = restarted.get(LimitedMarketDataProvider);
      for (const url of ['/api/v1/market/history/AAPL', '/api/v1/market/info/MSFT']) {
        const answer = await restarted.inject({ method: 'GET', url });
        expect({ url, status: answer.statusCode, cache: answer.headers['x-cache'] }).toEqual({ url, status: 200, cache: 'MISS' });
      }
      expect(upstream.stats().calls).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
