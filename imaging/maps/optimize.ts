// Small dense optimisers for per-voxel fits, allocation-free after construction: Levenberg–Marquardt for up to a
// few parameters (Marquardt 1963, J SIAM 11:431, with Marquardt's diagonal scaling) and Brent's minimiser for one
// parameter on a bracket (Brent 1973, "Algorithms for Minimization without Derivatives", ch. 5).

const { abs, sqrt, max, min } = Math;

/** A least-squares model: residuals r = model(p) − data (length m) and, when `jacobian` is given, ∂r/∂p (row-major m × n). */
export interface LeastSquaresModel {
  /** Number of residuals for the current voxel (≤ the capacity the solver was built with). */
  readonly m: number;
  residuals(p: Float64Array, r: Float64Array, jacobian: Float64Array | null): void;
}

export interface LmResult {
  /** Sum of squared residuals at the solution. */
  cost: number;
  iterations: number;
  converged: boolean;
}

/**
 * Levenberg–Marquardt with box bounds: a parameter on a bound whose step points outwards is held there (removed from
 * that step's system, an active set), and trial points are clamped into [lower, upper].
 */
export class LevenbergMarquardt {
  private readonly r: Float64Array;
  private readonly rTrial: Float64Array;
  private readonly jac: Float64Array;
  private readonly a: Float64Array;
  private readonly g: Float64Array;
  private readonly step: Float64Array;
  private readonly trial: Float64Array;
  private readonly work: Float64Array;
  private readonly held: Uint8Array;

  constructor(
    readonly n: number,
    capacity: number,
    readonly lower: Float64Array,
    readonly upper: Float64Array,
    readonly maxIterations = 100,
    readonly tolerance = 1e-12,
  ) {
    this.r = new Float64Array(capacity);
    this.rTrial = new Float64Array(capacity);
    this.jac = new Float64Array(capacity * n);
    this.a = new Float64Array(n * n);
    this.g = new Float64Array(n);
    this.step = new Float64Array(n);
    this.trial = new Float64Array(n);
    this.work = new Float64Array(n * n);
    this.held = new Uint8Array(n);
  }

  /** Minimises ½‖r(p)‖² from `p` (updated in place). */
  solve(model: LeastSquaresModel, p: Float64Array): LmResult {
    const { n, r, rTrial, jac, a, g, step, trial, lower, upper } = this;
    const m = model.m;
    for (let j = 0; j < n; j++) p[j] = min(upper[j], max(lower[j], p[j]));
    model.residuals(p, r, jac);
    let cost = sumSquares(r, m);
    if (!Number.isFinite(cost)) return { cost, iterations: 0, converged: false };
    let lambda = 1e-3;
    for (let it = 1; it <= this.maxIterations; it++) {
      // Normal equations: A = JᵀJ, g = Jᵀr.
      for (let j = 0; j < n; j++) {
        let gj = 0;
        for (let i = 0; i < m; i++) gj += jac[i * n + j] * r[i];
        g[j] = gj;
        for (let k = 0; k <= j; k++) {
          let s = 0;
          for (let i = 0; i < m; i++) s += jac[i * n + j] * jac[i * n + k];
          a[j * n + k] = s;
          a[k * n + j] = s;
        }
      }
      let gmax = 0;
      for (let j = 0; j < n; j++) gmax = max(gmax, abs(g[j]) * (abs(p[j]) + 1e-300));
      if (gmax === 0 || cost === 0) return { cost, iterations: it - 1, converged: true };
      // Try steps with growing damping until one lowers the cost.
      for (;;) {
        if (!this.boundedStep(lambda, p)) {
          lambda *= 10;
        } else {
          let small = true;
          for (let j = 0; j < n; j++) {
            trial[j] = min(upper[j], max(lower[j], p[j] + step[j]));
            if (abs(trial[j] - p[j]) > this.tolerance * (abs(p[j]) + this.tolerance)) small = false;
          }
          model.residuals(trial, rTrial, null);
          const trialCost = sumSquares(rTrial, m);
          if (trialCost < cost) {
            for (let j = 0; j < n; j++) p[j] = trial[j];
            const drop = cost - trialCost;
            cost = trialCost;
            model.residuals(p, r, jac);
            lambda = max(lambda / 10, 1e-12);
            if (small || drop <= 1e-15 * cost) return { cost, iterations: it, converged: true };
            break;
          }
          // No decrease although the step is negligible: p is a minimum to working precision.
          if (small) return { cost, iterations: it, converged: true };
          lambda *= 10;
        }
        if (lambda > 1e16) return { cost, iterations: it, converged: true };
      }
    }
    return { cost, iterations: this.maxIterations, converged: false };
  }

  /** The damped step with the parameters on a bound that it would push outwards held fixed. */
  private boundedStep(lambda: number, p: Float64Array): boolean {
    const { n, held, step, lower, upper } = this;
    held.fill(0);
    for (let pass = 0; pass <= n; pass++) {
      if (!this.dampedStep(lambda)) return false;
      let changed = false;
      for (let j = 0; j < n; j++) {
        if (!held[j] && ((p[j] <= lower[j] && step[j] < 0) || (p[j] >= upper[j] && step[j] > 0))) {
          held[j] = 1;
          changed = true;
        }
      }
      if (!changed) return true;
    }
    return true;
  }

  /** step = −(A + λ·diag(A))⁻¹ g over the parameters not held, by Gaussian elimination with partial pivoting; false if singular. */
  private dampedStep(lambda: number): boolean {
    const { n, a, g, step, work, held } = this;
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) work[j * n + k] = held[j] || held[k] ? 0 : a[j * n + k];
      const d = a[j * n + j];
      work[j * n + j] = held[j] ? 1 : d + lambda * (d > 0 ? d : 1e-300);
      step[j] = held[j] ? 0 : -g[j];
    }
    for (let c = 0; c < n; c++) {
      let piv = c;
      for (let r = c + 1; r < n; r++) if (abs(work[r * n + c]) > abs(work[piv * n + c])) piv = r;
      const pv = work[piv * n + c];
      if (!(abs(pv) > 0) || !Number.isFinite(pv)) return false;
      if (piv !== c) {
        for (let k = 0; k < n; k++) {
          const t = work[c * n + k];
          work[c * n + k] = work[piv * n + k];
          work[piv * n + k] = t;
        }
        const t = step[c];
        step[c] = step[piv];
        step[piv] = t;
      }
      for (let r = c + 1; r < n; r++) {
        const f = work[r * n + c] / pv;
        if (f === 0) continue;
        for (let k = c; k < n; k++) work[r * n + k] -= f * work[c * n + k];
        step[r] -= f * step[c];
      }
    }
    for (let c = n - 1; c >= 0; c--) {
      let s = step[c];
      for (let k = c + 1; k < n; k++) s -= work[c * n + k] * step[k];
      step[c] = s / work[c * n + c];
      if (!Number.isFinite(step[c])) return false;
    }
    return true;
  }
}

export function sumSquares(r: Float64Array, m: number): number {
  let s = 0;
  for (let i = 0; i < m; i++) s += r[i] * r[i];
  return s;
}

const GOLDEN = 0.5 * (3 - sqrt(5));

/**
 * Brent's minimiser of f on [a, b] (golden section with parabolic steps); `guess` must lie inside and should be the
 * best point known. Stops when the bracket is within tol·|x| + 1e-15 of the minimum. Returns x; f(x) is `lastValue`.
 */
export class Brent {
  lastValue = NaN;
  lastEvaluations = 0;

  constructor(
    readonly tolerance = 1e-10,
    readonly maxIterations = 100,
  ) {}

  minimise(f: (x: number) => number, a: number, b: number, guess: number, fGuess: number): number {
    let x = guess;
    let w = guess;
    let v = guess;
    let fx = fGuess;
    let fw = fx;
    let fv = fx;
    let d = 0;
    let e = 0;
    let evaluations = 0;
    for (let it = 0; it < this.maxIterations; it++) {
      const xm = 0.5 * (a + b);
      const tol1 = this.tolerance * abs(x) + 1e-15;
      const tol2 = 2 * tol1;
      if (abs(x - xm) <= tol2 - 0.5 * (b - a)) break;
      let parabolic = false;
      if (abs(e) > tol1) {
        const r = (x - w) * (fx - fv);
        let q = (x - v) * (fx - fw);
        let p = (x - v) * q - (x - w) * r;
        q = 2 * (q - r);
        if (q > 0) p = -p;
        else q = -q;
        const eOld = e;
        e = d;
        if (abs(p) < abs(0.5 * q * eOld) && p > q * (a - x) && p < q * (b - x)) {
          d = p / q;
          const u = x + d;
          if (u - a < tol2 || b - u < tol2) d = xm - x >= 0 ? tol1 : -tol1;
          parabolic = true;
        }
      }
      if (!parabolic) {
        e = x >= xm ? a - x : b - x;
        d = GOLDEN * e;
      }
      const u = abs(d) >= tol1 ? x + d : x + (d >= 0 ? tol1 : -tol1);
      const fu = f(u);
      evaluations++;
      if (fu <= fx) {
        if (u >= x) a = x;
        else b = x;
        v = w;
        fv = fw;
        w = x;
        fw = fx;
        x = u;
        fx = fu;
      } else {
        if (u < x) a = u;
        else b = u;
        if (fu <= fw || w === x) {
          v = w;
          fv = fw;
          w = u;
          fw = fu;
        } else if (fu <= fv || v === x || v === w) {
          v = u;
          fv = fu;
        }
      }
    }
    this.lastValue = fx;
    this.lastEvaluations = evaluations;
    return x;
  }
}
