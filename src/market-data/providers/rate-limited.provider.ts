import type { Bar, HistoryQuery, Quote, SymbolInfo } from '../market-data.types';
import type { UpstreamRateBudget } from '../upstream-budget/upstream-rate-budget';
import { currentUpstreamPriority } from '../upstream-budget/upstream-priority';
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

  async getQuote(symbol: string): Promise<Quote> {
    await this.budget.acquire(currentUpstreamPriority());
    return this.inner.getQuote(symbol);
  }

  async getHistory(symbol: string, query: HistoryQuery): Promise<Bar[]> {
    await this.budget.acquire(currentUpstreamPriority());
    return this.inner.getHistory(symbol, query);
  }

  async getInfo(symbol: string): Promise<SymbolInfo> {
    await this.budget.acquire(currentUpstreamPriority());
    return this.inner.getInfo(symbol);
  }

  async listSymbols(market: string): Promise<SymbolInfo[]> {
    await this.budget.acquire(currentUpstreamPriority());
    return this.inner.listSymbols(market);
  }
}
