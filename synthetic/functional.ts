// Functional series for the synthetic study, when a study asks for them: per visit a multi-b DWI series whose ADC is
// the visit's ADC image (so ADC follows the response biology: responders' ADC rises more) and a DCE series of the Tofts
// model with the Parker AIF, whose tumour Ktrans falls with treatment in proportion to the imaging response (more in
// responders) while ve and the background stay put. The forward models are synthesizeDwi and synthesizeDce.
import type { Volume } from '../imaging/image';
import type { VolumeSeries } from '../imaging/maps/series';
import { synthesizeDwi } from './dwi';
import { synthesizeDce } from './dce';
import { Rng } from './random';

export interface FunctionalOptions {
  /** A DWI series per visit: b-values (s/mm², default 0, 200, 500, 800) and the SNR at b = 0 (default 20). */
  dwi?: { bValues?: number[]; snr?: number };
  /** A DCE series per visit: frames (default 24) every intervalS (default 10 s), SNR of the pre-contrast signal (default 20). */
  dce?: { frames?: number; intervalS?: number; snr?: number };
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
): VolumeSeries {
  const labels = Uint8Array.from(mask.data, (v) => (v !== 0 ? 1 : 0));
  return synthesizeDce({
    geometry: mask.geometry,
    times: protocol.times,
    injection: protocol.injectionS,
    tissues: [truth.background, truth.tumour],
    labels,
    flipDeg: protocol.flipDeg,
    trMs: protocol.trMs,
    t10Ms: protocol.t1Ms,
    snr: protocol.snr,
    noise: 'rician',
    seed: seedOf(seed, pseudonym, visit, 'DCE'),
  }).series;
}
