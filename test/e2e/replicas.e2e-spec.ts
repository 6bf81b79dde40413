import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CacheKeys, CacheService, RedisConnection } from '../../src/cache';
import type { Bar } from '../../src/market-data/market-data.types';
import { SyntheticMarketDataProvider } from '../../src/market-data/providers/synthetic.provider';
import { startApp } from '../support/app.builder';
import { waitUntil } from '../support/cache.builder';
import { quantile } from '../support/latency';
import { PolygonMockServer } from '../support/polygon-mock.server';
import { RedisServer } from '../support/redis-server';

/**
 * Two real app instances (two replicas) sharing one private Redis and one REDIS_PREFIX, over a
 * local Polygon-format upstream that counts its requests: a stampede on one cold symbol reaches
 * the upstream once; an invalidation on A is never followed by a stale read on B once the bus
 * message has arrived (its latency is measured and printed).
 */

const API_KEY = 'replicas-key';
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'JPM'];
const PER_REPLICA = 200;
const ROUNDS = 120;
// Generous for a loaded machine: these tests are about correctness, not speed. (A 100 ms L2 deadline
// can expire under load, and a replica that cannot reach Redis in time computes on its own.)
const TOLERANT = { CACHE_L2_TIMEOUT_MS: '1000', CACHE_LOCK_LEASE_MS: '15000', CACHE_LOCK_WAIT_MS: '15000' };

const figures: Record<string, string | number> = {};
afterAll(() => console.log(`replica e2e figures: ${JSON.stringify(figures)}`));

let redis: RedisServer;
const history = new Map<string, Bar[]>();
const mocks: PolygonMockServer[] = [];

// Apps are closed by app.builder's afterEach (registered first, so it runs first); Redis after all.
beforeAll(async () => {
  redis = await RedisServer.start();
  const generator = new SyntheticMarketDataProvider({ seed: 11, universeSize: 600 });
  for (const symbol of SYMBOLS) history.set(symbol, await generator.getHistory(symbol, { interval: '1d', period: '1mo' }));
});
afterEach(async () => {
  await Promise.all(mocks.splice(0).map((mock) => mock.close()));
});
afterAll(async () => {
  await redis.stop();
});

async function upstream(latencyMs: number): Promise<PolygonMockServer> {
  const mock = await PolygonMockServer.start({ apiKey: API_KEY, latencyMs });
  for (const [symbol, bars] of history) mock.setBars(symbol, bars);
  mocks.push(mock);
  return mock;
}

/** Two replicas on one Redis and one prefix; resolves once both reach Redis and hear the bus. */
async function twoReplicas(mock: PolygonMockServer): Promise<[NestFastifyApplication, NestFastifyApplication]> {
  const env = {
    REDIS_ENABLED: 'true',
    REDIS_URL: redis.url,
    REDIS_PREFIX: `rep${Math.random().toString(36).slice(2, 8)}:`,
    MARKET_DATA_PROVIDER: 'polygon',
    POLYGON_BASE_URL: mock.baseUrl,
    POLYGON_API_KEY: API_KEY,
    UPSTREAM_MAX_RETRIES: '0',
    ...TOLERANT,
  };
  const apps: [NestFastifyApplication, NestFastifyApplication] = [await startApp(env), await startApp(env)];
  for (const app of apps) {
    const connection = app.get(RedisConnection);
    await waitUntil(() => connection.remote?.available === true && connection.busState === 'up', 10_000);
  }
  return apps;
}

/** Polls on every turn of the event loop (finer than a timer), so propagation is measured to the ms. */
async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`not propagated within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Requests the mock received for one ticker (aggregates, details, ...). */
const callsFor = (mock: PolygonMockServer, ticker: string) =>
  mock.requests.filter((r) => new URL(r.url, mock.baseUrl).pathname.split('/').includes(ticker)).length;

describe('two app replicas sharing one Redis, over a Polygon-format upstream', () => {
  it(`2 × ${PER_REPLICA} concurrent GETs of one cold symbol reach the upstream once`, async () => {
    // 50 ms upstream latency keeps the first call in flight while the other 399 arrive.
    const mock = await upstream(50);
    const [a, b] = await twoReplicas(mock);
    const url = '/api/v1/market/prices/MSFT';

    const responses = await Promise.all(Array.from({ length: 2 * PER_REPLICA }, (_, i) => (i % 2 === 0 ? a : b).inject({ method: 'GET', url })));

    expect(responses.filter((r) => r.statusCode !== 200).map((r) => r.statusCode)).toEqual([]);
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    expect(responses[0].json()).toMatchObject({ symbol: 'MSFT', price: history.get('MSFT')?.at(-1)?.close });
    expect(callsFor(mock, 'MSFT')).toBe(1);
    expect(mock.calls).toBe(1);
    const xCache: Record<string, number> = {};
    for (const r of responses) xCache[String(r.headers['x-cache'])] = (xCache[String(r.headers['x-cache'])] ?? 0) + 1;
    figures.stampedeUpstreamCalls = callsFor(mock, 'MSFT');
    figures.stampedeXCache = JSON.stringify(xCache);
  });

  it(`an invalidation on A is never followed by a stale read on B after the bus latency (${ROUNDS} rounds)`, async () => {
    const mock = await upstream(0);
    const [a, b] = await twoReplicas(mock);
    const [cacheA, cacheB] = [a.get(CacheService), b.get(CacheService)];
    const symbol = 'NVDA';
    const url = `/api/v1/market/prices/${symbol}`;
    const bars = history.get(symbol) as Bar[];
    const priceOnB = async () => (await b.inject({ method: 'GET', url })).json<{ price: number }>().price;
    expect(await priceOnB()).toBe(bars.at(-1)?.close);

    const key = CacheKeys.price(symbol);
    const closeOf = (round: number) => Math.round((bars[bars.length - 1].close + round) * 100) / 100;
    const deleteMs: number[] = [];
    const setMs: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // The upstream moves on; B still holds the previous quote (HTTP response and price) in its L1.
      mock.setBars(symbol, [...bars.slice(0, -1), { ...bars[bars.length - 1], close: closeOf(round) }]);
      expect((await cacheB.get<{ price: number }>(key))?.price).toBe(closeOf(round - 1));

      // (1) Delete on A: B's L1 copy must go; B then reads through to the upstream (the new quote).
      const deleted = performance.now();
      await cacheA.deleteByPattern('v1:price:*');
      await until(async () => (await cacheB.get(key)) === undefined);
      deleteMs.push(performance.now() - deleted);
      for (let read = 0; read < 3; read++) expect(await priceOnB()).toBe(closeOf(round));

      // (2) A new value written on A: B must serve it, not its L1 copy of the old one.
      const quote = { ...(await cacheB.get<Record<string, unknown>>(key)), marker: round };
      const written = performance.now();
      await cacheA.set('price', key, quote);
      await until(async () => (await cacheB.get<{ marker?: number }>(key))?.marker === round);
      setMs.push(performance.now() - written);
      for (let read = 0; read < 3; read++) expect(await cacheB.get(key)).toEqual(quote);
    }

    // Long after the bus latency, B never serves an old quote again.
    const p99 = Math.max(quantile(deleteMs, 0.99), quantile(setMs, 0.99));
    await new Promise((r) => setTimeout(r, Math.max(50, 2 * p99)));
    for (let read = 0; read < 20; read++) {
      expect(await priceOnB()).toBe(closeOf(ROUNDS));
      expect((await cacheB.get<{ marker: number }>(key))?.marker).toBe(ROUNDS);
    }

    Object.assign(figures, {
      rounds: ROUNDS,
      deletePropagationP50Ms: quantile(deleteMs, 0.5).toFixed(2),
      deletePropagationP99Ms: quantile(deleteMs, 0.99).toFixed(2),
      setPropagationP50Ms: quantile(setMs, 0.5).toFixed(2),
      setPropagationP99Ms: quantile(setMs, 0.99).toFixed(2),
      upstreamCalls: mock.calls,
    });
  }, 120_000);
});
