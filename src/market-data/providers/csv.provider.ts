import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { InvalidArgumentError, SymbolNotFoundError, UpstreamUnavailableError } from '../../common/errors';
import type { Bar, HistoryQuery, Quote, SymbolInfo } from '../market-data.types';
import { periodBars, windowBars } from './bar-windows';
import { loadCsvBars, type CsvSeries } from './csv-bars.parser';
import { MarketDataProvider } from './market-data.provider';
import { isTradingDay } from '../../market-calendar/us-equity-calendar';
import { newYorkCloseIso } from './new-york-time';
import { loadSp500Constituents2018, SP500_2018_CONSTITUENTS_CSV, SP500_2018_RENAMES } from './sp500-2018.constituents';
import { sectorSlug } from './synthetic-names';

export interface CsvProviderOptions {
  /** A `.csv` / `.csv.gz` file, or a folder of them. */
  path: string;
  /** `Symbol,Name,Sector` list for names and sectors. @default the bundled April 2018 S&P 500 list */
  constituentsPath?: string;
}

interface CsvData {
  series: ReadonlyMap<string, CsvSeries>;
  infos: ReadonlyMap<string, SymbolInfo>;
  markets: ReadonlyMap<string, readonly SymbolInfo[]>;
}

const MS_PER_DAY = 86_400_000;
const UNKNOWN = 'Unknown';

/**
 * Daily bars from CSV files, loaded once on first use and then served from memory.
 *
 * Layout: one header row, comma-separated, UTF-8, columns in any order, names case-insensitive:
 * `date` (`YYYY-MM-DD`), `open`, `high`, `low`, `close`, `volume`, and the symbol in `Name`,
 * `Symbol` or `Ticker` (the real S&P file: `date,open,high,low,close,volume,Name`). Without a
 * symbol column the file holds one symbol, its file name (`AAPL.csv`, `BRK.B.csv.gz`). A folder
 * is read non-recursively, every `*.csv` and `*.csv.gz` in name order; `.gz` is gunzipped while
 * streaming. Files without those columns are skipped (logged).
 *
 * Rows: empty `open`/`high`/`low` become null (never 0); zero volume stays 0; OHLC-inconsistent
 * rows are kept as they are. Lines with the wrong column count, a bad date or an unparsable
 * number (or an empty close/volume) are skipped and counted in one warning line. Prices are taken
 * as USD; a repeated (symbol, date) keeps the later row.
 *
 * Info: name and sector from the constituents list (3 renamed tickers mapped), else the symbol
 * and `Unknown`; industry `Unknown`; `marketCap` null (a CSV of bars carries none).
 */
export class CsvMarketDataProvider extends MarketDataProvider {
  override readonly name = 'csv';
  private readonly logger = new Logger(CsvMarketDataProvider.name);
  private readonly path: string;
  private readonly constituentsPath: string;
  private loading?: Promise<CsvData>;
  // ~1,300 distinct trading days; formatting one costs more than the lookup.
  private readonly dates = new Map<number, string>();

  constructor(options: CsvProviderOptions) {
    super();
    // Checked at boot so a typo fails the deploy, not the first request; parsing waits for first use.
    if (!existsSync(options.path)) throw new InvalidArgumentError(`MARKET_DATA_CSV_PATH does not exist: ${options.path}`);
    this.path = options.path;
    this.constituentsPath = options.constituentsPath ?? SP500_2018_CONSTITUENTS_CSV;
  }

  async getQuote(symbol: string): Promise<Quote> {
    const { key, series } = await this.resolve(symbol);
    const last = series.close.length - 1;
    const price = series.close[last];
    const open = series.open[last];
    // A one-bar series has no previous close; its own open is the closest stand-in.
    const previousClose = last > 0 ? series.close[last - 1] : Number.isNaN(open) ? price : open;
    return {
      symbol: key,
      price,
      previousClose,
      change: round(price - previousClose, 4),
      changePercent: previousClose === 0 ? 0 : round(((price - previousClose) / previousClose) * 100, 4),
      volume: series.volume[last],
      asOf: newYorkCloseIso(this.dateOf(series.days[last])),
      currency: 'USD',
    };
  }

  async getHistory(symbol: string, query: HistoryQuery): Promise<Bar[]> {
    const { series } = await this.resolve(symbol);
    const length = series.close.length;
    const from = length - Math.min(length, periodBars(query.period) ?? length);
    const daily: Bar[] = [];
    for (let i = from; i < length; i++) {
      daily.push({
        date: this.dateOf(series.days[i]),
        open: orNull(series.open[i]),
        high: orNull(series.high[i]),
        low: orNull(series.low[i]),
        close: series.close[i],
        volume: series.volume[i],
      });
    }
    return windowBars(daily, query);
  }

  async getInfo(symbol: string): Promise<SymbolInfo> {
    const { key } = await this.resolve(symbol);
    const info = (await this.data()).infos.get(key);
    if (!info) throw new SymbolNotFoundError(key);
    return { ...info };
  }

  async listSymbols(market: string): Promise<SymbolInfo[]> {
    const list = (await this.data()).markets.get(market.trim().toLowerCase()) ?? [];
    return list.map((info) => ({ ...info }));
  }

  private async resolve(symbol: string): Promise<{ key: string; series: CsvSeries }> {
    // Yahoo writes share classes with a dash (BRK-B), the S&P files with a dot (BRK.B).
    const key = symbol.trim().toUpperCase().replace(/[-/]/g, '.');
    const series = (await this.data()).series.get(key);
    if (!series || series.close.length === 0) throw new SymbolNotFoundError(key);
    return { key, series };
  }

  private data(): Promise<CsvData> {
    // Concurrent first calls share one load; a failed load is retried by the next call.
    this.loading ??= this.load().catch((error: unknown) => {
      this.loading = undefined;
      throw new UpstreamUnavailableError(this.name, 'could not read the CSV data', { cause: error });
    });
    return this.loading;
  }

  private async load(): Promise<CsvData> {
    const started = performance.now();
    const [bars, constituents] = await Promise.all([loadCsvBars(this.path), loadSp500Constituents2018(this.constituentsPath)]);
    if (bars.series.size === 0) throw new Error(`no bars found under ${this.path}`);
    // The exchange calendar: a row dated on a weekend or an NYSE holiday is no session's bar.
    const offCalendar = this.keepTradingDays(bars.series);
    if (offCalendar.rows > 0) {
      this.logger.warn(`Dropped ${offCalendar.rows} CSV rows dated on weekends or exchange holidays (e.g. ${offCalendar.example})`);
    }
    if (bars.malformed > 0 || bars.duplicates > 0 || bars.skippedFiles.length > 0) {
      const skippedFiles = bars.skippedFiles.length > 0 ? `; ignored files without bar columns: ${bars.skippedFiles.join(', ')}` : '';
      this.logger.warn(
        `Skipped ${bars.malformed} malformed of ${bars.rows} CSV rows; ${bars.duplicates} repeated dates kept their later row${skippedFiles}`,
      );
    }
    const infos = new Map<string, SymbolInfo>();
    const sp500: SymbolInfo[] = [];
    for (const symbol of [...bars.series.keys()].sort()) {
      const constituent = constituents.get(SP500_2018_RENAMES[symbol] ?? symbol);
      const info: SymbolInfo = {
        symbol,
        name: constituent?.name ?? symbol,
        sector: constituent?.sector ?? UNKNOWN,
        industry: UNKNOWN,
        marketCap: null,
        exchange: UNKNOWN,
        currency: 'USD',
      };
      infos.set(symbol, info);
      if (constituent) sp500.push(info);
    }
    const all = [...infos.values()];
    const markets = new Map<string, readonly SymbolInfo[]>([
      ['all', all],
      ['sp500', sp500],
    ]);
    for (const sector of new Set(sp500.map((s) => s.sector))) {
      if (sector !== UNKNOWN) markets.set(sectorSlug(sector), all.filter((s) => s.sector === sector));
    }
    this.logger.log(
      `Loaded ${bars.rows - bars.malformed - bars.duplicates - offCalendar.rows} bars of ${bars.series.size} symbols from ${bars.files} files in ${Math.round(performance.now() - started)} ms`,
    );
    return { series: bars.series, infos, markets };
  }

  /** Removes, in place, the bars not dated on a trading day; returns how many went. */
  private keepTradingDays(all: Map<string, CsvSeries>): { rows: number; example?: string } {
    const trading = new Map<number, boolean>();
    const isTrading = (day: number): boolean => {
      let known = trading.get(day);
      if (known === undefined) trading.set(day, (known = isTradingDay(this.dateOf(day))));
      return known;
    };
    let rows = 0;
    let example: string | undefined;
    for (const [symbol, series] of all) {
      const keep: number[] = [];
      for (let i = 0; i < series.days.length; i++) {
        if (isTrading(series.days[i])) keep.push(i);
        else example ??= `${symbol} ${this.dateOf(series.days[i])}`;
      }
      if (keep.length === series.days.length) continue;
      rows += series.days.length - keep.length;
      all.set(symbol, {
        days: Int32Array.from(keep, (i) => series.days[i]),
        open: Float64Array.from(keep, (i) => series.open[i]),
        high: Float64Array.from(keep, (i) => series.high[i]),
        low: Float64Array.from(keep, (i) => series.low[i]),
        close: Float64Array.from(keep, (i) => series.close[i]),
        volume: Float64Array.from(keep, (i) => series.volume[i]),
      });
    }
    return { rows, example };
  }

  private dateOf(day: number): string {
    let date = this.dates.get(day);
    if (date === undefined) {
      date = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
      this.dates.set(day, date);
    }
    return date;
  }
}

function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
