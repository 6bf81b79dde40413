import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createClient } from '@redis/client';
import type { Alert } from '../../src/alerts/alert-rules';
import { AlertStore } from '../../src/alerts/alert-store';
import { createApp } from '../../src/bootstrap';
import { RedisConnection } from '../../src/cache';
import { StateConnection } from '../../src/state/state-connection';
import { waitUntil } from '../support/cache.builder';
import { LatencyProxy } from '../support/latency-proxy';
import { RedisServer } from '../support/redis-server';

/**
 * Idempotent writes (issue 20) through the real app, on memory and on a private redis-server whose
 * state connection goes through a latency proxy: a repeated Idempotency-Key replays the first
 * answer and never stores a second alert; another request under the key is a 422; a repeat while
 * the first runs is a 409; a write Redis did not confirm in time answers 503 OUTCOME_UNKNOWN (and
 * it does land afterwards), and its retry with the same key leaves exactly one alert.
 */

const figures: Record<string, string | number> = {};
afterAll(() => console.log(`idempotency e2e figures: ${JSON.stringify(figures)}`));

const KEYS = { alice: 'alice-secret-0000000001', bob: 'bob-secret-00000000001' } as const;
type Who = keyof typeof KEYS;
const CREDENTIALS = `alice:alerts:${KEYS.alice},bob:alerts:${KEYS.bob}`;
const MOVE = { symbol: 'AAPL', condition: 'move', percent: 5, ttlSeconds: 3600 };

const apps: NestFastifyApplication[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(env: Record<string, string>): Promise<NestFastifyApplication> {
  const { app } = await createApp({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    REDIS_PREFIX: `id${Math.random().toString(36).slice(2, 8)}:`,
    CACHE_L2_TIMEOUT_MS: '1000',
    CLIENT_CREDENTIALS: CREDENTIALS,
    ALERTS_POLL_INTERVAL_MS: '0',
    ...env,
  });
  apps.push(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const post = (app: NestFastifyApplication, who: Who, key: string | undefined, payload: object = MOVE) =>
  app.inject({ method: 'POST', url: '/api/v1/alerts', headers: { 'x-api-key': KEYS[who], ...(key === undefined ? {} : { 'idempotency-key': key }) }, payload });
const live = async (app: NestFastifyApplication) => (await app.get(AlertStore).list()).length;

describe('Idempotency-Key on memory (REDIS_ENABLED=false)', () => {
  it('replays the first answer, never stores twice, and refuses a key reused for another request or malformed', async () => {
    const app = await start({ REDIS_ENABLED: 'false' });
    const first = await post(app, 'alice', 'order-1');
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post(app, 'alice', 'order-1');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json<Alert>()).toEqual(first.json<Alert>());
    expect(await live(app)).toBe(1);

    // Another caller's key space is its own.
    const bobs = await post(app, 'bob', 'order-1');
    expect(bobs.statusCode).toBe(201);
    expect(bobs.json<Alert>().id).not.toBe(first.json<Alert>().id);
    expect(await live(app)).toBe(2);

    const other = await post(app, 'alice', 'order-1', { ...MOVE, percent: 6 });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ error: 'IDEMPOTENCY_KEY_REUSED' });
    for (const bad of ['', 'x'.repeat(129), 'has space', 'semi;colon']) {
      const refused = await post(app, 'alice', bad);
      expect(refused.statusCode).toBe(400);
    }
    expect(await live(app)).toBe(2);

    // A failed first request frees its key: a 400 then the corrected request under the same key.
    const invalid = await post(app, 'alice', 'order-2', { symbol: 'AAPL', condition: 'move', percent: 5 });
    expect(invalid.statusCode).toBe(400);
    expect((await post(app, 'alice', 'order-2', { symbol: 'AAPL', condition: 'move', percent: 5 })).statusCode).toBe(400);

    // DELETE: the repeat replays the 204 rather than a 409 "no longer active".
    const id = first.json<Alert>().id;
    const del = (key: string) => app.inject({ method: 'DELETE', url: `/api/v1/alerts/${id}`, headers: { 'x-api-key': KEYS.alice, 'idempotency-key': key } });
    expect((await del('del-1')).statusCode).toBe(204);
    const replayed = await del('del-1');
    expect(replayed.statusCode).toBe(204);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect((await del('del-2')).statusCode).toBe(409);
  });
});

describe('Idempotency-Key on the admin writes', () => {
  it('a repeated admin delete replays its first answer; a different path under the key is a 422', async () => {
    const admin = 'admin-secret-000000000001';
    const app = await start({ REDIS_ENABLED: 'false', ADMIN_API_KEY: admin });
    const del = (path: string, key: string) => app.inject({ method: 'DELETE', url: `/api/v1/admin/cache/${path}`, headers: { 'x-api-key': admin, 'idempotency-key': key } });
    const first = await del('symbols/AAPL', 'purge-1');
    expect(first.statusCode).toBe(200);
    const again = await del('symbols/AAPL', 'purge-1');
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await del('symbols/MSFT', 'purge-1')).statusCode).toBe(422);
  });
});

describe('Idempotency-Key on Redis, state through a latency proxy', () => {
  let redis: RedisServer;
  let proxy: LatencyProxy;
  beforeAll(async () => {
    redis = await RedisServer.start();
    proxy = await LatencyProxy.start(redis.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await redis?.stop();
  });
  beforeEach(() => {
    proxy.latencyMs = 0;
  });

  const startOnRedis = async () => {
    const app = await start({ REDIS_ENABLED: 'true', REDIS_URL: redis.url, STATE_REDIS_URL: proxy.url });
    await waitUntil(() => app.get(RedisConnection).remote?.available === true && app.get(StateConnection).client?.isReady === true, 10_000);
    return app;
  };

  it('a repeat while the first runs is a 409; after it, the first answer', async () => {
    const app = await startOnRedis();
    proxy.latencyMs = 100;
    const [a, b] = await Promise.all([post(app, 'alice', 'twin'), post(app, 'alice', 'twin')]);
    const statuses = [a.statusCode, b.statusCode].sort();
    figures.concurrentStatuses = statuses.join(',');
    expect(statuses).toEqual([201, 409]);
    const conflict = a.statusCode === 409 ? a : b;
    expect(conflict.json()).toMatchObject({ error: 'IDEMPOTENCY_KEY_IN_FLIGHT' });
    expect(conflict.headers['retry-after']).toBe('1');
    proxy.latencyMs = 0;
    const later = await post(app, 'alice', 'twin');
    expect(later.statusCode).toBe(201);
    expect(later.headers['idempotent-replayed']).toBe('true');
    expect(await live(app)).toBe(1);
  });

  it('a write Redis did not confirm in time is a 503 OUTCOME_UNKNOWN (it lands later); its keyed retry leaves one alert', async () => {
    const app = await startOnRedis();
    const store = app.get(AlertStore);
    const add = store.add.bind(store);
    // Slow Redis exactly while the alert is written (the key's claim and the lookups before it run at full speed).
    const spy = jest.spyOn(store, 'add').mockImplementation(async (...args) => {
      proxy.latencyMs = 700;
      return add(...args);
    });
    const started = Date.now();
    const unknown = await post(app, 'alice', 'slow-1');
    figures.unknownMs = Date.now() - started;
    proxy.latencyMs = 0;
    spy.mockRestore();
    expect(unknown.statusCode).toBe(503);
    expect(unknown.json()).toMatchObject({ error: 'OUTCOME_UNKNOWN' });
    expect(unknown.json<{ message: string }>().message).toMatch(/retry with the same Idempotency-Key/);
    expect(unknown.headers['retry-after']).toBe('1');

    // The write was applied after the 503 (what issue 20 saw under Sentinel): "unknown" was the truth.
    const direct = createClient({ url: redis.url });
    await direct.connect();
    try {
      const prefix = app.get(StateConnection).keyPrefix;
      await waitUntil(async () => (await direct.hLen(`${prefix}{alerts}:live`)) === 1, 5_000);
    } finally {
      await direct.close();
    }

    // The retry (once the first attempt's claim is released) answers the alert that landed; none is added.
    let retry = await post(app, 'alice', 'slow-1');
    for (let i = 0; i < 50 && retry.statusCode === 409; i++) {
      await new Promise((r) => setTimeout(r, 100));
      retry = await post(app, 'alice', 'slow-1');
    }
    expect(retry.statusCode).toBe(201);
    expect(await live(app)).toBe(1);
    const again = await post(app, 'alice', 'slow-1');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json<Alert>().id).toBe(retry.json<Alert>().id);
    expect(await live(app)).toBe(1);
  });

  it('without a key, a write Redis did not confirm in time still says OUTCOME_UNKNOWN, never "retry shortly"', async () => {
    const app = await startOnRedis();
    const store = app.get(AlertStore);
    const add = store.add.bind(store);
    const spy = jest.spyOn(store, 'add').mockImplementation(async (...args) => {
      proxy.latencyMs = 700;
      return add(...args);
    });
    const answer = await post(app, 'alice', undefined);
    proxy.latencyMs = 0;
    spy.mockRestore();
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toMatchObject({ error: 'OUTCOME_UNKNOWN' });
    expect(answer.json<{ message: string }>().message).toMatch(/send an Idempotency-Key/);
    expect(answer.json<{ message: string }>().message).not.toMatch(/retry shortly/);
  });
});
