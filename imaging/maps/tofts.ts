// The standard and extended Tofts models (Tofts et al. 1999, JMRI 10:223, eqs. 1–2):
//   Ct(t) = Ktrans·∫₀ᵗ Cp(u)·exp(−kep·(t − u)) du  [+ vp·Cp(t)],  ve = Ktrans/kep,
// with Ktrans and kep in min⁻¹. For a Cp that is linear between grid nodes the convolution is exact, by the
// recursion E(t + h) = e^(−x)·E(t) + h·[c1·φ2(x) + c0·(φ1(x) − φ2(x))], x = kep·h, φ1 = (1 − e^(−x))/x,
// φ2 = (1 − φ1)/x, where c0 and c1 are Cp at the ends of the step.
// Fit: Ktrans (and vp) enter linearly, so for each kep they are the linear least-squares solution and the fit is a
// one-dimensional search over u = ln kep (variable projection; Golub & Pereyra 1973, SIAM J Numer Anal 10:413): a
// coarse grid of kep values, then Brent's minimiser between the best grid point's neighbours. The convolution is
// tabulated once per AIF on a fine grid in u (step 0.005) with its u-derivative (5-point differences), and read by
// cubic Hermite interpolation: relative error below 1e-10, at 60 multiplications per frame instead of a recursion
// over every AIF node.
import type { AifGrid } from './aif';
import { Brent } from './optimize';
import { FitFailure } from './series';

const { exp, expm1, log, min, max, floor } = Math;

/** φ1(x) = (1 − e^(−x))/x and φ2(x) = (1 − φ1(x))/x, with their Taylor series near 0. */
function phi(x: number, out: Float64Array): void {
  if (x < 0.01) {
    const x2 = x * x;
    out[0] = 1 - x / 2 + x2 / 6 - (x2 * x) / 24 + (x2 * x2) / 120 - (x2 * x2 * x) / 720;
    out[1] = 0.5 - x / 6 + x2 / 24 - (x2 * x) / 120 + (x2 * x2) / 720 - (x2 * x2 * x) / 5040;
  } else {
    const p1 = -expm1(-x) / x;
    out[0] = p1;
    out[1] = (1 - p1) / x;
  }
}

/** ∫₀^(t_i) Cp(u)·exp(−kep·(t_i − u)) du at each frame time (mM·min), for kep in min⁻¹. `work` holds 2 numbers. */
export function convolveExponential(grid: AifGrid, kep: number, out: Float64Array, work: Float64Array = new Float64Array(2)): void {
  const { substeps, step, cp } = grid;
  let e = 0;
  let k = 0;
  let lastH = NaN;
  let decay = 1;
  let a = 0;
  let b = 0;
  out[0] = 0;
  for (let i = 0; i < substeps.length; i++) {
    const h = step[i];
    if (h !== lastH) {
      const x = kep * h;
      phi(x, work);
      decay = exp(-x);
      // E ← decay·E + c1·a + c0·b
      a = h * work[1];
      b = h * (work[0] - work[1]);
      lastH = h;
    }
    for (let j = substeps[i]; j > 0; j--) {
      e = decay * e + cp[k + 1] * a + cp[k] * b;
      k++;
    }
    out[i + 1] = e;
  }
}

export interface ToftsResult {
  code: number;
  ktrans: number;
  kep: number;
  ve: number;
  vp: number;
  /** Residual sum of squares (mM²). */
  rss: number;
}

/** Default kep search range, min⁻¹. */
export const DEFAULT_KEP_RANGE: [number, number] = [1e-3, 20];
/** Default accepted Ktrans, min⁻¹: below 10⁻⁴ the tissue does not enhance and kep, ve are undetermined. */
export const DEFAULT_KTRANS_RANGE: [number, number] = [1e-4, 5];
/** Coarse kep grid of the first search. */
const KEP_GRID = 40;
/** Fine table step in u = ln kep. */
const TABLE_STEP = 0.005;
const NONE = FitFailure.none;
const NON_FINITE = FitFailure.nonFinite;
const OUT_OF_RANGE = FitFailure.outOfRange;

/** Fits the (extended) Tofts model to concentration curves on one AIF grid; reusable across voxels, allocation-free per fit. */
export class ToftsFitter {
  readonly result: ToftsResult = { code: 0, ktrans: 0, kep: 0, ve: 0, vp: 0, rss: 0 };
  private readonly n: number;
  private readonly grid: Float64Array;
  /** Coarse-grid rows: their index in the fine table, c·c and c·Cp. */
  private readonly gridRow: Int32Array;
  private readonly cc: Float64Array;
  private readonly cpc: Float64Array;
  /** Fine table: convolution and its u-derivative, rows of n frames, u = tableU0 + r·TABLE_STEP. */
  private readonly table: Float64Array;
  private readonly slope: Float64Array;
  private readonly tableU0: number;
  private readonly rows: number;
  private readonly pp: number;
  private readonly conv: Float64Array;
  private readonly brent = new Brent(1e-9);
  private readonly uLo: number;
  private readonly uHi: number;
  private readonly cost: (u: number) => number;
  // The curve being fitted.
  private y: Float64Array = new Float64Array(0);
  private o = 0;
  private yy = 0;
  private py = 0;
  private k = 0;
  private vp = 0;

  constructor(
    private readonly aif: AifGrid,
    private readonly extended: boolean,
    kepRange: [number, number] = DEFAULT_KEP_RANGE,
    private readonly ktransRange: [number, number] = DEFAULT_KTRANS_RANGE,
  ) {
    const n = aif.frames;
    this.n = n;
    this.uLo = log(kepRange[0]);
    this.uHi = log(kepRange[1]);
    // Two extra rows at each end for the 5-point derivative.
    const inner = Math.ceil((this.uHi - this.uLo) / TABLE_STEP) + 1;
    this.rows = inner + 4;
    this.tableU0 = this.uLo - 2 * TABLE_STEP;
    const raw = new Float64Array(this.rows * n);
    const work = new Float64Array(2);
    for (let r = 0; r < this.rows; r++) convolveExponential(aif, exp(this.tableU0 + r * TABLE_STEP), raw.subarray(r * n, (r + 1) * n), work);
    this.table = raw;
    this.slope = new Float64Array(this.rows * n);
    for (let r = 2; r < this.rows - 2; r++) {
      for (let i = 0; i < n; i++) {
        const at = (d: number) => raw[(r + d) * n + i];
        this.slope[r * n + i] = (at(-2) - 8 * at(-1) + 8 * at(1) - at(2)) / (12 * TABLE_STEP);
      }
    }
    const p = aif.cpFrames;
    let pp = 0;
    for (let i = 0; i < n; i++) pp += p[i] * p[i];
    this.pp = pp;
    this.grid = new Float64Array(KEP_GRID);
    this.gridRow = new Int32Array(KEP_GRID);
    this.cc = new Float64Array(KEP_GRID);
    this.cpc = new Float64Array(KEP_GRID);
    for (let g = 0; g < KEP_GRID; g++) {
      const r = 2 + Math.round(((inner - 1) * g) / (KEP_GRID - 1));
      this.gridRow[g] = r;
      this.grid[g] = this.tableU0 + r * TABLE_STEP;
      let cc = 0;
      let cpc = 0;
      for (let i = 0; i < n; i++) {
        const c = raw[r * n + i];
        cc += c * c;
        cpc += c * p[i];
      }
      this.cc[g] = cc;
      this.cpc[g] = cpc;
    }
    this.conv = new Float64Array(n);
    this.cost = (u: number) => this.profile(u);
  }

  /** The convolution at u (within the table) into `conv`, by cubic Hermite interpolation. */
  private interpolate(u: number): void {
    const { n, table, slope, conv } = this;
    const x = (u - this.tableU0) / TABLE_STEP;
    const r = min(this.rows - 4, max(2, floor(x)));
    const t = x - r;
    const t2 = t * t;
    const t3 = t2 * t;
    const h00 = 2 * t3 - 3 * t2 + 1;
    const h10 = (t3 - 2 * t2 + t) * TABLE_STEP;
    const h01 = -2 * t3 + 3 * t2;
    const h11 = (t3 - t2) * TABLE_STEP;
    const a = r * n;
    const b = a + n;
    for (let i = 0; i < n; i++) conv[i] = h00 * table[a + i] + h10 * slope[a + i] + h01 * table[b + i] + h11 * slope[b + i];
  }

  /** Ktrans and vp by linear least squares from c·c, c·Cp and c·y; returns the residual sum of squares (closed form). */
  private solveLinear(cc: number, cpc: number, cy: number): number {
    if (this.extended) {
      const det = cc * this.pp - cpc * cpc;
      this.k = (cy * this.pp - cpc * this.py) / det;
      this.vp = (cc * this.py - cpc * cy) / det;
      return this.yy - this.k * cy - this.vp * this.py;
    }
    this.k = cy / cc;
    this.vp = 0;
    return this.yy - this.k * cy;
  }

  /** Residual sum of squares of the best Ktrans (vp) for kep = e^u, summed explicitly (no cancellation near 0). */
  private profile(u: number): number {
    this.interpolate(u);
    const { y, o, n, conv: c } = this;
    const p = this.aif.cpFrames;
    let cc = 0;
    let cy = 0;
    let cpc = 0;
    for (let i = 0; i < n; i++) {
      cc += c[i] * c[i];
      cy += c[i] * y[o + i];
      cpc += c[i] * p[i];
    }
    this.solveLinear(cc, cpc, cy);
    const k = this.k;
    const vp = this.vp;
    let rss = 0;
    for (let i = 0; i < n; i++) {
      const r = y[o + i] - k * c[i] - vp * p[i];
      rss += r * r;
    }
    return rss;
  }

  /** Fits the curve y[o … o + frames); the answer is in `result`. Ktrans and kep in min⁻¹. */
  fit(y: Float64Array, o: number): ToftsResult {
    const { n, table, gridRow } = this;
    const res = this.result;
    this.y = y;
    this.o = o;
    const p = this.aif.cpFrames;
    let py = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      const v = y[o + i];
      if (!Number.isFinite(v)) return this.fail(NON_FINITE);
      py += p[i] * v;
      yy += v * v;
    }
    this.py = py;
    this.yy = yy;
    let best = 0;
    let bestCost = Infinity;
    for (let g = 0; g < KEP_GRID; g++) {
      let cy = 0;
      const row = gridRow[g] * n;
      for (let i = 0; i < n; i++) cy += table[row + i] * y[o + i];
      const cost = this.solveLinear(this.cc[g], this.cpc[g], cy);
      if (cost < bestCost) {
        bestCost = cost;
        best = g;
      }
    }
    const guess = this.grid[best];
    const u = this.brent.minimise(this.cost, this.grid[max(0, best - 1)], this.grid[min(KEP_GRID - 1, best + 1)], guess, this.profile(guess));
    res.rss = this.profile(u);
    res.kep = exp(u);
    res.ktrans = this.k;
    res.vp = this.vp;
    res.ve = this.k / res.kep;
    res.code = NONE;
    if (!(Number.isFinite(res.ktrans) && Number.isFinite(res.kep) && Number.isFinite(res.ve) && Number.isFinite(res.vp))) return this.fail(NON_FINITE);
    // kep on the edge of the searched range, Ktrans outside its range (below it kep is undetermined), ve or vp
    // outside [0, 1]: not a fit.
    const pinned = u - this.uLo < 1e-6 || this.uHi - u < 1e-6;
    const [kLo, kHi] = this.ktransRange;
    if (pinned || !(res.ktrans >= kLo && res.ktrans <= kHi) || !(res.ve <= 1) || res.vp < 0 || res.vp > 1) res.code = OUT_OF_RANGE;
    return res;
  }

  private fail(code: number): ToftsResult {
    const res = this.result;
    res.code = code;
    res.ktrans = res.kep = res.ve = res.vp = res.rss = 0;
    return res;
  }
}
