/** Rows for training and evaluation: features (from the serving feature code), labels, dates, splits. */
import type { Bar } from '../../market-data/market-data.types';
import { buildFeatureRows, FEATURE_NAMES } from '../feature-builder';
import type { ArtifactFeature } from '../model-artifact';
import { standardize } from '../model-runtime';

/** What the trainer needs of one symbol's daily history (the CSV parser's `CsvSeries` fits). */
export interface SeriesLike {
  /** UTC day numbers, ascending. */
  days: ArrayLike<number>;
  close: ArrayLike<number>;
  volume: ArrayLike<number>;
}

/** Column-wise rows: one per (symbol, day) with a full feature vector and a known label. */
export interface Dataset {
  count: number;
  /** Raw features, one column per `FEATURE_NAMES` entry. */
  columns: Float64Array[];
  /** close[t + horizon] / close[t] - 1. */
  forwardReturn: Float64Array;
  /** 1 when forwardReturn > 0. */
  label: Uint8Array;
  /** Day number of the row (the last bar its features read). */
  day: Int32Array;
  /** Day number of the bar its label reads (t + horizon trading days). */
  labelEndDay: Int32Array;
  symbol: Int32Array;
  symbols: string[];
}

const MS_PER_DAY = 86_400_000;

export const dayNumber = (isoDate: string): number => Date.parse(`${isoDate}T00:00:00Z`) / MS_PER_DAY;
export const isoDate = (day: number): string => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);

/** Builds every row whose features and `horizonDays`-ahead label both exist. */
export function buildDataset(series: ReadonlyMap<string, SeriesLike>, horizonDays: number): Dataset {
  const columns = FEATURE_NAMES.map(() => [] as number[]);
  const forwardReturn: number[] = [];
  const day: number[] = [];
  const labelEndDay: number[] = [];
  const symbol: number[] = [];
  const symbols = [...series.keys()];
  symbols.forEach((name, s) => {
    const data = series.get(name) as SeriesLike;
    const bars: Bar[] = Array.from(data.close, (close, i) => ({
      date: isoDate(data.days[i]),
      open: null,
      high: null,
      low: null,
      close,
      volume: data.volume[i],
    }));
    const rows = buildFeatureRows(bars);
    for (let t = 0; t + horizonDays < bars.length; t++) {
      const row = rows[t];
      if (!row) continue;
      row.forEach((v, j) => columns[j].push(v));
      forwardReturn.push(data.close[t + horizonDays] / data.close[t] - 1);
      day.push(data.days[t]);
      labelEndDay.push(data.days[t + horizonDays]);
      symbol.push(s);
    }
  });
  return {
    count: day.length,
    columns: columns.map((c) => Float64Array.from(c)),
    forwardReturn: Float64Array.from(forwardReturn),
    label: Uint8Array.from(forwardReturn, (r) => (r > 0 ? 1 : 0)),
    day: Int32Array.from(day),
    labelEndDay: Int32Array.from(labelEndDay),
    symbol: Int32Array.from(symbol),
    symbols,
  };
}

export interface Split {
  train: Int32Array;
  test: Int32Array;
  /** Rows dated inside the training period whose label window ends after it: dropped. */
  embargoed: number;
}

/**
 * Walk-forward split. Training rows end by `trainEnd` AND so do their labels (the embargo: a row
 * of mid-December whose 20-day label reads January prices would leak the test period into
 * training). Test rows start at `testStart`; their features may read training-period bars.
 */
export function walkForwardSplit(data: Dataset, trainEnd: number, testStart: number, testEnd = Infinity): Split {
  const train: number[] = [];
  const test: number[] = [];
  let embargoed = 0;
  for (let i = 0; i < data.count; i++) {
    if (data.day[i] <= trainEnd) {
      if (data.labelEndDay[i] <= trainEnd) train.push(i);
      else embargoed++;
    } else if (data.day[i] >= testStart && data.day[i] <= testEnd) {
      test.push(i);
    }
  }
  return { train: Int32Array.from(train), test: Int32Array.from(test), embargoed };
}

/** Mean and sample standard deviation of each feature over `rows` (the training rows only). */
export function featureStatistics(data: Dataset, rows: Int32Array): ArtifactFeature[] {
  return FEATURE_NAMES.map((name, j) => {
    const column = data.columns[j];
    let mean = 0;
    for (const i of rows) mean += column[i];
    mean /= rows.length;
    let squares = 0;
    for (const i of rows) squares += (column[i] - mean) ** 2;
    return { name, mean, std: Math.sqrt(squares / (rows.length - 1)) };
  });
}

/** The rows' standardized, clipped columns, through the runtime's own `standardize`. */
export function standardizedColumns(data: Dataset, rows: Int32Array, features: ArtifactFeature[], clip: number): Float64Array[] {
  const out = features.map(() => new Float64Array(rows.length));
  const vector = new Array<number>(features.length);
  rows.forEach((i, k) => {
    for (let j = 0; j < features.length; j++) vector[j] = data.columns[j][i];
    standardize(vector, features, clip).forEach((v, j) => (out[j][k] = v));
  });
  return out;
}

/** Picks `rows` out of a per-row array. */
export function pick<T extends Float64Array | Int32Array | Uint8Array>(values: T, rows: Int32Array): T {
  const out = new (values.constructor as new (n: number) => T)(rows.length);
  rows.forEach((i, k) => (out[k] = values[i]));
  return out;
}
