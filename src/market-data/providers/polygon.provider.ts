import { SymbolNotFoundError } from '../../common/errors';
import type { Bar, HistoryQuery, Quote, SymbolInfo } from '../market-data.types';
import { periodCalendarDays, windowBars } from './bar-windows';
import { MarketDataProvider } from './market-data.provider';
import { newYorkCloseIso, newYorkDate } from './new-york-time';
import { PolygonClient, type PolygonClientOptions } from './polygon.client';
import { parseAggregateBars, parseTickerDetails, parseTickerList, type PolygonTicker } from './polygon.responses';
import { sectorSlug } from './synthetic-names';
import { loadSp500Constituents, type Constituent } from './synthetic-universe';

export interface PolygonProviderOptions extends PolygonClientOptions {
  /** Injected so tests can pin "today". */
  clock?: () => Date;
  /** Current S&P 500 members: the `sp500` list, sector slugs and GICS sectors. @default the bundled list */
  constituents?: () => readonly Constituent[];
}

const MS_PER_DAY = 86_400_000;
// Two calendar weeks always hold two trading days, even around the longest US market closures.
const QUOTE_LOOKBACK_DAYS = 14;
// `max` reaches back as far as the plan allows; upstream answers with what it has.
const MAX_FROM = '1970-01-01';
const UNKNOWN = 'Unknown';

/**
 * Polygon.io / Massive REST. Chosen so that the free (end-of-day, 5 requests/minute) plan serves
 * everything, one request per call where possible:
 * - history: `/v2/aggs/ticker/{T}/range/1/day/{from}/{to}` (split-adjusted daily bars, New York
 *   dates); weekly bars are aggregated from them like every other provider, so weeks are dated by
 *   their first trading day everywhere (Polygon's own week bars start on Sunday);
 * - quote: the last two daily bars of the same endpoint (close and previous close), rather than
 *   `/prev` plus a second call or the snapshot, which the free plan does not serve;
 * - info: `/v3/reference/tickers/{T}`; sector from the bundled GICS list when the symbol is there;
 * - lists: `all` pages through `/v3/reference/tickers`; `sp500` and sector slugs use the bundled list.
 * An empty history is checked against the reference endpoint, as an unknown ticker gets 200 + empty.
 */
export class PolygonMarketDataProvider extends MarketDataProvider {
  override readonly name = 'polygon';
  private readonly client: PolygonClient;
  private readonly clock: () => Date;
  private readonly loadConstituents: () => readonly Constituent[];
  private constituents?: ReadonlyMap<string, Constituent>;

  constructor(options: PolygonProviderOptions) {
    super();
    this.client = new PolygonClient(options);
    this.clock = options.clock ?? (() => new Date());
    this.loadConstituents = options.constituents ?? loadSp500Constituents;
  }

  async getQuote(symbol: string): Promise<Quote> {
    const ticker = normalize(symbol);
    const bars = await this.dailyBars(ticker, this.daysAgo(QUOTE_LOOKBACK_DAYS));
    const last = bars.at(-1);
    if (!last) throw new SymbolNotFoundError(ticker);
    const previousClose = bars.length > 1 ? bars[bars.length - 2].close : (last.open ?? last.close);
    const now = this.clock();
    // On paid plans the last bar may be today's, still open: never claim a time after now.
    const asOf = new Date(Math.min(Date.parse(newYorkCloseIso(last.date)), now.getTime())).toISOString();
    return {
      symbol: ticker,
      price: last.close,
      previousClose,
      change: round(last.close - previousClose, 4),
      changePercent: previousClose === 0 ? 0 : round(((last.close - previousClose) / previousClose) * 100, 4),
      volume: last.volume,
      asOf,
      currency: 'USD',
    };
  }

  async getHistory(symbol: string, query: HistoryQuery): Promise<Bar[]> {
    const ticker = normalize(symbol);
    const days = periodCalendarDays(query.period);
    const bars = await this.dailyBars(ticker, days === undefined ? MAX_FROM : this.daysAgo(days));
    if (bars.length === 0) await this.getDetails(ticker);
    return windowBars(bars, query);
  }

  async getInfo(symbol: string): Promise<SymbolInfo> {
    return this.toInfo(await this.getDetails(normalize(symbol)));
  }

  async listSymbols(market: string): Promise<SymbolInfo[]> {
    const key = market.trim().toLowerCase();
    if (key === 'all') {
      const pages = await this.client.getPages('/v3/reference/tickers?market=stocks&active=true&limit=1000');
      return pages.flatMap(parseTickerList).map((t) => this.toInfo(t));
    }
    const members = [...this.sp500().values()];
    const selected = key === 'sp500' ? members : members.filter((c) => sectorSlug(c.sector) === key);
    return selected.map((c) => ({
      symbol: c.symbol,
      name: c.name,
      sector: c.sector,
      industry: c.industry,
      marketCap: null,
      exchange: UNKNOWN,
      currency: 'USD',
    }));
  }

  private async dailyBars(ticker: string, from: string): Promise<Bar[]> {
    const to = newYorkDate(this.clock().getTime());
    const path = `/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/1/day/${from}/${to}?adjusted=true&sort=asc&limit=50000`;
    const pages = await this.client.getPages(path, ticker);
    return pages.flatMap(parseAggregateBars);
  }

  /** @throws SymbolNotFoundError on 404 */
  private async getDetails(ticker: string): Promise<PolygonTicker> {
    return parseTickerDetails(await this.client.getJson(`/v3/reference/tickers/${encodeURIComponent(ticker)}`, ticker));
  }

  private toInfo(t: PolygonTicker): SymbolInfo {
    const member = this.sp500().get(t.ticker);
    return {
      symbol: t.ticker,
      name: t.name,
      sector: member?.sector ?? UNKNOWN,
      industry: t.industry ?? member?.industry ?? UNKNOWN,
      marketCap: t.marketCap,
      exchange: t.exchange ?? UNKNOWN,
      currency: t.currency ?? 'USD',
    };
  }

  private sp500(): ReadonlyMap<string, Constituent> {
    // Read on first need, not at construction: boot stays free of file I/O for this provider.
    this.constituents ??= new Map(this.loadConstituents().map((c) => [c.symbol, c]));
    return this.constituents;
  }

  private daysAgo(days: number): string {
    return newYorkDate(this.clock().getTime() - days * MS_PER_DAY);
  }
}

/** Polygon writes share classes with a dot (BRK.B); accept Yahoo's dash too. */
function normalize(symbol: string): string {
  return symbol.trim().toUpperCase().replace(/[-/]/g, '.');
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
