// Voxel-wise intensity filters as PyRadiomics' imageoperations computes them (float64), each scaled by the largest
// absolute intensity m of the whole input image so that the result keeps the original's range.
import { RadiomicsInputError } from '../../imaging/errors';
import type { Volume } from '../../imaging/image';
import { boxSize, regionImage, resolveRegion, type IndexBox, type RegionImage } from './region';

export type IntensityFilterName = 'square' | 'squareroot' | 'logarithm' | 'exponential';

/** max |x| over the image; these filters divide by it, so an all-zero (or non-finite) image is refused. */
function largestMagnitude(image: Volume, filter: IntensityFilterName): number {
  const data = image.data;
  let m = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]);
    if (!(a <= m)) m = a;
  }
  if (!Number.isFinite(m) || m === 0) {
    throw new RadiomicsInputError(`the ${filter} filter scales by the largest absolute intensity, which is ${m}`, {
      file: image.source,
      field: 'intensity',
      expected: 'finite intensities, not all zero',
    });
  }
  return m;
}

/** Per-voxel map for the image's m (getSquareImage, getSquareRootImage, getLogarithmImage, getExponentialImage). */
function voxelMap(filter: IntensityFilterName, m: number): (x: number) => number {
  switch (filter) {
    case 'square': {
      // f(x) = (c·x)², c = 1/√m
      const c = 1 / Math.sqrt(m);
      return (x) => (c * x) ** 2;
    }
    case 'squareroot':
      // f(x) = √(m·x) for x > 0, −√(−m·x) for x < 0
      return (x) => (x > 0 ? Math.sqrt(x * m) : x < 0 ? -Math.sqrt(-x * m) : x);
    case 'logarithm': {
      // f(x) = ±log(|x| + 1) · m / max|log(|x| + 1)|, and max|log(|x| + 1)| = log(m + 1) (log is increasing)
      const scale = m / Math.log(m + 1);
      return (x) => (x > 0 ? Math.log(x + 1) : x < 0 ? -Math.log(-(x - 1)) : x) * scale;
    }
    case 'exponential': {
      // f(x) = e^(c·x), c = log(m)/m
      const c = Math.log(m) / m;
      return (x) => Math.exp(c * x);
    }
  }
}

/** The filtered image over `region` (whole image by default), float64 as numpy computes it. */
export function intensityImage(image: Volume, filter: IntensityFilterName, region?: IndexBox): RegionImage & { name: string } {
  const m = largestMagnitude(image, filter);
  const f = voxelMap(filter, m);
  const box = resolveRegion(image, region);
  const extent = boxSize(box);
  const [nx, ny] = image.geometry.size;
  const out = new Float64Array(extent[0] * extent[1] * extent[2]);
  const data = image.data;
  let o = 0;
  for (let z = box.lower[2]; z <= box.upper[2]; z++) {
    for (let y = box.lower[1]; y <= box.upper[1]; y++) {
      const row = nx * (y + ny * z);
      for (let x = box.lower[0]; x <= box.upper[0]; x++) out[o++] = f(data[row + x]);
    }
  }
  return { name: filter, ...regionImage(image, box, out) };
}
