/** Out-of-sample metrics for `scripts/train-model.ts`: AUC and rank information coefficients. */

const { sqrt } = Math;

/** Ranks 1..n, ties sharing their average rank. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/**
 * Area under the ROC curve (Mann-Whitney U / (positives * negatives)): the chance that a random
 * positive scores above a random negative, ties counting one half. NaN without both classes.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const ranks = averageRanks(scores);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) {
      positives++;
      rankSum += ranks[i];
    }
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Pearson correlation; NaN when either side is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i];
    meanB += b[i];
  }
  meanA /= n;
  meanB /= n;
  let cov = 0;
  let varA = 0;
  let varB = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i] - meanA) * (b[i] - meanB);
    varA += (a[i] - meanA) ** 2;
    varB += (b[i] - meanB) ** 2;
  }
  return varA === 0 || varB === 0 ? NaN : cov / sqrt(varA * varB);
}

/** Spearman rank correlation (Pearson of average ranks). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(averageRanks(a), averageRanks(b));
}

export interface DailyIc {
  /** Days with at least `minNames` rows and a defined IC. */
  days: number;
  mean: number;
  std: number;
  /** Share of those days with IC > 0. */
  hitRate: number;
}

/**
 * The cross-sectional IC: per day, the Spearman correlation between scores and realized returns
 * across symbols, then averaged over days. Days with fewer than `minNames` rows are skipped.
 */
export function dailyIc(scores: ArrayLike<number>, returns: ArrayLike<number>, day: ArrayLike<number>, minNames = 20): DailyIc {
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < day.length; i++) {
    let rows = byDay.get(day[i]);
    if (!rows) byDay.set(day[i], (rows = []));
    rows.push(i);
  }
  const ics: number[] = [];
  for (const rows of byDay.values()) {
    if (rows.length < minNames) continue;
    const ic = spearman(
      rows.map((i) => scores[i]),
      rows.map((i) => returns[i]),
    );
    if (!Number.isNaN(ic)) ics.push(ic);
  }
  const mean = ics.reduce((s, v) => s + v, 0) / ics.length;
  const std = sqrt(ics.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, ics.length - 1));
  return { days: ics.length, mean, std, hitRate: ics.filter((v) => v > 0).length / ics.length };
}

/**
 * AUC within each day (across symbols), averaged over days: the ranking skill left once the
 * market's common move, which dominates a pooled AUC, is taken out. Days lacking either class or
 * with fewer than `minNames` rows are skipped.
 */
export function dailyAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, day: ArrayLike<number>, minNames = 20): number {
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < day.length; i++) {
    let rows = byDay.get(day[i]);
    if (!rows) byDay.set(day[i], (rows = []));
    rows.push(i);
  }
  let sum = 0;
  let days = 0;
  for (const rows of byDay.values()) {
    if (rows.length < minNames) continue;
    const value = auc(
      rows.map((i) => scores[i]),
      rows.map((i) => labels[i]),
    );
    if (Number.isNaN(value)) continue;
    sum += value;
    days++;
  }
  return sum / days;
}
