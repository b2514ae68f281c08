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
import type { Block } from './axisPass';
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

/**
 * pywt's periodic stationary convolution at level 1 along `axis` of every line of `block`, for each filter:
 * out[i] = Σ_k h[k] · x[(i + F/2 − k) mod n], summed from k = 0 up. Lines are not gathered: along y and z each
 * output row (an x row, or a whole x–y plane for z) is a weighted sum of F input rows, read contiguously, and all
 * filters share those reads; along x each row is filtered in place.
 */
function periodicPass(block: Block, axis: number, filters: Float64Array[]): Block[] {
  const { data, size } = block;
  const [nx, ny, nz] = size;
  const n = size[axis];
  const taps = filters[0].length;
  const shift = taps / 2;
  const outputs = filters.map(() => new Float64Array(data.length));
  // Input position of tap k for output i, wrapped periodically.
  const source = (i: number, k: number) => (((i + shift - k) % n) + n) % n;
  // The loops are small functions called per row: each is optimised once, where loops inside this function would be
  // compiled again at every pass (on-stack replacement) and thrown away when the next loop was reached.
  if (axis === 0) {
    const at = Int32Array.from({ length: nx * taps }, (_, t) => source(Math.floor(t / taps), t % taps));
    for (let row = 0; row < ny * nz; row++) {
      for (let f = 0; f < filters.length; f++) filterRow(data, outputs[f], filters[f], row * nx, nx, at);
    }
    return outputs.map((d) => ({ data: d, size }));
  }
  // Along y: x rows of each plane; along z: whole planes. Either way a row is contiguous.
  const stride = axis === 1 ? nx : nx * ny;
  const blocks = axis === 1 ? nz : 1;
  const rows = new Int32Array(taps);
  for (let b = 0; b < blocks; b++) {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < taps; k++) rows[k] = b * nx * ny + source(i, k) * stride;
      const at = b * nx * ny + i * stride;
      for (let f = 0; f < filters.length; f++) {
        if (taps === 6) sumRows6(data, outputs[f], filters[f], rows, at, stride);
        else sumRows(data, outputs[f], filters[f], rows, at, stride);
      }
    }
  }
  return outputs.map((d) => ({ data: d, size }));
}

/**
 * periodicPass along y or z (`axis` 1 or 2) with each output cropped to the region of `extent` voxels from `at`:
 * the region alone is computed, straight into its own array, each voxel's sum the same as periodicPass's.
 */
function periodicPassRegion(block: Block, axis: 1 | 2, filters: Float64Array[], at: Vec3, extent: Vec3): Float64Array[] {
  const { data, size } = block;
  const [nx, ny] = size;
  const n = size[axis];
  const taps = filters[0].length;
  const shift = taps / 2;
  const source = (i: number, k: number) => (((i + shift - k) % n) + n) % n;
  const outputs = filters.map(() => new Float64Array(extent[0] * extent[1] * extent[2]));
  const rows = new Int32Array(taps);
  for (let z = 0; z < extent[2]; z++) {
    for (let y = 0; y < extent[1]; y++) {
      const [yy, zz] = [at[1] + y, at[2] + z];
      // the output row's input rows: the tap's line along the filtered axis, the row's own place along the others
      for (let k = 0; k < taps; k++) rows[k] = at[0] + nx * (axis === 2 ? yy + ny * source(zz, k) : source(yy, k) + ny * zz);
      const to = extent[0] * (y + extent[1] * z);
      for (let f = 0; f < filters.length; f++) {
        if (taps === 6) sumRows6(data, outputs[f], filters[f], rows, to, extent[0]);
        else sumRows(data, outputs[f], filters[f], rows, to, extent[0]);
      }
    }
  }
  return outputs;
}

/** One x row filtered along x: out[base + i] = Σ_k h[k] · data[base + at[i·F + k]]. */
function filterRow(data: Block['data'], out: Float64Array, h: Float64Array, base: number, nx: number, at: Int32Array): void {
  const taps = h.length;
  for (let i = 0, t = 0; i < nx; i++) {
    let sum = 0;
    for (let k = 0; k < taps; k++, t++) sum += h[k] * data[base + at[t]];
    out[base + i] = sum;
  }
}

/** One output row of `length` voxels from `at`: Σ_k h[k] · (input row starting at rows[k]). */
function sumRows(data: Block['data'], out: Float64Array, h: Float64Array, rows: Int32Array, at: number, length: number): void {
  for (let x = 0; x < length; x++) {
    let sum = 0;
    for (let k = 0; k < h.length; k++) sum += h[k] * data[rows[k] + x];
    out[at + x] = sum;
  }
}

/** sumRows for coif1's 6 taps (PyRadiomics' default), unrolled: the same sum in the same order. */
function sumRows6(data: Block['data'], out: Float64Array, h: Float64Array, rows: Int32Array, at: number, length: number): void {
  const [h0, h1, h2, h3, h4, h5] = h;
  const [r0, r1, r2, r3, r4, r5] = rows;
  for (let x = 0; x < length; x++) {
    out[at + x] = 0 + h0 * data[r0 + x] + h1 * data[r1 + x] + h2 * data[r2 + x] + h3 * data[r3 + x] + h4 * data[r4 + x] + h5 * data[r5 + x];
  }
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

/** A block handed down the transform: taken (and the holder emptied) by the step that reads it. */
interface Held {
  block: Block | null;
}

function take(held: Held): Block {
  const block = held.block!;
  held.block = null;
  return block;
}

/** The part of a level's blocks the caller reads: from `at`, `extent` voxels. */
interface Region {
  at: Vec3;
  extent: Vec3;
}

/**
 * One pywt.swtn level: the sub-bands `need` asks for, depth first in pywt's key order ('LLL', 'LLH', 'LHL', …, 'HHH').
 * Blocks travel in holders that each step empties as it reads them, so that a pass's input is freed once its
 * outputs exist and a sub-band once its reader has cropped it: a level holds a few blocks at a time, not every one.
 * The last pass of sub-bands that `region` says are read in a region only (all but an approximation that feeds the
 * next level) computes that region alone, and yields it `cropped`.
 */
function* subBands(
  input: Held,
  axes: number[],
  lo: Float64Array,
  hi: Float64Array,
  need: (prefix: string) => boolean,
  region: (name: string) => Region | null,
  prefix = '',
): Generator<{ name: string; cropped: boolean } & Held> {
  if (axes.length === 0) {
    yield { name: prefix, cropped: false, block: take(input) };
    return;
  }
  const [axis, ...rest] = axes;
  const low = need(`${prefix}L`);
  const high = need(`${prefix}H`);
  if (!low && !high) return;
  const filters = low && high ? [lo, hi] : [low ? lo : hi];
  const names = (low && high ? ['L', 'H'] : [low ? 'L' : 'H']).map((c) => `${prefix}${c}`);
  const regions = names.map(region);
  const last = rest.length === 0 && axis !== 0 ? regions[0] : null;
  if (last && regions.every((r) => r !== null)) {
    const bands = periodicPassRegion(take(input), axis as 1 | 2, filters, last.at, last.extent).map((data, f) => ({
      name: names[f],
      cropped: true,
      block: { data, size: last.extent } as Block | null,
    }));
    for (const band of bands) yield band;
    return;
  }
  const out = periodicPass(take(input), axis, filters).map((block): Held => ({ block }));
  if (low) yield* subBands(out[0], rest, lo, hi, need, region, `${prefix}L`);
  if (high) yield* subBands(out[low ? 1 : 0], rest, lo, hi, need, region, `${prefix}H`);
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
  const { lo, hi } = bank;
  const approxName = 'L'.repeat(axes.length);
  const bands = wantedBands(settings, axes, wanted);

  const level: Held = { block: gather(image, windows) };
  for (let i = 0; i < settings.start_level; i++) {
    for (const a of axes) level.block = periodicPass(take(level), a, [lo])[0];
  }
  const cropped = { at, extent };
  let approxCropped = false;
  for (let index = 1; index <= settings.level; index++) {
    let approx: Block | null = null;
    // every sub-band is read in the region only, but for an approximation that a later level transforms
    const region = (name: string) => (name === approxName && index < settings.level ? null : cropped);
    for (const band of subBands(level, axes, lo, hi, (prefix) => bands.below(index, prefix), region)) {
      if (band.name === approxName) {
        approxCropped = band.cropped;
        approx = take(band);
      } else {
        const position = (index - 1) * bands.perLevel + bandCode(band.name) - 1;
        const data = band.cropped ? take(band).data : crop(take(band), at, extent);
        yield { name: waveletImageName(index, band.name), index: position, ...regionImage(image, box, data) };
      }
    }
    if (!approx) return; // no later image wanted
    level.block = approx;
  }
  const last = approxCropped ? take(level).data : crop(take(level), at, extent);
  yield { name: waveletImageName(settings.level, approxName), index: bands.last, ...regionImage(image, box, last) };
}
