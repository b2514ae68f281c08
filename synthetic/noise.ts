// Smooth random fields for tumour texture and irregular boundaries: value noise (Gaussian values on a lattice,
// trilinear interpolation with a smoothstep fade), summed over octaves (fractal Brownian motion).
import type { Vec3 } from '../imaging/image';
import type { Rng } from './random';

// Math's functions bound once: under jest (a vm context) each global lookup in a hot loop costs ~100×.
const { min, max, floor } = Math;

/** Standard deviation of single-octave value noise with N(0,1) lattice values, measured over 10⁶ points (≈ 0.65). */
const OCTAVE_SD = 0.65;

class ValueNoise {
  private readonly values: Float32Array;
  private readonly n: number;

  /** Covers the cube [-halfWidth, halfWidth]³ mm with lattice cells of `cellMm`; points outside are clamped to it. */
  constructor(
    rng: Rng,
    private readonly halfWidth: number,
    private readonly cellMm: number,
  ) {
    this.n = Math.ceil((2 * halfWidth) / cellMm) + 2;
    this.values = new Float32Array(this.n * this.n * this.n);
    for (let i = 0; i < this.values.length; i++) this.values[i] = rng.normal();
  }

  at(x: number, y: number, z: number): number {
    const n = this.n;
    const last = n - 1.000001;
    const u = min(last, max(0, (x + this.halfWidth) / this.cellMm));
    const v = min(last, max(0, (y + this.halfWidth) / this.cellMm));
    const w = min(last, max(0, (z + this.halfWidth) / this.cellMm));
    const i = floor(u);
    const j = floor(v);
    const k = floor(w);
    const fx = fade(u - i);
    const fy = fade(v - j);
    const fz = fade(w - k);
    const a = this.values;
    const o = i + n * (j + n * k);
    const nn = n * n;
    const x00 = a[o] + fx * (a[o + 1] - a[o]);
    const x10 = a[o + n] + fx * (a[o + n + 1] - a[o + n]);
    const x01 = a[o + nn] + fx * (a[o + nn + 1] - a[o + nn]);
    const x11 = a[o + nn + n] + fx * (a[o + nn + n + 1] - a[o + nn + n]);
    const y0 = x00 + fy * (x10 - x00);
    const y1 = x01 + fy * (x11 - x01);
    return y0 + fz * (y1 - y0);
  }
}

function fade(t: number): number {
  return t * t * (3 - 2 * t);
}

/** A zero-mean field with standard deviation ≈ 1: octaves of value noise, cell size halving and weight halving each time. */
export class SmoothField {
  private readonly octaves: ValueNoise[] = [];
  private readonly weights: number[] = [];
  private readonly scale: number;

  constructor(rng: Rng, halfWidthMm: number, cellMm: number, octaves = 2) {
    let weightSq = 0;
    for (let o = 0; o < octaves; o++) {
      this.octaves.push(new ValueNoise(rng, halfWidthMm, cellMm / 2 ** o));
      const w = 1 / 2 ** o;
      this.weights.push(w);
      weightSq += w * w;
    }
    this.scale = 1 / (OCTAVE_SD * Math.sqrt(weightSq));
  }

  at(p: Vec3): number {
    let s = 0;
    for (let o = 0; o < this.octaves.length; o++) s += this.weights[o] * this.octaves[o].at(p[0], p[1], p[2]);
    return s * this.scale;
  }
}
