// Functional series for the synthetic study, when a study asks for them: per visit a multi-b DWI series whose ADC is
// the visit's ADC image (so ADC follows the response biology: responders' ADC rises more) and a DCE series of the Tofts
// model with the Parker AIF, whose tumour Ktrans falls with treatment in proportion to the imaging response (more in
// responders) while ve and the background stay put; when asked, a variable-flip-angle series (SPGR signal, one frame
// per flip angle) of a known native T1 per tissue, which the DCE series then shares. The forward models are
// synthesizeDwi, synthesizeDce and the SPGR steady state (spgrSignal).
import type { Volume } from '../imaging/image';
import type { VolumeSeries } from '../imaging/maps/series';
import { synthesizeDwi } from './dwi';
import { synthesizeDce } from './dce';
import { Rng } from './random';
import { spgrSignal } from '../imaging/maps/signal';

export interface FunctionalOptions {
  /** A DWI series per visit: b-values (s/mm², default 0, 200, 500, 800) and the SNR at b = 0 (default 20). */
  dwi?: { bValues?: number[]; snr?: number };
  /** A DCE series per visit: frames (default 24) every intervalS (default 10 s), SNR of the pre-contrast signal (default 20). */
  dce?: { frames?: number; intervalS?: number; snr?: number };
  /** A VFA series per visit (flip angles, default 2, 5, 10, 15°; SNR of the largest-signal frame, default 50); needs dce. */
  vfa?: { flipAngles?: number[]; snr?: number };
}

/** What the generator used, for the study file (its `series` settings) and for tests. */
export interface FunctionalProtocol {
  dwi?: { bValues: number[]; snr: number; s0: number };
  dce?: {
    times: number[];
    injectionS: number;
    baselineFrames: number;
    t1Ms: number;
    flipDeg: number;
    trMs: number;
    snr: number;
    /** Background (non-tumour) tissue, every visit. */
    background: { ktrans: number; ve: number };
    /** Tumour tissue at baseline; a visit's Ktrans is ktrans × (1 − ktransDrop × r × progress). */
    tumour: { ktrans: number; ve: number; ktransDrop: number };
  };
  vfa?: {
    flipAngles: number[];
    trMs: number;
    snr: number;
    m0: number;
    /** Native T1, ms: the background is dce.t1Ms; the tumour's differs, so a fixed-T1 fit is biased there and a VFA one is not. */
    tumourT1Ms: number;
  };
}

/** Ground truth of one visit's functional series. */
export interface FunctionalTruth {
  /** ADC (10⁻⁶ mm²/s) is the visit's ADC image; the DWI adds only the diffusion signal model and noise. */
  dwi?: { adcFrom: 'ADC' };
  dce?: { tumour: { ktrans: number; ve: number }; background: { ktrans: number; ve: number } };
}

export const FUNCTIONAL_DEFAULTS = {
  bValues: [0, 200, 500, 800],
  snr: 20,
  s0: 1000,
  frames: 24,
  intervalS: 10,
  baselineFrames: 3,
  // One native T1 for every tissue: the study fits with a fixed T1, as most DCE protocols without T1 mapping do.
  t1Ms: 1400,
  flipDeg: 15,
  trMs: 5,
  background: { ktrans: 0.05, ve: 0.15 },
  tumour: { ktrans: 0.25, ve: 0.3, ktransDrop: 0.6 },
  flipAngles: [2, 5, 10, 15],
  vfaSnr: 50,
  m0: 1000,
  tumourT1Ms: 1800,
};

export function validateFunctionalOptions(options: FunctionalOptions | undefined): FunctionalProtocol | undefined {
  if (!options) return undefined;
  const out: FunctionalProtocol = {};
  if (options.dwi) {
    const bValues = options.dwi.bValues ?? FUNCTIONAL_DEFAULTS.bValues;
    if (!Array.isArray(bValues) || new Set(bValues).size < 2 || bValues.some((b) => !(Number.isFinite(b) && b >= 0)))
      throw new Error(`functional.dwi.bValues: expected at least 2 distinct b-values ≥ 0 s/mm², got ${JSON.stringify(bValues)}`);
    const snr = options.dwi.snr ?? FUNCTIONAL_DEFAULTS.snr;
    if (!(snr > 0)) throw new Error(`functional.dwi.snr: expected a positive number, got ${JSON.stringify(snr)}`);
    out.dwi = { bValues: [...bValues], snr, s0: FUNCTIONAL_DEFAULTS.s0 };
  }
  if (options.dce) {
    const frames = options.dce.frames ?? FUNCTIONAL_DEFAULTS.frames;
    const interval = options.dce.intervalS ?? FUNCTIONAL_DEFAULTS.intervalS;
    if (!(Number.isInteger(frames) && frames >= FUNCTIONAL_DEFAULTS.baselineFrames + 4 && frames <= 200))
      throw new Error(`functional.dce.frames: expected an integer from ${FUNCTIONAL_DEFAULTS.baselineFrames + 4} to 200, got ${JSON.stringify(frames)}`);
    if (!(interval > 0)) throw new Error(`functional.dce.intervalS: expected a positive number of seconds, got ${JSON.stringify(interval)}`);
    const snr = options.dce.snr ?? FUNCTIONAL_DEFAULTS.snr;
    if (!(snr > 0)) throw new Error(`functional.dce.snr: expected a positive number, got ${JSON.stringify(snr)}`);
    const times = Array.from({ length: frames }, (_, i) => i * interval);
    const { baselineFrames, t1Ms, flipDeg, trMs, background, tumour } = FUNCTIONAL_DEFAULTS;
    out.dce = { times, injectionS: times[baselineFrames - 1], baselineFrames, t1Ms, flipDeg, trMs, snr, background: { ...background }, tumour: { ...tumour } };
  }
  if (options.vfa) {
    if (!out.dce) throw new Error('functional.vfa: expected functional.dce too (the VFA series gives the DCE fit its native T1)');
    const flipAngles = options.vfa.flipAngles ?? FUNCTIONAL_DEFAULTS.flipAngles;
    if (!Array.isArray(flipAngles) || new Set(flipAngles).size < 2 || flipAngles.some((a) => !(Number.isFinite(a) && a > 0 && a <= 90)))
      throw new Error(`functional.vfa.flipAngles: expected at least 2 different flip angles in (0, 90] degrees, got ${JSON.stringify(flipAngles)}`);
    const snr = options.vfa.snr ?? FUNCTIONAL_DEFAULTS.vfaSnr;
    if (!(snr > 0)) throw new Error(`functional.vfa.snr: expected a positive number, got ${JSON.stringify(snr)}`);
    out.vfa = { flipAngles: [...flipAngles], trMs: out.dce.trMs, snr, m0: FUNCTIONAL_DEFAULTS.m0, tumourT1Ms: FUNCTIONAL_DEFAULTS.tumourT1Ms };
  }
  return out;
}

/** The study file's `series` settings that fit the generated series. */
export function functionalSeriesSettings(protocol: FunctionalProtocol): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (protocol.dwi) out.DWI = { bValues: protocol.dwi.bValues };
  if (protocol.dce) {
    const d = protocol.dce;
    out.DCE = {
      times: d.times,
      aif: 'parker',
      injection: d.injectionS,
      model: 'tofts',
      t1: d.t1Ms,
      flipAngle: d.flipDeg,
      tr: d.trMs,
      baselineFrames: d.baselineFrames,
    };
  }
  if (protocol.vfa) out.VFA = { flipAngles: protocol.vfa.flipAngles, tr: protocol.vfa.trMs };
  return out;
}

/** Tumour Ktrans and ve of a visit: Ktrans falls with the imaging response r as treatment progresses. */
export function tumourPerfusion(protocol: NonNullable<FunctionalProtocol['dce']>, response: number, progress: number): { ktrans: number; ve: number } {
  const r = Math.min(1, Math.max(0, response));
  return { ktrans: protocol.tumour.ktrans * (1 - protocol.tumour.ktransDrop * r * progress), ve: protocol.tumour.ve };
}

/** A seed of the visit's own stream, so that each series' noise is independent of every other file's. */
const seedOf = (seed: number, ...names: string[]) => Rng.stream(seed, ...names).int(0, 0x7fffffff);

export function renderDwi(protocol: NonNullable<FunctionalProtocol['dwi']>, adcImage: Volume, seed: number, pseudonym: string, visit: string): VolumeSeries {
  const adc = Float64Array.from(adcImage.data, (v) => Math.max(0, v) * 1e-6);
  return synthesizeDwi({
    geometry: adcImage.geometry,
    bValues: protocol.bValues,
    truth: { kind: 'adc', adc },
    s0: protocol.s0,
    snr: protocol.snr,
    noise: 'rician',
    seed: seedOf(seed, pseudonym, visit, 'DWI'),
  });
}

export function renderDce(
  protocol: NonNullable<FunctionalProtocol['dce']>,
  mask: Volume,
  truth: NonNullable<FunctionalTruth['dce']>,
  seed: number,
  pseudonym: string,
  visit: string,
  vfa?: FunctionalProtocol['vfa'],
): VolumeSeries {
  const labels = Uint8Array.from(mask.data, (v) => (v !== 0 ? 1 : 0));
  return synthesizeDce({
    geometry: mask.geometry,
    times: protocol.times,
    injection: protocol.injectionS,
    // With a VFA series the tumour has its own native T1 (the one the VFA series encodes).
    tissues: [truth.background, vfa ? { ...truth.tumour, t10Ms: vfa.tumourT1Ms } : truth.tumour],
    labels,
    flipDeg: protocol.flipDeg,
    trMs: protocol.trMs,
    t10Ms: protocol.t1Ms,
    snr: protocol.snr,
    noise: 'rician',
    seed: seedOf(seed, pseudonym, visit, 'DCE'),
  }).series;
}

/**
 * The visit's VFA series: per voxel the SPGR steady state M0·sin α·(1 − E1)/(1 − cos α·E1), E1 = exp(−TR/T1), with the
 * background at `backgroundT1Ms` and the tumour (mask ≠ 0) at vfa.tumourT1Ms; Rician noise of σ = (largest
 * noise-free background signal)/SNR. Frame-major like every series.
 */
export function renderVfa(
  vfa: NonNullable<FunctionalProtocol['vfa']>,
  backgroundT1Ms: number,
  mask: Volume,
  seed: number,
  pseudonym: string,
  visit: string,
): VolumeSeries<Float32Array> {
  const voxels = mask.data.length;
  const n = vfa.flipAngles.length;
  const signal = (t1: number, flip: number) => spgrSignal(vfa.m0, 0, { flipDeg: flip, trMs: vfa.trMs, t10Ms: t1 });
  const sigma = Math.max(...vfa.flipAngles.map((a) => signal(backgroundT1Ms, a))) / vfa.snr;
  const rng = Rng.stream(seedOf(seed, pseudonym, visit, 'VFA'), 'vfa');
  const data = new Float32Array(voxels * n);
  const curves = [backgroundT1Ms, vfa.tumourT1Ms].map((t1) => vfa.flipAngles.map((a) => signal(t1, a)));
  for (let v = 0; v < voxels; v++) {
    const curve = curves[mask.data[v] !== 0 ? 1 : 0];
    for (let i = 0; i < n; i++) {
      const re = curve[i] + rng.normal(0, sigma);
      const im = rng.normal(0, sigma);
      data[i * voxels + v] = Math.sqrt(re * re + im * im);
    }
  }
  return { geometry: mask.geometry, frames: n, data, source: `synthetic VFA ${pseudonym} ${visit}` };
}
