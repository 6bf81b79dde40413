import { InvalidArgumentError, SymbolNotFoundError } from '../../common/errors';
import type { Bar, HistoryQuery, Quote, SymbolInfo } from '../market-data.types';
import { MarketDataProvider } from './market-data.provider';

export type ProviderMethod = 'getQuote' | 'getHistory' | 'getInfo' | 'listSymbols';

export interface MethodStats {
  calls: number;
  failures: number;
}

export interface LimitedProviderStats {
  /** Calls made (started or still queued), all methods. */
  calls: number;
  /** Calls that threw anything but SymbolNotFoundError (an unknown symbol is an answer, not a fault). */
  failures: number;
  /** Calls running upstream right now; never above the limit. */
  inFlight: number;
  /** Calls waiting for a slot, served first in, first out. */
  queued: number;
  byMethod: Record<ProviderMethod, MethodStats>;
}

/**
 * Decorates any provider with a bound on concurrent upstream calls (a FIFO semaphore: a cold
 * scan of 5,000 symbols must not open 5,000 requests) and with call/failure counters that
 * health and metrics read. The wait list holds one entry per waiting caller and nothing else.
 */
export class LimitedMarketDataProvider extends MarketDataProvider {
  override readonly name: string;
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  private readonly counts: Record<ProviderMethod, MethodStats> = {
    getQuote: { calls: 0, failures: 0 },
    getHistory: { calls: 0, failures: 0 },
    getInfo: { calls: 0, failures: 0 },
    listSymbols: { calls: 0, failures: 0 },
  };

  constructor(
    private readonly inner: MarketDataProvider,
    private readonly maxConcurrency: number,
  ) {
    super();
    if (!Number.isSafeInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new InvalidArgumentError(`maxConcurrency must be a positive integer, got ${maxConcurrency}`);
    }
    this.name = inner.name;
  }

  getQuote(symbol: string): Promise<Quote> {
    return this.run('getQuote', () => this.inner.getQuote(symbol));
  }

  getHistory(symbol: string, query: HistoryQuery): Promise<Bar[]> {
    return this.run('getHistory', () => this.inner.getHistory(symbol, query));
  }

  getInfo(symbol: string): Promise<SymbolInfo> {
    return this.run('getInfo', () => this.inner.getInfo(symbol));
  }

  listSymbols(market: string): Promise<SymbolInfo[]> {
    return this.run('listSymbols', () => this.inner.listSymbols(market));
  }

  stats(): LimitedProviderStats {
    const byMethod = Object.fromEntries(Object.entries(this.counts).map(([m, s]) => [m, { ...s }])) as Record<ProviderMethod, MethodStats>;
    const all = Object.values(this.counts);
    return {
      calls: all.reduce((sum, s) => sum + s.calls, 0),
      failures: all.reduce((sum, s) => sum + s.failures, 0),
      inFlight: this.running,
      queued: this.waiting.length,
      byMethod,
    };
  }

  private async run<T>(method: ProviderMethod, call: () => Promise<T>): Promise<T> {
    this.counts[method].calls++;
    await this.acquire();
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof SymbolNotFoundError)) this.counts[method].failures++;
      throw error;
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.maxConcurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `running` never dips and lets a newcomer jump the queue.
    if (next) next();
    else this.running--;
  }
}
