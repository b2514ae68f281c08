// Synthetic DCE-MRI series with known (extended) Tofts parameters (Tofts et al. 1999, JMRI 10:223) and the Parker
// population AIF (Parker et al. 2006, MRM 56:993): each tissue's concentration curve, then the SPGR signal from its
// native T1 (Ernst & Anderson 1966) and Gaussian or Rician noise of σ = S_pre/SNR from a seeded stream.
// The AIF is linear between nodes no more than `aifStep` seconds apart (each frame interval split evenly), the model
// the fit integrates exactly; here the convolution is computed independently, by 5-point Gauss–Legendre quadrature
// on every AIF segment and a direct sum over the segments (not the fit's recursion). A much smaller `aifStep` than
// the fit's approximates Parker's continuous curve.
import type { Geometry } from '../imaging/image';
import type { VolumeSeries } from '../imaging/maps/series';
import { parkerPlasma, DEFAULT_HEMATOCRIT } from '../imaging/maps/aif';
import { spgrSignal, DEFAULT_RELAXIVITY } from '../imaging/maps/signal';
import { Rng } from './random';

// Math's functions bound once: under jest (a vm context) each global lookup in a hot loop costs ~100×.
const { exp, sqrt, ceil, max, abs } = Math;

export interface DceTissue {
  /** min⁻¹ */
  ktrans: number;
  ve: number;
  vp?: number;
  /** Native T1, ms (default: the options' t10Ms). */
  t10Ms?: number;
  /** Equilibrium magnetisation (default 1000). */
  m0?: number;
}

export interface SyntheticDceOptions {
  geometry: Geometry;
  /** Frame times, s. */
  times: readonly number[];
  /** Acquisition time (s) of Parker's t = 0. */
  injection: number;
  hematocrit?: number;
  /** Longest AIF interpolation step, s (default 1, as the fit). */
  aifStep?: number;
  tissues: readonly DceTissue[];
  /** Tissue index per voxel. */
  labels: ArrayLike<number>;
  /** `signal` (default) or `concentration` (mM). */
  output?: 'signal' | 'concentration';
  flipDeg: number;
  trMs: number;
  t10Ms: number;
  r1?: number;
  /** S_pre/σ (signal) or the curve's peak/σ (concentration); absent or Infinity: noise-free. */
  snr?: number;
  noise?: 'gaussian' | 'rician';
  seed?: number;
  precision?: 'float32' | 'float64';
}

const GL_X = [0, -0.5384693101056831, 0.5384693101056831, -0.906179845938664, 0.906179845938664];
const GL_W = [0.5688888888888889, 0.4786286704993665, 0.4786286704993665, 0.2369268850561891, 0.2369268850561891];

/** The AIF nodes (minutes from the first frame) and plasma concentrations, and each frame's node index. */
export function parkerNodes(times: readonly number[], injection: number, step: number, hematocrit = DEFAULT_HEMATOCRIT) {
  const t: number[] = [times[0]];
  const frameNode = [0];
  for (let i = 0; i + 1 < times.length; i++) {
    const h = times[i + 1] - times[i];
    const m = max(1, ceil(h / step - 1e-9));
    for (let j = 1; j <= m; j++) t.push(j === m ? times[i + 1] : times[i] + (j * h) / m);
    frameNode.push(t.length - 1);
  }
  const minutes = t.map((x) => (x - times[0]) / 60);
  const cp = t.map((x) => parkerPlasma((x - injection) / 60, hematocrit));
  return { minutes, cp, frameNode };
}

/** Tissue concentration (mM) at the frames for one tissue, by quadrature of the piecewise-linear AIF. */
export function toftsConcentration(nodes: ReturnType<typeof parkerNodes>, tissue: DceTissue): Float64Array {
  const { minutes, cp, frameNode } = nodes;
  const kep = tissue.ktrans / tissue.ve;
  // S_j = ∫ over segment j of Cp(u)·exp(−kep·(t_{j+1} − u)) du.
  const segments = minutes.length - 1;
  const s = new Float64Array(segments);
  for (let j = 0; j < segments; j++) {
    const a = minutes[j];
    const h = minutes[j + 1] - a;
    let sum = 0;
    for (let q = 0; q < 5; q++) {
      const w = 0.5 * (GL_X[q] + 1);
      const c = cp[j] + w * (cp[j + 1] - cp[j]);
      sum += GL_W[q] * c * exp(-kep * (1 - w) * h);
    }
    s[j] = 0.5 * h * sum;
  }
  const out = new Float64Array(frameNode.length);
  for (let i = 0; i < frameNode.length; i++) {
    const end = frameNode[i];
    const t = minutes[end];
    let conv = 0;
    for (let j = 0; j < end; j++) conv += exp(-kep * (t - minutes[j + 1])) * s[j];
    out[i] = tissue.ktrans * conv + (tissue.vp ?? 0) * cp[end];
  }
  return out;
}

export interface SyntheticDce {
  series: VolumeSeries<Float32Array | Float64Array>;
  /** Noise-free concentration (mM) of each tissue at the frames. */
  concentration: Float64Array[];
}

export function synthesizeDce(options: SyntheticDceOptions): SyntheticDce {
  const g = options.geometry;
  const voxels = g.size[0] * g.size[1] * g.size[2];
  const n = options.times.length;
  const nodes = parkerNodes(options.times, options.injection, options.aifStep ?? 1, options.hematocrit);
  const concentration = options.tissues.map((t) => toftsConcentration(nodes, t));
  const signal = options.output !== 'concentration';
  const curves = options.tissues.map((t, k) => {
    if (!signal) return concentration[k];
    const p = { flipDeg: options.flipDeg, trMs: options.trMs, t10Ms: t.t10Ms ?? options.t10Ms, r1: options.r1 ?? DEFAULT_RELAXIVITY };
    return Float64Array.from(concentration[k], (c) => spgrSignal(t.m0 ?? 1000, c, p));
  });
  const sigmas = curves.map((c, k) => {
    const snr = options.snr ?? Infinity;
    const scale = signal
      ? spgrSignal(options.tissues[k].m0 ?? 1000, 0, { flipDeg: options.flipDeg, trMs: options.trMs, t10Ms: options.tissues[k].t10Ms ?? options.t10Ms })
      : c.reduce((m, x) => max(m, abs(x)), 0);
    return scale / snr;
  });
  const data = options.precision === 'float64' ? new Float64Array(voxels * n) : new Float32Array(voxels * n);
  const rician = (options.noise ?? 'rician') === 'rician';
  const rng = Rng.stream(options.seed ?? 1, 'dce');
  for (let v = 0; v < voxels; v++) {
    const k = options.labels[v];
    const curve = curves[k];
    const sigma = sigmas[k];
    for (let i = 0; i < n; i++) {
      let value = curve[i];
      if (sigma > 0 && Number.isFinite(sigma)) {
        const re = value + rng.normal(0, sigma);
        value = rician ? sqrt(re * re + rng.normal(0, sigma) ** 2) : re;
      }
      data[i * voxels + v] = value;
    }
  }
  return { series: { geometry: g, frames: n, data, source: 'synthetic DCE' }, concentration };
}
