import { CacheKeys } from '../../src/cache/cache-keys';
import { CacheBuilder, waitUntil, type BuiltCache } from '../support/cache.builder';
import { quantile } from '../support/latency';
import { RedisServer } from '../support/redis-server';

/** Figures for the closing note and docs/SCALING.md. */
const figures: Record<string, string> = {};
afterAll(() => console.log(`replica figures: ${JSON.stringify(figures)}`));

describe('two replicas sharing one Redis', () => {
  let redis: RedisServer;

  beforeEach(async () => {
    redis = await RedisServer.start();
  });

  afterEach(async () => {
    await redis.stop();
  });

  /** Two caches on one prefix, as two replicas of the service would be. */
  async function replicas(env: Record<string, string> = {}): Promise<[BuiltCache, BuiltCache]> {
    const a = await new CacheBuilder().withRedis(redis.url).withEnv(env).build();
    const b = await new CacheBuilder().withRedis(redis.url).withEnv({ ...env, REDIS_PREFIX: a.prefix }).build();
    await waitUntil(() => a.connection.busState === 'up' && b.connection.busState === 'up', 5000);
    return [a, b];
  }

  it('a write on A drops B\'s L1 copy: no stale read on B after the bus latency', async () => {
    const [a, b] = await replicas();
    const key = CacheKeys.price('COHERENT');
    const propagation: number[] = [];

    for (let version = 0; version < 200; version++) {
      await a.sut.set('price', key, version);
      const written = performance.now();
      await waitUntil(async () => (await b.sut.get(key)) === version, 2000);
      propagation.push(performance.now() - written);
    }
    const p99 = quantile(propagation, 0.99);
    figures.busPropagationP50Ms = quantile(propagation, 0.5).toFixed(2);
    figures.busPropagationP99Ms = p99.toFixed(2);

    // After the bus latency, B never serves the old value again.
    await a.sut.set('price', key, 'final');
    await new Promise((r) => setTimeout(r, Math.max(50, p99 * 2)));
    for (let i = 0; i < 50; i++) expect(await b.sut.get(key)).toBe('final');
    expect(p99).toBeLessThan(100);
  });

  it('pattern and tag invalidations on A reach B\'s L1', async () => {
    const [a, b] = await replicas();
    await a.sut.set('score', CacheKeys.score('AAPL', 'short'), 1, { tags: ['sector:tech'] });
    await a.sut.set('info', CacheKeys.info('AAPL'), 2);
    expect(await b.sut.get(CacheKeys.score('AAPL', 'short'))).toBe(1);
    expect(await b.sut.get(CacheKeys.info('AAPL'))).toBe(2);
    expect(b.stack.local.get(CacheKeys.info('AAPL'))).toBeDefined();

    await a.sut.invalidateTag('sector:tech');
    await a.sut.deleteByPattern('v1:info:*');

    await waitUntil(() => b.stack.local.get(CacheKeys.score('AAPL', 'short')) === undefined, 2000);
    await waitUntil(() => b.stack.local.get(CacheKeys.info('AAPL')) === undefined, 2000);
    expect(await b.sut.get(CacheKeys.info('AAPL'))).toBeUndefined();
  });

  it('2 × 200 concurrent wraps of one cold key run the factory once across both replicas', async () => {
    const [a, b] = await replicas();
    let runs = 0;
    const factory = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 100));
      return 'computed once';
    };
    const key = CacheKeys.price('STAMPEDE');

    const values = await Promise.all([
      ...Array.from({ length: 200 }, () => a.sut.wrap('price', key, factory)),
      ...Array.from({ length: 200 }, () => b.sut.wrap('price', key, factory)),
    ]);

    expect(runs).toBe(1);
    expect(values.every((v) => v === 'computed once')).toBe(true);
  });

  it('computes locally when the lease holder dies without a value', async () => {
    const [a, b] = await replicas({ CACHE_LOCK_LEASE_MS: '300', CACHE_LOCK_WAIT_MS: '3000' });
    const key = CacheKeys.price('ORPHAN');
    // A takes the lease and never finishes (as if it crashed mid-factory).
    const hung = a.sut.wrap('price', key, () => new Promise<string>(() => undefined));
    void hung;
    await new Promise((r) => setTimeout(r, 30));

    const started = performance.now();
    const value = await b.sut.wrap('price', key, async () => 'b computed');

    expect(value).toBe('b computed');
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('caps L1 lifetimes while the bus is down and resubscribes by itself', async () => {
    const [a] = await replicas({ CACHE_BUS_DOWN_L1_TTL_MS: '1000', CACHE_BREAKER_OPEN_MS: '200' });
    await a.sut.set('price', CacheKeys.price('CAP'), 1, { ttlMs: 60_000 });

    await redis.kill();
    await waitUntil(() => a.connection.busState === 'down', 5000);
    // lru-cache reads a clock it refreshes about once per millisecond, in fractions, later on a busy
    // machine (2.6 ms seen at load 4): allow 5 ms.
    expect(a.stack.local.remainingMs(CacheKeys.price('CAP'))).toBeLessThanOrEqual(1005);
    await a.sut.set('price', CacheKeys.price('CAP2'), 2, { ttlMs: 60_000 });
    expect(a.stack.local.remainingMs(CacheKeys.price('CAP2'))).toBeLessThanOrEqual(1005);

    await redis.restart();
    await waitUntil(() => a.connection.busState === 'up', 10_000);
    await a.sut.set('price', CacheKeys.price('CAP3'), 3, { ttlMs: 60_000 });
    expect(a.stack.local.remainingMs(CacheKeys.price('CAP3'))).toBeGreaterThan(50_000);
  });
});
