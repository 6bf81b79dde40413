import { PassThrough } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createClient } from '@redis/client';
import { AlertFiring } from '../../src/alerts/alert-firing.service';
import { AlertPricePoller } from '../../src/alerts/alert-price-poller.service';
import type { Alert } from '../../src/alerts/alert-rules';
import { RedisConnection } from '../../src/cache';
import { AdminClient } from '../../src/cli/admin-client';
import { clearCommand } from '../../src/cli/commands/clear.command';
import type { Quote } from '../../src/market-data/market-data.types';
import { PriceFeed } from '../../src/market-data/price-feed';
import { SignalsSchedule } from '../../src/signals/signals-schedule.service';
import type { Screening } from '../../src/signals/signals.dto';
import { StateConnection } from '../../src/state/state-connection';
import { startApp } from '../support/app.builder';
import { waitUntil } from '../support/cache.builder';
import { freePort } from '../support/free-port';
import { RedisServer } from '../support/redis-server';

/**
 * State is not cache (issue 14, item 5), through the real app and private `redis-server`s: an
 * alert and a stored screening survive `DELETE /admin/cache/keys?pattern=*` (the alert still
 * fires), a dry run counts and deletes nothing, the CLI shows the count before it asks,
 * STATE_REDIS_URL puts state on its own Redis, and a symbol can be invalidated by an operator.
 */

const KEY = 'state-namespace-e2e-key-0123456789';
const SIGNALS = {
  SYNTHETIC_UNIVERSE_SIZE: '800',
  SIGNALS_UNIVERSE: 'energy',
  SIGNALS_MIN_CONFIDENCE_PERCENT: '0',
  SIGNALS_REFRESH_INTERVAL_MS: '600000',
};
const figures: Record<string, number | string> = {};
afterAll(() => console.log(`state namespace e2e figures: ${JSON.stringify(figures)}`));

type Redis = ReturnType<typeof createClient>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const admin = (app: NestFastifyApplication, method: 'GET' | 'DELETE', url: string, key: string | null = KEY) =>
  app.inject({ method, url: `/api/v1/admin/cache/${url}`, headers: key === null ? {} : { 'x-api-key': key } });

async function keysOf(client: Redis, match: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of client.scanIterator({ MATCH: match, COUNT: 1000 })) keys.push(...(page as unknown as string[]));
  return keys.sort();
}

/** A running app on `cacheRedis` (and `stateRedis` when given), with Redis connected. */
async function appOn(cacheRedis: RedisServer, prefix: string, extra: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const app = await startApp({
    ...SIGNALS,
    ADMIN_API_KEY: KEY,
    ADMIN_RATE_LIMIT_PER_MINUTE: '100000',
    REDIS_ENABLED: 'true',
    REDIS_URL: cacheRedis.url,
    REDIS_PREFIX: prefix,
    CACHE_L2_TIMEOUT_MS: '1000',
    ALERTS_POLL_INTERVAL_MS: '0',
    WARMUP_ON_BOOT: 'false',
    WARMUP_CRON: 'off',
    ...extra,
  });
  await waitUntil(() => app.get(RedisConnection).remote?.available === true && app.get(StateConnection).client?.isReady === true, 10_000);
  return app;
}

/** Cache entries in L2: a few routes, then wait for the background L2 writes to land. */
async function fillCache(app: NestFastifyApplication, client: Redis, prefix: string): Promise<number> {
  for (const symbol of ['AAPL', 'MSFT', 'NVDA', 'JPM']) {
    await app.inject({ method: 'GET', url: `/api/v1/market/prices/${symbol}` });
    await app.inject({ method: 'GET', url: `/api/v1/market/info/${symbol}` });
    await app.inject({ method: 'GET', url: `/api/v1/scores/${symbol}` });
  }
  let count = 0;
  await waitUntil(async () => {
    const now = (await keysOf(client, `${prefix}v*`)).length;
    const settled = now > 0 && now === count;
    count = now;
    return settled;
  }, 10_000);
  return count;
}

describe('state is not cache (private Redis)', () => {
  let redis: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = createClient({ url: redis.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await redis?.stop();
  });

  it('DELETE keys?pattern=* removes every cache key and no state: the alert still reads and fires, the screening is still served', async () => {
    const prefix = `st${Math.random().toString(36).slice(2, 8)}:`;
    const app = await appOn(redis, prefix);
    const price = (await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' })).json<Quote>().price;
    const alert = (await app.inject({ method: 'POST', url: '/api/v1/alerts', payload: { symbol: 'AAPL', condition: 'above', price: Math.round(price * 150) / 100, ttlSeconds: 3600 } })).json<Alert>();
    const active = (await app.inject({ method: 'GET', url: '/api/v1/signals/active' })).json<Screening>();
    await fillCache(app, client, prefix);
    const cacheKeys = (await keysOf(client, `${prefix}*`)).filter((k) => !k.startsWith(`${prefix}state:`));
    const stateKeys = await keysOf(client, `${prefix}state:*`);
    expect(stateKeys).toEqual(expect.arrayContaining([`${prefix}state:{alerts}:a:${alert.id}`, `${prefix}state:{alerts}:live`, `${prefix}state:{screening}:r:${active.date}`]));

    // Dry run: the count and a sample, nothing deleted.
    const dry = await admin(app, 'DELETE', 'keys?pattern=*&dryRun=true');
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ deleted: 0, dryRun: true, wouldDelete: cacheKeys.length });
    expect(dry.json().sample).toHaveLength(Math.min(20, cacheKeys.length));
    for (const key of dry.json().sample as string[]) expect(cacheKeys).toContain(`${prefix}${key}`);
    expect((await keysOf(client, `${prefix}*`)).length).toBe(cacheKeys.length + stateKeys.length);
    // Listing and counting never show state either.
    const listed = await admin(app, 'GET', 'keys?pattern=*&count=1000');
    expect((listed.json().keys as string[]).filter((k) => k.startsWith('state:'))).toEqual([]);
    expect((await admin(app, 'DELETE', 'keys?pattern=state:*&dryRun=true')).json().wouldDelete).toBe(0);

    const cleared = await admin(app, 'DELETE', 'keys?pattern=*');
    expect(cleared.json()).toEqual({ deleted: cacheKeys.length });
    figures.keysDeletedByStar = cacheKeys.length;
    figures.stateKeysLeft = stateKeys.length;
    expect(await keysOf(client, `${prefix}*`)).toEqual(stateKeys);
    expect((await admin(app, 'DELETE', 'keys?pattern=state:*')).json()).toEqual({ deleted: 0 });

    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${alert.id}` })).json()).toEqual(alert);
    const screening = await app.inject({ method: 'GET', url: `/api/v1/screening/${active.date}` });
    expect(screening.statusCode).toBe(200);
    expect(screening.json()).toEqual(active);

    // The alert still fires on the next quote that crosses it, once.
    while (Date.now() <= Date.parse(alert.createdAt)) await sleep(1);
    expect(await app.get(AlertPricePoller).poll()).toEqual(['AAPL']);
    app.get(PriceFeed).publish({ ...(await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' })).json<Quote>(), price: price * 2 });
    await app.get(AlertFiring).whenIdle();
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${alert.id}` })).json()).toMatchObject({ status: 'fired' });
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/^mc_alerts_fired_total 1$/m);
  }, 60_000);

  it('state keys carry no Redis expiry (volatile-* eviction never picks them); an expiring alert still ends on time', async () => {
    const prefix = `sx${Math.random().toString(36).slice(2, 8)}:`;
    const app = await appOn(redis, prefix);
    const alert = (await app.inject({ method: 'POST', url: '/api/v1/alerts', payload: { symbol: 'MSFT', condition: 'above', price: 1e6, ttlSeconds: 1 } })).json<Alert>();
    const active = (await app.inject({ method: 'GET', url: '/api/v1/signals/active' })).json<Screening>();
    for (const key of [`${prefix}state:{alerts}:a:${alert.id}`, `${prefix}state:{alerts}:live`, `${prefix}state:{alerts}:owners`, `${prefix}state:{screening}:r:${active.date}`, `${prefix}state:{screening}:index`]) {
      expect({ key, pttl: await client.pTTL(key) }).toEqual({ key, pttl: -1 });
    }
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${alert.id}` })).statusCode).toBe(200);
    await sleep(1100);
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${alert.id}` })).json()).toMatchObject({ status: 'expired' });
    // Listing (every poll does) takes it out of the live alerts; its record stays for the history retention.
    await app.get(AlertPricePoller).poll();
    expect(await client.hExists(`${prefix}state:{alerts}:live`, alert.id)).toBeFalsy();
    expect(await client.hGet(`${prefix}state:{alerts}:a:${alert.id}`, 'status')).toBe('expired');
  }, 60_000);

  it('alerts of the old layouts (under the cache prefix; under the state prefix without owner or status) are moved into the current one on the first read, once', async () => {
    const prefix = `sl${Math.random().toString(36).slice(2, 8)}:`;
    const now = Date.now();
    const legacy = (id: string, expiresAt: string | null) => ({
      id, symbol: 'AAPL', condition: 'above', price: 1e6, percent: null, referencePrice: 100, createdAt: new Date(now - 60_000).toISOString(), expiresAt, webhookUrl: null,
    });
    const live = legacy('0b7c1e52-4a55-4e63-9f7e-2f1d1b7f6c11', null);
    const expired = legacy('1c8d2f63-5b66-4f74-8a8f-3a2e2c8a7d22', new Date(now - 1000).toISOString());
    for (const alert of [live, expired]) await client.set(`${prefix}{alerts}:alert:${alert.id}`, JSON.stringify(alert));
    await client.sAdd(`${prefix}{alerts}:ids`, [live.id, expired.id]);
    // The state layout before owners and statuses: `{ expiresAtMs, alert }` under the state prefix.
    const stateV1 = legacy('2d9e3a74-6c77-4a85-9b90-4b3f3d9b8e33', new Date(now + 600_000).toISOString());
    await client.set(`${prefix}state:{alerts}:alert:${stateV1.id}`, JSON.stringify({ expiresAtMs: now + 600_000, alert: stateV1 }));
    await client.sAdd(`${prefix}state:{alerts}:ids`, [stateV1.id]);

    const app = await appOn(redis, prefix);
    const moved = (await app.inject({ method: 'GET', url: `/api/v1/alerts/${live.id}` })).json<Alert>();
    // Registered before callers had names: anonymous's; without expiry: the longest one.
    expect(moved).toMatchObject({ ...live, owner: 'anonymous', status: 'active', expiresAt: expect.any(String) });
    expect(Date.parse(moved.expiresAt) - now).toBeGreaterThan(29 * 86_400_000);
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${stateV1.id}` })).json()).toMatchObject({ ...stateV1, owner: 'anonymous', status: 'active' });
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${expired.id}` })).statusCode).toBe(404);
    expect(await keysOf(client, `${prefix}*`)).toEqual(
      [`${prefix}state:{alerts}:a:${live.id}`, `${prefix}state:{alerts}:a:${stateV1.id}`, `${prefix}state:{alerts}:live`, `${prefix}state:{alerts}:owners`].sort(),
    );
    // A pattern delete after the move leaves it alone like any other alert.
    await admin(app, 'DELETE', 'keys?pattern=*');
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${live.id}` })).statusCode).toBe(200);
  }, 60_000);

  it('the CLI shows the count from a dry run before it asks, and needs --yes with --json or without a terminal', async () => {
    const prefix = `sc${Math.random().toString(36).slice(2, 8)}:`;
    const app = await appOn(redis, prefix);
    await fillCache(app, client, prefix);
    // Quotes and the price routes' HTTP responses.
    const prices = (await keysOf(client, `${prefix}v1:price:*`)).length;
    expect(prices).toBeGreaterThanOrEqual(4);
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    const cli = new AdminClient({ url: `http://127.0.0.1:${port}`, apiKey: KEY, timeoutMs: 10_000 });
    const run = async (json: boolean, yes: boolean, answer?: string) => {
      const [out, err] = [new PassThrough(), new PassThrough()];
      const text = { out: '', err: '' };
      out.on('data', (d: Buffer) => (text.out += d.toString()));
      err.on('data', (d: Buffer) => (text.err += d.toString()));
      const input = Object.assign(new PassThrough(), { isTTY: answer !== undefined });
      // The answer arrives once the question has been asked (after the count).
      err.on('data', () => text.err.includes('[y/N]') && answer !== undefined && input.write(`${answer}\n`));
      const code = await clearCommand(cli, { out, err, json, quiet: true }, 'v1:price:*', { yes }, input).catch((error: { exitCode: number; message: string }) => {
        text.err += error.message;
        return error.exitCode;
      });
      return { code, ...text };
    };

    const declined = await run(false, false, 'n');
    expect(declined.code).toBe(1);
    expect(declined.err).toMatch(new RegExp(`^${prices} keys matching "v1:price:\\*" on http://127\\.0\\.0\\.1:${port}, e\\.g\\. v1:price:`));
    expect(declined.err.indexOf(`${prices} keys`)).toBeLessThan(declined.err.indexOf('[y/N]'));
    expect(declined.err).toContain(`Delete ${prices} keys matching "v1:price:*"`);
    const scripted = await run(true, false, 'y');
    expect(scripted.code).toBe(2);
    expect(scripted.err).toContain(`Refusing to delete ${prices} keys matching "v1:price:*" without --yes`);
    const noTerminal = await run(false, false);
    expect(noTerminal.code).toBe(2);
    expect((await keysOf(client, `${prefix}v1:price:*`)).length).toBe(prices);

    const confirmed = await run(false, false, 'y');
    expect(confirmed).toMatchObject({ code: 0, out: `Deleted ${prices} keys (every key matching "v1:price:*")\n` });
    expect(await keysOf(client, `${prefix}v1:price:*`)).toEqual([]);
    const nothing = await run(false, false, 'y');
    expect(nothing).toMatchObject({ code: 0, out: 'No keys match "v1:price:*"; nothing deleted\n' });
  }, 60_000);

  it('DELETE symbols/{symbol}: 401 without the key, 400 naming the problem, 200 with what went', async () => {
    const prefix = `sy${Math.random().toString(36).slice(2, 8)}:`;
    const app = await appOn(redis, prefix);
    await fillCache(app, client, prefix);
    expect((await admin(app, 'DELETE', 'symbols/AAPL', null)).statusCode).toBe(401);
    expect((await admin(app, 'DELETE', 'symbols/AAPL', 'wrong-key-0123456789')).statusCode).toBe(401);
    for (const bad of ['AA*PL', '%20', 'ABCDEFGHIJKLMNOPQ', '.AAPL']) {
      const response = await admin(app, 'DELETE', `symbols/${bad}`);
      expect({ bad, status: response.statusCode }).toEqual({ bad, status: 400 });
      expect([response.json().message].flat().join(' ')).toMatch(/symbol must be 1-15 characters/);
    }
    const before = (await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' })).headers['x-cache'];
    expect(before).toMatch(/^HIT/);

    const response = await admin(app, 'DELETE', 'symbols/aapl');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ symbol: 'AAPL', deleted: expect.any(Number) });
    expect(response.json().deleted).toBeGreaterThan(0);
    figures.symbolEntriesDeleted = response.json().deleted;
    expect((await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' })).headers['x-cache']).toBe('MISS');
    expect((await app.inject({ method: 'GET', url: '/api/v1/market/prices/MSFT' })).headers['x-cache']).toMatch(/^HIT/);
  }, 60_000);
});

describe('STATE_REDIS_URL: state on a Redis of its own', () => {
  let cacheRedis: RedisServer;
  let stateRedis: RedisServer;
  let cacheClient: Redis;
  let stateClient: Redis;

  beforeAll(async () => {
    [cacheRedis, stateRedis] = await Promise.all([RedisServer.start(), RedisServer.start()]);
    cacheClient = createClient({ url: cacheRedis.url });
    stateClient = createClient({ url: stateRedis.url });
    await Promise.all([cacheClient.connect(), stateClient.connect()]);
  });
  afterAll(async () => {
    await Promise.all([cacheClient?.close(), stateClient?.isOpen ? stateClient.close().catch(() => undefined) : undefined]);
    await Promise.all([cacheRedis?.stop(), stateRedis?.stop()]);
  });

  it('alerts, screenings and scheduling leases land on the state Redis, cache entries and the stampede lease on the cache Redis', async () => {
    const prefix = `ss${Math.random().toString(36).slice(2, 8)}:`;
    const app = await appOn(cacheRedis, prefix, { STATE_REDIS_URL: stateRedis.url });
    expect(app.get(StateConnection).backend).toBe('state-redis');
    const alert = (await app.inject({ method: 'POST', url: '/api/v1/alerts', payload: { symbol: 'AAPL', condition: 'above', price: 1e6, ttlSeconds: 3600 } })).json<Alert>();
    expect(await app.get(SignalsSchedule).tick()).toBe(true);
    const date = (await app.inject({ method: 'GET', url: '/api/v1/signals/active' })).json<Screening>().date;
    await fillCache(app, cacheClient, prefix);

    const onState = await keysOf(stateClient, '*');
    expect(onState).toEqual(
      [
        `${prefix}state:lease:signals`,
        `${prefix}state:{alerts}:a:${alert.id}`,
        `${prefix}state:{alerts}:live`,
        `${prefix}state:{alerts}:owners`,
        `${prefix}state:{screening}:index`,
        `${prefix}state:{screening}:r:${date}`,
      ].sort(),
    );
    const onCache = await keysOf(cacheClient, '*');
    expect(onCache.length).toBeGreaterThan(0);
    expect(onCache.filter((k) => k.startsWith(`${prefix}state:`) && !k.startsWith(`${prefix}state:lock:`))).toEqual([]);
    figures.stateRedisKeys = onState.length;
    figures.cacheRedisKeys = onCache.length;

    // The state Redis gone: alerts answer 503 (no second copy in memory), the cache keeps serving.
    stateClient.on('error', () => undefined);
    await stateRedis.kill();
    await waitUntil(() => app.get(StateConnection).client?.isReady === false, 5000);
    expect((await app.inject({ method: 'GET', url: `/api/v1/alerts/${alert.id}` })).statusCode).toBe(503);
    expect((await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' })).statusCode).toBe(200);
  }, 60_000);

  it('rejects a STATE_REDIS_URL that is not a redis:// URL, naming the variable', async () => {
    await expect(startApp({ REDIS_ENABLED: 'true', STATE_REDIS_URL: 'http://nope' })).rejects.toThrow(/STATE_REDIS_URL must look like redis:\/\/host:port/);
  });
});
