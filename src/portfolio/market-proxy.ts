import { Injectable } from '@nestjs/common';
import type pLimit from 'p-limit';
import { SymbolNotFoundError } from '../common/errors';
import { MarketDataService } from '../market-data/market-data.service';
import type { Bar } from '../market-data/market-data.types';
import type { PortfolioLookback } from './portfolio-holdings';
import { equalWeightedReturns } from './portfolio-risk';

/**
 * The market for beta: an equal-weighted average of 20 large S&P 500 names across sectors.
 * Chosen because every provider has them (the synthetic universe has no SPY or index; the
 * S&P 2013-2018 CSV and its 50-name sample hold all 20), and 20 cached histories cost little,
 * where an index of the whole universe would cost ~500 history fetches per cold cache.
 */
export const MARKET_PROXY_SYMBOLS = [
  'AAPL', 'MSFT', 'AMZN', 'GOOGL', 'DIS', 'VZ', 'HD', 'JPM', 'BAC', 'WFC',
  'JNJ', 'PFE', 'UNH', 'XOM', 'CVX', 'PG', 'KO', 'PEP', 'WMT', 'HON',
] as const;
/** With fewer sample names available, beta is left null rather than measured against a few stocks. */
export const MIN_PROXY_SYMBOLS = 5;

type Limit = ReturnType<typeof pLimit>;

export interface MarketProxyReturns {
  symbols: string[];
  /** Sample names whose history failed upstream (not merely unknown): the proxy is then partial. */
  failed: number;
  /** Daily log return by date; empty when too few sample names exist. */
  returns: Map<string, number>;
}

@Injectable()
export class MarketProxy {
  constructor(private readonly marketData: MarketDataService) {}

  /** Histories come through the cached market-data service, bounded by the caller's `limit`. */
  async dailyReturns(lookback: PortfolioLookback, limit: Limit): Promise<MarketProxyReturns> {
    let failed = 0;
    const fetched = await Promise.all(
      MARKET_PROXY_SYMBOLS.map((symbol) =>
        limit(async (): Promise<[string, Bar[]] | null> => {
          try {
            return [symbol, await this.marketData.getHistory(symbol, { interval: '1d', period: lookback })];
          } catch (error) {
            // Beta is one figure among many: a proxy name that fails upstream degrades it, never the answer.
            if (!(error instanceof SymbolNotFoundError)) failed++;
            return null;
          }
        }),
      ),
    );
    const found = fetched.filter((entry): entry is [string, Bar[]] => entry !== null && entry[1].length > 1);
    if (found.length < MIN_PROXY_SYMBOLS) return { symbols: [], failed, returns: new Map() };
    return { symbols: found.map(([symbol]) => symbol), failed, returns: equalWeightedReturns(found.map(([, bars]) => bars)) };
  }
}
