import type { Bar } from '../market-data/market-data.types';
import {
  annualizedMeanReturn,
  annualizedVolatility,
  averagePairwiseCorrelation,
  beta,
  correlationMatrix,
  covarianceMatrix,
  diversificationScore,
  herfindahl,
  logReturns,
  maxDrawdown,
  RISK_FREE_RATE,
  sharpeRatio,
} from './portfolio-metrics';

/** Fewer aligned daily returns than this give null risk figures rather than noise. */
export const MIN_RISK_OBSERVATIONS = 20;
// A proxy day counts only when at least this share of the sample traded, so a thin day is not one name's move.
const MIN_PROXY_COVERAGE = 0.5;

export interface AlignedCloses {
  dates: string[];
  /** One row per series, one column per date. */
  closes: number[][];
}

export interface RiskInput {
  /** Daily bars per holding, in the order of `weights`. */
  histories: readonly (readonly Bar[])[];
  /** Current weights, summing to 1. */
  weights: readonly number[];
  /** Shares held, for the value series; null for a weight portfolio (bought at the first aligned close). */
  units: readonly number[] | null;
  /** Market proxy daily log returns by date. */
  market: ReadonlyMap<string, number>;
  riskFreeRate?: number;
}

export interface RiskMetrics {
  from: string | null;
  to: string | null;
  /** Aligned daily returns the figures are computed from. */
  observations: number;
  annualizedVolatility: number | null;
  annualizedReturn: number | null;
  sharpeRatio: number | null;
  riskFreeRate: number;
  /** Positive fraction: 0.25 = the value fell 25 % from a peak. */
  maxDrawdown: number | null;
  beta: number | null;
  betaObservations: number;
  averageCorrelation: number | null;
}

export interface Diversification {
  score: number;
  herfindahl: number;
  effectiveHoldings: number;
  averageCorrelation: number | null;
}

/** Inner join on date: only days on which every series has a positive close. */
export function alignCloses(histories: readonly (readonly Bar[])[]): AlignedCloses {
  if (histories.length === 0) return { dates: [], closes: [] };
  const byDate = histories.map((bars) => {
    const map = new Map<string, number>();
    for (const bar of bars) if (Number.isFinite(bar.close) && bar.close > 0) map.set(bar.date, bar.close);
    return map;
  });
  const dates = [...byDate[0].keys()].filter((date) => byDate.every((map) => map.has(date))).sort();
  return { dates, closes: byDate.map((map) => dates.map((date) => map.get(date) ?? 0)) };
}

/** Per date, the mean of the sample's close-to-close log returns (each name over its own previous bar). */
export function equalWeightedReturns(histories: readonly (readonly Bar[])[]): Map<string, number> {
  const sums = new Map<string, { sum: number; count: number }>();
  for (const bars of histories) {
    for (let i = 1; i < bars.length; i++) {
      const [prev, cur] = [bars[i - 1].close, bars[i].close];
      if (!(prev > 0 && cur > 0)) continue;
      const slot = sums.get(bars[i].date) ?? { sum: 0, count: 0 };
      slot.sum += Math.log(cur / prev);
      slot.count++;
      sums.set(bars[i].date, slot);
    }
  }
  const needed = Math.max(1, Math.ceil(histories.length * MIN_PROXY_COVERAGE));
  const out = new Map<string, number>();
  for (const date of [...sums.keys()].sort()) {
    const slot = sums.get(date);
    if (slot && slot.count >= needed) out.set(date, slot.sum / slot.count);
  }
  return out;
}

/**
 * Volatility, Sharpe and beta of the current weights held constant over the window (the risk of the
 * portfolio as it stands), and drawdown of the buy-and-hold value series (what holding it would have done).
 */
export function analyzeRisk(input: RiskInput): RiskMetrics {
  const riskFreeRate = input.riskFreeRate ?? RISK_FREE_RATE;
  const aligned = alignCloses(input.histories);
  const returns = aligned.closes.map(logReturns);
  const observations = Math.max(0, aligned.dates.length - 1);
  const empty: RiskMetrics = {
    from: aligned.dates[0] ?? null,
    to: aligned.dates.at(-1) ?? null,
    observations,
    annualizedVolatility: null,
    annualizedReturn: null,
    sharpeRatio: null,
    riskFreeRate,
    maxDrawdown: null,
    beta: null,
    betaObservations: 0,
    averageCorrelation: null,
  };
  if (observations < MIN_RISK_OBSERVATIONS) return empty;

  const { weights } = input;
  const cov = covarianceMatrix(returns);
  const portfolio = Array.from({ length: observations }, (_, t) => weights.reduce((sum, w, i) => sum + w * returns[i][t], 0));
  const volatility = annualizedVolatility(weights, cov);
  const annualReturn = annualizedMeanReturn(portfolio);
  const units = input.units ?? weights.map((w, i) => w / aligned.closes[i][0]);
  const values = aligned.dates.map((_, t) => units.reduce((sum, u, i) => sum + u * aligned.closes[i][t], 0));

  const paired: [number, number][] = [];
  portfolio.forEach((r, t) => {
    const m = input.market.get(aligned.dates[t + 1]);
    if (m !== undefined) paired.push([r, m]);
  });
  const enoughMarket = paired.length >= MIN_RISK_OBSERVATIONS;
  return {
    ...empty,
    annualizedVolatility: round(volatility),
    annualizedReturn: round(annualReturn),
    sharpeRatio: roundOrNull(sharpeRatio(annualReturn, volatility, riskFreeRate)),
    maxDrawdown: round(maxDrawdown(values)),
    beta: enoughMarket ? roundOrNull(beta(paired.map((p) => p[0]), paired.map((p) => p[1]))) : null,
    betaObservations: paired.length,
    averageCorrelation: roundOrNull(averagePairwiseCorrelation(weights, correlationMatrix(cov))),
  };
}

/** The diversification block: see `diversificationScore` for the formula. */
export function diversificationOf(weights: readonly number[], averageCorrelation: number | null): Diversification {
  const hhi = herfindahl(weights);
  return {
    score: Math.round(diversificationScore(weights, averageCorrelation) * 10) / 10,
    herfindahl: round(hhi),
    effectiveHoldings: hhi > 0 ? Math.round((1 / hhi) * 100) / 100 : 0,
    averageCorrelation,
  };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function roundOrNull(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : round(value);
}
