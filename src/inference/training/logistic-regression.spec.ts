import { sigmoid } from '../model-runtime';
import { fitLogistic, meanLogLoss, predictLogistic, solveSymmetric } from './logistic-regression';

/** Deterministic uniform(0, 1) (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n rows drawn from a known logistic model: two standard-normal-ish features. */
function sample(n: number, intercept: number, weights: [number, number], seed = 3) {
  const u = random(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const columns = [new Float64Array(n), new Float64Array(n)];
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    columns[0][i] = normal();
    columns[1][i] = normal();
    labels[i] = u() < sigmoid(intercept + weights[0] * columns[0][i] + weights[1] * columns[1][i]) ? 1 : 0;
  }
  return { columns, labels };
}

describe(solveSymmetric.name, () => {
  it('solves a hand-checkable 2x2 system and refuses a singular one', () => {
    // [4 2; 2 3] s = [2; 1]  =>  s = [0.5, 0]
    expect(Array.from(solveSymmetric(Float64Array.of(4, 2, 2, 3), Float64Array.of(2, 1), 2))).toEqual([0.5, 0]);
    expect(() => solveSymmetric(Float64Array.of(1, 1, 1, 1), Float64Array.of(1, 1), 2)).toThrow(/not positive definite/);
  });
});

describe(fitLogistic.name, () => {
  const sut = fitLogistic;

  it('fits the intercept alone to the log-odds of the base rate', () => {
    const labels = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 < 3 ? 1 : 0));
    const constant = new Float64Array(1000).fill(0);

    const fit = sut([constant], labels, { l2: 1 });

    expect(fit.converged).toBe(true);
    expect(fit.intercept).toBeCloseTo(Math.log(0.3 / 0.7), 9);
    expect(fit.weights[0]).toBeCloseTo(0, 12);
  });

  it('recovers the parameters of the model that generated the data', () => {
    const { columns, labels } = sample(40_000, -0.5, [1.2, -0.7]);

    const fit = sut(columns, labels);

    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBeLessThan(15);
    expect(fit.intercept).toBeCloseTo(-0.5, 1);
    expect(fit.weights[0]).toBeCloseTo(1.2, 1);
    expect(fit.weights[1]).toBeCloseTo(-0.7, 1);
  });

  it('shrinks the weights (not the intercept) as the penalty grows, and is deterministic', () => {
    const { columns, labels } = sample(5_000, 0.3, [1, 1], 9);

    const sizes = [0, 0.1, 1, 10].map((l2) => Math.hypot(...sut(columns, labels, { l2 }).weights));

    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(sizes[3]).toBeLessThan(0.1);
    expect(sut(columns, labels, { l2: 0.1 })).toEqual(sut(columns, labels, { l2: 0.1 }));
  });

  it('converges on perfectly separable data when penalized', () => {
    const x = Float64Array.from({ length: 200 }, (_, i) => i - 99.5);
    const labels = Uint8Array.from(x, (v) => (v > 0 ? 1 : 0));

    const fit = sut([x], labels, { l2: 0.01 });

    expect(fit.converged).toBe(true);
    expect(fit.weights[0]).toBeGreaterThan(0);
    expect(Number.isFinite(fit.logLoss)).toBe(true);
  });

  it('predicts what the fitted parameters say, and reports that mean log-loss', () => {
    const { columns, labels } = sample(2_000, 0, [0.5, 0.5], 5);
    const fit = sut(columns, labels);

    const p = predictLogistic(fit, columns);

    expect(p[7]).toBeCloseTo(sigmoid(fit.intercept + fit.weights[0] * columns[0][7] + fit.weights[1] * columns[1][7]), 12);
    expect(fit.logLoss).toBeCloseTo(meanLogLoss(p, labels), 12);
  });
});

describe(meanLogLoss.name, () => {
  it('is ln 2 at p = 0.5 and finite at p = 0 or 1', () => {
    expect(meanLogLoss([0.5, 0.5], [0, 1])).toBeCloseTo(Math.LN2, 12);
    expect(Number.isFinite(meanLogLoss([0, 1], [1, 0]))).toBe(true);
  });
});
