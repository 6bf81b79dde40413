import type { Bar, HistoryQuery, Quote, SymbolInfo } from '../market-data.types';

/**
 * The L3 behind the cache: every upstream (synthetic, csv, polygon, yahoo) implements this.
 * An abstract class so it doubles as the DI token. Implementations throw domain errors from
 * `common/errors.ts` (SymbolNotFoundError, Upstream*Error), never HTTP exceptions.
 */
export abstract class MarketDataProvider {
  /** Short name used in logs, metrics and `/health` (e.g. `synthetic`). */
  abstract readonly name: string;

  /** Latest quote. @throws SymbolNotFoundError */
  abstract getQuote(symbol: string): Promise<Quote>;

  /** Bars ascending by date, covering `period` back from the latest bar. @throws SymbolNotFoundError */
  abstract getHistory(symbol: string, query: HistoryQuery): Promise<Bar[]>;

  /** Descriptive data. @throws SymbolNotFoundError */
  abstract getInfo(symbol: string): Promise<SymbolInfo>;

  /** The symbols of a market/universe (e.g. `all`, `sp500`); unknown market gives []. */
  abstract listSymbols(market: string): Promise<SymbolInfo[]>;
}
