// Elastic-net / LASSO logistic regression along a λ path by cyclic coordinate descent on the penalised IRLS
// quadratic approximation, with warm starts and an active set (glmnet: Friedman, Hastie & Tibshirani 2010,
// J Stat Softw 33(1), §3). Minimises −(1/n)·loglik + λ[(1 − α)/2 ‖β‖² + α‖β‖₁]; the intercept is not penalised.
// Columns should already be standardised (see standardiser.ts): the penalty treats all coefficients alike.
import { assertBinaryOutcome, assertSameLength, type Numbers } from '../stats/checks';
import { ModelInputError } from '../stats/errors';
import { sigmoid } from '../stats/logistic';
import type { FeatureMatrix } from './featureMatrix';

export interface ElasticNetOptions {
  /** Mixing: 1 = LASSO, 0 = ridge (default 1). */
  alpha?: number;
  /** An explicit λ sequence (decreasing); otherwise nLambda values log-spaced from λmax down to λmax·lambdaMinRatio. */
  lambdas?: readonly number[];
  nLambda?: number;
  /** Default as glmnet: 1e-4 when n > p, else 0.01. */
  lambdaMinRatio?: number;
  /** Convergence threshold on max_j (Σ wᵢxᵢⱼ²)·Δβⱼ² (default 1e-10). */
  tolerance?: number;
  maxIterations?: number;
  /** Stop the path early as glmnet does (fraction of deviance explained > 0.999, or its gain < 1e-5 relative). */
  stopEarly?: boolean;
}

export interface ElasticNetPath {
  names: readonly string[];
  alpha: number;
  lambdas: number[];
  intercepts: number[];
  /** coefficients[k][j]: feature j at lambdas[k]. */
  coefficients: Float64Array[];
  /** 1 − deviance/null deviance at each λ. */
  devianceRatio: number[];
  nullDeviance: number;
}

const P_MIN = 1e-9; // glmnet.control(pmin): fitted probabilities are kept this far from 0 and 1

function binomialDeviance(labels: Numbers, eta: Float64Array): number {
  let dev = 0;
  for (let i = 0; i < labels.length; i++) {
    const e = eta[i];
    dev += -2 * (labels[i] * e - (e > 0 ? e + Math.log1p(Math.exp(-e)) : Math.log1p(Math.exp(e))));
  }
  return dev;
}

/** Relative margin by which a gradient must exceed the L1 penalty to move a coefficient off zero (rounding only). */
const SOFT_THRESHOLD_ROUNDING = 1e-9;

/** λmax: the smallest λ at which every coefficient is zero, max_j |⟨xⱼ, y − ȳ⟩| / (n·max(α, 0.001)) (glmnet). */
export function lambdaMax(x: FeatureMatrix, labels: Numbers, alpha: number): number {
  const n = labels.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += labels[i];
  mean /= n;
  let max = 0;
  for (const c of x.columns) {
    let g = 0;
    for (let i = 0; i < n; i++) g += c[i] * (labels[i] - mean);
    max = Math.max(max, Math.abs(g) / n);
  }
  return max / Math.max(alpha, 1e-3);
}

export function lambdaPath(lmax: number, nLambda: number, minRatio: number): number[] {
  if (nLambda === 1) return [lmax];
  return Array.from({ length: nLambda }, (_, k) => lmax * Math.exp((Math.log(minRatio) * k) / (nLambda - 1)));
}

function checkOptions(x: FeatureMatrix, labels: Numbers, options: ElasticNetOptions): void {
  assertSameLength(x.columns[0] ?? new Float64Array(x.nRows), labels, 'features', 'labels');
  assertBinaryOutcome(labels);
  const alpha = options.alpha ?? 1;
  if (!(alpha >= 0 && alpha <= 1)) throw new ModelInputError(`${alpha} (expected 0 ≤ α ≤ 1)`, 'alpha');
  if (x.columns.length === 0) throw new ModelInputError('no features to fit', 'features');
  x.columns.forEach((c, j) => {
    for (let i = 0; i < c.length; i++) {
      if (!Number.isFinite(c[i])) throw new ModelInputError(`value ${c[i]} in row ${i}`, `feature '${x.names[j]}'`);
    }
  });
  if (options.lambdas) {
    options.lambdas.forEach((l, k) => {
      if (!(l >= 0) || (k > 0 && l > options.lambdas![k - 1])) throw new ModelInputError('expected a decreasing sequence of λ ≥ 0', 'lambdas');
    });
  }
}

export function fitElasticNetPath(x: FeatureMatrix, labels: Numbers, options: ElasticNetOptions = {}): ElasticNetPath {
  checkOptions(x, labels, options);
  const n = x.nRows;
  const p = x.columns.length;
  const alpha = options.alpha ?? 1;
  const tolerance = options.tolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 100000;
  const lambdas = options.lambdas
    ? [...options.lambdas]
    : lambdaPath(lambdaMax(x, labels, alpha), options.nLambda ?? 100, options.lambdaMinRatio ?? (n > p ? 1e-4 : 1e-2));
  const stopEarly = options.stopEarly ?? !options.lambdas;

  let ybar = 0;
  for (let i = 0; i < n; i++) ybar += labels[i];
  ybar /= n;
  const nullEta = new Float64Array(n).fill(Math.log(ybar / (1 - ybar)));
  const nullDeviance = binomialDeviance(labels, nullEta);

  const cols = x.columns;
  let b0 = nullEta[0];
  const beta = new Float64Array(p);
  const eta = Float64Array.from(nullEta);
  const w = new Float64Array(n);
  const r = new Float64Array(n); // weighted working residual wᵢ(zᵢ − ηᵢ) = (yᵢ − pᵢ)/n
  const xv = new Float64Array(p);
  const active = new Uint8Array(p);
  let iterations = 0;

  const path: ElasticNetPath = { names: x.names, alpha, lambdas: [], intercepts: [], coefficients: [], devianceRatio: [], nullDeviance };

  for (const lambda of lambdas) {
    if (iterations >= maxIterations) break;
    const l1 = lambda * alpha;
    const l2 = lambda * (1 - alpha);
    // Outer loop: a quadratic approximation at the current estimate (IRLS), then coordinate descent on it.
    for (;;) {
      let wsum = 0;
      for (let i = 0; i < n; i++) {
        const prob = Math.min(1 - P_MIN, Math.max(P_MIN, sigmoid(eta[i])));
        w[i] = (prob * (1 - prob)) / n;
        r[i] = (labels[i] - prob) / n;
        wsum += w[i];
      }
      for (let j = 0; j < p; j++) {
        let s = 0;
        const c = cols[j];
        for (let i = 0; i < n; i++) s += w[i] * c[i] * c[i];
        xv[j] = s;
      }
      const start = Float64Array.from(beta);
      const startB0 = b0;
      // One sweep over all coordinates or only the active ones, then the intercept; returns the largest weighted change.
      const sweep = (all: boolean): number => {
        let dlx = 0;
        for (let j = 0; j < p; j++) {
          if (!all && !active[j]) continue;
          const c = cols[j];
          let g = 0;
          for (let i = 0; i < n; i++) g += c[i] * r[i];
          const old = beta[j];
          const u = g + xv[j] * old;
          // Soft-thresholding, FHT 2010 eq. (5). A gradient that meets the penalty only to rounding (|u| = λmax·α at the
          // path's first λ, summed in another order) is no evidence for the coordinate: it stays exactly 0, as at λmax
          // it must — a coefficient of 1e-16 would still order the patients by its feature.
          const mag = Math.abs(u) - l1;
          const next = mag > SOFT_THRESHOLD_ROUNDING * l1 ? (Math.sign(u) * mag) / (xv[j] + l2) : 0;
          if (next !== old) {
            const d = next - old;
            beta[j] = next;
            for (let i = 0; i < n; i++) r[i] -= w[i] * c[i] * d;
            dlx = Math.max(dlx, xv[j] * d * d);
            if (next !== 0) active[j] = 1;
          }
        }
        let rs = 0;
        for (let i = 0; i < n; i++) rs += r[i];
        const d0 = rs / wsum;
        if (d0 !== 0) {
          b0 += d0;
          for (let i = 0; i < n; i++) r[i] -= w[i] * d0;
          dlx = Math.max(dlx, wsum * d0 * d0);
        }
        return dlx;
      };
      // Full sweeps find the active set; inner sweeps over it converge; a last full sweep confirms nothing else enters.
      for (;;) {
        if (++iterations > maxIterations) break;
        if (sweep(true) < tolerance) break;
        while (iterations <= maxIterations && sweep(false) >= tolerance) iterations++;
      }
      if (iterations > maxIterations) break;
      for (let i = 0; i < n; i++) {
        let e = b0;
        for (let j = 0; j < p; j++) if (beta[j] !== 0) e += beta[j] * cols[j][i];
        eta[i] = e;
      }
      let outer = (b0 - startB0) ** 2 * wsum;
      for (let j = 0; j < p; j++) outer = Math.max(outer, xv[j] * (beta[j] - start[j]) ** 2);
      if (outer < tolerance) break;
    }
    // As glmnet: a λ whose fit did not converge ends the path; the λ values before it are returned.
    if (iterations > maxIterations) {
      if (path.lambdas.length === 0) throw new ModelInputError(`coordinate descent did not converge in ${maxIterations} sweeps`, 'elastic net');
      break;
    }
    const ratio = 1 - binomialDeviance(labels, eta) / nullDeviance;
    path.lambdas.push(lambda);
    path.intercepts.push(b0);
    path.coefficients.push(Float64Array.from(beta));
    path.devianceRatio.push(ratio);
    const m = path.devianceRatio.length;
    if (stopEarly && (ratio > 0.999 || (m >= 5 && ratio - path.devianceRatio[m - 2] < 1e-5 * ratio))) break;
  }
  return path;
}

/** Linear predictor β₀ + Σ βⱼxᵢⱼ of each row at path index k. */
export function linearPredictor(path: ElasticNetPath, k: number, x: FeatureMatrix): Float64Array {
  const eta = new Float64Array(x.nRows).fill(path.intercepts[k]);
  const beta = path.coefficients[k];
  for (let j = 0; j < beta.length; j++) {
    if (beta[j] === 0) continue;
    const c = x.columns[j];
    for (let i = 0; i < x.nRows; i++) eta[i] += beta[j] * c[i];
  }
  return eta;
}
