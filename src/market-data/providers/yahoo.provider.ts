import { SymbolNotFoundError, UpstreamBadResponseError } from '../../common/errors';
import type { Bar, HistoryQuery, Quote, SymbolInfo } from '../market-data.types';
import { periodBars, periodCalendarDays, windowBars } from './bar-windows';
import { MarketDataProvider } from './market-data.provider';
import { newYorkDate } from './new-york-time';
import { sectorSlug } from './synthetic-names';
import { loadSp500Constituents, type Constituent } from './synthetic-universe';
import { mapYahooError, type YahooFinanceClient, type YahooModuleOptions } from './yahoo.client';

export interface YahooProviderOptions {
  client: YahooFinanceClient;
  /** Deadline of one provider call, all of the library's requests included. */
  timeoutMs: number;
  /** Injected so tests can pin "today". */
  clock?: () => Date;
  /** Current S&P 500 members: Yahoo has no listing endpoint. @default the bundled list */
  constituents?: () => readonly Constituent[];
}

type Fields = Record<string, unknown>;

const PROVIDER = 'yahoo';
const MS_PER_DAY = 86_400_000;
const UNKNOWN = 'Unknown';
const MAX_FROM = new Date('1970-01-02T00:00:00Z');

/**
 * Yahoo Finance through `yahoo-finance2` 3.x: `chart()` for bars (`1d`, or Yahoo's own `1wk`),
 * `quote()` for quotes, `quoteSummary(assetProfile, price)` for info. Symbols go out with a dash
 * (BRK.B → BRK-B) and come back with our dot. Yahoo sectors are Yahoo's own (Morningstar-style),
 * not GICS. Yahoo has no symbol listing, so `listSymbols` serves the bundled S&P 500 list.
 */
export class YahooMarketDataProvider extends MarketDataProvider {
  override readonly name = PROVIDER;
  private readonly client: YahooFinanceClient;
  private readonly timeoutMs: number;
  private readonly clock: () => Date;
  private readonly loadConstituents: () => readonly Constituent[];
  private constituents?: readonly Constituent[];

  constructor(options: YahooProviderOptions) {
    super();
    this.client = options.client;
    this.timeoutMs = options.timeoutMs;
    this.clock = options.clock ?? (() => new Date());
    this.loadConstituents = options.constituents ?? loadSp500Constituents;
  }

  async getQuote(symbol: string): Promise<Quote> {
    const ticker = normalize(symbol);
    const q = await this.call(ticker, (o) => this.client.quote(toYahoo(ticker), {}, o));
    // The library answers undefined for an unknown or delisted symbol.
    if (q === undefined || q === null) throw new SymbolNotFoundError(ticker);
    const fields = asFields(q, 'quote');
    const price = requiredNumber(fields.regularMarketPrice, 'quote.regularMarketPrice');
    const change = optionalNumber(fields.regularMarketChange);
    const previousClose = optionalNumber(fields.regularMarketPreviousClose) ?? price - (change ?? 0);
    const time = fields.regularMarketTime;
    return {
      symbol: ticker,
      price,
      previousClose,
      change: change ?? round(price - previousClose, 4),
      // Yahoo already gives percent (1.27 means 1.27 %).
      changePercent: optionalNumber(fields.regularMarketChangePercent) ?? (previousClose === 0 ? 0 : round(((price - previousClose) / previousClose) * 100, 4)),
      volume: optionalNumber(fields.regularMarketVolume) ?? 0,
      asOf: (isDate(time) ? time : typeof time === 'number' ? new Date(time * 1000) : this.clock()).toISOString(),
      currency: typeof fields.currency === 'string' ? fields.currency : 'USD',
    };
  }

  async getHistory(symbol: string, query: HistoryQuery): Promise<Bar[]> {
    const ticker = normalize(symbol);
    const now = this.clock();
    const result = await this.call(ticker, (o) =>
      this.client.chart(toYahoo(ticker), { period1: this.periodStart(query), period2: now, interval: query.interval }, o),
    );
    const quotes = asFields(result, 'chart').quotes;
    if (!Array.isArray(quotes)) throw new UpstreamBadResponseError(PROVIDER, 'chart.quotes is not an array');
    const bars = quotes.flatMap((item: unknown, i) => toBar(item, i));
    // Yahoo's weekly bars are already weeks; only daily bars are cut to the exact trading-day count.
    return query.interval === '1d' ? windowBars(bars, query) : bars;
  }

  async getInfo(symbol: string): Promise<SymbolInfo> {
    const ticker = normalize(symbol);
    const summary = asFields(
      await this.call(ticker, (o) => this.client.quoteSummary(toYahoo(ticker), { modules: ['assetProfile', 'price'] }, o)),
      'quoteSummary',
    );
    const profile = summary.assetProfile === undefined ? {} : asFields(summary.assetProfile, 'assetProfile');
    const price = summary.price === undefined ? {} : asFields(summary.price, 'price');
    return {
      symbol: ticker,
      name: text(price.longName) ?? text(price.shortName) ?? ticker,
      sector: text(profile.sector) ?? UNKNOWN,
      industry: text(profile.industry) ?? UNKNOWN,
      marketCap: optionalNumber(price.marketCap),
      exchange: text(price.exchangeName) ?? text(price.exchange) ?? UNKNOWN,
      currency: text(price.currency) ?? 'USD',
    };
  }

  async listSymbols(market: string): Promise<SymbolInfo[]> {
    const key = market.trim().toLowerCase();
    this.constituents ??= this.loadConstituents();
    const members = key === 'all' || key === 'sp500' ? this.constituents : this.constituents.filter((c) => sectorSlug(c.sector) === key);
    return members.map((c) => ({ symbol: c.symbol, name: c.name, sector: c.sector, industry: c.industry, marketCap: null, exchange: UNKNOWN, currency: 'USD' }));
  }

  /** Runs one library call under the deadline; the signal aborts its fetches, the race covers the rest. */
  private async call<T>(ticker: string, run: (options: YahooModuleOptions) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const deadline = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    try {
      return await Promise.race([run({ fetchOptions: { signal } }), deadline]);
    } catch (error) {
      throw mapYahooError(error, ticker, this.timeoutMs);
    }
  }

  private periodStart(query: HistoryQuery): Date {
    // Daily: a margin that the window cut removes. Weekly: the period's plain calendar span.
    const days = query.interval === '1d' ? periodCalendarDays(query.period) : weeklySpanDays(query);
    return days === undefined ? MAX_FROM : new Date(this.clock().getTime() - days * MS_PER_DAY);
  }
}

function weeklySpanDays(query: HistoryQuery): number | undefined {
  const bars = periodBars(query.period);
  return bars === undefined ? undefined : Math.ceil((bars * 7) / 5);
}

/** A chart row; rows without a close (a day not traded yet) are dropped rather than invented. */
function toBar(item: unknown, i: number): Bar[] {
  const q = asFields(item, `chart.quotes[${i}]`);
  const close = optionalNumber(q.close);
  if (close === null) return [];
  if (!isDate(q.date) || Number.isNaN(q.date.getTime())) throw new UpstreamBadResponseError(PROVIDER, `chart.quotes[${i}].date is not a date`);
  return [
    {
      // Daily timestamps are the 09:30 New York open: their New York date is the trading day.
      date: newYorkDate(q.date.getTime()),
      open: optionalNumber(q.open),
      high: optionalNumber(q.high),
      low: optionalNumber(q.low),
      close,
      volume: optionalNumber(q.volume) ?? 0,
    },
  ];
}

/** Share classes: Yahoo writes BRK-B where the S&P files and Polygon write BRK.B. */
function toYahoo(ticker: string): string {
  return ticker.replace(/\./g, '-');
}

function normalize(symbol: string): string {
  return symbol.trim().toUpperCase().replace(/[-/]/g, '.');
}

function asFields(value: unknown, where: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UpstreamBadResponseError(PROVIDER, `${where} is not an object`);
  return value as Fields;
}

// Also true for a Date from another realm (Jest's sandbox, or a second copy of the library).
function isDate(value: unknown): value is Date {
  return value instanceof Date || Object.prototype.toString.call(value) === '[object Date]';
}

function optionalNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function requiredNumber(value: unknown, field: string): number {
  const n = optionalNumber(value);
  if (n === null) throw new UpstreamBadResponseError(PROVIDER, `${field} is missing`);
  return n;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
