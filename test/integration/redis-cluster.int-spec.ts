import calculateSlot from 'cluster-key-slot';
import { CacheAdminService } from '../../src/cache/cache-admin.service';
import { CacheKeys, cacheKey, tagIndexKey } from '../../src/cache/cache-keys';
import { CacheBuilder, waitUntil, type BuiltCache } from '../support/cache.builder';
import { RedisCluster } from '../support/redis-cluster';
import { describeStoreContract } from '../support/store-contract';

// A real 3-master cluster is slow to form on a loaded machine; every wait is bounded.
const CLUSTER_START_MS = 120_000;
const CONNECT_MS = 20_000;

let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await RedisCluster.start(3, CLUSTER_START_MS / 2);
}, CLUSTER_START_MS);

afterAll(async () => {
  await cluster?.stop();
});

/** A cache in Cluster mode on the test cluster; `env` may pin a prefix to share it with another cache. */
async function onCluster(env: Record<string, string> = {}): Promise<BuiltCache> {
  const cache = await new CacheBuilder().withEnv({ REDIS_ENABLED: 'true', REDIS_CLUSTER_NODES: cluster.rootNodes, ...env }).build(false);
  await waitUntil(() => cache.connection.client!.isReady, CONNECT_MS);
  return cache;
}

const distinctSlots = (keys: readonly string[]) => new Set(keys.map((k) => calculateSlot(k))).size;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describeStoreContract('L2 redis cluster', () => onCluster(), 'l2');

describe('Redis Cluster (3 masters)', () => {
  it('reset (a desynchronised connection): the client is destroyed and reconnected, counted, and L2 serves again', async () => {
    const cache = await onCluster();
    const remote = cache.connection.remote!;
    const reasons: string[] = [];
    cache.events.on('redisReset', ({ reason }) => reasons.push(reason));
    const connectionsReceived = async () => Number(/total_connections_received:(\d+)/.exec(await cache.connection.client!.info('stats'))?.[1]);
    const before = await connectionsReceived();

    cache.connection.client!.reset('reply-mismatch');
    await waitUntil(async () => (await remote.ping()) !== undefined, CONNECT_MS);
    const written = await remote.setMany([{ key: 'after-reset', bytes: Buffer.from('fresh'), ttlMs: 10_000, tags: [] }]);

    expect(reasons).toEqual(['reply-mismatch']);
    expect(cache.connection.resets).toMatchObject({ count: 1, last: { reason: 'reply-mismatch' } });
    expect(written).toBe(true);
    expect((await remote.get('after-reset'))?.toString()).toBe('fresh');
    // A new connection, not the old one kept.
    expect(await connectionsReceived()).toBeGreaterThan(before);
  });

  it('runs in cluster mode and reports it', async () => {
    const cache = await onCluster();
    const info = await new CacheAdminService(cache.stack, cache.connection, cache.options).info();

    expect(cache.connection.client!.kind).toBe('cluster');
    expect(info).toMatchObject({ backend: 'redis', redis: { server: { topology: 'cluster', redis_mode: 'cluster' } } });
  });

  it('setMany and getMany span slots and masters: one MULTI and one MGET per slot group, values in input order', async () => {
    const cache = await onCluster();
    const keys = Array.from({ length: 60 }, (_, i) => cacheKey('price', `SLOT${i}`));
    const written = keys.filter((_, i) => i % 3 !== 1);
    const tags = ['sector:tech', 'sector:energy'];
    const [execBefore, mgetBefore] = [sum(await cluster.callsPerNode('exec')), sum(await cluster.callsPerNode('mget'))];

    await cache.sut.setMany(written.map((key, i) => ({ policy: 'price' as const, key, value: { i, key }, options: { tags } })));
    cache.stack.local.clear();
    const values = await cache.sut.getMany(keys);

    // Every master holds some of them, so the batch really crossed nodes.
    expect((await cluster.keysPerNode(`${cache.prefix}*`)).every((n) => n > 0)).toBe(true);
    expect(values).toEqual(keys.map((key, i) => (i % 3 === 1 ? undefined : { i: written.indexOf(key), key })));
    const entrySlots = [...written, ...tags.map(tagIndexKey)].map((k) => cache.prefix + k);
    expect(sum(await cluster.callsPerNode('exec')) - execBefore).toBe(distinctSlots(entrySlots));
    expect(sum(await cluster.callsPerNode('mget')) - mgetBefore).toBe(distinctSlots(keys.map((k) => cache.prefix + k)));
  });

  it('lists keys of every master through CacheAdminService.listKeys paging, and deleteByPattern empties them all', async () => {
    const cache = await onCluster();
    const admin = new CacheAdminService(cache.stack, cache.connection, cache.options);
    const keys = Array.from({ length: 150 }, (_, i) => cacheKey('price', `LIST${i}`));
    await cache.sut.setMany(keys.map((key, i) => ({ policy: 'price' as const, key, value: i })));
    await cache.sut.set('info', CacheKeys.info('AAPL'), 1);

    const seen = new Set<string>();
    const cursors: string[] = [];
    let cursor = '0';
    let pages = 0;
    do {
      const page = await admin.listKeys('v1:price:*', cursor, 20);
      expect(page.source).toBe('redis');
      page.keys.forEach((k) => seen.add(k));
      cursor = page.cursor;
      cursors.push(cursor);
    } while (cursor !== '0' && ++pages < 1000);

    expect((await cluster.keysPerNode(`${cache.prefix}v1:price:*`)).every((n) => n > 0)).toBe(true);
    expect([...seen].sort()).toEqual([...keys].sort());
    expect(cursors.every((c) => /^\d{1,20}$/.test(c))).toBe(true);
    // The composite cursor's last three digits walked masters 0, 1 and 2.
    expect(new Set(cursors.filter((c) => c !== '0').map((c) => Number(BigInt(c) % 1000n)))).toEqual(new Set([0, 1, 2]));

    expect(await cache.sut.deleteByPattern('v1:price:*')).toBe(150);
    cache.stack.local.clear();
    expect((await admin.listKeys('v1:price:*', '0', 1000)).keys).toEqual([]);
    expect(await cache.sut.get(CacheKeys.info('AAPL'))).toBe(1);
  });

  it('invalidates a tag whose members live on every master (members unlinked per slot group)', async () => {
    const cache = await onCluster();
    const tagged = Array.from({ length: 40 }, (_, i) => CacheKeys.score(`T${i}`, 'short'));
    await cache.sut.setMany(tagged.map((key) => ({ policy: 'score' as const, key, value: 1, options: { tags: ['sector:tech'] } })));
    await cache.sut.set('score', CacheKeys.score('XOM', 'short'), 2, { tags: ['sector:energy'] });

    expect(await cache.sut.invalidateTag('sector:tech')).toBe(40);
    cache.stack.local.clear();
    expect(await cache.sut.getMany(tagged)).toEqual(tagged.map(() => undefined));
    expect(await cache.sut.get(CacheKeys.score('XOM', 'short'))).toBe(2);
  });

  it('carries the invalidation bus and the stampede lease between two caches on one prefix', async () => {
    const a = await onCluster();
    const b = await onCluster({ REDIS_PREFIX: a.prefix });
    await waitUntil(() => a.connection.busState === 'up' && b.connection.busState === 'up', CONNECT_MS);
    const key = CacheKeys.price('BUS');

    await a.sut.set('price', key, 1);
    expect(await b.sut.get(key)).toBe(1);
    await a.sut.set('price', key, 2);
    await waitUntil(async () => (await b.sut.get(key)) === 2, 5000);

    let runs = 0;
    const factory = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 100));
      return 'once';
    };
    const cold = CacheKeys.price('STAMPEDE');
    const values = await Promise.all([
      ...Array.from({ length: 50 }, () => a.sut.wrap('price', cold, factory)),
      ...Array.from({ length: 50 }, () => b.sut.wrap('price', cold, factory)),
    ]);
    expect(runs).toBe(1);
    expect(values.every((v) => v === 'once')).toBe(true);
  });
});
