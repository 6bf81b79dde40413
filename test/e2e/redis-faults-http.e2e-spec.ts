import { between, runLoad, summarize, type LoadSample } from '../support/http-load';
import { LatencyProxy } from '../support/latency-proxy';
import { cacheHealth, listenApp, type ListeningApp } from '../support/listening-app';
import { infoField, pollUntil, redisCli } from '../support/redis-cli';
import { RedisServer } from '../support/redis-server';

/**
 * Redis faults under load through the real app over real sockets: every answer must stay a 200
 * (the memory tier stands in), latency during the fault stays bounded by the L2 deadline, and the
 * app returns to Redis by itself. Figures are printed once per run for docs/RELIABILITY.md.
 */
const L2_DEADLINE_MS = 100;
const CONCURRENCY = 8;
// Generous, for a shared 2-core machine, yet below what a missing deadline would give: a freeze
// lasts FREEZE_MS, and without the deadline requests would wait all of it.
const P99_BOUND_MS = 1500;
const FREEZE_MS = 3000;
// Floors on request counts that still prove load ran during each phase on a busy machine.
const MIN_REQUESTS = 20;
const APP_ENV = {
  CACHE_L2_TIMEOUT_MS: String(L2_DEADLINE_MS),
  CACHE_BREAKER_OPEN_MS: '500',
  // A small L1, so most requests read L2 and a Redis fault is felt on the request path.
  CACHE_L1_MAX_ENTRIES: '50',
  UPSTREAM_MAX_CONCURRENCY: '64',
};

const figures: Record<string, unknown> = {};
afterAll(() => console.log(`redis faults over HTTP: ${JSON.stringify(figures)}`));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the time it took until /health reports Redis serving with a closed breaker. */
async function recoveryMs(app: ListeningApp, since: number, timeoutMs = 15_000): Promise<number> {
  await pollUntil(
    'back on Redis',
    async () => {
      const health = await cacheHealth(app);
      return health.backend === 'redis' && health.breaker === 'closed';
    },
    timeoutMs,
    25,
  );
  return Date.now() - since;
}

async function symbolsOf(app: ListeningApp, count: number): Promise<string[]> {
  const { body } = await app.json<{ symbols: { symbol: string }[] }>('/api/v1/market/tickers?market=sp500');
  return body.symbols.slice(0, count).map((s) => s.symbol);
}

/**
 * Answers really come from Redis again, not just a green probe: 60 symbols twice in a row (L1
 * holds 50 entries, two per symbol), so the second round's early symbols can only be L2 hits.
 */
async function l2HitsAfter(app: ListeningApp, symbols: readonly string[]): Promise<number> {
  const round = async () => {
    const cache: (string | null)[] = [];
    for (const symbol of symbols.slice(0, 60)) cache.push((await fetch(`${app.baseUrl}/api/v1/market/prices/${symbol}`)).headers.get('x-cache'));
    return cache;
  };
  await round();
  return (await round()).filter((x) => x === 'HIT-L2').length;
}

/** `mc_cache_l2_errors_total` summed per kind (`timeout`, `error`, `circuit-open`). */
async function l2ErrorsByKind(app: ListeningApp): Promise<Record<string, number>> {
  const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
  const byKind: Record<string, number> = {};
  for (const [, kind, value] of text.matchAll(/^mc_cache_l2_errors_total\{[^}]*kind="([^"]+)"[^}]*\} (\S+)$/gm)) {
    byKind[kind] = (byKind[kind] ?? 0) + Number(value);
  }
  return byKind;
}

function hits(samples: readonly LoadSample[], xCache: string): number {
  return samples.filter((s) => s.xCache === xCache).length;
}

describe('Redis faults under HTTP load (real app, real redis-server)', () => {
  let redis: RedisServer;
  let app: ListeningApp;
  let symbols: string[];
  const pricePath = (n: number) => `/api/v1/market/prices/${symbols[n % symbols.length]}`;

  afterEach(async () => {
    await app?.close();
    redis.resume();
    await redis.stop();
  });

  const boot = async (redisUrl: string) => {
    app = await listenApp({ ...APP_ENV, REDIS_URL: redisUrl });
    symbols = await symbolsOf(app, 300);
    await pollUntil('app on Redis', async () => (await cacheHealth(app)).backend === 'redis', 10_000, 25);
  };

  it('killed, then restarted: no failed request, bounded latency, back on Redis by itself', async () => {
    redis = await RedisServer.start();
    await boot(redis.url);
    const marks: Record<string, number> = {};
    const scenario = (async () => {
      await sleep(1500);
      marks.kill = Date.now();
      await redis.kill();
      await sleep(1500);
      marks.restart = Date.now();
      await redis.restart();
      figures.killRecoveryMs = await recoveryMs(app, marks.restart);
      marks.recovered = Date.now();
      await sleep(1500);
    })();

    const samples = await runLoad({ baseUrl: app.baseUrl, path: pricePath, concurrency: CONCURRENCY, until: scenario });
    await scenario;

    const before = summarize(between(samples, 0, marks.kill));
    const during = summarize(between(samples, marks.kill, marks.restart));
    const after = between(samples, marks.recovered, Infinity);
    const l2Hits = await l2HitsAfter(app, symbols);
    figures.kill = { before, during, after: summarize(after), all: summarize(samples), l2HitsOf60After: l2Hits };
    expect(summarize(samples).errors).toBe(0);
    expect(before.requests).toBeGreaterThan(MIN_REQUESTS);
    expect(during.requests).toBeGreaterThan(MIN_REQUESTS);
    expect(during.p99Ms).toBeLessThan(P99_BOUND_MS);
    expect(l2Hits).toBeGreaterThan(0);
  });

  it('frozen (SIGSTOP) for 3 s: no failed request, p99 bounded by the deadline, recovers on SIGCONT', async () => {
    redis = await RedisServer.start();
    await boot(redis.url);
    const marks: Record<string, number> = {};
    const scenario = (async () => {
      await sleep(1500);
      marks.freeze = Date.now();
      redis.freeze();
      await sleep(FREEZE_MS);
      // A short freeze after a busy healthy period may not open the breaker (see the latency test).
      figures.freezeBreakerAtEnd = (await cacheHealth(app)).breaker;
      marks.resume = Date.now();
      redis.resume();
      figures.freezeRecoveryMs = await recoveryMs(app, marks.resume);
      marks.recovered = Date.now();
      await sleep(1000);
    })();

    const samples = await runLoad({ baseUrl: app.baseUrl, path: pricePath, concurrency: CONCURRENCY, until: scenario });
    await scenario;

    const during = summarize(between(samples, marks.freeze, marks.resume));
    const after = summarize(between(samples, marks.recovered, Infinity));
    const l2Hits = await l2HitsAfter(app, symbols);
    figures.freeze = { before: summarize(between(samples, 0, marks.freeze)), during, after, l2HitsOf60After: l2Hits };
    expect(summarize(samples).errors).toBe(0);
    expect(during.requests).toBeGreaterThan(MIN_REQUESTS);
    expect(during.p99Ms).toBeLessThan(P99_BOUND_MS);
    // Nothing waits on a stampede lease that a timed-out SET NX left behind (distributed-lock.ts).
    expect(after.p99Ms).toBeLessThan(P99_BOUND_MS);
    expect(l2Hits).toBeGreaterThan(0);
  });

  describe('slowed by a latency proxy', () => {
    let proxy: LatencyProxy;

    afterEach(async () => {
      await proxy.close();
    });

    it('below the deadline: still served from L2; above it: deadline holds, breaker opens, memory serves; recovers when latency goes', async () => {
      redis = await RedisServer.start();
      proxy = await LatencyProxy.start(redis.port);
      await boot(proxy.url);

      // Below: 2 x 15 ms per round trip, well inside the 100 ms deadline, over keys already in L2
      // (100 symbols: twice what L1 holds, so reads go to L2).
      symbols = symbols.slice(0, 100);
      await runLoad({ baseUrl: app.baseUrl, path: pricePath, concurrency: CONCURRENCY, until: sleep(1000) });
      proxy.latencyMs = 15;
      const below = await runLoad({ baseUrl: app.baseUrl, path: pricePath, concurrency: CONCURRENCY, until: sleep(2000) });
      const belowHealth = await cacheHealth(app);

      // Above: 2 x 150 ms per round trip, three times the deadline. The breaker opens once timeouts
      // reach half the calls of its rolling window (10 s by default), which the busy healthy
      // period just before filled with successes: until then every L2 call costs the deadline.
      proxy.latencyMs = 150;
      const slowFrom = Date.now();
      let openedAt = 0;
      const scenario = (async () => {
        await pollUntil('breaker open', async () => (await cacheHealth(app)).breaker !== 'closed', 20_000, 25);
        openedAt = Date.now();
        await sleep(1500);
      })();
      const above = await runLoad({ baseUrl: app.baseUrl, path: pricePath, concurrency: CONCURRENCY, until: scenario });
      await scenario;
      const aboveHealth = await cacheHealth(app);
      const slow = summarize(between(above, slowFrom, openedAt));
      const open = summarize(between(above, openedAt, Infinity));

      proxy.latencyMs = 0;
      const cleared = Date.now();
      const recovery = await recoveryMs(app, cleared);
      const after = await runLoad({ baseUrl: app.baseUrl, path: pricePath, concurrency: CONCURRENCY, until: sleep(1000) });

      figures.latency = {
        below: { ...summarize(below), hitL2: hits(below, 'HIT-L2'), breaker: belowHealth.breaker },
        aboveBeforeBreakerOpen: { ...slow, breakerOpenedAfterMs: openedAt - slowFrom },
        aboveBreakerOpen: { ...open, backend: aboveHealth.backend },
        recoveryMs: recovery,
        after: { ...summarize(after), hitL2: hits(after, 'HIT-L2') },
      };
      expect(summarize([...below, ...above, ...after]).errors).toBe(0);
      expect(hits(below, 'HIT-L2')).toBeGreaterThan(0);
      expect(belowHealth).toMatchObject({ backend: 'redis', breaker: 'closed', degraded: false });
      // Without the deadline one request would wait at least two 300 ms round trips (two L2 reads).
      expect(slow.p50Ms).toBeLessThan(600);
      expect(slow.p99Ms).toBeLessThan(P99_BOUND_MS);
      expect(open.requests).toBeGreaterThan(MIN_REQUESTS);
      expect(open.p99Ms).toBeLessThan(P99_BOUND_MS);
      expect(aboveHealth).toMatchObject({ backend: 'memory', degraded: true });
      expect(hits(after, 'HIT-L2')).toBeGreaterThan(0);
    }, 60_000);
  });

  it('at maxmemory with allkeys-lru evicting our keys: every answer correct, misses recomputed, no error', async () => {
    redis = await RedisServer.start(['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru']);
    await boot(redis.url);
    const reference = await listenApp({ REDIS_ENABLED: 'false' });
    try {
      const historyPath = (n: number) => `/api/v1/market/history/${symbols[n % symbols.length]}?period=1y`;
      const samples = await runLoad({ baseUrl: app.baseUrl, path: historyPath, concurrency: CONCURRENCY, until: sleep(4000) });
      const stats = await redisCli(redis.port, ['info', 'stats']);
      const evicted = Number(infoField(stats, 'evicted_keys'));

      // Evicted entries are recomputed, and equal what a Redis-less app computes.
      const checked = symbols.slice(0, 30);
      const answers = await Promise.all(
        checked.map(async (symbol) => {
          const path = `/api/v1/market/history/${symbol}?period=1y`;
          const [ours, theirs] = await Promise.all([fetch(app.baseUrl + path), fetch(reference.baseUrl + path)]);
          return { symbol, xCache: ours.headers.get('x-cache'), same: (await ours.text()) === (await theirs.text()) };
        }),
      );

      const l2Errors = await l2ErrorsByKind(app);
      figures.eviction = { ...summarize(samples), evictedKeys: evicted, misses: hits(samples, 'MISS'), l2Errors };
      expect(evicted).toBeGreaterThan(0);
      expect(summarize(samples).errors).toBe(0);
      expect(answers.filter((a) => !a.same)).toEqual([]);
      // Eviction makes room for every write: Redis never refused one (OOM would count as `error`).
      // Timeouts may occur on a loaded machine (big values, eviction work) and open the breaker.
      expect(l2Errors.error ?? 0).toBe(0);
    } finally {
      await reference.close();
    }
  });
});
