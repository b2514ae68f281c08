// Unpenalised maximum-likelihood logistic regression by Newton–Raphson (IRLS), for a handful of covariates:
// the calibration models and small reference fits. Penalised fits live in models/learning/elasticNet.ts.
import { assertBinaryOutcome, assertFinite, assertSameLength, type Numbers } from './checks';
import { ModelInputError } from './errors';

export interface LogisticFit {
  intercept: number;
  coefficients: Float64Array;
  iterations: number;
  /** −2 log-likelihood at the estimate. */
  deviance: number;
}

export const sigmoid = (eta: number): number => (eta >= 0 ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta)));
export const logit = (p: number): number => Math.log(p / (1 - p));

// Solves the symmetric positive-definite system A x = b in place by Cholesky (Golub & Van Loan, Alg. 4.2.1).
function solveSpd(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j];
    for (let s = 0; s < j; s++) d -= l[j * k + s] * l[j * k + s];
    if (!(d > 1e-300)) throw new ModelInputError('the information matrix is singular (collinear covariates or separation)', 'covariates');
    l[j * k + j] = Math.sqrt(d);
    for (let i = j + 1; i < k; i++) {
      let v = a[i * k + j];
      for (let s = 0; s < j; s++) v -= l[i * k + s] * l[j * k + s];
      l[i * k + j] = v / l[j * k + j];
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < k; i++) {
    for (let s = 0; s < i; s++) x[i] -= l[i * k + s] * x[s];
    x[i] /= l[i * k + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    for (let s = i + 1; s < k; s++) x[i] -= l[s * k + i] * x[s];
    x[i] /= l[i * k + i];
  }
  return x;
}

/**
 * Maximises Σ y log π + (1 − y) log(1 − π), logit π = β₀ + offset + Σ βⱼ xⱼ (McCullagh & Nelder 1989, §4.4 IRLS).
 * Throws when the estimate runs away (complete separation) instead of returning huge coefficients.
 */
export function fitLogistic(
  covariates: readonly Numbers[],
  labels: Numbers,
  options: { offset?: Numbers; maxIterations?: number; tolerance?: number } = {},
): LogisticFit {
  const n = labels.length;
  assertBinaryOutcome(labels);
  covariates.forEach((c, j) => {
    assertSameLength(c, labels, `covariate ${j}`, 'labels');
    assertFinite(c, `covariate ${j}`);
  });
  const offset = options.offset;
  if (offset) {
    assertSameLength(offset, labels, 'offset', 'labels');
    assertFinite(offset, 'offset');
  }
  const k = covariates.length + 1;
  const beta = new Float64Array(k);
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-12;
  const row = new Float64Array(k);
  const eta = (i: number): number => {
    let e = beta[0] + (offset ? offset[i] : 0);
    for (let j = 1; j < k; j++) e += beta[j] * covariates[j - 1][i];
    return e;
  };
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const info = new Float64Array(k * k);
    const score = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const p = sigmoid(eta(i));
      const w = p * (1 - p);
      row[0] = 1;
      for (let j = 1; j < k; j++) row[j] = covariates[j - 1][i];
      for (let a = 0; a < k; a++) {
        score[a] += row[a] * (labels[i] - p);
        for (let b = 0; b <= a; b++) info[a * k + b] += w * row[a] * row[b];
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) info[b * k + a] = info[a * k + b];
    const step = solveSpd(info, score, k);
    let change = 0;
    for (let j = 0; j < k; j++) {
      beta[j] += step[j];
      change = Math.max(change, Math.abs(step[j]) / (1 + Math.abs(beta[j])));
    }
    if (!beta.every(Number.isFinite) || Math.max(...Array.from(beta, Math.abs)) > 1e6) break;
    if (change < tolerance) {
      let deviance = 0;
      for (let i = 0; i < n; i++) {
        const e = eta(i);
        // −2[y η − log(1 + e^η)], computed stably
        deviance += -2 * (labels[i] * e - (e > 0 ? e + Math.log1p(Math.exp(-e)) : Math.log1p(Math.exp(e))));
      }
      return { intercept: beta[0], coefficients: beta.slice(1), iterations: iteration, deviance };
    }
  }
  throw new ModelInputError('logistic regression did not converge (the outcome may be perfectly separated)', 'labels');
}
