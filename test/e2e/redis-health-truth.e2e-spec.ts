import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RedisConnection } from '../../src/cache';
import { startApp } from '../support/app.builder';
import { pollUntil, redisCli } from '../support/redis-cli';
import { RedisServer } from '../support/redis-server';

/**
 * Health that tells the truth (docs/SECURITY.md, "Health"; docs/RELIABILITY.md): Redis that
 * answers but refuses writes (OOM under maxmemory + noeviction, READONLY on a replica) or refuses
 * our password shows in /health and /metrics as degraded with the reason, and back to healthy once
 * writes (or the connection) succeed again. Private redis-servers only, never the shared 6379.
 */

interface RedisCondition {
  ok: boolean;
  reason: string | null;
  since: string | null;
  message: string | null;
  failures: number;
}
interface CacheDetail {
  backend: string;
  degraded: boolean;
  degradedReasons: string[];
  redis: { writes: RedisCondition; auth: RedisCondition };
}
interface Report {
  degraded: boolean;
  details: { cache: CacheDetail };
}

const QUIET = { REDIS_ENABLED: 'true', WARMUP_ON_BOOT: 'false', WARMUP_CRON: 'off', REFRESH_AHEAD_INTERVAL_MS: '0', CACHE_BUS_ENABLED: 'false' };
const figures: Record<string, unknown> = {};

afterAll(() => {
  console.log(`redis health figures: ${JSON.stringify(figures)}`);
});

async function health(app: NestFastifyApplication, url = '/health'): Promise<Report> {
  return (await app.inject({ method: 'GET', url })).json<Report>();
}

async function metric(app: NestFastifyApplication, pattern: RegExp): Promise<number | undefined> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const match = pattern.exec(text);
  return match ? Number(match[1]) : undefined;
}

async function untilHealth(app: NestFastifyApplication, what: string, check: (report: Report) => boolean, timeoutMs = 10_000): Promise<Report> {
  let last: Report | undefined;
  await pollUntil(what, async () => check((last = await health(app))), timeoutMs, 50);
  return last!;
}

/** Distinct symbols, so every GET is a miss that writes its entry to Redis. */
let next = 0;
const SYMBOLS = ['AAPL', 'MSFT', 'AMZN', 'GOOGL', 'META', 'NVDA', 'JPM', 'XOM', 'JNJ', 'PG', 'V', 'MA', 'HD', 'KO', 'PEP', 'MRK', 'ABBV', 'CVX', 'WMT', 'BAC'];
async function write(app: NestFastifyApplication): Promise<void> {
  const res = await app.inject({ method: 'GET', url: `/api/v1/market/info/${SYMBOLS[next++ % SYMBOLS.length]}` });
  expect(res.statusCode).toBe(200);
}

async function onRedis(app: NestFastifyApplication): Promise<void> {
  await untilHealth(app, 'backend redis', (r) => r.details.cache.backend === 'redis' && !r.degraded);
}

describe('health tells the truth about Redis', () => {
  it('OOM (maxmemory, noeviction): degraded with writes OOM in /health, /health/ready and /metrics; healthy again once writes succeed', async () => {
    const redis = await RedisServer.start(['--maxmemory', '1mb', '--maxmemory-policy', 'noeviction']);
    try {
      const app = await startApp({ ...QUIET, REDIS_URL: redis.url });
      await onRedis(app);
      // Fill Redis past its bound (100 KB per SET; bounded).
      for (let i = 0; i < 40; i++) {
        const info = await redisCli(redis.port, ['INFO', 'memory']);
        if (Number(/used_memory:(\d+)/.exec(info)?.[1]) > 1024 * 1024) break;
        await redisCli(redis.port, ['SET', `filler:${i}`, 'x'.repeat(100_000)]);
      }
      await write(app);
      const report = await untilHealth(app, 'writes OOM', (r) => r.details.cache.redis.writes.ok === false);
      const cache = report.details.cache;
      figures.oom = cache.redis.writes;
      expect(report.degraded).toBe(true);
      expect(cache.degraded).toBe(true);
      expect(cache.degradedReasons).toEqual(['writes-OOM']);
      // Reads are still served from Redis: the breaker does not count refused writes.
      expect(cache.backend).toBe('redis');
      expect(cache.redis.writes).toMatchObject({ ok: false, reason: 'OOM' });
      expect(cache.redis.writes.message).toMatch(/OOM command not allowed/);
      expect(Date.parse(cache.redis.writes.since!)).toBeGreaterThan(Date.now() - 60_000);
      const ready = await health(app, '/health/ready');
      expect(ready.degraded).toBe(true);
      expect(ready.details.cache.degradedReasons).toEqual(['writes-OOM']);
      expect(await metric(app, /^mc_redis_write_failures_total\{reason="OOM"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
      expect(await metric(app, /^mc_redis_writes_ok (\d+)/m)).toBe(0);

      await redisCli(redis.port, ['CONFIG', 'SET', 'maxmemory', '0']);
      await write(app);
      const healed = await untilHealth(app, 'writes ok again', (r) => r.details.cache.redis.writes.ok);
      expect(healed.degraded).toBe(false);
      expect(healed.details.cache.degradedReasons).toEqual([]);
      expect(healed.details.cache.redis.writes).toEqual({ ok: true, reason: null, since: null, message: null, failures: 0 });
      expect(await metric(app, /^mc_redis_writes_ok (\d+)/m)).toBe(1);
    } finally {
      await redis.stop();
    }
  }, 60_000);

  it('READONLY (pointed at a read-only replica): degraded with writes READONLY; healthy once the replica is promoted', async () => {
    const primary = await RedisServer.start();
    const replica = await RedisServer.start(['--replicaof', '127.0.0.1', String(primary.port), '--replica-read-only', 'yes']);
    try {
      const app = await startApp({ ...QUIET, REDIS_URL: replica.url });
      await onRedis(app);
      await write(app);
      const report = await untilHealth(app, 'writes READONLY', (r) => r.details.cache.redis.writes.ok === false);
      figures.readonly = report.details.cache.redis.writes;
      expect(report.degraded).toBe(true);
      expect(report.details.cache.degradedReasons).toEqual(['writes-READONLY']);
      expect(report.details.cache.redis.writes).toMatchObject({ ok: false, reason: 'READONLY' });
      expect(await metric(app, /^mc_redis_write_failures_total\{reason="READONLY"\} (\d+)/m)).toBeGreaterThanOrEqual(1);

      await redisCli(replica.port, ['REPLICAOF', 'NO', 'ONE']);
      await write(app);
      const healed = await untilHealth(app, 'writes ok after promotion', (r) => r.details.cache.redis.writes.ok);
      expect(healed.degraded).toBe(false);
    } finally {
      await replica.stop();
      await primary.stop();
    }
  }, 60_000);

  it('a wrong password: degraded with auth AUTH (not just "socket closed"); healthy once Redis takes the password', async () => {
    const RIGHT = 'right-password-7c1e-0123456789';
    const WRONG = 'wrong-password-4b2d-0123456789';
    const redis = await RedisServer.start(['--requirepass', RIGHT]);
    try {
      const app = await startApp({ ...QUIET, REDIS_URL: redis.url, REDIS_PASSWORD: WRONG, REDIS_CONNECT_TIMEOUT_MS: '500' });
      const report = await untilHealth(app, 'auth refused', (r) => r.details.cache.redis.auth.ok === false);
      const cache = report.details.cache;
      figures.auth = cache.redis.auth;
      expect(report.degraded).toBe(true);
      expect(cache.degradedReasons).toEqual(expect.arrayContaining(['backend-memory', 'auth']));
      expect(cache.redis.auth).toMatchObject({ ok: false, reason: 'AUTH' });
      expect(cache.redis.auth.message).toMatch(/WRONGPASS|invalid username-password/);
      expect(JSON.stringify(report)).not.toContain(WRONG);
      expect(JSON.stringify(report)).not.toContain(RIGHT);
      expect(await metric(app, /^mc_redis_write_failures_total\{reason="AUTH"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
      expect(await metric(app, /^mc_redis_auth_ok (\d+)/m)).toBe(0);

      // The operator fixes the server side: the client's next reconnect gets in.
      await redisCli(redis.port, ['--no-auth-warning', '-a', RIGHT, 'CONFIG', 'SET', 'requirepass', WRONG]);
      const healed = await untilHealth(app, 'auth ok again', (r) => r.details.cache.redis.auth.ok && r.details.cache.backend === 'redis', 20_000);
      expect(healed.degraded).toBe(false);
      expect(await metric(app, /^mc_redis_auth_ok (\d+)/m)).toBe(1);
    } finally {
      await redis.stop();
    }
  }, 60_000);

  it('a client reset (a connection out of step, replaced): degraded with recent-reset for a minute, counted in /metrics', async () => {
    const redis = await RedisServer.start();
    try {
      const app = await startApp({ ...QUIET, REDIS_URL: redis.url });
      await onRedis(app);
      // What the topology does when a reply cannot be right (the desync tests drive it with a corrupting proxy).
      app.get(RedisConnection).client!.reset('protocol-error');
      const report = await untilHealth(app, 'recent reset', (r) => r.details.cache.degradedReasons.includes('recent-reset'));
      expect(report.degraded).toBe(true);
      expect(await metric(app, /^mc_redis_client_resets_total\{reason="protocol-error"\} (\d+)/m)).toBe(1);
    } finally {
      await redis.stop();
    }
  }, 30_000);

  it('no password where one is required (NOAUTH on every command): degraded with auth AUTH', async () => {
    const redis = await RedisServer.start(['--requirepass', 'needed-password-0123456789']);
    try {
      const app = await startApp({ ...QUIET, REDIS_URL: redis.url });
      const report = await untilHealth(app, 'auth refused', (r) => r.details.cache.redis.auth.ok === false);
      expect(report.degraded).toBe(true);
      expect(report.details.cache.degradedReasons).toContain('auth');
      expect(report.details.cache.redis.auth.message).toMatch(/NOAUTH/);
    } finally {
      await redis.stop();
    }
  }, 30_000);
});
