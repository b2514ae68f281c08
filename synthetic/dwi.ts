// Synthetic multi-b diffusion series with known parameters per voxel: mono-exponential S0·exp(−b·ADC) or IVIM
// S0·[(1 − f)·exp(−b·D) + f·exp(−b·D*)] (Le Bihan et al. 1988, Radiology 168:497), b in s/mm², diffusivities in
// mm²/s, with Gaussian or Rician noise (magnitude of a complex Gaussian, Gudbjartsson & Patz 1995, MRM 34:910) of
// σ = S0/SNR, from a seeded stream.
import type { Geometry } from '../imaging/image';
import type { VolumeSeries } from '../imaging/maps/series';
import { Rng } from './random';

// Math's functions bound once: under jest (a vm context) each global lookup in a hot loop costs ~100×.
const { exp, sqrt } = Math;

type Values = ArrayLike<number>;

export type DiffusionTruth = { kind: 'adc'; adc: Values } | { kind: 'ivim'; d: Values; dStar: Values; f: Values };

export interface SyntheticDwiOptions {
  geometry: Geometry;
  bValues: readonly number[];
  truth: DiffusionTruth;
  /** Signal at b = 0: one value, or one per voxel. */
  s0: number | Values;
  /** S0/σ; absent or Infinity: noise-free. */
  snr?: number;
  noise?: 'gaussian' | 'rician';
  seed?: number;
  /** Storage of the series (default float32). */
  precision?: 'float32' | 'float64';
}

export function synthesizeDwi(options: SyntheticDwiOptions): VolumeSeries<Float32Array | Float64Array> {
  const g = options.geometry;
  const voxels = g.size[0] * g.size[1] * g.size[2];
  const nb = options.bValues.length;
  const data = options.precision === 'float64' ? new Float64Array(voxels * nb) : new Float32Array(voxels * nb);
  const snr = options.snr ?? Infinity;
  const rician = (options.noise ?? 'rician') === 'rician';
  const rng = Rng.stream(options.seed ?? 1, 'dwi');
  const { truth } = options;
  for (let v = 0; v < voxels; v++) {
    const s0 = typeof options.s0 === 'number' ? options.s0 : options.s0[v];
    const sigma = s0 / snr;
    for (let k = 0; k < nb; k++) {
      const b = options.bValues[k];
      const s = truth.kind === 'adc' ? s0 * exp(-b * truth.adc[v]) : s0 * ((1 - truth.f[v]) * exp(-b * truth.d[v]) + truth.f[v] * exp(-b * truth.dStar[v]));
      let value = s;
      if (sigma > 0 && Number.isFinite(sigma)) {
        const re = s + rng.normal(0, sigma);
        value = rician ? sqrt(re * re + rng.normal(0, sigma) ** 2) : re;
      }
      data[k * voxels + v] = value;
    }
  }
  return { geometry: g, frames: nb, data, source: 'synthetic DWI' };
}

/** `count` values drawn uniformly from [lo, hi) on a named stream. */
export function uniformValues(seed: number, name: string, count: number, lo: number, hi: number): Float64Array {
  const rng = Rng.stream(seed, name);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.uniform(lo, hi);
  return out;
}
