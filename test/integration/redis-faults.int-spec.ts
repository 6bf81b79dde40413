import { CacheKeys, cacheKey } from '../../src/cache/cache-keys';
import { CacheBuilder, waitUntil, type BuiltCache } from '../support/cache.builder';
import { freePort } from '../support/free-port';
import { quantile, timed } from '../support/latency';
import { RedisServer } from '../support/redis-server';

const L2_DEADLINE_MS = 100;
const SLACK_MS = 50;
// Short breaker window so recovery is observable within a test.
const FAST_BREAKER = { CACHE_L2_TIMEOUT_MS: String(L2_DEADLINE_MS), CACHE_BREAKER_OPEN_MS: '200' };

/** Figures for the closing note and docs; printed once per run. */
const figures: Record<string, string> = {};
afterAll(() => console.log(`redis fault figures: ${JSON.stringify(figures)}`));

describe('Redis faults on a real process', () => {
  let redis: RedisServer;

  beforeEach(async () => {
    redis = await RedisServer.start();
  });

  afterEach(async () => {
    redis.resume();
    await redis.stop();
  });

  const build = () => new CacheBuilder().withRedis(redis.url).withEnv(FAST_BREAKER).build();

  it('frozen (SIGSTOP): every wrap returns the right value within the L2 deadline + 50 ms', async () => {
    const cache = await build();
    await cache.sut.set('price', CacheKeys.price('WARM'), 'warm');
    redis.freeze();

    const latencies: number[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          timed(() => cache.sut.wrap('price', CacheKeys.price(`F${wave}-${i}`), async () => `value-${wave}-${i}`)),
        ),
      );
      results.forEach((r, i) => expect(r.value).toBe(`value-${wave}-${i}`));
      latencies.push(...results.map((r) => r.ms));
    }
    const warm = await timed(() => cache.sut.wrap('price', CacheKeys.price('WARM'), async () => 'recomputed'));

    figures.frozenWrapP99Ms = quantile(latencies, 0.99).toFixed(1);
    figures.frozenWrapMaxMs = Math.max(...latencies).toFixed(1);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(L2_DEADLINE_MS + SLACK_MS);
    expect(warm.value).toBe('warm');
    expect(cache.sut.stats().breaker).toBe('open');
  });

  it('frozen: get, set, getMany and delete stay bounded too', async () => {
    const cache = await build();
    redis.freeze();

    for (const op of [
      () => cache.sut.get(CacheKeys.price('X')),
      () => cache.sut.set('price', CacheKeys.price('X'), 1),
      () => cache.sut.getMany([CacheKeys.price('X'), CacheKeys.price('Y')]),
      () => cache.sut.delete(CacheKeys.price('X')),
      () => cache.sut.has(CacheKeys.price('Y')),
    ]) {
      const { ms } = await timed(op);
      expect(ms).toBeLessThanOrEqual(L2_DEADLINE_MS + SLACK_MS);
    }
  });

  it('killed mid-load: no request fails, values stay correct', async () => {
    const cache = await build();
    let failures = 0;
    let served = 0;
    const latencies: number[] = [];
    const stopAt = Date.now() + 1500;
    const worker = async (id: number) => {
      for (let n = 0; Date.now() < stopAt; n++) {
        // A new key each time: every call goes through L2 and the factory, not just L1.
        const symbol = `K${id}-${n}`;
        try {
          const { value, ms } = await timed(() => cache.sut.wrap('price', CacheKeys.price(symbol), async () => symbol));
          latencies.push(ms);
          if (value === symbol) served++;
          else failures++;
        } catch {
          failures++;
        }
        await new Promise((r) => setImmediate(r));
      }
    };
    let l2Calls = 0;
    cache.events.on('l2Latency', () => l2Calls++);
    const load = Promise.all(Array.from({ length: 8 }, (_, id) => worker(id)));
    await new Promise((r) => setTimeout(r, 400));
    const l2CallsBeforeKill = l2Calls;
    await redis.kill();
    await load;

    figures.killedServed = String(served);
    figures.killedP99Ms = quantile(latencies, 0.99).toFixed(1);
    expect(l2CallsBeforeKill).toBeGreaterThan(100);
    expect(failures).toBe(0);
    expect(served).toBeGreaterThan(100);
    expect(quantile(latencies, 0.99)).toBeLessThanOrEqual(L2_DEADLINE_MS + SLACK_MS);
  });

  it('restarted: L2 serves again without an app restart; while it is gone, calls fail fast on memory', async () => {
    const cache = await build();
    const writer = await new CacheBuilder().withRedis(redis.url).withEnv({ REDIS_PREFIX: cache.prefix }).build();
    await redis.kill();
    await waitUntil(() => !cache.connection.client!.isReady, 2000);
    const whileGone = await timed(async () => {
      for (let i = 0; i < 10; i++) await cache.sut.get(CacheKeys.price(`R${i}`));
    });
    expect(whileGone.ms).toBeLessThan(L2_DEADLINE_MS);
    expect(cache.sut.stats().backend).toBe('memory');

    const started = Date.now();
    await redis.restart();
    await waitUntil(() => writer.connection.client!.isReady, 5000);
    await writer.sut.set('price', CacheKeys.price('AFTER'), 'from-l2');
    await waitUntil(async () => (await cache.stack.get(CacheKeys.price('AFTER')))?.source === 'l2', 10_000);

    figures.recoveryMs = String(Date.now() - started);
    expect(cache.sut.stats().breaker).toBe('closed');
    expect(cache.sut.stats().backend).toBe('redis');
  });
});

describe('Redis absent at boot', () => {
  it('starts on memory and switches to Redis by itself when it appears', async () => {
    const port = await freePort();
    const cache = await new CacheBuilder().withRedis(`redis://127.0.0.1:${port}`).withEnv(FAST_BREAKER).build(false);

    expect(await cache.sut.wrap('price', CacheKeys.price('BOOT'), async () => 'memory')).toBe('memory');
    expect(cache.sut.stats().backend).toBe('memory');

    const redis = await RedisServer.startOn(port);
    try {
      await waitUntil(() => cache.connection.client!.isReady, 10_000);
      await waitUntil(async () => {
        await cache.sut.set('price', CacheKeys.price('LATER'), 'in-redis');
        cache.stack.local.clear();
        return (await cache.stack.get(CacheKeys.price('LATER')))?.source === 'l2';
      }, 10_000);
      expect(cache.sut.stats().backend).toBe('redis');
    } finally {
      await redis.stop();
    }
  });
});

describe('L2 semantics against a real Redis', () => {
  let redis: RedisServer;
  let raw: BuiltCache;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await redis.stop();
  });

  beforeEach(async () => {
    raw = await new CacheBuilder().withRedis(redis.url).build();
  });

  it('backfills L1 with the remaining lifetime from L2, never a longer one', async () => {
    const a = await new CacheBuilder().withRedis(redis.url).build();
    const b = await new CacheBuilder().withRedis(redis.url).withEnv({ REDIS_PREFIX: a.prefix }).build();
    const key = CacheKeys.price('BACKFILL');
    await a.sut.set('price', key, 1, { ttlMs: 2000, graceMs: 0 });
    const written = a.stack.local.get(key)!;
    await new Promise((r) => setTimeout(r, 700));

    expect((await b.stack.get(key))?.source).toBe('l2');
    const backfilled = b.stack.local.get(key)!;

    expect(backfilled.expiresAt).toBe(written.expiresAt);
    expect(backfilled.staleAt).toBe(written.staleAt);
  });

  it('treats a corrupt or foreign value as a miss and deletes it', async () => {
    const key = CacheKeys.price('CORRUPT');
    const client = raw.connection.client!;
    await client.set(raw.prefix + key, '{"not":"ours"}');

    expect(await raw.sut.get(key)).toBeUndefined();
    await waitUntil(async () => (await client.exists(raw.prefix + key)) === 0, 2000);
    expect(raw.sut.stats().l2.corruptEntries).toBe(1);
    expect(await raw.sut.wrap('price', key, async () => 'recomputed')).toBe('recomputed');
  });

  it('never touches keys outside its prefix', async () => {
    const client = raw.connection.client!;
    const foreign = ['foreign:v1:price:AAPL', 'v1:price:AAPL', `x${raw.prefix}v1:price:AAPL`];
    for (const k of foreign) await client.set(k, 'keep');
    await raw.sut.set('price', CacheKeys.price('AAPL'), 1);

    expect(await raw.sut.deleteByPattern('v1:price:*')).toBe(1);
    expect(await raw.sut.deleteByPattern('*')).toBe(0);
    for (const k of foreign) expect(String(await client.get(k))).toBe('keep');
    await client.unlink(foreign);
  });

  it('reads many keys in one MGET and writes many in one MULTI round trip', async () => {
    const client = raw.connection.client!;
    const keys = Array.from({ length: 50 }, (_, i) => cacheKey('price', `M${i}`));
    const calls = async (command: string) => {
      const info = String(await client.info('commandstats'));
      return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    };
    const [mgetBefore, execBefore] = [await calls('mget'), await calls('exec')];

    await raw.sut.setMany(keys.map((key, i) => ({ policy: 'price' as const, key, value: i })));
    raw.stack.local.clear();
    const values = await raw.sut.getMany(keys);

    expect(values).toEqual(keys.map((_, i) => i));
    expect((await calls('mget')) - mgetBefore).toBe(1);
    expect((await calls('exec')) - execBefore).toBe(1);
  });
});
