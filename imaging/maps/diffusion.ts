// Diffusion maps from multi-b DWI series (b in s/mm², diffusivities in mm²/s):
//   ADC, mono-exponential S(b) = S0·exp(−b·ADC) (Le Bihan et al. 1986, Radiology 161:401), by log-linear least
//   squares or by non-linear least squares (Levenberg–Marquardt seeded with the log-linear fit);
//   IVIM, S(b) = S0·[(1 − f)·exp(−b·D) + f·exp(−b·D*)] (Le Bihan et al. 1988, Radiology 168:497), by the segmented
//   fit: D from a log-linear fit of the b ≥ threshold signals (where the pseudo-diffusion term has decayed), f from
//   that fit's intercept, f = 1 − S_int/S(0), then D* from the b < threshold signals with S0, f and D fixed
//   (Jalnefjord et al. 2018, MAGMA 31:715; Federau 2017, NMR Biomed 30:e3780). `full` refines all four
//   parameters by Levenberg–Marquardt from the segmented estimate.
import type { Volume } from '../image';
import { RadiomicsInputError } from '../errors';
import { Brent, LevenbergMarquardt, type LeastSquaresModel } from './optimize';
import {
  FitFailure,
  blockSize,
  checkSeries,
  codeMap,
  floatMap,
  gatherCurves,
  maskBytes,
  signalFailure,
  summarise,
  type FitSummary,
  type VolumeSeries,
} from './series';

const { exp, log, abs, min, max } = Math;

/** Default accepted ADC and D range, mm²/s: free water at body temperature is about 3·10⁻³. */
export const DEFAULT_ADC_RANGE: [number, number] = [0, 5e-3];

export interface AdcOptions {
  /** `loglinear` (default): least squares of ln S on b; `nlls`: least squares of S, seeded by the log-linear fit. */
  method?: 'loglinear' | 'nlls';
  /** Fit only where the mask is non-zero (same grid); elsewhere every map is 0 and the failed-fit mask 0. */
  mask?: Volume;
  /** Accepted ADC, mm²/s (default [0, 5·10⁻³]); an estimate outside it is a failed fit (code outOfRange). */
  range?: [number, number];
  /** Levenberg–Marquardt iteration limit (nlls), default 100. */
  maxIterations?: number;
}

export interface AdcMaps {
  /** mm²/s */
  adc: Volume<Float32Array>;
  /** Fitted signal at b = 0. */
  s0: Volume<Float32Array>;
  /** Fit quality: R² of the fitted signal against the measured one (signal space, both methods). */
  r2: Volume<Float32Array>;
  /** FitFailure code per voxel (0 = fitted). */
  failed: Volume<Uint8Array>;
  summary: FitSummary;
}

/** Validates the b-values against the series: one per volume, finite, ≥ 0, at least `distinct` different values. */
export function checkBValues(dwi: VolumeSeries, bValues: readonly number[], distinct = 2): void {
  const file = dwi.source;
  if (bValues.length !== dwi.frames) {
    throw new RadiomicsInputError(
      `${bValues.length} b-value${bValues.length === 1 ? '' : 's'} given for ${dwi.frames} volume${dwi.frames === 1 ? '' : 's'} (dim[4])`,
      {
        file,
        field: 'b-values',
        expected: `one b-value per volume of the 4th dimension (${dwi.frames})`,
      },
    );
  }
  bValues.forEach((b, i) => {
    if (!(Number.isFinite(b) && b >= 0))
      throw new RadiomicsInputError(`b-value ${i + 1} is ${b}`, { file, field: 'b-values', expected: 'finite b-values ≥ 0 (s/mm²)' });
  });
  const unique = [...new Set(bValues)].sort((a, b) => a - b);
  if (unique.length < distinct) {
    throw new RadiomicsInputError(
      `${unique.length} distinct b-value${unique.length === 1 ? '' : 's'} (${unique.join(', ')} s/mm²) in ${dwi.frames} volume${dwi.frames === 1 ? '' : 's'}`,
      { file, field: 'b-values', expected: `at least ${distinct} distinct b-values (a DWI series with several b-values)` },
    );
  }
}

/** A signal model over the b-values: the voxel's measured signal `s` is filled in before each fit. */
abstract class DiffusionSignalModel implements LeastSquaresModel {
  m: number;
  readonly b: Float64Array;
  readonly s: Float64Array;

  constructor(b: readonly number[]) {
    this.m = b.length;
    this.b = Float64Array.from(b);
    this.s = new Float64Array(b.length);
  }

  abstract residuals(p: Float64Array, r: Float64Array, jac: Float64Array | null): void;
}

/** Mono-exponential signal for the NLLS fit: p = (S0, ADC). */
class MonoExponential extends DiffusionSignalModel {
  residuals(p: Float64Array, r: Float64Array, jac: Float64Array | null): void {
    const { b, s, m } = this;
    const s0 = p[0];
    const d = p[1];
    for (let i = 0; i < m; i++) {
      const e = exp(-b[i] * d);
      r[i] = s0 * e - s[i];
      if (jac) {
        jac[2 * i] = e;
        jac[2 * i + 1] = -b[i] * s0 * e;
      }
    }
  }
}

/** Weights of the ordinary least-squares slope: slope = Σ w_i·y_i over the chosen b-values (x = b). */
function slopeWeights(b: readonly number[], use: (b: number) => boolean): { w: Float64Array; xMean: number; n: number } {
  let n = 0;
  let xMean = 0;
  for (const x of b) {
    if (!use(x)) continue;
    n++;
    xMean += x;
  }
  xMean /= n;
  let sxx = 0;
  for (const x of b) if (use(x)) sxx += (x - xMean) * (x - xMean);
  const w = new Float64Array(b.length);
  b.forEach((x, i) => (w[i] = use(x) ? (x - xMean) / sxx : 0));
  return { w, xMean, n };
}

/** Maps of ADC (mm²/s), S0, R² and the failed-fit mask from a DWI series and its b-values (s/mm²). */
export function fitAdc(dwi: VolumeSeries, bValues: readonly number[], options: AdcOptions = {}): AdcMaps {
  const voxels = checkSeries(dwi, 'data');
  checkBValues(dwi, bValues);
  const method = options.method ?? 'loglinear';
  const [lo, hi] = options.range ?? DEFAULT_ADC_RANGE;
  const mask = maskBytes(options.mask, dwi.geometry, 'DWI');
  const g = dwi.geometry;
  const adc = floatMap(g);
  const s0Map = floatMap(g);
  const r2 = floatMap(g);
  const failed = codeMap(g);
  const nb = bValues.length;
  const { w, xMean } = slopeWeights(bValues, () => true);
  const model = new MonoExponential(bValues);
  const lm = new LevenbergMarquardt(2, nb, Float64Array.of(0, -1), Float64Array.of(Infinity, 1), options.maxIterations ?? 100);
  const p = new Float64Array(2);
  const bs = Float64Array.from(bValues);
  const block = blockSize(nb);
  const curves = new Float64Array(block * nb);
  for (let start = 0; start < voxels; start += block) {
    const count = min(block, voxels - start);
    gatherCurves(dwi.data, voxels, nb, start, count, curves);
    for (let v = 0; v < count; v++) {
      const idx = start + v;
      if (mask && !mask[idx]) continue;
      const o = v * nb;
      // Log-linear: ln S = ln S0 − b·ADC.
      let yMean = 0;
      let slope = 0;
      let code = signalFailure(curves, o, nb);
      if (code) {
        failed.data[idx] = code;
        continue;
      }
      for (let i = 0; i < nb; i++) {
        const y = log(curves[o + i]);
        yMean += y;
        slope += w[i] * y;
      }
      yMean /= nb;
      let d = -slope;
      let s0 = exp(yMean + d * xMean);
      if (method === 'nlls') {
        for (let i = 0; i < nb; i++) model.s[i] = curves[o + i];
        p[0] = s0;
        p[1] = d;
        const result = lm.solve(model, p);
        s0 = p[0];
        d = p[1];
        if (!result.converged) code = FitFailure.notConverged;
      }
      if (!Number.isFinite(d) || !Number.isFinite(s0)) code = FitFailure.nonFinite;
      else if (!code && (d < lo || d > hi)) code = FitFailure.outOfRange;
      if (code) {
        failed.data[idx] = code;
        continue;
      }
      adc.data[idx] = d;
      s0Map.data[idx] = s0;
      r2.data[idx] = rSquared(curves, o, nb, bs, s0, d);
    }
  }
  return { adc, s0: s0Map, r2, failed, summary: summarise(failed.data, mask) };
}

/** R² = 1 − Σ(S − Ŝ)² / Σ(S − S̄)²; 1 for an exact fit of a constant signal, 0 for an inexact one. */
function rSquared(curves: Float64Array, o: number, nb: number, b: Float64Array, s0: number, d: number): number {
  let mean = 0;
  for (let i = 0; i < nb; i++) mean += curves[o + i];
  mean /= nb;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < nb; i++) {
    const s = curves[o + i];
    const e = s - s0 * exp(-b[i] * d);
    res += e * e;
    tot += (s - mean) * (s - mean);
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

export interface IvimBounds {
  /** mm²/s, default [0, 5·10⁻³] */
  d?: [number, number];
  /** default [0, 1] */
  f?: [number, number];
  /** mm²/s, default [3·10⁻³, 0.5]; D* must also exceed D. */
  dStar?: [number, number];
}

export interface IvimOptions {
  /** b-values ≥ threshold (s/mm², default 200) give D; those below it give D*. */
  threshold?: number;
  /** `segmented` (default) or `full` (all four parameters refined by Levenberg–Marquardt from the segmented fit). */
  method?: 'segmented' | 'full';
  /** The segmented fit's first step on b ≥ threshold: `loglinear` (default) or `nlls` (seeded by it). */
  dFit?: 'loglinear' | 'nlls';
  mask?: Volume;
  bounds?: IvimBounds;
  maxIterations?: number;
}

export interface IvimMaps {
  /** Diffusion coefficient, mm²/s */
  d: Volume<Float32Array>;
  /** Pseudo-diffusion coefficient, mm²/s */
  dStar: Volume<Float32Array>;
  /** Perfusion fraction */
  f: Volume<Float32Array>;
  /** Signal at b = 0 (the mean of the b = 0 volumes; fitted with `full`) */
  s0: Volume<Float32Array>;
  failed: Volume<Uint8Array>;
  summary: FitSummary;
}

/** Bi-exponential IVIM signal for the `full` refinement: p = (S0, f, D, D*). */
class BiExponential extends DiffusionSignalModel {
  residuals(p: Float64Array, r: Float64Array, jac: Float64Array | null): void {
    const { b, s, m } = this;
    const [s0, f, d, ds] = [p[0], p[1], p[2], p[3]];
    for (let i = 0; i < m; i++) {
      const ed = exp(-b[i] * d);
      const es = exp(-b[i] * ds);
      const shape = (1 - f) * ed + f * es;
      r[i] = s0 * shape - s[i];
      if (jac) {
        jac[4 * i] = shape;
        jac[4 * i + 1] = s0 * (es - ed);
        jac[4 * i + 2] = -b[i] * s0 * (1 - f) * ed;
        jac[4 * i + 3] = -b[i] * s0 * f * es;
      }
    }
  }
}

const DSTAR_GRID = 32;

/** IVIM maps (D, D*, f, S0) and the failed-fit mask from a DWI series with a b = 0 volume and b-values on both sides of the threshold. */
export function fitIvim(dwi: VolumeSeries, bValues: readonly number[], options: IvimOptions = {}): IvimMaps {
  const voxels = checkSeries(dwi, 'data');
  checkBValues(dwi, bValues, 3);
  const threshold = options.threshold ?? 200;
  const file = dwi.source;
  const high = [...new Set(bValues.filter((b) => b >= threshold))];
  const low = [...new Set(bValues.filter((b) => b > 0 && b < threshold))];
  if (high.length < 2) {
    throw new RadiomicsInputError(`${high.length} distinct b-value${high.length === 1 ? '' : 's'} ≥ ${threshold} s/mm² (${high.join(', ') || 'none'})`, {
      file,
      field: 'b-values',
      expected: `at least 2 distinct b-values ≥ the IVIM threshold ${threshold} s/mm² for D`,
    });
  }
  if (!bValues.includes(0)) throw new RadiomicsInputError('no b = 0 volume', { file, field: 'b-values', expected: 'a b = 0 volume (S0, for f)' });
  if (low.length < 1) {
    throw new RadiomicsInputError(`no b-value between 0 and ${threshold} s/mm²`, {
      file,
      field: 'b-values',
      expected: `at least one b-value with 0 < b < ${threshold} s/mm² for D*`,
    });
  }
  const bounds = {
    d: options.bounds?.d ?? DEFAULT_ADC_RANGE,
    f: options.bounds?.f ?? ([0, 1] as [number, number]),
    dStar: options.bounds?.dStar ?? ([3e-3, 0.5] as [number, number]),
  };
  const method = options.method ?? 'segmented';
  const mask = maskBytes(options.mask, dwi.geometry, 'DWI');
  const g = dwi.geometry;
  const maps = { d: floatMap(g), dStar: floatMap(g), f: floatMap(g), s0: floatMap(g), failed: codeMap(g) };
  const nb = bValues.length;
  const b = Float64Array.from(bValues);
  const isHigh = (x: number) => x >= threshold;
  const { w, xMean } = slopeWeights(bValues, isHigh);
  const nHigh = bValues.filter(isHigh).length;
  const zeroCount = bValues.filter((x) => x === 0).length;
  // D* on the b < threshold signals (b = 0 included: it carries no information on D* and changes nothing).
  const lowIndex = Int32Array.from(bValues.flatMap((x, i) => (x < threshold ? [i] : [])));
  const uLo = log(bounds.dStar[0]);
  const uHi = log(bounds.dStar[1]);
  const grid = Float64Array.from({ length: DSTAR_GRID }, (_, k) => uLo + ((uHi - uLo) * k) / (DSTAR_GRID - 1));
  const brent = new Brent(1e-10);
  // The current voxel, read by the D* objective (no per-voxel closures).
  let curves = new Float64Array(0);
  let o = 0;
  let s0 = 0;
  let f = 0;
  let d = 0;
  const dStarCost = (u: number): number => {
    const ds = exp(u);
    let cost = 0;
    for (let k = 0; k < lowIndex.length; k++) {
      const i = lowIndex[k];
      const e = curves[o + i] - s0 * ((1 - f) * exp(-b[i] * d) + f * exp(-b[i] * ds));
      cost += e * e;
    }
    return cost;
  };
  const highIndex = Int32Array.from(bValues.flatMap((x, i) => (isHigh(x) ? [i] : [])));
  const mono = new MonoExponential(bValues.filter(isHigh));
  const monoLm = new LevenbergMarquardt(2, highIndex.length, Float64Array.of(0, -1), Float64Array.of(Infinity, 1), options.maxIterations ?? 100);
  const full = new BiExponential(bValues);
  const lm = new LevenbergMarquardt(
    4,
    nb,
    Float64Array.of(0, bounds.f[0], bounds.d[0], bounds.dStar[0]),
    Float64Array.of(Infinity, bounds.f[1], bounds.d[1], bounds.dStar[1]),
    options.maxIterations ?? 200,
  );
  const p = new Float64Array(4);
  const block = blockSize(nb);
  curves = new Float64Array(block * nb);
  const inside = (x: number, [a, z]: [number, number]) => x >= a && x <= z;
  const atBound = (x: number, [a, z]: [number, number]) => abs(x - a) <= 1e-9 * max(abs(a), 1e-12) || abs(x - z) <= 1e-9 * abs(z);
  for (let start = 0; start < voxels; start += block) {
    const count = min(block, voxels - start);
    gatherCurves(dwi.data, voxels, nb, start, count, curves);
    for (let v = 0; v < count; v++) {
      const idx = start + v;
      if (mask && !mask[idx]) continue;
      o = v * nb;
      let code: number = FitFailure.none;
      for (let i = 0; i < nb; i++) {
        const s = curves[o + i];
        if (!Number.isFinite(s)) {
          code = FitFailure.nonFinite;
          break;
        }
        // The logarithm needs positive signals at b ≥ threshold, and S(0) must be positive for f.
        if (!(s > 0) && (b[i] >= threshold || b[i] === 0)) code = FitFailure.nonPositive;
      }
      if (code) {
        maps.failed.data[idx] = code;
        continue;
      }
      // 1. D and the intercept from the high b-values.
      let yMean = 0;
      let slope = 0;
      s0 = 0;
      for (let i = 0; i < nb; i++) {
        if (b[i] === 0) s0 += curves[o + i];
        if (!isHigh(b[i])) continue;
        const y = log(curves[o + i]);
        yMean += y;
        slope += w[i] * y;
      }
      s0 /= zeroCount;
      yMean /= nHigh;
      d = -slope;
      let intercept = exp(yMean + d * xMean);
      if (options.dFit === 'nlls') {
        for (let k = 0; k < highIndex.length; k++) mono.s[k] = curves[o + highIndex[k]];
        p[0] = intercept;
        p[1] = d;
        if (!monoLm.solve(mono, p).converged) code = FitFailure.notConverged;
        intercept = p[0];
        d = p[1];
      }
      // 2. f from the intercept.
      f = 1 - intercept / s0;
      // 3. D* on the low b-values: grid in ln D*, then Brent between the best point's neighbours.
      let best = 0;
      let bestCost = Infinity;
      for (let k = 0; k < DSTAR_GRID; k++) {
        const c = dStarCost(grid[k]);
        if (c < bestCost) {
          bestCost = c;
          best = k;
        }
      }
      const u = brent.minimise(dStarCost, grid[max(0, best - 1)], grid[min(DSTAR_GRID - 1, best + 1)], grid[best], bestCost);
      let ds = exp(u);
      if (method === 'full') {
        p[0] = s0;
        p[1] = f;
        p[2] = d;
        p[3] = ds;
        for (let i = 0; i < nb; i++) full.s[i] = curves[o + i];
        const result = lm.solve(full, p);
        if (!result.converged) code = FitFailure.notConverged;
        s0 = p[0];
        f = p[1];
        d = p[2];
        ds = p[3];
      }
      if (!Number.isFinite(d) || !Number.isFinite(f) || !Number.isFinite(ds) || !Number.isFinite(s0)) code = FitFailure.nonFinite;
      else if (!code) {
        const outside = !inside(d, bounds.d) || !inside(f, bounds.f) || !inside(ds, bounds.dStar) || ds <= d;
        // A D* on the edge of its search range (or, refined, any parameter held at a bound) is not a minimum.
        const pinned = method === 'full' ? atBound(ds, bounds.dStar) || atBound(d, bounds.d) || atBound(f, bounds.f) : u - uLo < 1e-6 || uHi - u < 1e-6;
        if (outside || pinned) code = FitFailure.outOfRange;
      }
      if (code) {
        maps.failed.data[idx] = code;
        continue;
      }
      maps.d.data[idx] = d;
      maps.dStar.data[idx] = ds;
      maps.f.data[idx] = f;
      maps.s0.data[idx] = s0;
    }
  }
  return { ...maps, summary: summarise(maps.failed.data, mask) };
}
