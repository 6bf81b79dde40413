import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { UpstreamUnavailableError } from '../../src/common/errors';
import { SyntheticMarketDataProvider } from '../../src/market-data/providers/synthetic.provider';
import { startApp } from '../support/app.builder';
import { parsePrometheus, valueOf, type PromSample } from '../support/prometheus-text';

const PRICE_ROUTE = '/api/v1/market/prices/:symbol';

async function scrape(app: NestFastifyApplication): Promise<{ text: string; samples: PromSample[] }> {
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  return { text: response.body, samples: parsePrometheus(response.body) };
}

describe('GET /metrics', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers Prometheus text with the cache, upstream and process series', async () => {
    const app = await startApp();

    const response = await app.inject({ method: 'GET', url: '/metrics' });

    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers['x-cache']).toBeUndefined();
    for (const series of ['mc_cache_breaker_state', 'mc_cache_backend', 'mc_cache_l1_entries', 'mc_cache_l1_bytes', 'mc_upstream_in_flight', 'process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds']) {
      expect(response.body).toMatch(new RegExp(`^${series}(\\{[^}]*\\})? `, 'm'));
    }
    const samples = parsePrometheus(response.body);
    // Redis is off in these apps: memory backend, breaker reported closed.
    expect(valueOf(samples, 'mc_cache_backend')).toBe(0);
    expect(valueOf(samples, 'mc_cache_breaker_state')).toBe(0);
  });

  it('moves with real traffic: a MISS then a HIT, a 404 and a 400', async () => {
    const app = await startApp();
    const before = (await scrape(app)).samples;

    const miss = await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' });
    const hit = await app.inject({ method: 'GET', url: '/api/v1/market/prices/AAPL' });
    const unmatched = await app.inject({ method: 'GET', url: '/no/such/route/AAPL' });
    const invalid = await app.inject({ method: 'GET', url: '/api/v1/market/prices/not!valid' });
    const { text, samples } = await scrape(app);

    expect([miss.headers['x-cache'], hit.headers['x-cache'], unmatched.statusCode, invalid.statusCode]).toEqual(['MISS', 'HIT-L1', 404, 400]);
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(samples, name, labels) - valueOf(before, name, labels);
    expect(delta('mc_cache_hits_total', { tier: 'l1', policy: 'price' })).toBeGreaterThanOrEqual(1);
    expect(delta('mc_cache_misses_total', { policy: 'price' })).toBeGreaterThanOrEqual(1);
    expect(delta('mc_cache_factory_runs_total', { policy: 'price' })).toBeGreaterThanOrEqual(1);
    expect(delta('mc_upstream_calls_total', { provider: 'synthetic', method: 'getQuote' })).toBe(1);
    expect(valueOf(samples, 'mc_cache_l1_entries')).toBeGreaterThan(0);
    expect(valueOf(samples, 'mc_cache_l1_bytes')).toBeGreaterThan(0);

    const httpCount = (route: string, status: string) =>
      valueOf(samples, 'mc_http_request_duration_seconds_count', { method: 'GET', route, status_code: status });
    expect(httpCount(PRICE_ROUTE, '200')).toBe(2);
    expect(httpCount(PRICE_ROUTE, '400')).toBe(1);
    expect(httpCount('unmatched', '404')).toBe(1);
    expect(httpCount('/metrics', '200')).toBe(1);

    // Bounded cardinality: no raw URL, symbol or key ever becomes a label value.
    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    expect(labelValues.filter((v) => /AAPL|not!valid|no\/such/.test(v))).toEqual([]);
    expect(text).not.toMatch(/AAPL/);
  });

  it('counts upstream failures, factory errors and stale serves', async () => {
    const app = await startApp({ CACHE_PRICE_TTL: '1', CACHE_GRACE_PERCENT: '10000' });
    const unknown = await app.inject({ method: 'GET', url: '/api/v1/market/prices/ZZZZZZZZ' });
    jest.spyOn(SyntheticMarketDataProvider.prototype, 'getQuote').mockRejectedValueOnce(new UpstreamUnavailableError('synthetic', 'down'));
    const failed = await app.inject({ method: 'GET', url: '/api/v1/market/prices/MSFT' });
    await app.inject({ method: 'GET', url: '/api/v1/market/prices/MSFT' });
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const stale = await app.inject({ method: 'GET', url: '/api/v1/market/prices/MSFT' });
    const { samples } = await scrape(app);

    expect([unknown.statusCode, failed.statusCode, stale.headers['x-cache']]).toEqual([404, 503, 'STALE']);
    const quote = { provider: 'synthetic', method: 'getQuote' };
    // An unknown symbol is an answer, not an upstream fault: calls 3 (unknown, failed, ok), failures 1.
    expect(valueOf(samples, 'mc_upstream_calls_total', quote)).toBeGreaterThanOrEqual(3);
    expect(valueOf(samples, 'mc_upstream_failures_total', quote)).toBe(1);
    expect(valueOf(samples, 'mc_cache_factory_errors_total', { policy: 'price' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'mc_cache_stale_total', { policy: 'price', reason: 'refreshing' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'mc_http_request_duration_seconds_count', { route: PRICE_ROUTE, status_code: '503' })).toBe(1);
  });

  it('keeps each app on its own registry', async () => {
    const first = await startApp();
    const second = await startApp();

    await first.inject({ method: 'GET', url: '/api/v1/market/prices/MSFT' });
    const { samples } = await scrape(second);

    expect(valueOf(samples, 'mc_upstream_calls_total', { provider: 'synthetic', method: 'getQuote' })).toBe(0);
  });
});
