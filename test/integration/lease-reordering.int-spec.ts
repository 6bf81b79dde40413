import { createClient, createSentinel } from '@redis/client';
import { CacheKeys } from '../../src/cache/cache-keys';
import { ACQUIRE_LEASE, RELEASE_LEASE, tombstoneKey } from '../../src/cache/lease-scripts';
import { calculateSlot } from '../../src/cache/topologies/slot-groups';
import { RedisLease, type LeaseClient } from '../../src/warmup/warmup-lease';
import { CacheBuilder } from '../support/cache.builder';
import { LatencyProxy } from '../support/latency-proxy';
import { redisCli } from '../support/redis-cli';
import { RedisSentinelSet, SENTINEL_MASTER } from '../support/redis-sentinel';
import { RedisServer } from '../support/redis-server';

/**
 * Leases correct whatever order the client delivers acquire and release in (issue 20, step 2).
 * node-redis 5.12.1's Sentinel client lets a command overtake one issued before it (reproduced at
 * the end against a real Sentinel set), so a release can run before its acquire's SET NX; before
 * lease-scripts.ts that SET then held the lease for its whole TTL with no holder.
 */

const figures: Record<string, string | number> = {};
afterAll(() => console.log(`lease-reordering figures: ${JSON.stringify(figures)}`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lease scripts on a real redis-server', () => {
  let redis: RedisServer;
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    redis = await RedisServer.start();
    client = createClient({ url: redis.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await redis?.stop();
  });

  const acquire = (key: string, token: string, ttlMs = 10_000) => client.eval(ACQUIRE_LEASE, { keys: [key, tombstoneKey(key, token)], arguments: [token, String(ttlMs)] });
  const release = (key: string, token: string, ttlMs = 10_000) => client.eval(RELEASE_LEASE, { keys: [key, tombstoneKey(key, token)], arguments: [token, String(ttlMs)] });

  it('a release delivered before its acquire wins: the acquire is refused and nothing is held', async () => {
    expect(await release('mc:state:lock:a', 't1')).toBe(0);
    expect(await acquire('mc:state:lock:a', 't1')).toBe(-1);
    expect(await client.exists('mc:state:lock:a')).toBe(0);
    // Another holder's token is not affected by t1's tombstone.
    expect(await acquire('mc:state:lock:a', 't2')).toBe(1);
    expect(await acquire('mc:state:lock:a', 't3')).toBe(0);
    expect(await release('mc:state:lock:a', 't3')).toBe(0);
    expect(await client.get('mc:state:lock:a')).toBe('t2');
    expect(await release('mc:state:lock:a', 't2')).toBe(1);
    expect(await client.exists('mc:state:lock:a')).toBe(0);
  });

  it('the tombstone shares its lease key hash slot (scripts stay single-slot on a Cluster)', () => {
    // (A key with a `}` but no tag cannot be given one; cache keys have none.)
    for (const key of ['mc:state:lock:quote:AAPL', 'mc:state:lock:{alerts}:x', 'a{b']) {
      expect(calculateSlot(tombstoneKey(key, 'tok'))).toBe(calculateSlot(key));
    }
    // Inside the prefix: an ACL user limited to `mc:*` may write it.
    expect(tombstoneKey('mc:state:lock:quote:AAPL', 'tok').startsWith('mc:state:lock:quote:AAPL:tomb:')).toBe(true);
  });
});

describe('stampede and scheduling leases under reordering', () => {
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

  it('RemoteTier: releaseLease then acquireLease for one token leaves no lease', async () => {
    const a = await new CacheBuilder().withRedis(redis.url).build();
    const key = `state:lock:${CacheKeys.price('REORDER')}`;
    await a.sut.get(CacheKeys.price('WARM'));
    const remote = a.connection.remote!;
    await remote.releaseLease(key, 'tok-1', 10_000);
    expect(await remote.acquireLease(key, 'tok-1', 10_000)).toBe(false);
    expect(Number(await redisCli(redis.port, ['exists', `${a.prefix}${key}`]))).toBe(0);
    // A fresh token still takes it, and its release frees it.
    expect(await remote.acquireLease(key, 'tok-2', 10_000)).toBe(true);
    await remote.releaseLease(key, 'tok-2', 10_000);
    expect(Number(await redisCli(redis.port, ['exists', `${a.prefix}${key}`]))).toBe(0);
  });

  it('RedisLease: an acquire that timed out and was overtaken by its release holds nothing afterwards', async () => {
    // The acquire goes through a slow path (a 300 ms proxy each way), the release straight to Redis:
    // the release runs first, as under the Sentinel client.
    const slow = createClient({ url: proxy.url });
    const fast = createClient({ url: redis.url });
    await Promise.all([slow.connect(), fast.connect()]);
    try {
      proxy.latencyMs = 300;
      const reordering: LeaseClient = {
        get isReady() {
          return true;
        },
        set: (key, value, options) => slow.set(key, value, options),
        eval: (script, options) => (script === ACQUIRE_LEASE ? slow : fast).eval(script, options),
      };
      const lease = new RedisLease(reordering, 'mc:state:lease:warmup', 200);
      const started = Date.now();
      const result = await lease.acquire(10_000);
      expect(result.state).toBe('unavailable');
      // Both have run by now (the acquire landed ~600 ms after it was sent).
      await sleep(900);
      const left = await fast.pTTL('mc:state:lease:warmup');
      figures.leaseLeftAfterReorderedAcquire = left;
      figures.reorderMs = Date.now() - started;
      expect(left).toBe(-2);
    } finally {
      proxy.latencyMs = 0;
      await Promise.all([slow.close(), fast.close()]);
    }
  });
});

describe('node-redis Sentinel client (5.12.1) reordering, reproduced', () => {
  let set: RedisSentinelSet;
  beforeAll(async () => {
    set = await RedisSentinelSet.start(1);
  }, 30_000);
  afterAll(async () => {
    await set?.stop();
  });

  it('a command issued while another waits for the master client lease runs before it; leases stay correct anyway', async () => {
    const sentinel = createSentinel({ name: SENTINEL_MASTER, sentinelRootNodes: [{ host: '127.0.0.1', port: set.sentinels[0].port }] });
    await sentinel.connect();
    try {
      // The reproduction: A and B issued in one tick while no client is leased (B queues for the pool
      // of one); C issued while A is on the wire uses A's lease and runs before B.
      const orders: string[] = [];
      for (let round = 0; round < 5; round++) {
        const log = `reorder:${round}`;
        const a = sentinel.rPush(log, 'a');
        const b = sentinel.rPush(log, 'b');
        await new Promise((r) => setImmediate(r));
        const c = sentinel.rPush(log, 'c');
        await Promise.all([a, b, c]);
        orders.push((await sentinel.lRange(log, 0, -1)).join(''));
      }
      figures.sentinelOrders = orders.join(',');
      expect(orders.some((order) => order !== 'abc')).toBe(true);

      // The same shape with a lease: the SET NX queued (B), its release issued later (C) runs first.
      const strays: number[] = [];
      for (let round = 0; round < 5; round++) {
        const key = `mc:state:lock:sentinel:${round}`;
        const token = `tok-${round}`;
        const warm = sentinel.ping();
        const acquire = sentinel.eval(ACQUIRE_LEASE, { keys: [key, tombstoneKey(key, token)], arguments: [token, '10000'] });
        await new Promise((r) => setImmediate(r));
        const release = sentinel.eval(RELEASE_LEASE, { keys: [key, tombstoneKey(key, token)], arguments: [token, '10000'] });
        await Promise.all([warm, acquire, release]);
        strays.push(await sentinel.pTTL(key));
      }
      figures.sentinelLeaseTtlsAfterRelease = strays.join(',');
      expect(strays.every((ttl) => ttl === -2)).toBe(true);
    } finally {
      await sentinel.close();
    }
  }, 20_000);
});
