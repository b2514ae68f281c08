// Largest eigenvalue of a symmetric positive semi-definite operator given only as a matrix-vector product, by Lanczos
// iteration with full reorthogonalisation (GLCM MCC needs one eigenvalue of an Ng×Ng matrix per direction; a dense
// O(Ng³) solve per direction is what made it slow for fine binnings).

/** y = S·x for the operator; must not keep references to x or y. */
export type SymmetricOperator = (x: Float64Array, y: Float64Array) => void;

export interface LanczosOptions {
  /** Unit vectors the search stays orthogonal to (known eigenvectors to deflate). */
  orthogonalTo?: readonly Float64Array[];
  /** Stop when the Ritz residual ‖S·y − θ·y‖ falls below tolerance × max(θ, scale of S). */
  tolerance?: number;
}

/**
 * Largest eigenvalue of S restricted to the complement of `orthogonalTo` (0 when that complement is empty).
 * Each step adds one Krylov vector; the top Ritz value of the Lanczos tridiagonal T_k rises monotonically to the
 * eigenvalue, and |β_k·s_k| (s the Ritz vector of T_k) bounds its error.
 */
export function largestEigenvalue(n: number, apply: SymmetricOperator, options: LanczosOptions = {}): number {
  const locked = options.orthogonalTo ?? [];
  const tolerance = options.tolerance ?? 1e-13;
  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = startVector(n);
  orthogonalise(q, locked);
  let qNorm = norm(q);
  if (qNorm === 0) return 0;
  scale(q, 1 / qNorm);
  const w = new Float64Array(n);
  let theta = 0;
  let size = 0;
  const steps = n - locked.length;
  for (let k = 0; k < steps; k++) {
    basis.push(q);
    apply(q, w);
    alpha.push(dot(q, w));
    // Full reorthogonalisation, twice ("twice is enough"), also removes α·q and β·q_prev.
    for (let pass = 0; pass < 2; pass++) {
      orthogonalise(w, locked);
      orthogonalise(w, basis);
    }
    const b = norm(w);
    size = Math.max(size, Math.abs(alpha[k]), b, k > 0 ? beta[k - 1] : 0);
    theta = topEigenvalue(alpha, beta);
    if (b <= 1e-14 * size) return theta; // invariant subspace: T_k's eigenvalues are exact
    const residual = b * Math.abs(lastRitzComponent(alpha, beta, theta));
    if (residual <= tolerance * Math.max(theta, size)) return theta;
    beta.push(b);
    q = Float64Array.from(w);
    qNorm = b;
    scale(q, 1 / qNorm);
  }
  return theta;
}

/** A deterministic, non-structured start vector (unlikely to be orthogonal to any eigenvector). */
function startVector(n: number): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = Math.sin((i + 1) * 12.9898) * 43758.5453;
    v[i] = 0.5 + (s - Math.floor(s));
  }
  return v;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

function scale(a: Float64Array, f: number): void {
  for (let i = 0; i < a.length; i++) a[i] *= f;
}

function orthogonalise(w: Float64Array, against: readonly Float64Array[]): void {
  for (const v of against) {
    const c = dot(v, w);
    for (let i = 0; i < w.length; i++) w[i] -= c * v[i];
  }
}

/** Number of eigenvalues of the tridiagonal (α on the diagonal, β beside it) below x: Sturm sequence of LDLᵀ pivots. */
function countBelow(alpha: number[], beta: number[], x: number, tiny: number): number {
  let count = 0;
  let d = alpha[0] - x;
  if (d === 0) d = -tiny;
  if (d < 0) count++;
  for (let i = 1; i < alpha.length; i++) {
    d = alpha[i] - x - (beta[i - 1] * beta[i - 1]) / d;
    if (d === 0) d = -tiny;
    if (d < 0) count++;
  }
  return count;
}

/** Largest eigenvalue of the symmetric tridiagonal matrix, by bisection inside its Gershgorin bounds. */
function topEigenvalue(alpha: number[], beta: number[]): number {
  const k = alpha.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < k; i++) {
    const radius = (i > 0 ? Math.abs(beta[i - 1]) : 0) + (i < k - 1 ? Math.abs(beta[i]) : 0);
    lo = Math.min(lo, alpha[i] - radius);
    hi = Math.max(hi, alpha[i] + radius);
  }
  const span = Math.max(Math.abs(lo), Math.abs(hi), Number.MIN_VALUE);
  const tiny = Number.EPSILON * span;
  lo -= tiny;
  hi += tiny;
  for (let it = 0; it < 200 && hi - lo > 2 * Number.EPSILON * span; it++) {
    const mid = 0.5 * (lo + hi);
    if (countBelow(alpha, beta, mid, tiny) >= k) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/** Last component of the unit eigenvector of the tridiagonal for eigenvalue θ (two steps of inverse iteration). */
function lastRitzComponent(alpha: number[], beta: number[], theta: number): number {
  const k = alpha.length;
  if (k === 1) return 1;
  const shift = theta + 1e-10 * Math.max(Math.abs(theta), 1e-300);
  let z = new Float64Array(k).fill(1);
  const pivot = new Float64Array(k);
  const y = new Float64Array(k);
  for (let iteration = 0; iteration < 2; iteration++) {
    // Thomas algorithm for (T − shift·I)·x = z
    pivot[0] = alpha[0] - shift || 1e-300;
    y[0] = z[0];
    for (let i = 1; i < k; i++) {
      const m = beta[i - 1] / pivot[i - 1];
      pivot[i] = alpha[i] - shift - m * beta[i - 1] || 1e-300;
      y[i] = z[i] - m * y[i - 1];
    }
    const x = new Float64Array(k);
    x[k - 1] = y[k - 1] / pivot[k - 1];
    for (let i = k - 2; i >= 0; i--) x[i] = (y[i] - beta[i] * x[i + 1]) / pivot[i];
    const len = norm(x);
    if (!Number.isFinite(len) || len === 0) return 0;
    scale(x, 1 / len);
    z = x;
  }
  return z[k - 1];
}
