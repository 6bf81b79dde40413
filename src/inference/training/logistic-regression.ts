/**
 * L2-regularized logistic regression fitted by Newton's method (IRLS), for `scripts/train-model.ts`.
 * Own code because ml-logistic-regression (mljs, last release 2020) has no intercept, no
 * regularization and a fixed-step sum-gradient loop; with ~12 parameters an exact Newton step
 * costs one pass over the rows, converges in a handful of passes, and is deterministic.
 */
import { sigmoid } from '../model-runtime';

export interface LogisticFit {
  intercept: number;
  weights: number[];
  iterations: number;
  converged: boolean;
  /** Mean log-loss on the training rows at the solution (without the penalty). */
  logLoss: number;
}

export interface LogisticOptions {
  /** Penalty on the weights (not the intercept): minimizes mean log-loss + l2/2 * |w|^2. @default 0 */
  l2?: number;
  /** @default 50 */
  maxIterations?: number;
  /** Stop when no parameter moves more than this. @default 1e-9 */
  tolerance?: number;
}

const EPSILON = 1e-12;
const { abs, log, max, sqrt } = Math;

/**
 * Fits on columns (one Float64Array per feature, all of length n) and 0/1 labels.
 * @throws Error if the Hessian is not positive definite (e.g. a constant column with l2 = 0).
 */
export function fitLogistic(columns: readonly Float64Array[], labels: Uint8Array, options: LogisticOptions = {}): LogisticFit {
  const { l2 = 0, maxIterations = 50, tolerance = 1e-9 } = options;
  const n = labels.length;
  const d = columns.length;
  const p = d + 1;
  const beta = new Float64Array(p); // beta[0] is the intercept
  const x = new Float64Array(p);
  x[0] = 1;
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations && !converged) {
    iterations++;
    const gradient = new Float64Array(p);
    const hessian = new Float64Array(p * p);
    for (let i = 0; i < n; i++) {
      let z = beta[0];
      for (let j = 0; j < d; j++) {
        x[j + 1] = columns[j][i];
        z += beta[j + 1] * x[j + 1];
      }
      const mu = sigmoid(z);
      const residual = mu - labels[i];
      const w = max(mu * (1 - mu), EPSILON);
      for (let a = 0; a < p; a++) {
        gradient[a] += residual * x[a];
        const wa = w * x[a];
        for (let b = 0; b <= a; b++) hessian[a * p + b] += wa * x[b];
      }
    }
    for (let a = 0; a < p; a++) {
      gradient[a] /= n;
      for (let b = 0; b <= a; b++) hessian[a * p + b] = hessian[b * p + a] = hessian[a * p + b] / n;
    }
    for (let a = 1; a < p; a++) {
      gradient[a] += l2 * beta[a];
      hessian[a * p + a] += l2;
    }
    const step = solveSymmetric(hessian, gradient, p);
    let largest = 0;
    for (let a = 0; a < p; a++) {
      beta[a] -= step[a];
      largest = max(largest, abs(step[a]));
    }
    converged = largest < tolerance;
  }
  const fit = { intercept: beta[0], weights: Array.from(beta.subarray(1)), iterations, converged };
  return { ...fit, logLoss: meanLogLoss(predictLogistic(fit, columns), labels) };
}

/** P(label = 1) for every row. */
export function predictLogistic(fit: Pick<LogisticFit, 'intercept' | 'weights'>, columns: readonly Float64Array[]): Float64Array {
  const n = columns[0]?.length ?? 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = fit.intercept;
    for (let j = 0; j < columns.length; j++) z += fit.weights[j] * columns[j][i];
    out[i] = sigmoid(z);
  }
  return out;
}

/** Mean binary cross-entropy (natural log), probabilities clamped away from 0 and 1. */
export function meanLogLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const q = Math.min(1 - EPSILON, max(EPSILON, probabilities[i]));
    sum -= labels[i] === 1 ? log(q) : log(1 - q);
  }
  return sum / labels.length;
}

/**
 * Solves A s = b for a symmetric positive-definite A (row-major p x p) by Cholesky.
 * @throws Error when A is not positive definite.
 */
export function solveSymmetric(a: Float64Array, b: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * p + j];
      for (let k = 0; k < j; k++) sum -= l[i * p + k] * l[j * p + k];
      if (i === j) {
        if (sum <= 0) throw new Error('fitLogistic: Hessian is not positive definite (constant or collinear features?)');
        l[i * p + i] = sqrt(sum);
      } else {
        l[i * p + j] = sum / l[j * p + j];
      }
    }
  }
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * p + k] * y[k];
    y[i] = sum / l[i * p + i];
  }
  const s = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < p; k++) sum -= l[k * p + i] * s[k];
    s[i] = sum / l[i * p + i];
  }
  return s;
}
