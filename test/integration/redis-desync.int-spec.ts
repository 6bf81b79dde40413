import { CacheKeys } from '../../src/cache/cache-keys';
import type { CacheResult } from '../../src/cache/cache.types';
import type { RedisResetReason } from '../../src/cache/redis-topology';
import { CacheBuilder, waitUntil, type BuiltCache } from '../support/cache.builder';
import { CorruptingProxy } from '../support/corrupting-proxy';
import { RedisServer } from '../support/redis-server';

/**
 * The remote tier behind a proxy that damages Redis' replies (`test/support/corrupting-proxy.ts`):
 * node-redis matches replies to commands by order, so one extra or misframed reply would answer
 * every later command with another's reply. Entries carry their key and checksum, and the client
 * is replaced on any sign of it: no read may ever return another key's value.
 */
const KEYS = 60;
const symbolOf = (i: number) => `S${String(i).padStart(3, '0')}`;
const valueOf = (symbol: string) => ({ symbol, price: symbol.charCodeAt(1) * 100 + Number(symbol.slice(1)) / 7 });
const ENV = {
  CACHE_L2_TIMEOUT_MS: '100',
  CACHE_BREAKER_OPEN_MS: '300',
  CACHE_BUS_ENABLED: 'false',
  CACHE_LOCK_ENABLED: 'false',
  // A reconnect whose handshake reply was damaged is abandoned after this long (default 2 s).
  REDIS_CONNECT_TIMEOUT_MS: '500',
};

const figures: Record<string, unknown> = {};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
afterAll(() => console.log(`redis desync figures: ${JSON.stringify(figures)}`));

describe('Remote tier behind a corrupting proxy (real redis-server)', () => {
  let redis: RedisServer;
  let proxy: CorruptingProxy;
  let writer: BuiltCache;
  let reader: BuiltCache;
  let resets: RedisResetReason[];
  let mismatches: number;

  beforeEach(async () => {
    redis = await RedisServer.start();
    proxy = await CorruptingProxy.start(redis.port, 7);
    // Straight to Redis, no proxy: what Redis really holds. L1 of one entry, as the reader's.
    writer = await new CacheBuilder().withRedis(redis.url).withEnv(ENV).withL1({ maxEntries: 1 }).build();
    await writer.sut.setMany(Array.from({ length: KEYS }, (_, i) => ({ policy: 'price' as const, key: CacheKeys.price(symbolOf(i)), value: valueOf(symbolOf(i)) })));
    // L1 of one entry: reads of rotating keys go to L2 every time.
    reader = await new CacheBuilder().withRedis(proxy.url).withEnv({ ...ENV, REDIS_PREFIX: writer.prefix }).withL1({ maxEntries: 1 }).build();
    resets = [];
    mismatches = 0;
    reader.events.on('redisReset', ({ reason }) => resets.push(reason));
    reader.events.on('entryMismatch', () => mismatches++);
  });

  afterEach(async () => {
    await reader.close();
    await writer.close();
    await proxy.close();
    await redis.stop();
  });

  /**
   * Reads every key once, 6 at a time in parallel, through `wrap` (GET; a miss runs a factory that
   * caches nothing); throws on any value of another key.
   */
  async function readAll(cache = reader): Promise<{ l2: number; missed: number }> {
    let l2 = 0;
    let missed = 0;
    for (let i = 0; i < KEYS; i += 6) {
      const symbols = Array.from({ length: 6 }, (_, j) => symbolOf(i + j));
      const results = await Promise.all(symbols.map((s) => readOne(cache, s)));
      results.forEach((result, j) => {
        if (result.source === 'factory') return void missed++;
        expect(result.value).toEqual(valueOf(symbols[j]));
        if (result.source === 'l2') l2++;
      });
    }
    return { l2, missed };
  }

  function readOne(cache: BuiltCache, symbol: string): Promise<CacheResult<unknown>> {
    return cache.sut.wrapWithMeta('price', CacheKeys.price(symbol), (ctx) => {
      ctx.skipCache();
      return { missed: symbol };
    });
  }

  /** Reads through MGET of 5 keys at a time; throws on any value of another key. */
  async function readAllBatched(): Promise<void> {
    for (let i = 0; i < KEYS; i += 5) {
      const symbols = Array.from({ length: 5 }, (_, j) => symbolOf(i + j));
      const results: (CacheResult<unknown> | undefined)[] = await reader.sut.getManyWithMeta(symbols.map((s) => CacheKeys.price(s)));
      results.forEach((result, j) => result && expect(result.value).toEqual(valueOf(symbols[j])));
    }
  }

  /**
   * Time until a full round of reads through the proxy answers from L2 every key Redis still holds
   * (corrupt reads delete their key, so the writer, reading Redis directly, says which remain).
   */
  async function msUntilL2Serves(since: number): Promise<number> {
    await waitUntil(async () => {
      const held = (await readAll(writer)).l2;
      const got = await readAll();
      return held > 0 && got.l2 === held;
    }, 5000);
    return Date.now() - since;
  }

  it('reads every key right through a clean proxy (the proxy itself changes nothing)', async () => {
    expect(await readAll()).toEqual({ l2: KEYS, missed: 0 });
    expect(resets).toEqual([]);
  });

  it('one duplicated reply with reads queued behind it: the next read gets the previous key\'s entry, a counted miss, and the client is replaced', async () => {
    // A deadline no busy machine reaches: the queued reads must get their (shifted) replies, not time out first.
    const patient = await new CacheBuilder().withRedis(proxy.url).withEnv({ ...ENV, CACHE_L2_TIMEOUT_MS: '2000', REDIS_PREFIX: writer.prefix }).withL1({ maxEntries: 1 }).build();
    const patientResets: RedisResetReason[] = [];
    let patientMismatches = 0;
    patient.events.on('redisReset', ({ reason }) => patientResets.push(reason));
    patient.events.on('entryMismatch', () => patientMismatches++);
    await readAll(patient);
    proxy.faultNext('duplicate');

    const symbols = Array.from({ length: KEYS }, (_, i) => symbolOf(i));
    const results = await Promise.all(symbols.map((s) => readOne(patient, s)));

    results.forEach((result, i) => result.source === 'factory' || expect(result.value).toEqual(valueOf(symbols[i])));
    expect(patientMismatches).toBeGreaterThanOrEqual(1);
    expect(patientResets[0]).toBe('entry-key-mismatch');
    expect(patientResets).toHaveLength(1);
    expect(resets).toEqual([]);
    await patient.close();
  });

  it('one duplicated reply between batches of reads: no read returns another key, the client is replaced once, L2 serves again', async () => {
    await readAll();
    proxy.faultNext('duplicate');

    await readAll();
    await readAll();
    const cleanAt = Date.now();
    figures.duplicateBackOnL2Ms = await msUntilL2Serves(cleanAt);

    figures.duplicateResets = resets;
    expect(proxy.stats.faulted.duplicate).toBe(1);
    expect(resets.length).toBeGreaterThanOrEqual(1);
    expect(resets.length).toBeLessThanOrEqual(2);
    expect(reader.connection.resets.count).toBe(resets.length);
    expect(reader.connection.resets.last?.reason).toBe(resets.at(-1));
  });

  it('a bulk header that swallows every later reply (a stall): the client is replaced and L2 serves again', async () => {
    await readAll();
    proxy.injectNext(Buffer.from('$99999999\r\n'));

    // Reads time out (each a miss) until the breaker opens and its probe finds the connection silent.
    const started = Date.now();
    await waitUntil(async () => {
      await readAll();
      return resets.includes('stalled');
    }, 5000);
    figures.stallResetMs = Date.now() - started;
    figures.stallBackOnL2Ms = await msUntilL2Serves(Date.now());

    expect(resets).toContain('stalled');
  });

  it.each(['corrupt', 'truncate', 'duplicate', 'inject'] as const)(
    'a burst of %s on 30%% of replies for 0.8 s: never another key, resets counted, L2 back within seconds',
    async (fault) => {
      await readAll();
      proxy.startFaults({ faults: [fault], probability: 0.3, durationMs: 800 });

      let rounds = 0;
      // Bounded; reads answer at once while the client reconnects, so each round also waits a little.
      while (proxy.faulting && rounds++ < 300) {
        await Promise.all([readAll(), readAllBatched(), sleep(5)]);
      }
      const backMs = await msUntilL2Serves(Date.now());
      figures[fault] = { rounds, replies: proxy.stats.replies, faulted: proxy.stats.faulted[fault], resets: resets.length, mismatches, backOnL2Ms: backMs };

      expect(proxy.stats.faulted[fault]).toBeGreaterThan(0);
      // A flipped payload byte is caught by the checksum (a miss), not necessarily by a reset.
      if (fault !== 'corrupt') expect(resets.length).toBeGreaterThan(0);
      expect(backMs).toBeLessThan(3000);
    },
  );
});
