import { Injectable } from '@nestjs/common';
import { CacheKeys, CacheService } from '../cache';
import { SymbolNotFoundError } from '../common/errors';
import type { BatchPricesResponse } from './market-data.dto';
import type { Quote } from './market-data.types';
import { MarketDataProvider } from './providers/market-data.provider';

/** Market data through the cache: the rules and the choice of policy live here. */
@Injectable()
export class MarketDataService {
  constructor(
    private readonly cache: CacheService,
    private readonly provider: MarketDataProvider,
  ) {}

  /** @throws SymbolNotFoundError */
  getPrice(symbol: string): Promise<Quote> {
    const normalized = symbol.toUpperCase();
    return this.cache.wrap('price', CacheKeys.price(normalized), () => this.provider.getQuote(normalized));
  }

  /** Cached quotes come from one MGET; only the misses reach the provider. */
  async getPrices(symbols: readonly string[]): Promise<BatchPricesResponse> {
    const cached = await this.cache.getMany<Quote>(symbols.map((s) => CacheKeys.price(s)));
    const prices: Quote[] = [];
    const unknown: string[] = [];
    await Promise.all(
      symbols.map(async (symbol, i) => {
        try {
          prices[i] = cached[i] ?? (await this.getPrice(symbol));
        } catch (error) {
          if (!(error instanceof SymbolNotFoundError)) throw error;
          unknown.push(symbol);
        }
      }),
    );
    return { prices: prices.filter(Boolean), unknown: unknown.sort() };
  }
}
