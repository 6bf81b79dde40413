import { createClient } from '@redis/client';
import { CacheKeys, tagIndexKey } from '../../src/cache/cache-keys';
import { CacheBuilder, type BuiltCache } from '../support/cache.builder';
import { infoField, redisCli } from '../support/redis-cli';
import { RedisServer } from '../support/redis-server';

/**
 * Redis at `maxmemory` with `allkeys-lru` evicting our entries and, worse, our tag indexes:
 * writes keep succeeding, evicted entries are plain misses, and invalidating a tag whose index
 * went stays safe (no error, nothing else deleted); its surviving members live on only until
 * their own TTL, which docs/RELIABILITY.md states.
 */
const VALUE = 'x'.repeat(2048);
const figures: Record<string, number> = {};
afterAll(() => console.log(`redis eviction figures: ${JSON.stringify(figures)}`));

describe('Redis at maxmemory with allkeys-lru', () => {
  let redis: RedisServer;
  let cache: BuiltCache;

  beforeEach(async () => {
    // Keyspace events tell our deletions (del) from Redis' evictions (evicted).
    redis = await RedisServer.start(['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru', '--notify-keyspace-events', 'Eg']);
    // About eviction, not the deadline: a 100-entry write on a loaded CI box may take > 100 ms, and
    // timeouts in a row would open the breaker and skip the very writes that should evict.
    // No stampede lease: it is not the subject, and its round trips made the 2,600 sequential
    // recomputes outlast the test's timeout in a full run on a loaded machine.
    cache = await new CacheBuilder().withRedis(redis.url).withEnv({ CACHE_L2_TIMEOUT_MS: '2000', CACHE_LOCK_ENABLED: 'false' }).build();
  });

  afterEach(async () => {
    await redis.stop();
  });

  // EXISTS, not MGET: a large reply counts towards maxmemory and would itself evict keys.
  const inRedis = async (keys: readonly string[]) => {
    let count = 0;
    for (let i = 0; i < keys.length; i += 100) {
      const page = keys.slice(i, i + 100);
      const found = await Promise.all(page.map((k) => cache.connection.client!.exists(cache.prefix + k)));
      count += found.reduce((a, b) => a + b, 0);
    }
    return count;
  };
  const evictedKeys = async () => Number(infoField(await redisCli(redis.port, ['info', 'stats']), 'evicted_keys'));

  it('writes past the limit: no L2 error, evicted entries come back as misses and are recomputed', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => CacheKeys.price(`E${i}`));
    for (let i = 0; i < keys.length; i += 100) {
      await cache.sut.setMany(keys.slice(i, i + 100).map((key) => ({ policy: 'price' as const, key, value: VALUE })));
    }
    cache.stack.local.clear();

    const survivors = await inRedis(keys);
    const read: unknown[] = [];
    for (let i = 0; i < keys.length; i += 100) read.push(...(await cache.sut.getMany(keys.slice(i, i + 100))));
    const misses = keys.filter((_, i) => read[i] === undefined);
    let recomputed = 0;
    for (const key of misses) {
      const value = await cache.sut.wrap('price', key, async () => {
        recomputed++;
        return VALUE;
      });
      expect(value).toBe(VALUE);
    }

    figures.written = keys.length;
    figures.evicted = await evictedKeys();
    figures.survivors = survivors;
    figures.recomputed = recomputed;
    expect(figures.evicted).toBeGreaterThan(0);
    expect(read.filter((v) => v !== undefined).every((v) => v === VALUE)).toBe(true);
    expect(misses.length).toBeGreaterThanOrEqual(keys.length - survivors);
    expect(recomputed).toBe(misses.length);
    // A 100-entry write may miss the deadline on a loaded machine; a failed one would count in errors.
    figures.l2Timeouts = cache.sut.stats().l2.timeouts;
    expect(cache.sut.stats().l2.errors).toBe(0);
    expect(cache.sut.stats().breaker).toBe('closed');
  }, 90_000);

  it('tags under eviction: invalidateTag removes what its index still lists and never touches other tags', async () => {
    const tagged = (tag: string) => Array.from({ length: 1500 }, (_, i) => CacheKeys.price(`${tag}-${i}`));
    const [a, b] = [tagged('A'), tagged('B')];
    for (let i = 0; i < a.length; i += 50) {
      await cache.sut.setMany(a.slice(i, i + 50).map((key) => ({ policy: 'price' as const, key, value: VALUE, options: { tags: ['A'] } })));
      await cache.sut.setMany(b.slice(i, i + 50).map((key) => ({ policy: 'price' as const, key, value: VALUE, options: { tags: ['B'] } })));
    }
    expect(await evictedKeys()).toBeGreaterThan(0);
    const indexed = (await cache.connection.client!.sMembers(cache.prefix + tagIndexKey('A'))).length;
    const events = createClient({ url: redis.url });
    await events.connect();
    const ourDeletions: string[] = [];
    await events.subscribe('__keyevent@0__:del', (key) => ourDeletions.push(key));

    const deleted = await cache.sut.invalidateTag('A');

    await new Promise((r) => setTimeout(r, 200));
    await events.close();
    const aLeft = await inRedis(a);
    figures.tagMembersIndexed = indexed;
    figures.tagInvalidated = deleted;
    figures.tagOrphansLeft = aLeft;
    // The index itself can be evicted between reading it and invalidating: never more than it listed.
    expect(deleted).toBeLessThanOrEqual(indexed);
    expect(ourDeletions.filter((key) => key.includes(':B-'))).toEqual([]);
    // LRU eviction is sampled: now and then it takes the index set itself (the next test's case).
    // Members the index lists may have been evicted since: only those still there make a `del`.
    expect(ourDeletions.filter((key) => key.includes(':A-')).length).toBeLessThanOrEqual(deleted);
    if (deleted > 0) {
      expect(ourDeletions).toContain(cache.prefix + tagIndexKey('A'));
    } else {
      expect(ourDeletions.filter((key) => key.includes(':A-'))).toEqual([]);
    }
    expect(cache.stack.local.entries).toBeLessThanOrEqual(b.length);
    expect(cache.sut.stats().l2.errors).toBe(0);
  });

  it('a tag index evicted outright: invalidateTag answers 0 without error; members stay only until their TTL', async () => {
    const members = Array.from({ length: 20 }, (_, i) => CacheKeys.price(`T${i}`));
    await cache.sut.setMany(members.map((key) => ({ policy: 'price' as const, key, value: VALUE, options: { tags: ['gone'], ttlMs: 60_000, graceMs: 0 } })));
    // What LRU eviction does to a cold index set.
    await cache.connection.client!.unlink(cache.prefix + tagIndexKey('gone'));

    const deleted = await cache.sut.invalidateTag('gone');

    expect(deleted).toBe(0);
    // L1 copies are dropped all the same (their entries carry their tags).
    expect(members.every((key) => cache.stack.local.get(key) === undefined)).toBe(true);
    // L2 copies survive (nothing lists them any more), bounded by their own lifetime.
    expect(await inRedis(members)).toBe(members.length);
    const ttl = await cache.connection.client!.pTTL(cache.prefix + members[0]);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
