import { UpstreamRateLimitedError } from '../../common/errors';
import { runWithUpstreamPriority } from '../../common/upstream-priority';
import { UpstreamRateBudget } from '../upstream-budget/upstream-rate-budget';
import { RateLimitedMarketDataProvider } from './rate-limited.provider';
import { SyntheticMarketDataProvider } from './synthetic.provider';

const quiet = { warn: () => undefined, log: () => undefined };

describe('RateLimitedMarketDataProvider', () => {
  it('spends the budget at the caller priority and refuses past the wait with UPSTREAM_RATE_LIMITED', async () => {
    const budget = new UpstreamRateBudget({ provider: 'synthetic', ratePerSecond: 1, burst: 1, maxWaitMs: 0, logger: quiet });
    const provider = new RateLimitedMarketDataProvider(new SyntheticMarketDataProvider({ seed: 1, universeSize: 50 }), budget);
    await expect(provider.getQuote('AAPL')).resolves.toMatchObject({ symbol: 'AAPL' });
    const refused = await provider.getQuote('MSFT').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpstreamRateLimitedError);
    expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBe(1);
    const waiting = runWithUpstreamPriority('background', () => provider.getQuote('NVDA'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(budget.stats().waiting.background).toBe(1);
    await expect(waiting).resolves.toMatchObject({ symbol: 'NVDA' });
    budget.onModuleDestroy();
  });

  it("a vendor's 429 with Retry-After pauses the provider", async () => {
    const budget = new UpstreamRateBudget({ provider: 'polygon', ratePerSecond: 100, burst: 10, maxWaitMs: 0, logger: quiet });
    const inner = new SyntheticMarketDataProvider({ seed: 1, universeSize: 50 });
    jest.spyOn(inner, 'getQuote').mockRejectedValueOnce(new UpstreamRateLimitedError('polygon', 3000));
    const provider = new RateLimitedMarketDataProvider(inner, budget);
    await expect(provider.getQuote('AAPL')).rejects.toBeInstanceOf(UpstreamRateLimitedError);
    expect(budget.stats().pausedUntil).toBeGreaterThan(Date.now() + 2000);
    await expect(provider.getQuote('AAPL')).rejects.toThrow(/budget exhausted/);
  });
});
