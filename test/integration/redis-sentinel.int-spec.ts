import { CacheKeys } from '../../src/cache/cache-keys';
import { CacheBuilder, waitUntil, type BuiltCache } from '../support/cache.builder';
import { quantile, timed } from '../support/latency';
import { redisCli } from '../support/redis-cli';
import { RedisSentinelSet } from '../support/redis-sentinel';
import { describeStoreContract } from '../support/store-contract';

const L2_DEADLINE_MS = 100;
// The machine running these is shared and often loaded: room for a scheduling hiccup, still far below a connect timeout.
const SLACK_MS = 150;
const FAST_BREAKER = { CACHE_L2_TIMEOUT_MS: String(L2_DEADLINE_MS), CACHE_BREAKER_OPEN_MS: '200' };
const SET_START_MS = 120_000;
const CONNECT_MS = 20_000;
// Sentinel's down-after (1 s) + election + promotion; generous for a loaded machine.
const FAILOVER_MS = 30_000;

/** Figures for the closing note and docs; printed once per run. */
const figures: Record<string, string> = {};
afterAll(() => console.log(`sentinel failover figures: ${JSON.stringify(figures)}`));

let set: RedisSentinelSet;

beforeAll(async () => {
  set = await RedisSentinelSet.start(1, SET_START_MS / 2);
}, SET_START_MS);

afterAll(async () => {
  await set?.stop();
});

/** A cache in Sentinel mode on the test set. */
async function onSentinel(env: Record<string, string> = {}): Promise<BuiltCache> {
  const cache = await new CacheBuilder().withEnv({ REDIS_ENABLED: 'true', REDIS_SENTINELS: set.sentinelNodes, ...env }).build(false);
  await waitUntil(() => cache.connection.client!.isReady, CONNECT_MS);
  return cache;
}

describeStoreContract('L2 redis sentinel', () => onSentinel(), 'l2');

describe('Redis Sentinel (master + replica + sentinel)', () => {
  it('runs in sentinel mode on the master the Sentinel names', async () => {
    const cache = await onSentinel();
    await cache.sut.set('price', CacheKeys.price('WHERE'), 1);

    expect(cache.connection.client!.kind).toBe('sentinel');
    expect(String(await cache.connection.client!.info('replication'))).toMatch(/role:master/);
    expect(await cache.connection.remote!.serverInfo()).toMatchObject({ topology: 'sentinel', role: 'master' });
  });

  it('reset (a desynchronised connection): the client is destroyed and reconnected, counted, and L2 serves again', async () => {
    const cache = await onSentinel();
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

  // Last in the file: it kills the master for good.
  it('a failover (master SIGKILLed) fails no wrap beyond the L2 deadline, and the service follows the new master by itself', async () => {
    const a = await onSentinel(FAST_BREAKER);
    const b = await onSentinel({ ...FAST_BREAKER, REDIS_PREFIX: a.prefix });
    await waitUntil(() => a.connection.busState === 'up' && b.connection.busState === 'up', CONNECT_MS);
    const oldMaster = await set.masterPort();
    await a.sut.set('price', CacheKeys.price('BEFORE'), 'before');
    // The replica must hold it before the master dies, or the promoted one would not have it.
    await waitUntil(async () => (await redisCli(set.replica.port, ['exists', a.prefix + CacheKeys.price('BEFORE')])).trim() === '1', 5000);

    let stop = false;
    let failures = 0;
    const latencies: number[] = [];
    const worker = async (id: number) => {
      for (let n = 0; !stop; n++) {
        const symbol = `FO${id}-${n}`;
        try {
          const { value, ms } = await timed(() => a.sut.wrap('price', CacheKeys.price(symbol), async () => symbol));
          latencies.push(ms);
          if (value !== symbol) failures++;
        } catch {
          failures++;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const load = Promise.all(Array.from({ length: 4 }, (_, id) => worker(id)));

    await new Promise((r) => setTimeout(r, 300));
    const killedAt = Date.now();
    await set.master.kill();
    const newMaster = await set.waitForFailover(oldMaster, FAILOVER_MS);
    const promotedAt = Date.now();
    // Recovered when a write on A lands in L2 again and B reads it back from there.
    let attempt = 0;
    await waitUntil(async () => {
      const key = CacheKeys.price(`AFTER${attempt++}`);
      await a.sut.set('price', key, 'after');
      b.stack.local.clear();
      return (await b.stack.get(key))?.source === 'l2';
    }, FAILOVER_MS);
    const recoveredAt = Date.now();
    stop = true;
    await load;

    figures.promotionMs = String(promotedAt - killedAt);
    figures.failoverToRecoveryMs = String(recoveredAt - killedAt);
    figures.wrapsDuringFailover = String(latencies.length);
    figures.wrapP99Ms = quantile(latencies, 0.99).toFixed(1);
    figures.wrapMaxMs = Math.max(...latencies).toFixed(1);
    expect(newMaster).toBe(set.replica.port);
    expect(failures).toBe(0);
    expect(latencies.length).toBeGreaterThan(50);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(L2_DEADLINE_MS + SLACK_MS);
    // The value written before the failover survived on the promoted replica.
    b.stack.local.clear();
    expect(await b.sut.get(CacheKeys.price('BEFORE'))).toBe('before');

    // The bus moved to the new master too: B's L1 copy is dropped by A's write.
    await waitUntil(() => a.connection.busState === 'up' && b.connection.busState === 'up', CONNECT_MS);
    const key = CacheKeys.price('BUS-AFTER');
    await a.sut.set('price', key, 1);
    expect(await b.sut.get(key)).toBe(1);
    await a.sut.set('price', key, 2);
    await waitUntil(async () => (await b.sut.get(key)) === 2, 5000);
  }, 90_000);
});
