// Eigenvalues of a real symmetric matrix, for GLCM's Maximal Correlation Coefficient: Householder reduction to
// tridiagonal form, then Sturm-sequence bisection for the one eigenvalue asked for (no eigenvectors needed).

/**
 * The k-th largest eigenvalue (k = 1 is the largest) of the symmetric n×n matrix `a` (row-major; overwritten).
 */
export function kthLargestEigenvalue(a: Float64Array, n: number, k: number): number {
  if (k < 1 || k > n) throw new RangeError(`k must be in 1..${n}, got ${k}`);
  const diagonal = new Float64Array(n);
  const offDiagonal = new Float64Array(Math.max(0, n - 1));
  tridiagonalise(a, n, diagonal, offDiagonal);
  return tridiagonalEigenvalue(diagonal, offDiagonal, n - k);
}

/** Householder similarity transforms H·A·H (H = I − 2vvᵀ) that zero each column below its subdiagonal. */
function tridiagonalise(a: Float64Array, n: number, diagonal: Float64Array, offDiagonal: Float64Array): void {
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    let norm = 0;
    for (let r = k + 1; r < n; r++) norm += a[r * n + k] * a[r * n + k];
    norm = Math.sqrt(norm);
    const x0 = a[(k + 1) * n + k];
    if (norm === 0) {
      offDiagonal[k] = 0;
      continue;
    }
    const alpha = x0 > 0 ? -norm : norm;
    // v = x − αe₁, normalised
    let vNorm = 0;
    for (let r = k + 1; r < n; r++) {
      v[r] = a[r * n + k] - (r === k + 1 ? alpha : 0);
      vNorm += v[r] * v[r];
    }
    offDiagonal[k] = alpha;
    if (vNorm === 0) continue;
    vNorm = Math.sqrt(vNorm);
    for (let r = k + 1; r < n; r++) v[r] /= vNorm;
    // A' = A − 2vwᵀ − 2wvᵀ on the trailing block, with p = Av and w = p − (vᵀp)v
    let vp = 0;
    for (let r = k + 1; r < n; r++) {
      let s = 0;
      for (let c = k + 1; c < n; c++) s += a[r * n + c] * v[c];
      p[r] = s;
      vp += v[r] * s;
    }
    for (let r = k + 1; r < n; r++) p[r] -= vp * v[r];
    for (let r = k + 1; r < n; r++) {
      for (let c = k + 1; c < n; c++) a[r * n + c] -= 2 * (v[r] * p[c] + p[r] * v[c]);
    }
  }
  for (let k = 0; k < n; k++) diagonal[k] = a[k * n + k];
  if (n >= 2) offDiagonal[n - 2] = a[(n - 1) * n + (n - 2)];
}

/** Number of eigenvalues of the tridiagonal matrix strictly below x (Sturm sequence of the LDLᵀ pivots). */
function countBelow(diagonal: Float64Array, offDiagonal: Float64Array, x: number, tiny: number): number {
  let count = 0;
  let q = diagonal[0] - x;
  if (q === 0) q = -tiny;
  if (q < 0) count++;
  for (let i = 1; i < diagonal.length; i++) {
    const e = offDiagonal[i - 1];
    q = diagonal[i] - x - (e * e) / q;
    if (q === 0) q = -tiny;
    if (q < 0) count++;
  }
  return count;
}

/** The m-th smallest eigenvalue (0-based) of a symmetric tridiagonal matrix, by bisection inside its Gershgorin bounds. */
function tridiagonalEigenvalue(diagonal: Float64Array, offDiagonal: Float64Array, m: number): number {
  const n = diagonal.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const radius = (i > 0 ? Math.abs(offDiagonal[i - 1]) : 0) + (i < n - 1 ? Math.abs(offDiagonal[i]) : 0);
    lo = Math.min(lo, diagonal[i] - radius);
    hi = Math.max(hi, diagonal[i] + radius);
  }
  const scale = Math.max(Math.abs(lo), Math.abs(hi), Number.MIN_VALUE);
  const tiny = Number.EPSILON * scale;
  lo -= tiny;
  hi += tiny;
  for (let iteration = 0; iteration < 200 && hi - lo > 2 * Number.EPSILON * scale; iteration++) {
    const mid = 0.5 * (lo + hi);
    if (countBelow(diagonal, offDiagonal, mid, tiny) > m) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}
