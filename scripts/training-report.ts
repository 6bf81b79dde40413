/** Metrics and the printed summary of `train-model.ts` (the figures `docs/MODEL_CARD.md` quotes). */
import type { EvaluationMetrics, ModelArtifact, SignalThresholds } from '../src/inference/model-artifact';
import { pick, type Dataset } from '../src/inference/training/dataset';
import { auc, dailyAuc, dailyIc, spearman } from '../src/inference/training/evaluation';
import { meanLogLoss } from '../src/inference/training/logistic-regression';

/** AUC, daily and pooled rank IC (against the realized forward return), base rate; log-loss for probabilities. */
export function evaluate(data: Dataset, rows: Int32Array, scores: Float64Array): EvaluationMetrics {
  const labels = pick(data.label, rows);
  const returns = pick(data.forwardReturn, rows);
  const days = pick(data.day, rows);
  const ic = dailyIc(scores, returns, days);
  const probabilities = scores.every((s) => s >= 0 && s <= 1);
  return {
    rows: rows.length,
    days: ic.days,
    baseRate: r4(labels.reduce((s, v) => s + v, 0) / labels.length),
    auc: r4(auc(scores, labels)),
    aucDailyMean: r4(dailyAuc(scores, labels, days)),
    icDailyMean: r4(ic.mean),
    icDailyStd: r4(ic.std),
    icHitRate: r4(ic.hitRate),
    icPooled: r4(spearman(scores, returns)),
    ...(probabilities ? { logLoss: r4(meanLogLoss(scores, labels)) } : {}),
  };
}

/** The q-quantile (linear interpolation) of values. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low);
}

/** Test rows grouped by the signal their probability maps to: is bullish really better than bearish? */
export function bucketsBySignal(data: Dataset, rows: Int32Array, scores: Float64Array, signal: SignalThresholds) {
  const buckets = { bearish: [] as number[], neutral: [] as number[], bullish: [] as number[] };
  rows.forEach((i, k) => {
    const p = scores[k];
    const name = p >= signal.bullishAbove ? 'bullish' : p < signal.bearishBelow ? 'bearish' : 'neutral';
    buckets[name].push(i);
  });
  return Object.fromEntries(
    Object.entries(buckets).map(([name, members]) => {
      const mean = members.reduce((s, i) => s + data.forwardReturn[i], 0) / members.length;
      const upRate = members.reduce((s, i) => s + data.label[i], 0) / members.length;
      return [name, { rows: members.length, meanForwardReturn: r4(mean), upRate: r4(upRate) }];
    }),
  );
}

interface Metrics {
  model: { train: EvaluationMetrics; test: EvaluationMetrics };
  baselines: Record<string, { train: EvaluationMetrics; test: EvaluationMetrics }>;
  testBySignal: Record<string, { rows: number; meanForwardReturn: number; upRate: number }>;
}

/** Markdown tables for the console (and the model card). */
export function renderReport(artifact: ModelArtifact, metrics: Metrics, validation: { l2: number; auc: number }[], seconds: number): string {
  const horizon = artifact.horizonDays;
  // Consecutive days share 19 of 20 label days, so the daily ICs are far from independent:
  // the t-statistic counts one independent observation per horizon.
  const t = (m: EvaluationMetrics) => (m.icDailyStd > 0 ? (m.icDailyMean / m.icDailyStd) * Math.sqrt(m.days / horizon) : NaN);
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const rows = [
    ['model', metrics.model],
    ...Object.entries(metrics.baselines),
  ] as [string, { train: EvaluationMetrics; test: EvaluationMetrics }][];
  const table = [
    line(['scorer', 'period', 'rows', 'days', 'base rate', 'AUC', 'AUC within days', 'daily IC mean', 'IC t (overlap-adj.)', 'IC > 0 days', 'pooled IC', 'log-loss']),
    line(Array(12).fill('---')),
    ...rows.flatMap(([name, m]) =>
      (['train', 'test'] as const).map((period) => {
        const e = m[period];
        return line([name, period, e.rows, e.days, e.baseRate, e.auc, e.aucDailyMean, e.icDailyMean, t(e).toFixed(2), e.icHitRate, e.icPooled, e.logLoss ?? '-']);
      }),
    ),
  ];
  const signals = [
    line(['signal (test)', 'rows', `mean ${horizon}d return`, 'up rate']),
    line(Array(4).fill('---')),
    ...Object.entries(metrics.testBySignal).map(([name, b]) => line([name, b.rows, b.meanForwardReturn, b.upRate])),
  ];
  const weights = [
    line(['feature', 'mean', 'std', 'weight (per std)']),
    line(Array(4).fill('---')),
    ...artifact.features.map((f, i) => line([f.name, f.mean.toPrecision(4), f.std.toPrecision(4), artifact.model.weights[i].toFixed(4)])),
    line(['(intercept)', '', '', artifact.model.intercept.toFixed(4)]),
  ];
  const penalties = [line(['l2', 'validation AUC (2016)']), line(['---', '---']), ...validation.map((v) => line([v.l2, v.auc.toFixed(4)]))];
  const warning = validation.every((v) => v.auc <= 0.5)
    ? ['WARNING: validation AUC <= 0.5 for every penalty: the features showed no edge before the test period was touched.', '']
    : [];
  return [
    `${artifact.name} ${artifact.version}: l2 = ${artifact.model.l2}, thresholds ${artifact.signal.bearishBelow} / ${artifact.signal.bullishAbove}, ${seconds.toFixed(1)} s`,
    '',
    penalties.join('\n'),
    '',
    ...warning,
    table.join('\n'),
    '',
    signals.join('\n'),
    '',
    weights.join('\n'),
    '',
  ].join('\n');
}

function r4(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
