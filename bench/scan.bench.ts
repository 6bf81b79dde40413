/**
 * Universe scan, 5,000 symbols: cold, then warm (per-symbol records cached, new request), then
 * repeated (whole answer cached), and warm from Redis with a cold L1 (a fresh replica). Run once on
 * the synthetic provider and once against a local Polygon-format mock answering after 50 ms with
 * at most 20 calls in flight. `npm run bench:scan`; writes the "Universe scan" section of docs/BENCHMARKS.md.
 */
import { SyntheticMarketDataProvider } from '../src/market-data/providers/synthetic.provider';
import { PolygonMockServer } from '../test/support/polygon-mock.server';
import { RedisServer } from '../test/support/redis-server';
import { listenBenchApp } from './bench-app';
import { environment, recordTargets, table, writeSection } from './report';

const UNIVERSE = 5_000;
const MOCK_LATENCY_MS = 50;
const MOCK_MAX_IN_FLIGHT = 20;
// Daily bars the medium horizon reads (2y) plus margin; the mock keeps no more, to stay small.
const MOCK_BARS = 560;

interface Run {
  ms: number;
  scanned: number;
  upstreamCalls: number;
  servedFromCache: boolean;
}

async function post(url: string, body: object): Promise<Run> {
  const started = performance.now();
  const response = await fetch(`${url}/api/v1/scans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.json()) as { stats: { scanned: number; upstreamCalls: number }; servedFromCache: boolean };
  if (!response.ok) throw new Error(`scan failed: ${response.status} ${JSON.stringify(json)}`);
  return { ms: performance.now() - started, scanned: json.stats.scanned, upstreamCalls: json.stats.upstreamCalls, servedFromCache: json.servedFromCache };
}

/**
 * Cold, warm, repeated on one replica; then warm from L2 on a second replica with a cold L1.
 * Upstream calls: as the service counts them, or, when given, as the upstream itself counted them.
 */
async function scenario(env: Record<string, string>, upstreamCounter?: () => number): Promise<Record<string, Run>> {
  const request = { universe: 'all', limit: 50 };
  // Both replicas share one prefix (and so one L2), distinct from other scenarios'.
  const shared = { ...env, REDIS_PREFIX: `bench${Date.now()}:` };
  const first = await listenBenchApp(shared);
  const second = await listenBenchApp(shared);
  const measured = async (url: string, body: object) => {
    const before = upstreamCounter?.() ?? 0;
    const run = await post(url, body);
    if (upstreamCounter) run.upstreamCalls = upstreamCounter() - before;
    return run;
  };
  const runs: Record<string, Run> = {};
  runs.cold = await measured(first.url, request);
  runs.warm = await measured(first.url, { ...request, limit: 51 });
  runs.repeat = await measured(first.url, { ...request, limit: 51 });
  runs.warmFromL2 = await measured(second.url, { ...request, limit: 52 });
  await Promise.all([first.app.close(), second.app.close()]);
  return runs;
}

async function main(): Promise<void> {
  const redis = await RedisServer.start();
  const base = { REDIS_ENABLED: 'true', REDIS_URL: redis.url, SYNTHETIC_UNIVERSE_SIZE: String(UNIVERSE) };
  try {
    const synthetic = await scenario(base);

    const mock = await PolygonMockServer.start({ latencyMs: MOCK_LATENCY_MS, maxInFlight: MOCK_MAX_IN_FLIGHT, apiKey: 'bench-key' });
    const generator = new SyntheticMarketDataProvider({ seed: 42, universeSize: UNIVERSE });
    for (const info of await generator.listSymbols('all')) {
      const bars = await generator.getHistory(info.symbol, { interval: '1d', period: '5y' });
      mock.setBars(info.symbol, bars.slice(-MOCK_BARS));
    }
    const polygonEnv = {
      ...base,
      MARKET_DATA_PROVIDER: 'polygon',
      POLYGON_BASE_URL: mock.baseUrl,
      POLYGON_API_KEY: 'bench-key',
      UPSTREAM_MAX_CONCURRENCY: String(MOCK_MAX_IN_FLIGHT),
    };
    const polygon = await scenario(polygonEnv, () => mock.calls);
    await mock.close();

    const rows = [
      ...Object.entries(synthetic).map(([name, r]) => ['synthetic', name, r.scanned, r.ms.toFixed(0), r.servedFromCache ? 'whole answer' : '-', r.upstreamCalls]),
      ...Object.entries(polygon).map(([name, r]) => ['polygon mock', name, r.scanned, r.ms.toFixed(0), r.servedFromCache ? 'whole answer' : '-', r.upstreamCalls]),
    ];
    const speedup = (runs: Record<string, Run>) => (runs.cold.ms / runs.warm.ms).toFixed(0);
    const body = [
      `5,000 symbols, horizon medium, against a private redis-server; mock upstream: ${MOCK_LATENCY_MS} ms per call, ≤ ${MOCK_MAX_IN_FLIGHT} in flight (429 beyond).`,
      '`warm` = new request (limit changed) over cached per-symbol records; `repeat` = same request again (whole answer cached); `warmFromL2` = a second replica with a cold L1 and the same Redis.',
      '',
      table(['provider', 'run', 'symbols', 'ms', 'cache', 'upstream calls'], rows),
      '',
      `Warm vs cold: synthetic ${speedup(synthetic)}x, polygon mock ${speedup(polygon)}x. Targets: warm ≤ 1,000 ms with 0 upstream calls; ≥ 50x faster than cold against the mock.`,
      '',
      environment(),
    ].join('\n');
    console.log(body);
    writeSection('Universe scan', body);
    const { cold, warm, warmFromL2 } = polygon;
    recordTargets('scan', [
      {
        scenario: 'scan of 5,000 symbols, warm vs cold, mock upstream (50 ms, 20 in flight)',
        comparedWith: 'itself cold',
        target: 'warm ≤ 1 s and ≥ 50x faster; 0 upstream calls warm',
        measured: `cold ${cold.ms.toFixed(0)} ms (${cold.upstreamCalls} calls), warm ${warm.ms.toFixed(0)} ms (${warm.upstreamCalls} calls, ${speedup(polygon)}x), second replica from L2 ${warmFromL2.ms.toFixed(0)} ms (${warmFromL2.upstreamCalls} calls)`,
        met: warm.ms <= 1_000 && cold.ms / warm.ms >= 50 && warm.upstreamCalls === 0 && warmFromL2.upstreamCalls === 0 && warmFromL2.ms <= 1_000,
      },
    ]);
  } finally {
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
