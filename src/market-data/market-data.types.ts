/** One OHLCV bar. `open`/`high`/`low` may be null: real feeds (and the S&P CSV) have gaps. */
export interface Bar {
  /** Trading day (or week start) as `YYYY-MM-DD`. */
  date: string;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number;
  volume: number;
}

export type BarInterval = '1d' | '1wk';
export type HistoryPeriod = '1mo' | '3mo' | '6mo' | '1y' | '2y' | '5y' | 'max';

export interface Quote {
  symbol: string;
  price: number;
  previousClose: number;
  change: number;
  changePercent: number;
  volume: number;
  /** ISO timestamp of the price. */
  asOf: string;
  currency: string;
}

export interface SymbolInfo {
  symbol: string;
  name: string;
  sector: string;
  industry: string;
  /** USD; `null` when the provider does not know it (never estimated, never a fake 0). */
  marketCap: number | null;
  exchange: string;
  currency: string;
}

export interface HistoryQuery {
  interval: BarInterval;
  period: HistoryPeriod;
}
