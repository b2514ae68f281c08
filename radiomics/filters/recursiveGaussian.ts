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

/**
 * The line filter: causal plus anti-causal recursion, each started as if the edge value extended to infinity
 * (FilterDataArray), on two lines at once. Lines need at least 4 voxels, as in ITK. The causal pass stops after
 * keepHi and the anti-causal pass after keepLo: the kept outputs are the same as the whole line's.
 */
export function recursiveLineFilter(c: RecursiveCoefficients): LineFilter {
  const [n0, n1, n2, n3] = c.n;
  const [d1, d2, d3, d4] = c.d;
  const [m1, m2, m3, m4] = c.m;
  const [bn1, bn2, bn3, bn4] = c.bn;
  const [bm1, bm2, bm3, bm4] = c.bm;
  let antiA = new Float64Array(0);
  let antiB = new Float64Array(0);

  // FilterDataArray's first four causal outputs, as if x[0] extended to −∞.
  const causalStart = (x: Float64Array, y: Float64Array): void => {
    const v1 = x[0];
    y[0] = v1 * n0 + v1 * n1 + v1 * n2 + v1 * n3;
    y[1] = x[1] * n0 + v1 * n1 + v1 * n2 + v1 * n3;
    y[2] = x[2] * n0 + x[1] * n1 + v1 * n2 + v1 * n3;
    y[3] = x[3] * n0 + x[2] * n1 + x[1] * n2 + v1 * n3;
    y[0] -= v1 * bn1 + v1 * bn2 + v1 * bn3 + v1 * bn4;
    y[1] -= y[0] * d1 + v1 * bn2 + v1 * bn3 + v1 * bn4;
    y[2] -= y[1] * d1 + y[0] * d2 + v1 * bn3 + v1 * bn4;
    y[3] -= y[2] * d1 + y[1] * d2 + y[0] * d3 + v1 * bn4;
  };
  // Its last four anti-causal outputs, as if x[ln − 1] extended to +∞.
  const antiCausalStart = (x: Float64Array, s: Float64Array, ln: number): void => {
    const v2 = x[ln - 1];
    s[ln - 1] = v2 * m1 + v2 * m2 + v2 * m3 + v2 * m4;
    s[ln - 2] = x[ln - 1] * m1 + v2 * m2 + v2 * m3 + v2 * m4;
    s[ln - 3] = x[ln - 2] * m1 + x[ln - 1] * m2 + v2 * m3 + v2 * m4;
    s[ln - 4] = x[ln - 3] * m1 + x[ln - 2] * m2 + x[ln - 1] * m3 + v2 * m4;
    s[ln - 1] -= v2 * bm1 + v2 * bm2 + v2 * bm3 + v2 * bm4;
    s[ln - 2] -= s[ln - 1] * d1 + v2 * bm2 + v2 * bm3 + v2 * bm4;
    s[ln - 3] -= s[ln - 2] * d1 + s[ln - 1] * d2 + v2 * bm3 + v2 * bm4;
    s[ln - 4] -= s[ln - 3] * d1 + s[ln - 2] * d2 + s[ln - 1] * d3 + v2 * bm4;
  };

  return (xa, xb, ya, yb, ln, keepLo, keepHi) => {
    if (antiA.length < ln) {
      antiA = new Float64Array(ln);
      antiB = new Float64Array(ln);
    }
    const sa = antiA;
    const sb = antiB;
    // y[i] = Σ n_k·x[i−k] − Σ d_k·y[i−k], the two lines' recursions interleaved.
    causalStart(xa, ya);
    causalStart(xb, yb);
    let a1 = ya[3], a2 = ya[2], a3 = ya[1], a4 = ya[0];
    let b1 = yb[3], b2 = yb[2], b3 = yb[1], b4 = yb[0];
    for (let i = 4; i <= keepHi; i++) {
      const va = xa[i] * n0 + xa[i - 1] * n1 + xa[i - 2] * n2 + xa[i - 3] * n3 - (a1 * d1 + a2 * d2 + a3 * d3 + a4 * d4);
      const vb = xb[i] * n0 + xb[i - 1] * n1 + xb[i - 2] * n2 + xb[i - 3] * n3 - (b1 * d1 + b2 * d2 + b3 * d3 + b4 * d4);
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
    }
    // s[i−1] = Σ m_k·x[i+k−1] − Σ d_k·s[i+k−1], from the far end back to keepLo.
    antiCausalStart(xa, sa, ln);
    antiCausalStart(xb, sb, ln);
    a1 = sa[ln - 4];
    a2 = sa[ln - 3];
    a3 = sa[ln - 2];
    a4 = sa[ln - 1];
    b1 = sb[ln - 4];
    b2 = sb[ln - 3];
    b3 = sb[ln - 2];
    b4 = sb[ln - 1];
    for (let i = ln - 4; i > keepLo; i--) {
      const va = xa[i] * m1 + xa[i + 1] * m2 + xa[i + 2] * m3 + xa[i + 3] * m4 - (a1 * d1 + a2 * d2 + a3 * d3 + a4 * d4);
      const vb = xb[i] * m1 + xb[i + 1] * m2 + xb[i + 2] * m3 + xb[i + 3] * m4 - (b1 * d1 + b2 * d2 + b3 * d3 + b4 * d4);
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
    }
    for (let i = keepLo; i <= keepHi; i++) {
      ya[i] += sa[i];
      yb[i] += sb[i];
    }
  };
}
