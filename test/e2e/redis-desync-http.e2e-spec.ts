import { SyntheticMarketDataProvider } from '../../src/market-data/providers/synthetic.provider';
import { CorruptingProxy } from '../support/corrupting-proxy';
import { cacheHealth, listenApp, type ListeningApp } from '../support/listening-app';
import { pollUntil } from '../support/redis-cli';
import { RedisServer } from '../support/redis-server';

/**
 * Issue 14, item 4: a desynchronised Redis connection served one symbol's quote under another's
 * name (15 of 300 symbols, HIT-L2, then copied into L1). Here the real app talks to a real
 * `redis-server` through a proxy that corrupts, truncates, duplicates and injects replies; every
 * answer is checked against what an app without Redis answers for the same symbol. The synthetic
 * quote moves each minute, so the oracle is the app's provider (default seed and universe) at the
 * answer's own `asOf`, checked first against a Redis-less app's answers.
 */
const SYMBOLS = 300;
const CONCURRENCY = 8;
const FAULT_WINDOW_MS = 3000;
const APP_ENV = {
  CACHE_L2_TIMEOUT_MS: '100',
  CACHE_BREAKER_OPEN_MS: '500',
  // Far fewer L1 entries than symbols (two entries each: the quote and its HTTP response), so answers come from L2.
  CACHE_L1_MAX_ENTRIES: '50',
  REDIS_CONNECT_TIMEOUT_MS: '500',
  UPSTREAM_MAX_CONCURRENCY: '64',
};

interface Quote {
  symbol: string;
  price: number;
  previousClose: number;
  volume: number;
  asOf: string;
}

let oracleNow = new Date();
const oracle = new SyntheticMarketDataProvider({ seed: 42, universeSize: 5000, clock: () => oracleNow });

/** The quote a Redis-less app gives for `symbol` at `asOf`. */
async function truthOf(symbol: string, asOf: string): Promise<Quote> {
  oracleNow = new Date(asOf);
  return (await oracle.getQuote(symbol)) as Quote;
}

function parsed(text: string): Quote | undefined {
  try {
    return JSON.parse(text) as Quote;
  } catch {
    return undefined;
  }
}

function sameQuote(a: Quote, b: Quote): boolean {
  return a.symbol === b.symbol && a.price === b.price && a.previousClose === b.previousClose && a.volume === b.volume;
}

const figures: Record<string, unknown> = {};
afterAll(() => console.log(`redis desync over HTTP: ${JSON.stringify(figures)}`));

describe('Corrupted Redis replies through the real app (real redis-server, corrupting proxy)', () => {
  let redis: RedisServer;
  let proxy: CorruptingProxy;
  let app: ListeningApp;
  let symbols: string[];

  beforeAll(async () => {
    // The oracle agrees with an app without Redis on every symbol used here.
    const reference = await listenApp({ REDIS_ENABLED: 'false' });
    try {
      const { body } = await reference.json<{ symbols: { symbol: string }[] }>('/api/v1/market/tickers?market=sp500');
      symbols = body.symbols.slice(0, SYMBOLS).map((s) => s.symbol);
      for (const symbol of symbols) {
        const answer = (await reference.json<Quote>(`/api/v1/market/prices/${symbol}`)).body;
        expect(sameQuote(answer, await truthOf(symbol, answer.asOf))).toBe(true);
      }
    } finally {
      await reference.close();
    }
    redis = await RedisServer.start();
    proxy = await CorruptingProxy.start(redis.port, 14);
    app = await listenApp({ ...APP_ENV, REDIS_URL: proxy.url });
    await pollUntil('app on Redis', async () => (await cacheHealth(app)).backend === 'redis', 10_000, 25);
  });

  afterAll(async () => {
    await app?.close();
    await proxy?.close();
    await redis?.stop();
  });

  /** Fetches `list` with CONCURRENCY workers; records any answer that is not the requested symbol's quote. */
  async function fetchAll(list: readonly string[], wrong: string[]): Promise<Record<string, number>> {
    const xCache: Record<string, number> = {};
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const symbol = list[next++];
        const response = await fetch(`${app.baseUrl}/api/v1/market/prices/${symbol}`);
        const cache = response.headers.get('x-cache') ?? 'none';
        xCache[cache] = (xCache[cache] ?? 0) + 1;
        const text = await response.text();
        const body = parsed(text);
        if (!body) {
          wrong.push(`${symbol} answered ${response.status} unparsable ${JSON.stringify(text.slice(0, 80))} (${cache})`);
        } else if (response.status !== 200 || body.symbol !== symbol || !sameQuote(body, await truthOf(symbol, body.asOf))) {
          wrong.push(`${symbol} answered ${response.status} ${body.symbol} ${body.price} (${cache})`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return xCache;
  }

  async function metric(name: string): Promise<number> {
    const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
    return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, [, value]) => sum + Number(value), 0);
  }

  it('no answer ever carries another symbol\'s data; resets are counted and shown; L2 serves again within seconds of a clean stream', async () => {
    const wrong: string[] = [];
    // Warm L2 through a clean proxy, then read once more: answers now come from L2.
    await fetchAll(symbols, wrong);
    const warm = await fetchAll(symbols, wrong);
    expect(warm['HIT-L2']).toBeGreaterThan(SYMBOLS / 2);

    proxy.startFaults({ faults: ['corrupt', 'truncate', 'duplicate', 'inject'], probability: 0.2, durationMs: FAULT_WINDOW_MS });
    const during: Record<string, number>[] = [];
    for (let round = 0; round < 20 && proxy.faulting; round++) during.push(await fetchAll(symbols, wrong));
    const cleanAt = Date.now();

    // Back on L2: a pass over 60 symbols (more than L1 holds) answers mostly HIT-L2.
    let backOnL2Ms: number | undefined;
    for (let pass = 0; pass < 200 && Date.now() - cleanAt < 10_000; pass++) {
      const after = await fetchAll(symbols.slice(0, 60), wrong);
      if ((after['HIT-L2'] ?? 0) >= 30) {
        backOnL2Ms = Date.now() - cleanAt;
        break;
      }
    }
    const health = await cacheHealth(app);
    const resetsMetric = await metric('mc_redis_client_resets_total');
    figures.run = {
      replies: proxy.stats.replies,
      faulted: proxy.stats.faulted,
      roundsDuringFaults: during.length,
      answersDuringFaults: during.reduce((n, x) => n + Object.values(x).reduce((a, b) => a + b, 0), 0),
      hitL2DuringFaults: during.reduce((n, x) => n + (x['HIT-L2'] ?? 0), 0),
      wrongAnswers: wrong.length,
      wrongSample: wrong.slice(0, 5),
      resets: health.redis.resets,
      lastReset: health.redis.lastReset?.reason,
      entryMismatches: await metric('mc_cache_entry_mismatch_total'),
      backOnL2Ms,
    };

    expect(wrong).toEqual([]);
    expect(Object.values(proxy.stats.faulted).every((n) => n > 0)).toBe(true);
    expect(health.redis.resets).toBeGreaterThan(0);
    expect(health.redis.lastReset?.reason).toMatch(/^(protocol-error|reply-mismatch|entry-key-mismatch|stalled)$/);
    expect(resetsMetric).toBe(health.redis.resets);
    expect(health.backend).toBe('redis');
    expect(backOnL2Ms).toBeLessThan(5000);
  });
});
