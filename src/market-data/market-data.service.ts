import { Injectable } from '@nestjs/common';
import { CacheKeys, CacheService, symbolTag } from '../cache';
import { SymbolNotFoundError } from '../common/errors';
import type { BatchPricesResponse } from './market-data.dto';
import type { Bar, HistoryQuery, Quote, SymbolInfo } from './market-data.types';
import { PriceFeed } from './price-feed';
import { MarketDataProvider } from './providers/market-data.provider';
import { UnknownSymbolBudget } from './unknown-symbol-budget';
import { UnknownSymbols } from './unknown-symbols';

/** Market data through the cache: the rules and the choice of policy live here. */
@Injectable()
export class MarketDataService {
  constructor(
    private readonly cache: CacheService,
    private readonly provider: MarketDataProvider,
    private readonly priceFeed: PriceFeed,
    private readonly unknownSymbols: UnknownSymbols,
  ) {}

  /** @throws SymbolNotFoundError */
  getPrice(symbol: string): Promise<Quote> {
    const normalized = symbol.toUpperCase();
    return this.cache.wrap('price', CacheKeys.price(normalized), () => this.fetchQuote(normalized));
  }

  /** A fresh quote from the provider (never the cache), written to the cache for the readers after us. @throws SymbolNotFoundError */
  async refreshPrice(symbol: string): Promise<Quote> {
    const normalized = symbol.toUpperCase();
    const quote = await this.fetchQuote(normalized);
    await this.cache.set('price', CacheKeys.price(normalized), quote, { tags: [symbolTag(normalized)] });
    return quote;
  }

  /** Bars ascending by date. @throws SymbolNotFoundError */
  getHistory(symbol: string, query: HistoryQuery): Promise<Bar[]> {
    const normalized = symbol.toUpperCase();
    return this.cache.wrap(this.historyPolicy(query), CacheKeys.history(normalized, query.interval, query.period), () =>
      this.unknownSymbols.lookup(normalized, () => this.provider.getHistory(normalized, query)),
    );
  }

  /** @throws SymbolNotFoundError */
  getInfo(symbol: string): Promise<SymbolInfo> {
    const normalized = symbol.toUpperCase();
    return this.cache.wrap('info', CacheKeys.info(normalized), () =>
      this.unknownSymbols.lookup(normalized, () => this.provider.getInfo(normalized)),
    );
  }

  /** The symbols of a market; an unknown market is an empty list. */
  listSymbols(market: string): Promise<SymbolInfo[]> {
    return this.cache.wrap('tickers', CacheKeys.tickers(market), () => this.provider.listSymbols(market));
  }

  /** Which of `symbols` the provider is remembered not to know (negative cache; no upstream call). */
  unknownAmong(symbols: readonly string[]): Promise<Set<string>> {
    return this.unknownSymbols.rememberedAmong(symbols.map((s) => s.toUpperCase()));
  }

  /**
   * Cached quotes come from one MGET; only the misses reach the provider.
   * @throws TooManyUnknownSymbolsError past MAX_UNKNOWN_SYMBOLS_PER_REQUEST unknown symbols
   */
  async getPrices(symbols: readonly string[]): Promise<BatchPricesResponse> {
    const cached = await this.cache.getMany<Quote>(symbols.map((s) => CacheKeys.price(s)));
    const prices: Quote[] = [];
    const unknown: string[] = [];
    const budget = new UnknownSymbolBudget();
    await Promise.all(
      symbols.map(async (symbol, i) => {
        try {
          prices[i] = cached[i] ?? (await this.getPrice(symbol));
        } catch (error) {
          if (!(error instanceof SymbolNotFoundError)) throw error;
          unknown.push(symbol);
          budget.add(symbol);
        }
      }),
    );
    return { prices: prices.filter(Boolean), unknown: unknown.sort() };
  }

  // Every provider quote goes to the price feed: price alerts see warmups and reads, not only their own poll.
  private async fetchQuote(symbol: string): Promise<Quote> {
    const quote = await this.unknownSymbols.lookup(symbol, () => this.provider.getQuote(symbol));
    this.priceFeed.publish(quote);
    return quote;
  }

  // Daily and weekly bars change once a day; only intraday intervals would use the short policy.
  private historyPolicy(query: HistoryQuery): 'history' | 'historyIntraday' {
    return query.interval === '1d' || query.interval === '1wk' ? 'history' : 'historyIntraday';
  }
}
