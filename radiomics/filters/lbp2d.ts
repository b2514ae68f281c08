// Local binary pattern per slice, as PyRadiomics' imageoperations.getLBP2DImage computes it with scikit-image's
// local_binary_pattern (skimage/feature/_texture.pyx _local_binary_pattern): P neighbours on a circle of radius R,
// sampled bilinearly (0 outside the slice), thresholded against the centre. The slices are the planes normal to
// force2Ddimension (numpy axis order: 0 = z); PyRadiomics writes the codes back into the image's own voxel type.
import type { Volume } from '../../imaging/image';
import type { Lbp2DMethod } from '../params/types';
import { boxSize, regionImage, resolveRegion, type IndexBox, type RegionImage } from './region';

export interface Lbp2DSettings {
  lbp2DRadius: number;
  lbp2DSamples: number;
  lbp2DMethod: Lbp2DMethod;
  force2Ddimension: number;
}

/** numpy.round(x, 5): scaled, rounded half to even, scaled back. */
function round5(x: number): number {
  const v = x * 1e5;
  const f = Math.floor(v);
  const d = v - f;
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return r / 1e5;
}

/** In-slice axes (rows, columns) after PyRadiomics' swapaxes(0, force2Ddimension) on the (z, y, x) array. */
function sliceAxes(force2Ddimension: number): [number, number] {
  if (force2Ddimension === 0) return [1, 0];
  if (force2Ddimension === 1) return [2, 0];
  return [1, 2];
}

/** The code of one pixel from its thresholded neighbours (and their values, for 'var'). */
function patternCode(method: Lbp2DMethod, signs: Uint8Array, texture: Float64Array, p: number): number {
  if (method === 'var') {
    // Biased variance of the sampled neighbours; NaN where they are all equal.
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < p; i++) {
      sum += texture[i];
      sq += texture[i] * texture[i];
    }
    const v = (sq - (sum * sum) / p) / p;
    return v !== 0 ? v : NaN;
  }
  if (method === 'uniform') {
    // Rotation-invariant uniform: the number of ones when the (non-circular) sequence changes at most twice, else P + 1.
    let changes = 0;
    for (let i = 0; i < p - 1; i++) if (signs[i] !== signs[i + 1]) changes++;
    if (changes > 2) return p + 1;
    let ones = 0;
    for (let i = 0; i < p; i++) ones += signs[i];
    return ones;
  }
  let code = 0;
  for (let i = 0; i < p; i++) code += signs[i] * 2 ** i;
  if (method === 'ror') {
    // The smallest of the P cyclic right rotations.
    let best = code;
    let r = code;
    for (let i = 1; i < p; i++) {
      r = (r >> 1) | ((r & 1) << (p - 1));
      if (r < best) best = r;
    }
    code = best;
  }
  return code;
}

export function lbp2DImage(image: Volume, settings: Lbp2DSettings, region?: IndexBox): RegionImage & { name: string } {
  const box = resolveRegion(image, region);
  const extent = boxSize(box);
  const size = image.geometry.size;
  const stride = [1, size[0], size[0] * size[1]];
  const [rowAxis, colAxis] = sliceAxes(settings.force2Ddimension);
  const rows = size[rowAxis];
  const cols = size[colAxis];
  const p = settings.lbp2DSamples;
  // The radius passes through a C float in scikit-image.
  const r = Math.fround(settings.lbp2DRadius);
  const rp = Float64Array.from({ length: p }, (_, i) => round5(-r * Math.sin((2 * Math.PI * i) / p)));
  const cp = Float64Array.from({ length: p }, (_, i) => round5(r * Math.cos((2 * Math.PI * i) / p)));
  const data = image.data;
  const rowStride = stride[rowAxis];
  const colStride = stride[colAxis];
  const texture = new Float64Array(p);
  const signs = new Uint8Array(p);
  const Ctor = data.constructor as new (n: number) => typeof data;
  const out = new Ctor(extent[0] * extent[1] * extent[2]);

  const pixel = (sliceBase: number, rr: number, cc: number): number =>
    rr < 0 || rr >= rows || cc < 0 || cc >= cols ? 0 : data[sliceBase + rr * rowStride + cc * colStride];

  const idx = [0, 0, 0];
  let o = 0;
  for (idx[2] = box.lower[2]; idx[2] <= box.upper[2]; idx[2]++) {
    for (idx[1] = box.lower[1]; idx[1] <= box.upper[1]; idx[1]++) {
      for (idx[0] = box.lower[0]; idx[0] <= box.upper[0]; idx[0]++) {
        const r0 = idx[rowAxis];
        const c0 = idx[colAxis];
        const centreIndex = idx[0] + stride[1] * idx[1] + stride[2] * idx[2];
        const sliceBase = centreIndex - r0 * rowStride - c0 * colStride;
        const centre = data[centreIndex];
        for (let i = 0; i < p; i++) {
          // skimage bilinear_interpolation, mode 'C' with cval 0.
          const rr = r0 + rp[i];
          const cc = c0 + cp[i];
          const minr = Math.floor(rr);
          const minc = Math.floor(cc);
          const maxr = Math.ceil(rr);
          const maxc = Math.ceil(cc);
          const dr = rr - minr;
          const dc = cc - minc;
          const top = (1 - dc) * pixel(sliceBase, minr, minc) + dc * pixel(sliceBase, minr, maxc);
          const bottom = (1 - dc) * pixel(sliceBase, maxr, minc) + dc * pixel(sliceBase, maxr, maxc);
          texture[i] = (1 - dr) * top + dr * bottom;
          signs[i] = texture[i] - centre >= 0 ? 1 : 0;
        }
        out[o++] = patternCode(settings.lbp2DMethod, signs, texture, p);
      }
    }
  }
  return { name: 'lbp-2D', ...regionImage(image, box, out) };
}
