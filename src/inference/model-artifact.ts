import type { FeatureName } from './feature-builder';

/** Written by `scripts/train-model.ts`, read by `model-loader.ts`; bump the version when the shape changes. */
export const MODEL_FORMAT = 'mc-logistic-regression';
export const MODEL_FORMAT_VERSION = 1;
export const BUNDLED_MODEL_FILE = 'models/momentum-v1.json';

export interface ArtifactFeature {
  name: FeatureName;
  /** Training-set mean and standard deviation: the runtime standardizes with these. */
  mean: number;
  std: number;
}

export interface SignalThresholds {
  /** probabilityUp below this is `bearish`. */
  bearishBelow: number;
  /** probabilityUp at or above this is `bullish`; between the two, `neutral`. */
  bullishAbove: number;
  /** How the thresholds were chosen. */
  rule: string;
}

/** The metrics of one model or baseline on one period. */
export interface EvaluationMetrics {
  rows: number;
  days: number;
  baseRate: number;
  auc: number;
  /** AUC across symbols within each day, averaged over days (the market's common move taken out). */
  aucDailyMean: number;
  /** Spearman rank IC per day across symbols, averaged over days. */
  icDailyMean: number;
  icDailyStd: number;
  /** Share of days with a positive IC. */
  icHitRate: number;
  /** Spearman rank correlation over all rows at once. */
  icPooled: number;
  logLoss?: number;
}

/** `models/*.json`: everything needed to predict, plus how the model was made and how it scored. */
export interface ModelArtifact {
  format: typeof MODEL_FORMAT;
  formatVersion: typeof MODEL_FORMAT_VERSION;
  name: string;
  version: string;
  trainedAt: string;
  horizonDays: number;
  target: { type: 'classification'; description: string };
  /** In the order of the weights; must equal `FEATURE_NAMES`. */
  features: ArtifactFeature[];
  /** Standardized features are clipped to +-clip (outliers such as spin-off gaps). */
  clip: number;
  model: { kind: 'logistic-regression'; intercept: number; weights: number[]; l2: number };
  signal: SignalThresholds;
  /** Free-form provenance and evaluation; informative only, never read at serving time. */
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
}
