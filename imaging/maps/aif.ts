// Arterial input functions for the Tofts models, and the time grid they are integrated on.
// Parker population AIF (Parker et al. 2006, MRM 56:993, eq. 1 and Table 1), whole-blood Gd concentration in mM
// with t in minutes from injection:
//   Cb(t) = Σ_{n=1,2} A_n/(σ_n√(2π))·exp(−(t − T_n)²/(2σ_n²)) + α·exp(−β·t)/(1 + exp(−s·(t − τ)))
//   A1 = 0.809 mM·min, A2 = 0.330 mM·min, T1 = 0.17046 min, T2 = 0.365 min, σ1 = 0.0563 min, σ2 = 0.132 min,
//   α = 1.050 mM, β = 0.1685 min⁻¹, s = 38.078 min⁻¹, τ = 0.483 min;  Cb(t ≤ 0) = 0 (nothing before injection).
// Plasma concentration Cp = Cb/(1 − Hct), Hct = 0.42 by default (the haematocrit Parker et al. assume).
//
// The models integrate Cp as a piecewise-linear function of time between the nodes of a grid: the frame times,
// each interval split into equal sub-steps no longer than `step` (Parker's curve is evaluated at every node); a
// measured AIF is given at the frame times and interpolated linearly between them.
import { RadiomicsInputError } from '../errors';

const { exp, sqrt, PI, ceil, max } = Math;

export const PARKER_2006 = {
  A1: 0.809,
  A2: 0.33,
  T1: 0.17046,
  T2: 0.365,
  sigma1: 0.0563,
  sigma2: 0.132,
  alpha: 1.05,
  beta: 0.1685,
  s: 38.078,
  tau: 0.483,
} as const;

/** Haematocrit used to turn Parker's whole-blood AIF into plasma concentration. */
export const DEFAULT_HEMATOCRIT = 0.42;

/** Parker et al. 2006 whole-blood concentration (mM) at `tMin` minutes after injection (0 up to it). */
export function parkerBlood(tMin: number): number {
  if (tMin <= 0) return 0;
  const p = PARKER_2006;
  const g1 = (p.A1 / (p.sigma1 * sqrt(2 * PI))) * exp(-((tMin - p.T1) ** 2) / (2 * p.sigma1 ** 2));
  const g2 = (p.A2 / (p.sigma2 * sqrt(2 * PI))) * exp(-((tMin - p.T2) ** 2) / (2 * p.sigma2 ** 2));
  return g1 + g2 + (p.alpha * exp(-p.beta * tMin)) / (1 + exp(-p.s * (tMin - p.tau)));
}

/** Parker plasma concentration (mM) at `tMin` minutes after injection. */
export function parkerPlasma(tMin: number, hematocrit = DEFAULT_HEMATOCRIT): number {
  return parkerBlood(tMin) / (1 - hematocrit);
}

export type DceAif =
  /** Parker's population AIF; `injection` is the acquisition time (s) of Parker's t = 0. */
  | { kind: 'parker'; injection: number; hematocrit?: number }
  /** A plasma AIF (mM) measured at the frame times. */
  | { kind: 'curve'; values: readonly number[]; source?: string };

/** The AIF on its integration grid. Times in minutes from the first frame. */
export interface AifGrid {
  frames: number;
  /** Sub-steps of each of the frames − 1 intervals. */
  substeps: Int32Array;
  /** Sub-step length of each interval, minutes. */
  step: Float64Array;
  /** Cp (mM) at every node: node 0 is frame 0, then each interval's sub-step ends. */
  cp: Float64Array;
  /** Cp (mM) at the frame times. */
  cpFrames: Float64Array;
}

/** Integration grid of an AIF for frame times `times` (s, increasing); `stepSeconds` bounds Parker's sub-steps. */
export function aifGrid(times: readonly number[], aif: DceAif, stepSeconds = 1, file?: string): AifGrid {
  const n = times.length;
  const substeps = new Int32Array(n - 1);
  const step = new Float64Array(n - 1);
  const cpFrames = new Float64Array(n);
  if (aif.kind === 'curve') {
    if (aif.values.length !== n) {
      throw new RadiomicsInputError(`${aif.values.length} AIF values for ${n} time points`, {
        file: aif.source ?? file,
        field: 'aif',
        expected: 'one plasma concentration (mM) per time point',
      });
    }
    aif.values.forEach((v, i) => {
      if (!Number.isFinite(v))
        throw new RadiomicsInputError(`AIF value ${i + 1} is ${v}`, { file: aif.source ?? file, field: 'aif', expected: 'finite concentrations (mM)' });
    });
    for (let i = 0; i < n - 1; i++) {
      substeps[i] = 1;
      step[i] = (times[i + 1] - times[i]) / 60;
    }
    const cp = Float64Array.from(aif.values);
    cpFrames.set(cp);
    return { frames: n, substeps, step, cp, cpFrames };
  }
  const hct = aif.hematocrit ?? DEFAULT_HEMATOCRIT;
  if (!(hct >= 0 && hct < 1)) throw new RadiomicsInputError(`haematocrit ${hct}`, { file, field: 'hematocrit', expected: 'a fraction from 0 to below 1' });
  if (!(Number.isFinite(aif.injection) && aif.injection >= times[0] && aif.injection < times[n - 1])) {
    throw new RadiomicsInputError(`injection at ${aif.injection} s, outside the acquisition (${times[0]}–${times[n - 1]} s)`, {
      file,
      field: 'aif injection time',
      expected: 'a time within the acquisition, at or after the first frame',
    });
  }
  if (!(stepSeconds > 0)) throw new RadiomicsInputError(`AIF step ${stepSeconds} s`, { file, field: 'aif step', expected: 'a positive step (s)' });
  let nodes = 1;
  for (let i = 0; i < n - 1; i++) {
    const h = times[i + 1] - times[i];
    substeps[i] = max(1, ceil(h / stepSeconds - 1e-9));
    step[i] = h / substeps[i] / 60;
    nodes += substeps[i];
  }
  const cp = new Float64Array(nodes);
  const at = (tSeconds: number) => parkerPlasma((tSeconds - aif.injection) / 60, hct);
  cp[0] = at(times[0]);
  cpFrames[0] = cp[0];
  let k = 1;
  for (let i = 0; i < n - 1; i++) {
    const h = (times[i + 1] - times[i]) / substeps[i];
    for (let j = 1; j <= substeps[i]; j++) cp[k++] = j === substeps[i] ? at(times[i + 1]) : at(times[i] + j * h);
    cpFrames[i + 1] = cp[k - 1];
  }
  return { frames: n, substeps, step, cp, cpFrames };
}
