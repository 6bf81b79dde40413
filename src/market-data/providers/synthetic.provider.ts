import { LRUCache } from 'lru-cache';
import { InvalidArgumentError, SymbolNotFoundError } from '../../common/errors';
import type { Bar, HistoryQuery, Quote, SymbolInfo } from '../market-data.types';
import { periodBars } from './bar-windows';
import { MarketDataProvider } from './market-data.provider';
import { sessionOf } from '../../market-calendar/us-equity-calendar';
import { tradingPosition } from './synthetic-calendar';
import { GICS_SECTORS, sectorSlug } from './synthetic-names';
import { SeededRandom } from './synthetic-random';
import { aggregateWeekly, generateDailySeries, roundPrice, totalVolatility, type DailySeries } from './synthetic-series';
import { buildSyntheticUniverse, type SyntheticSymbol, type SyntheticUniverse } from './synthetic-universe';

export interface SyntheticProviderOptions {
  seed: number;
  /** Total symbols; never fewer than the ~503 real S&P 500 constituents. */
  universeSize: number;
  /** Injected so tests (and demos) can pin or advance time. */
  clock?: () => Date;
}

// A whole session of intraday walk moves the price by about 60% of a typical daily move (around the open-to-close path).
const INTRADAY_SHARE_OF_DAILY_VOL = 0.6;
// ~115 KB of typed arrays per symbol; generation is sub-millisecond, so a small memo is enough.
const SERIES_MEMO_SIZE = 64;

/** The default, embedded provider: a seeded universe with factor-model prices. No network, no key. */
/**
 * Bumped whenever the generator's output changes for the same seed (v2: trading days follow the
 * exchange calendar, holidays dropped): it is part of the source identity, so cached values of the
 * old series are never served for the new one.
 */
export const SYNTHETIC_GENERATOR_VERSION = 2;

export class SyntheticMarketDataProvider extends MarketDataProvider {
  override readonly name = 'synthetic';
  private readonly seed: number;
  private readonly clock: () => Date;
  private readonly universe: SyntheticUniverse;
  private readonly markets = new Map<string, readonly SyntheticSymbol[]>();
  private readonly series = new LRUCache<string, DailySeries>({ max: SERIES_MEMO_SIZE });

  constructor(options: SyntheticProviderOptions) {
    super();
    if (!Number.isSafeInteger(options.seed)) {
      throw new InvalidArgumentError(`synthetic seed must be an integer, got ${options.seed}`);
    }
    if (!Number.isSafeInteger(options.universeSize) || options.universeSize < 1) {
      throw new InvalidArgumentError(`synthetic universeSize must be a positive integer, got ${options.universeSize}`);
    }
    this.seed = options.seed;
    this.clock = options.clock ?? (() => new Date());
    this.universe = buildSyntheticUniverse(options.seed, options.universeSize);
    this.markets.set('all', this.universe.symbols);
    this.markets.set('sp500', this.universe.symbols.filter((s) => s.sp500));
    for (const sector of GICS_SECTORS) {
      this.markets.set(sectorSlug(sector), this.universe.symbols.filter((s) => s.sector === sector));
    }
  }

  /**
   * During a session the price walks from the day's open to its close (a Brownian bridge, seeded per
   * symbol and day, replayed up to the clock's minute); outside it the quote stands still at the last
   * close, dated at that close, as a real feed's does overnight, on weekends and on holidays.
   */
  async getQuote(symbol: string): Promise<Quote> {
    const entry = this.resolve(symbol);
    const now = this.clock();
    const { series, lastIndex, session } = this.seriesAt(entry, now);
    if (!session || session.index === lastIndex) {
      // Closed (before the open, after the close, weekend, holiday): the last final bar.
      const asOf = newYorkCloseOf(series.dates[lastIndex]);
      return this.quoteOf(entry, series.close[lastIndex], series.close[lastIndex - 1] ?? series.open[lastIndex], series.volume[lastIndex], asOf);
    }
    const i = session.index;
    const sessionMinutes = Math.round((session.close - session.open) / 60_000);
    const minute = Math.min(sessionMinutes, Math.floor((now.getTime() - session.open) / 60_000));
    const rng = SeededRandom.of(this.seed, 'intraday', entry.info.symbol, series.dates[i]);
    let walk = 0;
    let walkAtMinute = 0;
    for (let m = 1; m <= sessionMinutes; m++) {
      walk += rng.normal();
      if (m === minute) walkAtMinute = walk;
    }
    const share = minute / sessionMinutes;
    const stepVol = (INTRADAY_SHARE_OF_DAILY_VOL * totalVolatility(entry)) / Math.sqrt(sessionMinutes);
    const open = series.open[i];
    const logPrice = Math.log(open) + share * Math.log(series.close[i] / open) + stepVol * (walkAtMinute - share * walk);
    const volume = Math.round(series.volume[i] * share);
    return this.quoteOf(entry, roundPrice(Math.exp(logPrice)), series.close[i - 1] ?? open, volume, new Date(session.open + minute * 60_000).toISOString());
  }

  private quoteOf(entry: SyntheticSymbol, price: number, previousClose: number, volume: number, asOf: string): Quote {
    return {
      symbol: entry.info.symbol,
      price,
      previousClose,
      change: round(price - previousClose, 4),
      changePercent: round(((price - previousClose) / previousClose) * 100, 4),
      volume,
      asOf,
      currency: 'USD',
    };
  }

  async getHistory(symbol: string, query: HistoryQuery): Promise<Bar[]> {
    const entry = this.resolve(symbol);
    const { series, lastIndex } = this.seriesAt(entry, this.clock());
    const available = lastIndex + 1;
    const count = Math.min(available, periodBars(query.period) ?? available);
    const daily = toBars(series, available - count, available);
    switch (query.interval) {
      case '1d':
        return daily;
      case '1wk':
        return aggregateWeekly(daily);
      default: {
        const unknown: never = query.interval;
        throw new InvalidArgumentError(`Unsupported interval: ${String(unknown)}`);
      }
    }
  }

  async getInfo(symbol: string): Promise<SymbolInfo> {
    return { ...this.resolve(symbol).info };
  }

  async listSymbols(market: string): Promise<SymbolInfo[]> {
    return (this.markets.get(market.trim().toLowerCase()) ?? []).map((s) => ({ ...s.info }));
  }

  private resolve(symbol: string): SyntheticSymbol {
    // Yahoo writes share classes with a dash (BRK-B), the S&P list with a dot (BRK.B).
    const normalized = symbol.trim().toUpperCase().replace(/[-/]/g, '.');
    const entry = this.universe.bySymbol.get(normalized);
    if (!entry) throw new SymbolNotFoundError(normalized);
    return entry;
  }

  private seriesAt(entry: SyntheticSymbol, now: Date): { series: DailySeries } & ReturnType<typeof tradingPosition> {
    const position = tradingPosition(now);
    const { calendar } = position;
    const key = `${entry.info.symbol}|${calendar.year}`;
    let series = this.series.get(key);
    if (!series) {
      series = generateDailySeries(this.seed, entry, calendar);
      this.series.set(key, series);
    }
    return { series, ...position };
  }
}

function toBars(series: DailySeries, from: number, to: number): Bar[] {
  const bars: Bar[] = new Array<Bar>(to - from);
  for (let i = from; i < to; i++) {
    bars[i - from] = {
      date: series.dates[i],
      open: series.open[i],
      high: series.high[i],
      low: series.low[i],
      close: series.close[i],
      volume: series.volume[i],
    };
  }
  return bars;
}

/** The close of a (trading) day as ISO: 16:00 New York, 13:00 on an early close. */
function newYorkCloseOf(date: string): string {
  return new Date(sessionOf(date)!.close).toISOString();
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
