import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse, type ParseStepResult } from 'papaparse';

/**
 * One symbol's daily bars, column-wise: about 44 bytes a bar instead of a ~200-byte object, so the
 * 619,040-row S&P file fits in ~30 MB. `open`/`high`/`low` hold NaN where the file had no value.
 */
export interface CsvSeries {
  /** UTC day numbers (days since 1970-01-01), strictly ascending. */
  days: Int32Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export interface CsvLoadResult {
  /** Symbols in first-seen order. */
  series: Map<string, CsvSeries>;
  files: number;
  rows: number;
  /** Lines dropped: wrong column count, bad date, unparsable number, quoting errors. */
  malformed: number;
  /** Later rows for a (symbol, date) already seen; the later one wins. */
  duplicates: number;
  /** Files without the required header columns. */
  skippedFiles: string[];
}

const CSV_FILE = /\.csv(\.gz)?$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;
const CHUNK_BYTES = 256 * 1024;
// Module-scope copy: a global lookup per call is much slower inside Jest's vm sandbox (jestjs/jest#5163).
const isFiniteNumber = Number.isFinite;
// Bounds the date memo should a file be full of distinct garbage dates.
const MAX_CACHED_DATES = 100_000;
const NAME_COLUMNS = ['name', 'symbol', 'ticker'];
const REQUIRED = ['date', 'open', 'high', 'low', 'close', 'volume'] as const;
// Returned by `parseNumber` for a non-empty cell that is not a number (makes the row malformed).
const MALFORMED = undefined;

type Columns = Record<(typeof REQUIRED)[number], number> & { name: number; width: number };

/** Growable columns for one symbol while files stream in. */
class SeriesBuilder {
  readonly days: number[] = [];
  readonly open: number[] = [];
  readonly high: number[] = [];
  readonly low: number[] = [];
  readonly close: number[] = [];
  readonly volume: number[] = [];
}

/** Every `*.csv` / `*.csv.gz` of a folder (not recursive, name order), or the one file given. */
export async function listCsvFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && CSV_FILE.test(e.name))
    .map((e) => join(path, e.name))
    .sort();
}

/** Streams every file once (gunzipping `.gz`), keeping only typed columns per symbol. */
export async function loadCsvBars(path: string): Promise<CsvLoadResult> {
  const loader = new CsvBarsLoader();
  for (const file of await listCsvFiles(path)) await loader.readFile(file);
  return loader.finish();
}

class CsvBarsLoader {
  private readonly builders = new Map<string, SeriesBuilder>();
  // ~1,300 distinct dates across 619,040 rows: validate each once.
  private readonly days = new Map<string, number | undefined>();
  private readonly result: CsvLoadResult = { series: new Map(), files: 0, rows: 0, malformed: 0, duplicates: 0, skippedFiles: [] };

  readFile(file: string): Promise<void> {
    // A file without a name column holds one symbol: its file name (`AAPL.csv`, `BRK.B.csv.gz`).
    const fileSymbol = basename(file).replace(CSV_FILE, '').trim().toUpperCase();
    return new Promise((resolve, reject) => {
      // Large chunks: fewer parser and zlib round trips (the 64 KB / 16 KB defaults left ~0.5 s idle on the S&P file).
      const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES });
      const source: Readable = file.toLowerCase().endsWith('.gz') ? raw.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : raw;
      raw.on('error', reject);
      source.on('error', reject);
      let columns: Columns | null | undefined;
      parse<string[]>(source, {
        delimiter: ',',
        skipEmptyLines: true,
        step: (step: ParseStepResult<string[]>) => {
          if (columns === undefined) {
            columns = headerColumns(step.data);
          } else if (columns !== null) {
            this.result.rows++;
            if (step.errors.length > 0 || !this.addRow(step.data, columns, fileSymbol)) this.result.malformed++;
          }
        },
        complete: () => {
          if (columns) this.result.files++;
          else this.result.skippedFiles.push(basename(file));
          resolve();
        },
        error: (error: Error) => reject(error),
      });
    });
  }

  finish(): CsvLoadResult {
    for (const [symbol, builder] of this.builders) {
      const { series, duplicates } = finish(builder);
      this.result.series.set(symbol, series);
      this.result.duplicates += duplicates;
    }
    this.builders.clear();
    return this.result;
  }

  /** Appends one row; false if it is malformed (the caller counts it, nothing throws). */
  private addRow(row: string[], c: Columns, fileSymbol: string): boolean {
    if (row.length !== c.width) return false;
    const symbol = c.name < 0 ? fileSymbol : row[c.name].trim().toUpperCase();
    const day = this.parseDay(row[c.date]);
    const close = parseNumber(row[c.close]);
    const volume = parseNumber(row[c.volume]);
    const open = parseNumber(row[c.open]);
    const high = parseNumber(row[c.high]);
    const low = parseNumber(row[c.low]);
    // Only open/high/low may be empty (the real file has 27 such cells); close and volume may not.
    if (symbol === '' || day === MALFORMED || close === MALFORMED || close === null || volume === MALFORMED || volume === null) return false;
    if (open === MALFORMED || high === MALFORMED || low === MALFORMED) return false;
    let builder = this.builders.get(symbol);
    if (!builder) {
      builder = new SeriesBuilder();
      this.builders.set(symbol, builder);
    }
    builder.days.push(day);
    builder.open.push(open ?? NaN);
    builder.high.push(high ?? NaN);
    builder.low.push(low ?? NaN);
    builder.close.push(close);
    builder.volume.push(volume);
    return true;
  }

  private parseDay(text: string): number | undefined {
    if (this.days.has(text)) return this.days.get(text);
    const day = parseDay(text.trim());
    if (this.days.size < MAX_CACHED_DATES) this.days.set(text, day);
    return day;
  }
}

function headerColumns(header: readonly string[]): Columns | null {
  const names = header.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim().toLowerCase());
  const index = (name: string): number => names.indexOf(name);
  const required = REQUIRED.map(index);
  if (required.some((i) => i < 0)) return null;
  const [date, open, high, low, close, volume] = required;
  const name = names.findIndex((n) => NAME_COLUMNS.includes(n));
  return { date, open, high, low, close, volume, name, width: names.length };
}

/** `YYYY-MM-DD` → UTC day number; rejects impossible dates (Date.parse rolls 02-30 over to March). */
function parseDay(value: string): number | undefined {
  if (!ISO_DATE.test(value)) return MALFORMED;
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) return MALFORMED;
  return ms / MS_PER_DAY;
}

/** null for an empty cell, `MALFORMED` for text that is not a finite number. */
function parseNumber(text: string): number | null | undefined {
  // Unary + (like Number()) trims by itself; it also reads blank text as 0, hence the second look at a 0.
  const n = +text;
  if (n === 0 && text.trim() === '') return null;
  return isFiniteNumber(n) ? n : MALFORMED;
}

/** Typed arrays in date order; files need not be sorted, and a repeated date keeps the later row. */
function finish(b: SeriesBuilder): { series: CsvSeries; duplicates: number } {
  const { days } = b;
  let sorted = true;
  for (let i = 1; i < days.length && sorted; i++) sorted = days[i] > days[i - 1];
  let order: number[] = [];
  if (!sorted) {
    order = days.map((_, i) => i).sort((x, y) => days[x] - days[y] || x - y);
    // After a stable sort, the last of a run of equal days is the latest row in file order.
    order = order.filter((index, k) => k === order.length - 1 || days[order[k + 1]] !== days[index]);
  }
  const pick = (values: number[]): Float64Array => {
    if (sorted) return Float64Array.from(values);
    const out = new Float64Array(order.length);
    for (let k = 0; k < order.length; k++) out[k] = values[order[k]];
    return out;
  };
  return {
    series: {
      days: Int32Array.from(pick(days)),
      open: pick(b.open),
      high: pick(b.high),
      low: pick(b.low),
      close: pick(b.close),
      volume: pick(b.volume),
    },
    duplicates: sorted ? 0 : days.length - order.length,
  };
}
