// ITK's RecursiveGaussianImageFilter along one line: Deriche's 4th-order recursive approximation of a Gaussian
// (order 0) or of its second derivative (order 2), with ITK's coefficients, normalisation and edge-extension
// boundary terms (itkRecursiveGaussianImageFilter.hxx SetUp / ComputeNCoefficients / ComputeDCoefficients /
// ComputeRemainingCoefficients, itkRecursiveSeparableImageFilter.hxx FilterDataArray). SimpleITK's
// LaplacianRecursiveGaussianImageFilter, which PyRadiomics' getLoGImage runs, is built from these.
import type { LineFilter } from './axisPass';

/** Causal (N), recursive (D), anti-causal (M) and boundary (BN, BM) coefficients of one recursive filter. */
export interface RecursiveCoefficients {
  n: [number, number, number, number];
  d: [number, number, number, number];
  m: [number, number, number, number];
  bn: [number, number, number, number];
  bm: [number, number, number, number];
}

// Deriche's fit of the Gaussian and its derivatives (ITK: A1, B1, W1, L1, A2, B2, W2, L2 per order 0, 1, 2).
const W1 = 0.6681;
const L1 = -1.3932;
const W2 = 2.0787;
const L2 = -1.3732;
const A1 = [1.353, -0.6724, -1.3563];
const B1 = [1.8151, -3.4327, 5.2318];
const A2 = [-0.3531, 0.6724, 0.3446];
const B2 = [0.0902, 0.61, -2.2355];

interface NTerms {
  n: [number, number, number, number];
  sn: number;
  dn: number;
  en: number;
}

function nCoefficients(sigmad: number, order: 0 | 2): NTerms {
  const sin1 = Math.sin(W1 / sigmad);
  const sin2 = Math.sin(W2 / sigmad);
  const cos1 = Math.cos(W1 / sigmad);
  const cos2 = Math.cos(W2 / sigmad);
  const exp1 = Math.exp(L1 / sigmad);
  const exp2 = Math.exp(L2 / sigmad);
  const [a1, b1, a2, b2] = [A1[order], B1[order], A2[order], B2[order]];
  const n0 = a1 + a2;
  let n1 = exp2 * (b2 * sin2 - (a2 + 2 * a1) * cos2);
  n1 += exp1 * (b1 * sin1 - (a1 + 2 * a2) * cos1);
  let n2 = (a1 + a2) * cos2 * cos1;
  n2 -= b1 * cos2 * sin1 + b2 * cos1 * sin2;
  n2 *= 2 * exp1 * exp2;
  n2 += a2 * exp1 * exp1 + a1 * exp2 * exp2;
  let n3 = exp2 * exp1 * exp1 * (b2 * sin2 - a2 * cos2);
  n3 += exp1 * exp2 * exp2 * (b1 * sin1 - a1 * cos1);
  return { n: [n0, n1, n2, n3], sn: n0 + n1 + n2 + n3, dn: n1 + 2 * n2 + 3 * n3, en: n1 + 4 * n2 + 9 * n3 };
}

/**
 * Coefficients for a Gaussian of `sigma` (mm) on a line of voxels `spacing` mm apart: order 0 smooths (unit DC
 * gain), order 2 is the second derivative in voxel units, times sigma² when normalizeAcrossScale (ITK's rule).
 */
export function recursiveGaussianCoefficients(sigma: number, spacing: number, order: 0 | 2, normalizeAcrossScale: boolean): RecursiveCoefficients {
  const sigmad = sigma / Math.abs(spacing);
  const cos1 = Math.cos(W1 / sigmad);
  const cos2 = Math.cos(W2 / sigmad);
  const exp1 = Math.exp(L1 / sigmad);
  const exp2 = Math.exp(L2 / sigmad);
  const d4 = exp1 * exp1 * exp2 * exp2;
  let d3 = -2 * cos1 * exp1 * exp2 * exp2;
  d3 += -2 * cos2 * exp2 * exp1 * exp1;
  let d2 = 4 * cos2 * cos1 * exp1 * exp2;
  d2 += exp1 * exp1 + exp2 * exp2;
  const d1 = -2 * (exp2 * cos2 + exp1 * cos1);
  const sd = 1 + d1 + d2 + d3 + d4;
  const dd = d1 + 2 * d2 + 3 * d3 + 4 * d4;
  const ed = d1 + 4 * d2 + 9 * d3 + 16 * d4;

  let n: [number, number, number, number];
  if (order === 0) {
    const t = nCoefficients(sigmad, 0);
    const alpha0 = (2 * t.sn) / sd - t.n[0];
    n = t.n.map((v) => v / alpha0) as typeof n;
  } else {
    const t0 = nCoefficients(sigmad, 0);
    const t2 = nCoefficients(sigmad, 2);
    const beta = -(2 * t2.sn - sd * t2.n[0]) / (2 * t0.sn - sd * t0.n[0]);
    n = t2.n.map((v, i) => v + beta * t0.n[i]) as typeof n;
    const sn = t2.sn + beta * t0.sn;
    const dn = t2.dn + beta * t0.dn;
    const en = t2.en + beta * t0.en;
    const alpha2 = (en * sd * sd - ed * sn * sd - 2 * dn * dd * sd + 2 * dd * dd * sn) / (sd * sd * sd);
    const scale = (normalizeAcrossScale ? sigma * sigma : 1) / alpha2;
    n = n.map((v) => v * scale) as typeof n;
  }
  const d: RecursiveCoefficients['d'] = [d1, d2, d3, d4];
  // Both orders are symmetric kernels.
  const m: RecursiveCoefficients['m'] = [n[1] - d1 * n[0], n[2] - d2 * n[0], n[3] - d3 * n[0], -d4 * n[0]];
  const snSum = n[0] + n[1] + n[2] + n[3];
  const smSum = m[0] + m[1] + m[2] + m[3];
  return {
    n,
    d,
    m,
    bn: d.map((v) => (v * snSum) / sd) as RecursiveCoefficients['bn'],
    bm: d.map((v) => (v * smSum) / sd) as RecursiveCoefficients['bm'],
  };
}

// Coefficient layout of a packed filter: N0..N3, D1..D4, M1..M4, BN1..BN4, BM1..BM4.
const N = 0;
const D = 4;
const M = 8;
const BN = 12;
const BM = 16;

/** FilterDataArray's first four causal outputs, as if x[0] extended to −∞. */
function causalStart(c: Float64Array, x: Float64Array, y: Float64Array): void {
  const v1 = x[0];
  y[0] = v1 * c[N] + v1 * c[N + 1] + v1 * c[N + 2] + v1 * c[N + 3];
  y[1] = x[1] * c[N] + v1 * c[N + 1] + v1 * c[N + 2] + v1 * c[N + 3];
  y[2] = x[2] * c[N] + x[1] * c[N + 1] + v1 * c[N + 2] + v1 * c[N + 3];
  y[3] = x[3] * c[N] + x[2] * c[N + 1] + x[1] * c[N + 2] + v1 * c[N + 3];
  y[0] -= v1 * c[BN] + v1 * c[BN + 1] + v1 * c[BN + 2] + v1 * c[BN + 3];
  y[1] -= y[0] * c[D] + v1 * c[BN + 1] + v1 * c[BN + 2] + v1 * c[BN + 3];
  y[2] -= y[1] * c[D] + y[0] * c[D + 1] + v1 * c[BN + 2] + v1 * c[BN + 3];
  y[3] -= y[2] * c[D] + y[1] * c[D + 1] + y[0] * c[D + 2] + v1 * c[BN + 3];
}

/** Its last four anti-causal outputs, as if x[ln − 1] extended to +∞. */
function antiCausalStart(c: Float64Array, x: Float64Array, s: Float64Array, ln: number): void {
  const v2 = x[ln - 1];
  s[ln - 1] = v2 * c[M] + v2 * c[M + 1] + v2 * c[M + 2] + v2 * c[M + 3];
  s[ln - 2] = x[ln - 1] * c[M] + v2 * c[M + 1] + v2 * c[M + 2] + v2 * c[M + 3];
  s[ln - 3] = x[ln - 2] * c[M] + x[ln - 1] * c[M + 1] + v2 * c[M + 2] + v2 * c[M + 3];
  s[ln - 4] = x[ln - 3] * c[M] + x[ln - 2] * c[M + 1] + x[ln - 1] * c[M + 2] + v2 * c[M + 3];
  s[ln - 1] -= v2 * c[BM] + v2 * c[BM + 1] + v2 * c[BM + 2] + v2 * c[BM + 3];
  s[ln - 2] -= s[ln - 1] * c[D] + v2 * c[BM + 1] + v2 * c[BM + 2] + v2 * c[BM + 3];
  s[ln - 3] -= s[ln - 2] * c[D] + s[ln - 1] * c[D + 1] + v2 * c[BM + 2] + v2 * c[BM + 3];
  s[ln - 4] -= s[ln - 3] * c[D] + s[ln - 2] * c[D + 1] + s[ln - 1] * c[D + 2] + v2 * c[BM + 3];
}

/**
 * Causal recursion y[i] = Σ n_k·x[i−k] − Σ d_k·y[i−k] over i = 4..keepHi for two lines at once. The newest output
 * enters last, so the recursion's critical path is one multiply and one subtraction (ITK sums in the other order:
 * the results differ by rounding only). Coefficients and past values live in locals (registers).
 */
function causalTwoLines(c: Float64Array, xa: Float64Array, xb: Float64Array, ya: Float64Array, yb: Float64Array, keepHi: number): void {
  const n0 = c[N],
    n1 = c[N + 1],
    n2 = c[N + 2],
    n3 = c[N + 3];
  const d1 = c[D],
    d2 = c[D + 1],
    d3 = c[D + 2],
    d4 = c[D + 3];
  let a1 = ya[3],
    a2 = ya[2],
    a3 = ya[1],
    a4 = ya[0];
  let b1 = yb[3],
    b2 = yb[2],
    b3 = yb[1],
    b4 = yb[0];
  let p1 = xa[3],
    p2 = xa[2],
    p3 = xa[1];
  let q1 = xb[3],
    q2 = xb[2],
    q3 = xb[1];
  for (let i = 4; i <= keepHi; i++) {
    const p0 = xa[i];
    const q0 = xb[i];
    const va = p0 * n0 + p1 * n1 + p2 * n2 + p3 * n3 - (a4 * d4 + a3 * d3 + a2 * d2) - a1 * d1;
    const vb = q0 * n0 + q1 * n1 + q2 * n2 + q3 * n3 - (b4 * d4 + b3 * d3 + b2 * d2) - b1 * d1;
    ya[i] = va;
    yb[i] = vb;
    a4 = a3;
    a3 = a2;
    a2 = a1;
    a1 = va;
    b4 = b3;
    b3 = b2;
    b2 = b1;
    b1 = vb;
    p3 = p2;
    p2 = p1;
    p1 = p0;
    q3 = q2;
    q2 = q1;
    q1 = q0;
  }
}

/** Anti-causal recursion s[i−1] = Σ m_k·x[i+k−1] − Σ d_k·s[i+k−1] from the far end back to keepLo, two lines at once. */
function antiCausalTwoLines(c: Float64Array, xa: Float64Array, xb: Float64Array, sa: Float64Array, sb: Float64Array, ln: number, keepLo: number): void {
  const m1 = c[M],
    m2 = c[M + 1],
    m3 = c[M + 2],
    m4 = c[M + 3];
  const d1 = c[D],
    d2 = c[D + 1],
    d3 = c[D + 2],
    d4 = c[D + 3];
  let a1 = sa[ln - 4],
    a2 = sa[ln - 3],
    a3 = sa[ln - 2],
    a4 = sa[ln - 1];
  let b1 = sb[ln - 4],
    b2 = sb[ln - 3],
    b3 = sb[ln - 2],
    b4 = sb[ln - 1];
  let p2 = xa[ln - 3],
    p3 = xa[ln - 2],
    p4 = xa[ln - 1];
  let q2 = xb[ln - 3],
    q3 = xb[ln - 2],
    q4 = xb[ln - 1];
  for (let i = ln - 4; i > keepLo; i--) {
    const p1 = xa[i];
    const q1 = xb[i];
    const va = p1 * m1 + p2 * m2 + p3 * m3 + p4 * m4 - (a4 * d4 + a3 * d3 + a2 * d2) - a1 * d1;
    const vb = q1 * m1 + q2 * m2 + q3 * m3 + q4 * m4 - (b4 * d4 + b3 * d3 + b2 * d2) - b1 * d1;
    sa[i - 1] = va;
    sb[i - 1] = vb;
    a4 = a3;
    a3 = a2;
    a2 = a1;
    a1 = va;
    b4 = b3;
    b3 = b2;
    b2 = b1;
    b1 = vb;
    p4 = p3;
    p3 = p2;
    p2 = p1;
    q4 = q3;
    q3 = q2;
    q2 = q1;
  }
}

/**
 * The line filter: causal plus anti-causal recursion, each started as if the edge value extended to infinity
 * (FilterDataArray), on two lines at once. Lines need at least 4 voxels, as in ITK. The causal pass stops after
 * keepHi and the anti-causal pass after keepLo: the kept outputs are the same as the whole line's.
 */
export function recursiveLineFilter(coefficients: RecursiveCoefficients): LineFilter {
  const { n, d, m, bn, bm } = coefficients;
  const c = Float64Array.from([...n, ...d, ...m, ...bn, ...bm]);
  let antiA = new Float64Array(0);
  let antiB = new Float64Array(0);
  return (xa, xb, ya, yb, ln, keepLo, keepHi) => {
    if (antiA.length < ln) {
      antiA = new Float64Array(ln);
      antiB = new Float64Array(ln);
    }
    causalStart(c, xa, ya);
    causalStart(c, xb, yb);
    causalTwoLines(c, xa, xb, ya, yb, keepHi);
    antiCausalStart(c, xa, antiA, ln);
    antiCausalStart(c, xb, antiB, ln);
    antiCausalTwoLines(c, xa, xb, antiA, antiB, ln, keepLo);
    for (let i = keepLo; i <= keepHi; i++) {
      ya[i] += antiA[i];
      yb[i] += antiB[i];
    }
  };
}
