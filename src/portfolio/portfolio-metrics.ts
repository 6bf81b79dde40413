// Pure portfolio maths on daily log returns. No I/O; every function is total: degenerate input
// (too few points, zero variance) yields 0 or null, never NaN or Infinity.

// Module-scope copies: a global lookup per call is ~20x slower inside Jest's vm sandbox (jestjs/jest#5163).
const { max, min, sqrt } = Math;

export const TRADING_DAYS_PER_YEAR = 252;
/**
 * Annual risk-free rate for Sharpe: about the 3-month US T-bill yield of 2024-25. A constant on
 * purpose: the answer must not depend on a rates feed we do not have.
 */
export const RISK_FREE_RATE = 0.04;
// Below this a variance is treated as zero (float noise on a flat series).
const EPSILON = 1e-14;

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Log returns of consecutive values; non-positive values would give -Infinity, so callers drop them first. */
export function logReturns(values: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < values.length; i++) out.push(Math.log(values[i] / values[i - 1]));
  return out;
}

/** Sample covariance (n - 1); null with fewer than two paired points. */
export function covariance(xs: readonly number[], ys: readonly number[]): number | null {
  const n = min(xs.length, ys.length);
  if (n < 2) return null;
  const mx = mean(xs.slice(0, n));
  const my = mean(ys.slice(0, n));
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (xs[i] - mx) * (ys[i] - my);
  return sum / (n - 1);
}

/** Sample covariance matrix of equally long return series (one row per asset); zeros when too short. */
export function covarianceMatrix(series: readonly (readonly number[])[]): number[][] {
  const means = series.map(mean);
  const n = series.length === 0 ? 0 : min(...series.map((s) => s.length));
  const matrix = series.map(() => new Array<number>(series.length).fill(0));
  if (n < 2) return matrix;
  for (let i = 0; i < series.length; i++) {
    for (let j = i; j < series.length; j++) {
      let sum = 0;
      for (let t = 0; t < n; t++) sum += (series[i][t] - means[i]) * (series[j][t] - means[j]);
      matrix[i][j] = matrix[j][i] = sum / (n - 1);
    }
  }
  return matrix;
}

/** wᵀΣw, clamped at 0 against rounding. */
export function portfolioVariance(weights: readonly number[], cov: readonly (readonly number[])[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    for (let j = 0; j < weights.length; j++) sum += weights[i] * weights[j] * cov[i][j];
  }
  return max(0, sum);
}

/** sqrt(252 · wᵀΣw) for daily returns. */
export function annualizedVolatility(weights: readonly number[], cov: readonly (readonly number[])[]): number {
  const variance = portfolioVariance(weights, cov);
  return variance < EPSILON ? 0 : sqrt(TRADING_DAYS_PER_YEAR * variance);
}

/** Mean daily log return × 252. */
export function annualizedMeanReturn(dailyReturns: readonly number[]): number {
  return mean(dailyReturns) * TRADING_DAYS_PER_YEAR;
}

/** (annual return − risk-free) / annual volatility; null when volatility is zero. */
export function sharpeRatio(annualReturn: number, annualVolatility: number, riskFreeRate = RISK_FREE_RATE): number | null {
  return annualVolatility > sqrt(EPSILON) ? (annualReturn - riskFreeRate) / annualVolatility : null;
}

/** Largest peak-to-trough fall as a positive fraction (0.5 = −50 %); 0 for a series that never falls. */
export function maxDrawdown(values: readonly number[]): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (const value of values) {
    if (value > peak) peak = value;
    else if (peak > 0) worst = max(worst, (peak - value) / peak);
  }
  return worst;
}

/** cov(asset, market) / var(market); null when the market is flat or too short. */
export function beta(asset: readonly number[], market: readonly number[]): number | null {
  const marketVariance = covariance(market, market);
  const cov = covariance(asset, market);
  if (marketVariance === null || cov === null || marketVariance < EPSILON) return null;
  return cov / marketVariance;
}

/** Correlations from a covariance matrix; a zero-variance asset correlates 0 with everything (1 with itself). */
export function correlationMatrix(cov: readonly (readonly number[])[]): number[][] {
  const sd = cov.map((row, i) => sqrt(max(0, row[i])));
  return cov.map((row, i) =>
    row.map((c, j) => {
      if (i === j) return 1;
      const denominator = sd[i] * sd[j];
      return denominator < EPSILON ? 0 : max(-1, min(1, c / denominator));
    }),
  );
}

/** Σ w², for weights that sum to 1: 1 for one holding, 1/n for n equal ones. */
export function herfindahl(weights: readonly number[]): number {
  let sum = 0;
  for (const w of weights) sum += w * w;
  return sum;
}

/** Σ_{i≠j} wᵢwⱼρᵢⱼ / Σ_{i≠j} wᵢwⱼ; null with fewer than two holdings. */
export function averagePairwiseCorrelation(weights: readonly number[], corr: readonly (readonly number[])[]): number | null {
  let sum = 0;
  let norm = 0;
  for (let i = 0; i < weights.length; i++) {
    for (let j = 0; j < weights.length; j++) {
      if (i === j) continue;
      sum += weights[i] * weights[j] * corr[i][j];
      norm += weights[i] * weights[j];
    }
  }
  return norm > EPSILON ? sum / norm : null;
}

/**
 * 0..100 = 100 · (1 − HHI) · (1 − max(0, ρ̄)). One holding, or perfectly correlated holdings, score 0;
 * ten equal uncorrelated holdings score 90. Negative correlation earns no more than none. Without a
 * correlation estimate (ρ̄ null) only concentration counts.
 */
export function diversificationScore(weights: readonly number[], averageCorrelation: number | null): number {
  const concentration = 1 - herfindahl(weights);
  const correlation = 1 - max(0, averageCorrelation ?? 0);
  return max(0, min(100, 100 * concentration * correlation));
}
