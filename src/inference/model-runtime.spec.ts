import { artifact } from '../../test/support/model-artifact.builder';
import { FEATURE_NAMES } from './feature-builder';
import { ModelRuntime, sigmoid, standardize } from './model-runtime';

const zeros = () => FEATURE_NAMES.map(() => 0);
const withWeight = (index: number, weight: number, intercept = 0) => {
  const weights = zeros();
  weights[index] = weight;
  return { kind: 'logistic-regression' as const, intercept, weights, l2: 0 };
};

describe(ModelRuntime.name, () => {
  it('is 0.5 with zero weights and intercept', () => {
    const sut = new ModelRuntime(artifact());

    expect(sut.probabilityUp(zeros())).toBe(0.5);
  });

  it('turns known weights into known probabilities: sigmoid(intercept + w . standardized x)', () => {
    const features = FEATURE_NAMES.map((name) => ({ name, mean: 1, std: 2 }));
    const sut = new ModelRuntime(artifact({ features, model: withWeight(0, 1) }));
    const vector = FEATURE_NAMES.map(() => 1);

    // ret5 = 1 + 2 ln 3 standardizes to ln 3; sigmoid(ln 3) = 3 / 4.
    vector[0] = 1 + 2 * Math.log(3);
    expect(sut.probabilityUp(vector)).toBeCloseTo(0.75, 12);
    // The intercept alone: sigmoid(-ln 3) = 1 / 4.
    const interceptOnly = new ModelRuntime(artifact({ features, model: withWeight(0, 0, -Math.log(3)) }));
    expect(interceptOnly.probabilityUp(vector)).toBeCloseTo(0.25, 12);
  });

  it('clips standardized inputs so one outlier (a spin-off gap) cannot saturate the answer', () => {
    const sut = new ModelRuntime(artifact({ clip: 2, model: withWeight(1, 1) }));
    const vector = zeros();
    vector[1] = 1e6;

    expect(sut.probabilityUp(vector)).toBeCloseTo(sigmoid(2), 12);
    expect(standardize([-9, 0.5], artifact().features.slice(0, 2), 3)).toEqual([-3, 0.5]);
  });

  it('maps probabilities to signals at the artifact thresholds (bullish from bullishAbove, bearish below bearishBelow)', () => {
    const sut = new ModelRuntime(artifact({ signal: { bearishBelow: 0.45, bullishAbove: 0.55, rule: 'test' } }));

    expect([0.1, 0.4499, 0.45, 0.5, 0.5499, 0.55, 0.9].map((p) => sut.signalOf(p))).toEqual([
      'bearish',
      'bearish',
      'neutral',
      'neutral',
      'neutral',
      'bullish',
      'bullish',
    ]);
  });

  it('derives a cache version that changes with the weights even when the version string does not', () => {
    const a = new ModelRuntime(artifact());
    const same = new ModelRuntime(artifact({ trainedAt: '2030-01-01T00:00:00.000Z' }));
    const retrained = new ModelRuntime(artifact({ model: withWeight(3, 0.01) }));

    expect(a.cacheVersion).toMatch(/^0\.0\.1-[0-9a-f]{10}$/);
    expect(same.cacheVersion).toBe(a.cacheVersion);
    expect(retrained.cacheVersion).not.toBe(a.cacheVersion);
    expect(retrained.version).toBe(a.version);
  });

  it('refuses a vector of the wrong length', () => {
    expect(() => new ModelRuntime(artifact()).probabilityUp([1, 2])).toThrow(/expected 11 features, got 2/);
  });
});

describe(sigmoid.name, () => {
  it('is finite and monotone in both tails', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-30)).toBeGreaterThan(0);
    expect(sigmoid(2) + sigmoid(-2)).toBeCloseTo(1, 15);
  });
});
