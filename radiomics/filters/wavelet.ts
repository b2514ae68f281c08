// Wavelet image type, as PyRadiomics' imageoperations.getWaveletImage / _swt3 computes it with PyWavelets:
// an odd-sized axis is padded by one voxel ('wrap'), then each level is pywt.swtn(data, wavelet, level=1) — a
// stationary (undecimated) transform with periodic boundaries, low/high pass along x, then y, then z — whose
// approximation feeds the next level (start_level levels are computed and discarded first). Each level yields its
// 2^n − 1 detail sub-bands, the last approximation comes at the end; 'L' = low pass, 'H' = high pass, letters in
// x, y, z order ('wavelet-LLH': low along x and y, high along z).
//
// A sub-band at the caller's region depends only on voxels within K·F/2 of it (K levels, F filter taps); when that
// neighbourhood lies inside the image the transform is computed on it alone, and the result is identical.
import { RadiomicsInputError } from '../../imaging/errors';
import type { Vec3, Volume } from '../../imaging/image';
import { alongAxis, type Block, type LineFilter } from './axisPass';
import { waveletImageName } from './naming';
import { boxSize, regionImage, resolveRegion, type IndexBox, type RegionImage } from './region';
import { waveletBank } from './waveletBank';

export interface WaveletSettings {
  wavelet: string;
  start_level: number;
  level: number;
  force2D: boolean;
  /** numpy axis order, as PyRadiomics: 0 = z, 1 = y, 2 = x. */
  force2Ddimension: number;
}

const AXIS_NAMES = 'xyz';

/** pywt's periodic stationary convolution at level 1: out[i] = Σ_k h[k] · x[(i + F/2 − k) mod n]. */
function periodicFilter(h: Float64Array): LineFilter {
  const f = h.length;
  const shift = f / 2;
  let ext = new Float64Array(0);
  const one = (x: Float64Array, y: Float64Array, n: number, keepLo: number, keepHi: number): void => {
    if (ext.length < n + f - 1) ext = new Float64Array(n + f - 1);
    // ext[t] = x[(t − F + 1 + F/2) mod n], so that out[i] = Σ_k h[k] · ext[i + F − 1 − k].
    for (let t = 0, j = (((shift - f + 1) % n) + n) % n; t < n + f - 1; t++) {
      ext[t] = x[j];
      if (++j === n) j = 0;
    }
    for (let i = keepLo; i <= keepHi; i++) {
      let sum = 0;
      for (let k = 0; k < f; k++) sum += h[k] * ext[i + f - 1 - k];
      y[i] = sum;
    }
  };
  return (xa, xb, ya, yb, n, keepLo, keepHi) => {
    one(xa, ya, n, keepLo, keepHi);
    one(xb, yb, n, keepLo, keepHi);
  };
}

/** Axes PyRadiomics transforms, in pywt's order (x, y, z), without force2Ddimension's axis under force2D. */
export function waveletAxes(settings: Pick<WaveletSettings, 'force2D' | 'force2Ddimension'>): number[] {
  const axes = [0, 1, 2];
  return settings.force2D ? axes.filter((a) => a !== 2 - settings.force2Ddimension) : axes;
}

/**
 * PyRadiomics applies the same undilated filter at every level, so after K levels a voxel mixes (F − 1)·K + 1
 * voxels along each axis; beyond the (padded) image's length the periodic transform folds the image onto itself.
 */
export function checkWaveletDepth(image: Volume, settings: WaveletSettings): void {
  const taps = waveletBank(settings.wavelet).lo.length;
  const levels = settings.start_level + settings.level;
  for (const a of waveletAxes(settings)) {
    const n = image.geometry.size[a];
    const padded = n + (n % 2);
    const support = (taps - 1) * levels + 1;
    if (support > padded) {
      const deepest = Math.floor((padded - 1) / (taps - 1));
      throw new RadiomicsInputError(
        `wavelet level too deep for the image: start_level ${settings.start_level} + level ${settings.level} makes a ` +
          `${settings.wavelet} filter ${support} voxels wide, but the image has ${n} voxel(s) along ${AXIS_NAMES[a]}`,
        {
          file: image.source,
          field: 'imageType.Wavelet.level',
          expected:
            deepest >= 1
              ? `start_level + level ≤ ${deepest} for this image`
              : `at least ${taps - 1} voxels along ${AXIS_NAMES[a]} (or force2D with force2Ddimension ${2 - a} to leave that axis out)`,
        },
      );
    }
  }
}

/** Where the sub-volume the transform runs on lies along one axis. */
interface AxisWindow {
  /** Sub-volume index → image index. */
  source: Int32Array;
  /** First region voxel's index in the sub-volume. */
  cropAt: number;
}

function axisWindow(n: number, lo: number, hi: number, transformed: boolean, below: number, above: number): AxisWindow {
  if (!transformed) return { source: Int32Array.from({ length: hi - lo + 1 }, (_, j) => lo + j), cropAt: 0 };
  if (lo - below >= 0 && hi + above <= n - 1) {
    const start = lo - below;
    return { source: Int32Array.from({ length: hi + above - start + 1 }, (_, j) => start + j), cropAt: below };
  }
  // The whole axis, padded to an even length by repeating its first voxel (numpy.pad 'wrap', as _swt3).
  const padded = n + (n % 2);
  return { source: Int32Array.from({ length: padded }, (_, j) => (j < n ? j : 0)), cropAt: lo };
}

function gather(image: Volume, windows: AxisWindow[]): Block {
  const [wx, wy, wz] = windows.map((w) => w.source);
  const [nx, ny] = image.geometry.size;
  const size: Vec3 = [wx.length, wy.length, wz.length];
  const out = new Float64Array(size[0] * size[1] * size[2]);
  const data = image.data;
  let o = 0;
  for (let k = 0; k < size[2]; k++) {
    for (let j = 0; j < size[1]; j++) {
      const row = nx * (wy[j] + ny * wz[k]);
      for (let i = 0; i < size[0]; i++) out[o++] = data[row + wx[i]];
    }
  }
  return { data: out, size };
}

function crop(block: Block, at: Vec3, extent: Vec3): Float64Array {
  const out = new Float64Array(extent[0] * extent[1] * extent[2]);
  const [sx, sy] = block.size;
  let o = 0;
  for (let k = 0; k < extent[2]; k++) {
    for (let j = 0; j < extent[1]; j++) {
      const row = at[0] + sx * (at[1] + j + sy * (at[2] + k));
      for (let i = 0; i < extent[0]; i++) out[o++] = block.data[row + i];
    }
  }
  return out;
}

/** A sub-band's letters as a binary number, first axis highest ('L' = 0, 'H' = 1): its place in pywt's key order. */
function bandCode(bands: string): number {
  let code = 0;
  for (const b of bands) code = 2 * code + (b === 'H' ? 1 : 0);
  return code;
}

/**
 * Where each sub-band comes among getWaveletImage's images: the detail bands of each level in pywt's key order, then
 * the last approximation. `wanted` of those positions says which to compute; the others are left out (with the
 * passes only they need), so that a caller reading some sub-bands pays for those alone.
 */
function wantedBands(settings: WaveletSettings, axes: number[], wanted: (index: number) => boolean) {
  const perLevel = 2 ** axes.length - 1;
  const last = settings.level * perLevel;
  const laterWanted = (level: number) => {
    for (let k = level * perLevel; k <= last; k++) if (wanted(k)) return true;
    return false;
  };
  return {
    perLevel,
    last,
    /** Whether some band of `level` under `prefix` is wanted (the approximation: when a later image is). */
    below(level: number, prefix: string): boolean {
      const free = axes.length - prefix.length;
      const high = bandCode(prefix) * 2 ** free;
      for (let tail = 0; tail < 2 ** free; tail++) {
        const code = high + tail;
        const needed = code === 0 ? (level < settings.level ? laterWanted(level) : wanted(last)) : wanted((level - 1) * perLevel + code - 1);
        if (needed) return true;
      }
      return false;
    },
  };
}

/** One pywt.swtn level: the sub-bands `need` asks for, depth first in pywt's key order ('LLL', 'LLH', 'LHL', …, 'HHH'). */
function* subBands(block: Block, axes: number[], lo: LineFilter, hi: LineFilter, need: (prefix: string) => boolean, prefix = ''): Generator<[string, Block]> {
  if (axes.length === 0) {
    yield [prefix, block];
    return;
  }
  const [axis, ...rest] = axes;
  const low = need(`${prefix}L`);
  const high = need(`${prefix}H`);
  if (!low && !high) return;
  const out = alongAxis(block, axis, 0, block.size[axis] - 1, low && high ? [lo, hi] : [low ? lo : hi]);
  if (low) yield* subBands(out[0], rest, lo, hi, need, `${prefix}L`);
  if (high) yield* subBands(out[low ? 1 : 0], rest, lo, hi, need, `${prefix}H`);
}

/**
 * getWaveletImage: the detail sub-bands of every level from start_level on, then the last approximation; with
 * `wanted`, only the images at those positions (each carries its position as `index`).
 */
export function* waveletImages(
  image: Volume,
  settings: WaveletSettings,
  region?: IndexBox,
  wanted: (index: number) => boolean = () => true,
): Generator<RegionImage & { name: string; index: number }> {
  checkWaveletDepth(image, settings);
  const bank = waveletBank(settings.wavelet);
  const box = resolveRegion(image, region);
  const axes = waveletAxes(settings);
  const levels = settings.start_level + settings.level;
  const taps = bank.lo.length;
  const windows = [0, 1, 2].map((a) =>
    axisWindow(image.geometry.size[a], box.lower[a], box.upper[a], axes.includes(a), levels * (taps / 2 - 1), (levels * taps) / 2),
  );
  const at = windows.map((w) => w.cropAt) as Vec3;
  const extent = boxSize(box);
  const lo = periodicFilter(bank.lo);
  const hi = periodicFilter(bank.hi);
  const approxName = 'L'.repeat(axes.length);
  const bands = wantedBands(settings, axes, wanted);

  let data = gather(image, windows);
  for (let i = 0; i < settings.start_level; i++) {
    for (const a of axes) data = alongAxis(data, a, 0, data.size[a] - 1, [lo])[0];
  }
  for (let index = 1; index <= settings.level; index++) {
    let approx: Block | null = null;
    for (const [name, band] of subBands(data, axes, lo, hi, (prefix) => bands.below(index, prefix))) {
      if (name === approxName) approx = band;
      else {
        const position = (index - 1) * bands.perLevel + bandCode(name) - 1;
        yield { name: waveletImageName(index, name), index: position, ...regionImage(image, box, crop(band, at, extent)) };
      }
    }
    if (!approx) return; // no later image wanted
    data = approx;
  }
  yield { name: waveletImageName(settings.level, approxName), index: bands.last, ...regionImage(image, box, crop(data, at, extent)) };
}
