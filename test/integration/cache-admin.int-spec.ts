import { CacheAdminService } from '../../src/cache/cache-admin.service';
import { CacheKeys, cacheKey } from '../../src/cache/cache-keys';
import { CacheBuilder, type BuiltCache } from '../support/cache.builder';
import { RedisServer } from '../support/redis-server';

let redis: RedisServer;

beforeAll(async () => {
  redis = await RedisServer.start();
});

afterAll(async () => {
  await redis.stop();
});

const adminOf = (cache: BuiltCache) => new CacheAdminService(cache.stack, cache.connection, cache.options);

describe(CacheAdminService.name, () => {
  it('pages through keys with SCAN, only inside the prefix', async () => {
    const cache = await new CacheBuilder().withRedis(redis.url).build();
    const sut = adminOf(cache);
    await cache.connection.client!.set('foreign:v1:price:AAPL', 'x');
    await cache.sut.setMany(Array.from({ length: 120 }, (_, i) => ({ policy: 'price' as const, key: cacheKey('price', `S${i}`), value: i })));
    await cache.sut.set('info', CacheKeys.info('AAPL'), 1);

    const seen = new Set<string>();
    let cursor = '0';
    do {
      const page = await sut.listKeys('v1:price:*', cursor, 25);
      expect(page.source).toBe('redis');
      page.keys.forEach((k) => seen.add(k));
      cursor = page.cursor;
    } while (cursor !== '0');
    const everything = await sut.listKeys('*', '0', 1000);

    expect(seen.size).toBe(120);
    expect([...seen].every((k) => k.startsWith('v1:price:'))).toBe(true);
    expect(everything.keys).not.toContain('foreign:v1:price:AAPL');
    expect(everything.keys.some((k) => k.includes('foreign'))).toBe(false);
    await cache.connection.client!.unlink('foreign:v1:price:AAPL');
  });

  it('lists from L1 when Redis is not in use', async () => {
    const cache = await new CacheBuilder().withL1Only().build();
    const sut = adminOf(cache);
    await cache.sut.set('price', CacheKeys.price('AAPL'), 1);
    await cache.sut.set('price', CacheKeys.price('MSFT'), 2);

    const first = await sut.listKeys('v1:price:*', '0', 1);
    const second = await sut.listKeys('v1:price:*', first.cursor, 1);

    expect(first).toMatchObject({ source: 'memory', cursor: '1' });
    expect([...first.keys, ...second.keys].sort()).toEqual([CacheKeys.price('AAPL'), CacheKeys.price('MSFT')].sort());
    expect(second.cursor).toBe('0');
  });

  it('reports remaining TTL per tier and server facts without the URL', async () => {
    const cache = await new CacheBuilder().withRedis(redis.url).withEnv({ REDIS_PASSWORD: '' }).build();
    const sut = adminOf(cache);
    await cache.sut.set('price', CacheKeys.price('TTL'), 1, { ttlMs: 60_000, graceMs: 0 });

    const ttl = await sut.ttl(CacheKeys.price('TTL'));
    const info = await sut.info();

    expect(ttl.l1Ms).toBeGreaterThan(59_000);
    expect(ttl.l2Ms).toBeGreaterThan(59_000);
    expect(info).toMatchObject({ backend: 'redis', breaker: 'closed', prefix: cache.prefix });
    expect(info.redis?.server.redis_version).toMatch(/^\d+\./);
    expect(info.redis?.keysUnderPrefix).toBe(1);
    expect(JSON.stringify(info)).not.toContain(String(redis.port));
  });

  it('knows the most requested keys and refreshes them ahead of expiry', async () => {
    let clock = 1_000_000;
    const cache = await new CacheBuilder().withL1Only().withClock(() => clock).withPolicy('price', 10_000, 0).build();
    const sut = adminOf(cache);
    let version = 0;
    const factory = async () => ++version;
    for (let i = 0; i < 5; i++) await cache.sut.wrap('price', CacheKeys.price('HOT'), factory);
    await cache.sut.wrap('price', CacheKeys.price('COLD'), factory);
    clock += 9_000;

    const top = sut.topKeys(2);
    const refreshed = await sut.refreshAhead({ withinMs: 2_000 });

    expect(top[0]).toEqual({ key: CacheKeys.price('HOT'), hits: 5 });
    expect(refreshed).toBe(1);
    expect(await cache.sut.get(CacheKeys.price('HOT'))).toBe(3);
    expect(await cache.sut.get(CacheKeys.price('COLD'))).toBe(2);
  });
});
