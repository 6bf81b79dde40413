import { createHash } from 'node:crypto';
import type { FeatureVector } from './feature-builder';
import type { ModelArtifact } from './model-artifact';

export const SIGNALS = ['bearish', 'neutral', 'bullish'] as const;
export type Signal = (typeof SIGNALS)[number];

const { exp, max, min } = Math;

/** Logistic function, written so that neither tail overflows. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + exp(-z));
  const e = exp(z);
  return e / (1 + e);
}

/** The standardized, clipped input the weights apply to (training uses the same function). */
export function standardize(vector: FeatureVector, features: ModelArtifact['features'], clip: number): number[] {
  return vector.map((value, i) => max(-clip, min(clip, (value - features[i].mean) / features[i].std)));
}

/**
 * A validated artifact, ready to predict. Pure computation (a dot product): the provider token for
 * the model, built once at boot by `loadModelArtifact`.
 */
export class ModelRuntime {
  /**
   * What prediction cache keys carry: the version plus a hash of everything that shapes an answer,
   * so a retrained artifact that forgot to bump its version still never serves the old answers.
   */
  readonly cacheVersion: string;

  constructor(readonly artifact: ModelArtifact) {
    const { features, clip, model, signal } = artifact;
    const fingerprint = createHash('sha256').update(JSON.stringify({ features, clip, model, signal })).digest('hex').slice(0, 10);
    this.cacheVersion = `${artifact.version}-${fingerprint}`;
  }

  get name(): string {
    return this.artifact.name;
  }

  get version(): string {
    return this.artifact.version;
  }

  get horizonDays(): number {
    return this.artifact.horizonDays;
  }

  /** P(forward return over `horizonDays` > 0) for one raw feature vector (FEATURE_NAMES order). */
  probabilityUp(vector: FeatureVector): number {
    const { features, clip, model } = this.artifact;
    if (vector.length !== features.length) throw new Error(`expected ${features.length} features, got ${vector.length}`);
    const x = standardize(vector, features, clip);
    let z = model.intercept;
    for (let i = 0; i < x.length; i++) z += model.weights[i] * x[i];
    return sigmoid(z);
  }

  signalOf(probabilityUp: number): Signal {
    const { bearishBelow, bullishAbove } = this.artifact.signal;
    if (probabilityUp >= bullishAbove) return 'bullish';
    return probabilityUp < bearishBelow ? 'bearish' : 'neutral';
  }
}
