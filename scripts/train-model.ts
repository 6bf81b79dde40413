/**
 * Trains the bundled prediction model and writes its artifact:
 *   npm run train -- <daily OHLCV csv[.gz] file or folder> [--out models/momentum-v1.json]
 * Walk-forward: fit on 2013-2016 (rows whose 20-day label reads 2017 prices are embargoed), the
 * penalty chosen on an inner split (fit 2013-2015, validate 2016), evaluated on 2017-2018.
 * Deterministic: full-batch Newton steps, no sampling, no random seed involved.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FEATURE_NAMES } from '../src/inference/feature-builder';
import { BUNDLED_MODEL_FILE, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ArtifactFeature, type ModelArtifact } from '../src/inference/model-artifact';
import { buildDataset, dayNumber, featureStatistics, isoDate, pick, standardizedColumns, walkForwardSplit, type Dataset } from '../src/inference/training/dataset';
import { auc } from '../src/inference/training/evaluation';
import { fitLogistic, predictLogistic, type LogisticFit } from '../src/inference/training/logistic-regression';
import { loadCsvBars } from '../src/market-data/providers/csv-bars.parser';
import { bucketsBySignal, evaluate, quantile, renderReport } from './training-report';

const NAME = 'momentum-v1';
const VERSION = '1.0.0';
const HORIZON_DAYS = 20;
const CLIP = 5;
const L2_GRID = [0, 1e-4, 1e-3, 1e-2, 1e-1, 1];
const PERIODS = {
  innerTrainEnd: dayNumber('2015-12-31'),
  validationStart: dayNumber('2016-01-01'),
  trainEnd: dayNumber('2016-12-31'),
  testStart: dayNumber('2017-01-01'),
};

interface Fitted {
  features: ArtifactFeature[];
  fit: LogisticFit;
}

function fitOn(data: Dataset, rows: Int32Array, l2: number): Fitted {
  const features = featureStatistics(data, rows);
  return { features, fit: fitLogistic(standardizedColumns(data, rows, features, CLIP), pick(data.label, rows), { l2 }) };
}

function predictRows(model: Fitted, data: Dataset, rows: Int32Array): Float64Array {
  return predictLogistic(model.fit, standardizedColumns(data, rows, model.features, CLIP));
}

/** The penalty with the best validation AUC (ties go to the larger penalty: the simpler model). */
function choosePenalty(data: Dataset): { l2: number; validation: { l2: number; auc: number }[] } {
  const inner = walkForwardSplit(data, PERIODS.innerTrainEnd, PERIODS.validationStart, PERIODS.trainEnd);
  // Validation labels must not read test-period prices either.
  const validation = inner.test.filter((i) => data.labelEndDay[i] <= PERIODS.trainEnd);
  const scores = L2_GRID.map((l2) => ({ l2, auc: round(auc(predictRows(fitOn(data, inner.train, l2), data, validation), pick(data.label, validation))) }));
  const best = scores.reduce((a, b) => (b.auc >= a.auc - 1e-9 ? b : a));
  return { l2: best.l2, validation: scores };
}

function parseArgs(argv: string[]): { csv: string; out: string } {
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? argv[outAt + 1] : BUNDLED_MODEL_FILE;
  const csv = argv.find((a, i) => !a.startsWith('--') && (outAt < 0 || i !== outAt + 1));
  if (!csv || !out) throw new Error('usage: npm run train -- <csv file or folder> [--out models/momentum-v1.json]');
  return { csv: resolve(csv), out: resolve(out) };
}

async function main(): Promise<void> {
  const started = performance.now();
  const { csv, out } = parseArgs(process.argv.slice(2));
  const loaded = await loadCsvBars(csv);
  const data = buildDataset(loaded.series, HORIZON_DAYS);
  const split = walkForwardSplit(data, PERIODS.trainEnd, PERIODS.testStart);
  const penalty = choosePenalty(data);
  const model = fitOn(data, split.train, penalty.l2);
  const trainScores = predictRows(model, data, split.train);
  const testScores = predictRows(model, data, split.test);
  const signal = {
    bearishBelow: round(quantile(trainScores, 1 / 3)),
    bullishAbove: round(quantile(trainScores, 2 / 3)),
    rule: 'terciles of the predicted probability over the training rows: bullish = top third, bearish = bottom third',
  };
  const trainBaseRate = pick(data.label, split.train).reduce((s, v) => s + v, 0) / split.train.length;
  const column = (name: (typeof FEATURE_NAMES)[number], rows: Int32Array) => pick(data.columns[FEATURE_NAMES.indexOf(name)], rows);
  const constant = (rows: Int32Array) => new Float64Array(rows.length).fill(trainBaseRate);
  const metrics = {
    model: { train: evaluate(data, split.train, trainScores), test: evaluate(data, split.test, testScores) },
    baselines: {
      momentum21: { train: evaluate(data, split.train, column('ret21', split.train)), test: evaluate(data, split.test, column('ret21', split.test)) },
      momentum126: { train: evaluate(data, split.train, column('ret126', split.train)), test: evaluate(data, split.test, column('ret126', split.test)) },
      baseRate: { train: evaluate(data, split.train, constant(split.train)), test: evaluate(data, split.test, constant(split.test)) },
    },
    testBySignal: bucketsBySignal(data, split.test, testScores, signal),
  };
  const days = (rows: Int32Array) => [...new Set(pick(data.day, rows))].sort((a, b) => a - b);
  const trainDays = days(split.train);
  const testDays = days(split.test);
  const seconds = (performance.now() - started) / 1000;

  const artifact: ModelArtifact = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name: NAME,
    version: VERSION,
    trainedAt: new Date().toISOString(),
    horizonDays: HORIZON_DAYS,
    target: { type: 'classification', description: `forward ${HORIZON_DAYS}-trading-day close-to-close return > 0` },
    features: model.features.map((f) => ({ name: f.name, mean: round(f.mean), std: round(f.std) })),
    clip: CLIP,
    model: { kind: 'logistic-regression', intercept: round(model.fit.intercept), weights: model.fit.weights.map(round), l2: penalty.l2 },
    signal,
    training: {
      data: { file: csv.split('/').pop(), sha256: createHash('sha256').update(readFileSync(csv)).digest('hex'), symbols: data.symbols.length, rows: data.count },
      train: { firstDay: isoDate(trainDays[0]), lastDay: isoDate(trainDays[trainDays.length - 1]), rows: split.train.length },
      test: { firstDay: isoDate(testDays[0]), lastDay: isoDate(testDays[testDays.length - 1]), rows: split.test.length },
      embargoedRows: split.embargoed,
      penaltySelection: { innerTrain: '<= 2015-12-31 (embargoed)', validation: '2016 (labels within 2016)', byValidationAuc: penalty.validation },
      solver: { iterations: model.fit.iterations, converged: model.fit.converged },
      durationSeconds: Math.round(seconds * 10) / 10,
    },
    metrics,
  };
  writeFileSync(out, `${JSON.stringify(artifact, null, 2)}\n`);
  process.stdout.write(`${renderReport(artifact, metrics, penalty.validation, seconds)}\nWrote ${out}\n`);
}

// JSON stays small and readable; 10 significant digits is far below any effect on a probability.
function round(value: number): number {
  return Number(value.toPrecision(10));
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
