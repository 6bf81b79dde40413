import { LRUCache } from 'lru-cache';
import type { Bar } from '../market-data.types';
import { weekStart, type TradingCalendar } from './synthetic-calendar';
import { SeededRandom } from './synthetic-random';
import type { SyntheticSymbol } from './synthetic-universe';

// Module-scope copies: a global lookup per call is ~20x slower inside Jest's vm sandbox (jestjs/jest#5163).
const { abs, exp, max, min, round, sqrt } = Math;

/** One symbol's daily OHLCV on a calendar, column-wise (5 typed arrays instead of ~2,800 objects). */
export interface DailySeries {
  dates: readonly string[];
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

interface ShockProcess {
  /** Long-run daily standard deviation. */
  vol: number;
  /** GARCH(1,1) reaction to the last squared shock. */
  alpha: number;
  /** GARCH(1,1) persistence of the last variance. */
  beta: number;
  jumpProbability: number;
  jumpMean: number;
  jumpVol: number;
}

const MARKET: ShockProcess = { vol: 0.0095, alpha: 0.1, beta: 0.88, jumpProbability: 0.003, jumpMean: -0.01, jumpVol: 0.025 };
const SECTOR: ShockProcess = { vol: 0.007, alpha: 0.07, beta: 0.9, jumpProbability: 0.002, jumpMean: 0, jumpVol: 0.02 };
const IDIO_ALPHA = 0.1;
const IDIO_BETA = 0.87;
// Roughly earnings days: about one and a half surprises a year.
const IDIO_JUMP_PROBABILITY = 0.006;
const IDIO_JUMP_SCALE = 4;

// 12 factors (market + 11 sectors) per seed and calendar year: shared by every symbol, so kept per process.
const factors = new LRUCache<string, Float64Array>({ max: 64 });

/** The shared return shocks of the market or one sector, identical for every symbol that loads on it. */
export function factorShocks(seed: number, factor: 'market' | `sector:${string}`, calendar: TradingCalendar): Float64Array {
  const key = `${seed}|${factor}|${calendar.year}`;
  let shocks = factors.get(key);
  if (!shocks) {
    const process = factor === 'market' ? MARKET : SECTOR;
    shocks = garchShocks(SeededRandom.of(seed, 'factor', factor, String(calendar.year)), calendar.dates.length, process);
    factors.set(key, shocks);
  }
  return shocks;
}

/** Zero-mean shocks with GARCH(1,1) volatility clustering; jumps feed the variance too, as crashes do. */
function garchShocks(rng: SeededRandom, length: number, p: ShockProcess): Float64Array {
  const shocks = new Float64Array(length);
  const longRunVariance = p.vol * p.vol;
  const omega = longRunVariance * (1 - p.alpha - p.beta);
  const varianceCap = 25 * longRunVariance;
  let variance = longRunVariance;
  for (let t = 0; t < length; t++) {
    let shock = sqrt(variance) * rng.normal();
    if (rng.uniform() < p.jumpProbability) shock += p.jumpMean + p.jumpVol * rng.normal();
    shocks[t] = shock;
    variance = min(varianceCap, omega + p.alpha * shock * shock + p.beta * variance);
  }
  return shocks;
}

/** Cents, or 4 decimals below $1 as US venues quote sub-dollar stocks; never 0. */
export function roundPrice(price: number): number {
  return price >= 1 ? round(price * 100) / 100 : max(0.0001, round(price * 10_000) / 10_000);
}

/** Long-run daily standard deviation of the symbol's total log return. */
export function totalVolatility(symbol: SyntheticSymbol): number {
  const { beta, sectorLoading, idioVol } = symbol.model;
  return sqrt((beta * MARKET.vol) ** 2 + (sectorLoading * SECTOR.vol) ** 2 + idioVol ** 2);
}

/**
 * Daily bars for every date of `calendar`, a pure function of (seed, symbol, calendar year):
 * log return = drift + beta·market + loading·sector + idiosyncratic GARCH shock with jumps.
 */
export function generateDailySeries(seed: number, symbol: SyntheticSymbol, calendar: TradingCalendar): DailySeries {
  const length = calendar.dates.length;
  const ticker = symbol.info.symbol;
  const { beta, sectorLoading, idioVol, startPrice, drift, averageVolume } = symbol.model;
  const market = factorShocks(seed, 'market', calendar);
  const sector = factorShocks(seed, `sector:${symbol.sector}`, calendar);
  const idio = garchShocks(SeededRandom.of(seed, 'idio', ticker, String(calendar.year)), length, {
    vol: idioVol,
    alpha: IDIO_ALPHA,
    beta: IDIO_BETA,
    jumpProbability: IDIO_JUMP_PROBABILITY,
    jumpMean: 0,
    jumpVol: IDIO_JUMP_SCALE * idioVol,
  });
  const sigma = totalVolatility(symbol);
  // Log-return drift net of the volatility drag, so `drift` is roughly the expected simple return.
  const mean = drift - 0.5 * sigma * sigma;
  const rng = SeededRandom.of(seed, 'bars', ticker, String(calendar.year));
  const series: DailySeries = {
    dates: calendar.dates,
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
  let previousClose = startPrice;
  for (let t = 0; t < length; t++) {
    const move = beta * market[t] + sectorLoading * sector[t] + idio[t];
    const close = previousClose * exp(mean + move);
    // Part of each day's move happens overnight, so the open gaps in the direction of the close.
    const open = previousClose * exp(0.3 * move + 0.15 * sigma * rng.normal());
    const wick = 0.3 * sigma + 0.2 * abs(move);
    const o = roundPrice(open);
    const c = roundPrice(close);
    series.open[t] = o;
    series.close[t] = c;
    series.high[t] = max(o, c, roundPrice(max(open, close) * exp(wick * abs(rng.normal()))));
    series.low[t] = min(o, c, roundPrice(min(open, close) * exp(-wick * abs(rng.normal()))));
    // Volume rises with the size of the move (the mean of |move| is about 0.8·sigma).
    const activity = 0.5 + (0.5 * abs(move)) / (0.8 * sigma);
    series.volume[t] = max(1, round(averageVolume * activity * exp(0.3 * rng.normal() - 0.045)));
    previousClose = close;
  }
  return series;
}

/** Daily bars → weekly: dated by the week's first trading day; open first, high max, low min, close last, volume sum. */
export function aggregateWeekly(daily: readonly Bar[]): Bar[] {
  const weeks: Bar[] = [];
  let currentWeek = Number.NaN;
  for (const bar of daily) {
    const week = weekStart(bar.date);
    const last = weeks[weeks.length - 1];
    if (week !== currentWeek || !last) {
      currentWeek = week;
      weeks.push({ ...bar });
      continue;
    }
    last.high = maxOf(last.high, bar.high);
    last.low = minOf(last.low, bar.low);
    last.close = bar.close;
    last.volume += bar.volume;
  }
  return weeks;
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : max(a, b);
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : min(a, b);
}
