// Signal to gadolinium concentration for T1-weighted DCE-MRI. Spoiled gradient echo steady state
// (Ernst & Anderson 1966, Rev Sci Instrum 37:93): S = M0·sin α·(1 − E1)/(1 − cos α·E1), E1 = exp(−TR·R1);
// fast-exchange linear relaxivity (Tofts 1997, JMRI 7:91): R1(t) = R10 + r1·C(t). M0 follows from the mean
// pre-contrast signal and the native T1 (T10: fixed, or the voxel's value in a T1 map); each frame then gives
// E1 = (1 − s)/(1 − s·cos α), s = S/(M0·sin α).
import { RadiomicsInputError } from '../errors';
import { FitFailure } from './series';

const { exp, log, sin, cos, PI } = Math;

export interface SpgrParameters {
  /** Flip angle, degrees. */
  flipDeg: number;
  /** Repetition time, ms. */
  trMs: number;
  /** Native (pre-contrast) T1 of the tissue, ms. */
  t10Ms: number;
  /** Longitudinal relaxivity of the contrast agent, mM⁻¹·s⁻¹ (default 4.1: gadopentetate in plasma at 1.5 T, Rohrer et al. 2005, Invest Radiol 40:715). */
  r1?: number;
}

export const DEFAULT_RELAXIVITY = 4.1;

export function checkSpgr(p: SpgrParameters, file?: string): void {
  const bad = (field: string, value: number, expected: string) => new RadiomicsInputError(`${field} ${value}`, { file, field, expected });
  if (!(p.flipDeg > 0 && p.flipDeg < 180)) throw bad('flip angle', p.flipDeg, 'degrees between 0 and 180');
  if (!(p.trMs > 0 && Number.isFinite(p.trMs))) throw bad('TR', p.trMs, 'a repetition time > 0 (ms)');
  if (!(p.t10Ms > 0 && Number.isFinite(p.t10Ms))) throw bad('T1', p.t10Ms, 'a native T1 > 0 (ms)');
  const r1 = p.r1 ?? DEFAULT_RELAXIVITY;
  if (!(r1 > 0 && Number.isFinite(r1))) throw bad('r1', r1, 'a relaxivity > 0 (mM⁻¹·s⁻¹)');
}

/** The SPGR signal for a concentration C (mM), given M0 (forward model, for synthetic data and tests). */
export function spgrSignal(m0: number, concentration: number, p: SpgrParameters): number {
  const a = (p.flipDeg * PI) / 180;
  const r1 = 1000 / p.t10Ms + (p.r1 ?? DEFAULT_RELAXIVITY) * concentration;
  const e1 = exp(-(p.trMs / 1000) * r1);
  return (m0 * sin(a) * (1 - e1)) / (1 - cos(a) * e1);
}

/**
 * Converts curve y[o … o + n) in place from signal to concentration (mM), M0 from the mean of its first
 * `baselineFrames` values; `t10Ms` (default p.t10Ms) is the voxel's native T1 where a T1 map gives one. Returns a
 * FitFailure code (0 = converted).
 */
export function signalToConcentration(y: Float64Array, o: number, n: number, baselineFrames: number, p: SpgrParameters, t10Ms = p.t10Ms): number {
  let pre = 0;
  for (let i = 0; i < n; i++) {
    const s = y[o + i];
    if (!Number.isFinite(s)) return FitFailure.nonFinite;
    if (!(s > 0)) return FitFailure.nonPositive;
    if (i < baselineFrames) pre += s;
  }
  pre /= baselineFrames;
  const a = (p.flipDeg * PI) / 180;
  const ca = cos(a);
  const tr = p.trMs / 1000;
  const r10 = 1000 / t10Ms;
  const r1 = p.r1 ?? DEFAULT_RELAXIVITY;
  const e10 = exp(-tr * r10);
  const m0sa = (pre * (1 - ca * e10)) / (1 - e10);
  for (let i = 0; i < n; i++) {
    const s = y[o + i] / m0sa;
    const e1 = (1 - s) / (1 - s * ca);
    if (!(e1 > 0 && e1 < 1)) return FitFailure.conversion;
    y[o + i] = (-log(e1) / tr - r10) / r1;
  }
  return FitFailure.none;
}
