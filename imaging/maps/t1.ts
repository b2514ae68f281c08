// Native T1 maps from variable-flip-angle spoiled gradient echo (VFA / DESPOT1). The steady-state signal
// S(α) = M0·sin α·(1 − E1)/(1 − cos α·E1), E1 = exp(−TR/T1) (Ernst & Anderson 1966), is linear in the pair
// (S/tan α, S/sin α): S/sin α = E1·S/tan α + M0·(1 − E1) (Gupta 1977, J Magn Reson 25:231; Fram et al. 1987,
// Magn Reson Imaging 5:201; Deoni et al. 2003, Magn Reson Med 49:515). `linear` fits that line by ordinary least
// squares (slope E1, intercept M0·(1 − E1)); `nlls` fits the signal equation by Levenberg–Marquardt in (M0, R1 = 1/T1),
// seeded by the linear fit. The flip angles are nominal: no B1 correction is applied.
import { sameGeometry, type Volume } from '../image';
import { RadiomicsInputError } from '../errors';
import { LevenbergMarquardt, type LeastSquaresModel } from './optimize';
import {
  FitFailure,
  blockSize,
  checkSeries,
  codeMap,
  floatMap,
  gatherCurves,
  signalFailure,
  maskBytes,
  summarise,
  voxelsOf,
  type FitSummary,
  type VolumeSeries,
} from './series';

const { exp, log, sin, cos, tan, min, PI } = Math;

/** Accepted T1, ms: from short (fat-rich marrow is about 300 ms) to well beyond free water (about 4000 ms at 3 T). */
export const DEFAULT_T1_RANGE: [number, number] = [1, 10000];
/** Where a fit has no estimate to start from (the linear fit failed): a tissue-like T1, ms. */
const SEED_T1_MS = 1000;

export interface T1Options {
  /** `linear` (default): least squares of S/sin α on S/tan α; `nlls`: least squares of S, seeded by the linear fit. */
  method?: 'linear' | 'nlls';
  mask?: Volume;
  /** Accepted T1, ms (default [1, 10000]); outside it a fit fails (code outOfRange). */
  range?: [number, number];
  /** Levenberg–Marquardt iteration limit (nlls), default 100. */
  maxIterations?: number;
}

export interface T1Maps {
  /** ms */
  t1: Volume<Float32Array>;
  /** Equilibrium signal M0 (the scanner's arbitrary units, receive gain included). */
  m0: Volume<Float32Array>;
  /** R² of the fitted signal against the measured one (signal space, both methods). */
  r2: Volume<Float32Array>;
  failed: Volume<Uint8Array>;
  summary: FitSummary;
}

/** Validates flip angles (degrees, one per frame, in (0, 90], at least two different) and TR (ms, > 0). */
export function checkVfa(series: VolumeSeries, flipDeg: readonly number[], trMs: number): void {
  const file = series.source;
  if (flipDeg.length !== series.frames) {
    throw new RadiomicsInputError(
      `${flipDeg.length} flip angle${flipDeg.length === 1 ? '' : 's'} given for ${series.frames} volume${series.frames === 1 ? '' : 's'}`,
      {
        file,
        field: 'flip angles',
        expected: `one flip angle (degrees) per volume (${series.frames})`,
      },
    );
  }
  flipDeg.forEach((a, i) => {
    if (!(Number.isFinite(a) && a > 0 && a <= 90)) {
      throw new RadiomicsInputError(`flip angle ${i + 1} is ${a}`, { file, field: 'flip angles', expected: 'degrees in (0, 90]' });
    }
  });
  const distinct = new Set(flipDeg).size;
  if (distinct < 2) {
    throw new RadiomicsInputError(
      `${distinct} distinct flip angle${distinct === 1 ? '' : 's'} (${[...new Set(flipDeg)].join(', ')}°) in ${series.frames} volume${series.frames === 1 ? '' : 's'}`,
      {
        file,
        field: 'flip angles',
        expected: 'at least 2 different flip angles (two determine T1 exactly; DESPOT1 uses 2–4)',
      },
    );
  }
  if (!(Number.isFinite(trMs) && trMs > 0)) throw new RadiomicsInputError(`TR ${trMs}`, { file, field: 'TR', expected: 'a repetition time > 0 (ms)' });
}

/**
 * One 4D series from 3D volumes (one per flip angle, say) on one grid; a volume on another grid is named. The frames
 * are float32 (the fits read float64 curves from them anyway).
 */
export function stackVolumes(volumes: readonly Volume[], field: string): VolumeSeries<Float32Array> {
  if (volumes.length === 0) throw new RadiomicsInputError('no volumes', { field, expected: 'at least one volume' });
  const g = volumes[0].geometry;
  const n = voxelsOf(g);
  const data = new Float32Array(n * volumes.length);
  volumes.forEach((v, f) => {
    if (!sameGeometry(v.geometry, g) || v.data.length !== n) {
      throw new RadiomicsInputError(
        `grid ${v.geometry.size.join('×')} at ${v.geometry.spacing.join('×')} mm, origin ${v.geometry.origin.join(', ')} differs from ${volumes[0].source ?? 'the first volume'}'s`,
        {
          file: v.source,
          field,
          expected: `every volume on one grid (${g.size.join('×')} at ${g.spacing.join('×')} mm, origin ${g.origin.join(', ')})`,
        },
      );
    }
    data.set(v.data, f * n);
  });
  return { geometry: g, frames: volumes.length, data, source: volumes[0].source };
}

/** The SPGR signal over the flip angles for the NLLS fit: p = (M0, R1 in ms⁻¹). */
class SpgrModel implements LeastSquaresModel {
  readonly m: number;
  readonly s: Float64Array;

  constructor(
    readonly sinA: Float64Array,
    readonly cosA: Float64Array,
    readonly trMs: number,
  ) {
    this.m = sinA.length;
    this.s = new Float64Array(sinA.length);
  }

  residuals(p: Float64Array, r: Float64Array, jac: Float64Array | null): void {
    const { sinA, cosA, trMs, s, m } = this;
    const m0 = p[0];
    const e1 = exp(-trMs * p[1]);
    for (let i = 0; i < m; i++) {
      const d = 1 - cosA[i] * e1;
      const shape = (sinA[i] * (1 - e1)) / d;
      r[i] = m0 * shape - s[i];
      if (jac) {
        jac[2 * i] = shape;
        // ∂S/∂E1 = M0·sin α·(cos α − 1)/(1 − cos α·E1)², ∂E1/∂R1 = −TR·E1.
        jac[2 * i + 1] = ((m0 * sinA[i] * (cosA[i] - 1)) / (d * d)) * (-trMs * e1);
      }
    }
  }
}

/** T1 (ms), M0, R² and the failed-fit mask from a VFA series (one frame per flip angle, degrees) and its TR (ms). */
export function fitT1Vfa(series: VolumeSeries, flipDeg: readonly number[], trMs: number, options: T1Options = {}): T1Maps {
  const voxels = checkSeries(series, 'data');
  checkVfa(series, flipDeg, trMs);
  const method = options.method ?? 'linear';
  const [lo, hi] = options.range ?? DEFAULT_T1_RANGE;
  const mask = maskBytes(options.mask, series.geometry, 'VFA series');
  const g = series.geometry;
  const t1 = floatMap(g);
  const m0Map = floatMap(g);
  const r2 = floatMap(g);
  const failed = codeMap(g);
  const n = flipDeg.length;
  const rad = flipDeg.map((a) => (a * PI) / 180);
  const sinA = Float64Array.from(rad, sin);
  const cosA = Float64Array.from(rad, cos);
  // tan 90° is not finite in floating point; S/tan α is then 0 (cos α = 0), which 1/tan computes as ~6e-17.
  const cotA = Float64Array.from(rad, (a) => 1 / tan(a));
  const model = new SpgrModel(sinA, cosA, trMs);
  const lm = new LevenbergMarquardt(2, n, Float64Array.of(0, 1e-9), Float64Array.of(Infinity, Infinity), options.maxIterations ?? 100);
  const p = new Float64Array(2);
  const block = blockSize(n);
  const curves = new Float64Array(block * n);
  for (let start = 0; start < voxels; start += block) {
    const count = min(block, voxels - start);
    gatherCurves(series.data, voxels, n, start, count, curves);
    for (let v = 0; v < count; v++) {
      const idx = start + v;
      if (mask && !mask[idx]) continue;
      const o = v * n;
      let code = signalFailure(curves, o, n);
      if (code) {
        failed.data[idx] = code;
        continue;
      }
      // y = S/sin α against x = S/tan α: slope E1, intercept M0·(1 − E1).
      let xm = 0;
      let ym = 0;
      for (let i = 0; i < n; i++) {
        const s = curves[o + i];
        xm += s * cotA[i];
        ym += s / sinA[i];
      }
      xm /= n;
      ym /= n;
      let sxy = 0;
      let sxx = 0;
      for (let i = 0; i < n; i++) {
        const s = curves[o + i];
        const dx = s * cotA[i] - xm;
        sxx += dx * dx;
        sxy += dx * (s / sinA[i] - ym);
      }
      let e1 = sxy / sxx;
      let m0 = (ym - e1 * xm) / (1 - e1);
      const linearOk = e1 > 0 && e1 < 1 && Number.isFinite(m0) && m0 > 0;
      if (method === 'nlls') {
        for (let i = 0; i < n; i++) model.s[i] = curves[o + i];
        let r1 = linearOk ? -log(e1) / trMs : 1 / SEED_T1_MS;
        if (!linearOk) {
          // M0 by least squares for the seed R1 (the signal is linear in M0).
          const es = exp(-trMs * r1);
          let num = 0;
          let den = 0;
          for (let i = 0; i < n; i++) {
            const f = (sinA[i] * (1 - es)) / (1 - cosA[i] * es);
            num += f * curves[o + i];
            den += f * f;
          }
          m0 = num / den;
        }
        p[0] = m0;
        p[1] = r1;
        const result = lm.solve(model, p);
        m0 = p[0];
        r1 = p[1];
        e1 = exp(-trMs * r1);
        if (!result.converged) code = FitFailure.notConverged;
      } else if (!linearOk) {
        code = Number.isFinite(e1) && Number.isFinite(m0) ? FitFailure.outOfRange : FitFailure.nonFinite;
      }
      const t = -trMs / log(e1);
      if (!code && !(Number.isFinite(t) && Number.isFinite(m0))) code = FitFailure.nonFinite;
      else if (!code && (!(e1 > 0 && e1 < 1) || t < lo || t > hi || !(m0 > 0))) code = FitFailure.outOfRange;
      if (code) {
        failed.data[idx] = code;
        continue;
      }
      t1.data[idx] = t;
      m0Map.data[idx] = m0;
      r2.data[idx] = rSquared(curves, o, n, sinA, cosA, m0, e1);
    }
  }
  return { t1, m0: m0Map, r2, failed, summary: summarise(failed.data, mask) };
}

/** R² = 1 − Σ(S − Ŝ)²/Σ(S − S̄)² in signal space; 1 for an exact fit of a constant signal. */
function rSquared(curves: Float64Array, o: number, n: number, sinA: Float64Array, cosA: Float64Array, m0: number, e1: number): number {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += curves[o + i];
  mean /= n;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const s = curves[o + i];
    const e = s - (m0 * sinA[i] * (1 - e1)) / (1 - cosA[i] * e1);
    res += e * e;
    tot += (s - mean) * (s - mean);
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}
