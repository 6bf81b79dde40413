import { UpstreamRateLimitedError } from '../../common/errors';
import type { Bar, HistoryQuery, Quote, SymbolInfo } from '../market-data.types';
import { UpstreamBudgetExhaustedError } from '../upstream-budget/upstream-budget.errors';
import type { UpstreamRateBudget } from '../upstream-budget/upstream-rate-budget';
import { currentUpstreamPriority } from '../../common/upstream-priority';
import { MarketDataProvider } from './market-data.provider';

/**
 * Spends the provider's upstream rate budget (`UpstreamRateBudget`, shared by every replica) before
 * each call, at the caller's priority (`runWithUpstreamPriority`; interactive by default). Sits
 * outside the concurrency limit, so a call waiting for budget holds no in-flight slot, and inside
 * the disk tier, so a disk hit spends nothing. A call that would wait longer than its class allows
 * throws `UpstreamRateLimitedError`: the cache then serves the stale value where one exists, else a 503 with Retry-After.
 */
export class RateLimitedMarketDataProvider extends MarketDataProvider {
  override readonly name: string;

  constructor(
    private readonly inner: MarketDataProvider,
    readonly budget: UpstreamRateBudget,
  ) {
    super();
    this.name = inner.name;
  }

  getQuote(symbol: string): Promise<Quote> {
    return this.spend(() => this.inner.getQuote(symbol));
  }

  getHistory(symbol: string, query: HistoryQuery): Promise<Bar[]> {
    return this.spend(() => this.inner.getHistory(symbol, query));
  }

  getInfo(symbol: string): Promise<SymbolInfo> {
    return this.spend(() => this.inner.getInfo(symbol));
  }

  listSymbols(market: string): Promise<SymbolInfo[]> {
    return this.spend(() => this.inner.listSymbols(market));
  }

  private async spend<T>(call: () => Promise<T>): Promise<T> {
    await this.budget.acquire(currentUpstreamPriority());
    try {
      return await call();
    } catch (error) {
      // The vendor's own 429 with a Retry-After pauses the provider for every replica (a client may already have).
      if (error instanceof UpstreamRateLimitedError && !(error instanceof UpstreamBudgetExhaustedError) && error.retryAfterMs) {
        await this.budget.pause(error.retryAfterMs);
      }
      throw error;
    }
  }
}
