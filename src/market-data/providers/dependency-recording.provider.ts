import type { CacheService } from '../../cache';
import type { Bar, HistoryQuery, Quote, SymbolInfo } from '../market-data.types';
import { MarketDataProvider } from './market-data.provider';

/**
 * Tells the cache which symbol each upstream read was for, so the entry a factory builds from it
 * (and, through the dependency tracker, everything derived from that entry) carries the symbol's
 * tag and goes when the symbol is invalidated. A universe list depends on every symbol.
 * Outermost in the provider chain, so a read answered by the disk tier counts too.
 */
export class DependencyRecordingMarketDataProvider extends MarketDataProvider {
  override readonly name: string;

  constructor(
    private readonly inner: MarketDataProvider,
    private readonly cache: Pick<CacheService, 'dependsOnSymbol' | 'dependsOnEverySymbol'>,
  ) {
    super();
    this.name = inner.name;
  }

  getQuote(symbol: string): Promise<Quote> {
    this.cache.dependsOnSymbol(symbol);
    return this.inner.getQuote(symbol);
  }

  getHistory(symbol: string, query: HistoryQuery): Promise<Bar[]> {
    this.cache.dependsOnSymbol(symbol);
    return this.inner.getHistory(symbol, query);
  }

  getInfo(symbol: string): Promise<SymbolInfo> {
    this.cache.dependsOnSymbol(symbol);
    return this.inner.getInfo(symbol);
  }

  listSymbols(market: string): Promise<SymbolInfo[]> {
    this.cache.dependsOnEverySymbol();
    return this.inner.listSymbols(market);
  }
}
