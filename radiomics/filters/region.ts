// The part of a filtered image a caller reads. Feature classes see only the ROI's bounding box, so filters compute
// that box (plus whatever context their kernels need) instead of the whole volume, and return it with its offset.
import { RadiomicsInputError } from '../../imaging/errors';
import type { Vec3, Volume, VoxelArray } from '../../imaging/image';
import { boxGeometry } from '../preprocessing/crop';

/** An inclusive voxel-index box on the filter's input grid. */
export interface IndexBox {
  lower: Vec3;
  upper: Vec3;
}

/** A filter's output: `image` covers `box` of the input grid (its geometry is that box's). */
export interface RegionImage {
  image: Volume;
  /** Index of the image's first voxel on the input grid. */
  offset: Vec3;
}

/** The requested box, checked against the image; the whole image when none is given. */
export function resolveRegion(image: Volume, region: IndexBox | undefined): IndexBox {
  const size = image.geometry.size;
  if (!region) return { lower: [0, 0, 0], upper: [size[0] - 1, size[1] - 1, size[2] - 1] };
  for (let a = 0; a < 3; a++) {
    if (!(region.lower[a] >= 0 && region.lower[a] <= region.upper[a] && region.upper[a] < size[a])) {
      throw new RadiomicsInputError(`filter region [${region.lower}]–[${region.upper}] is not inside the image (size ${size.join('×')})`, {
        file: image.source,
        field: 'region',
        expected: 'a box of voxel indices inside the image',
      });
    }
  }
  return region;
}

export function boxSize(box: IndexBox): Vec3 {
  return [box.upper[0] - box.lower[0] + 1, box.upper[1] - box.lower[1] + 1, box.upper[2] - box.lower[2] + 1];
}

/** Wraps the box's voxels (x fastest) as a volume placed where the box lies in `image`. */
export function regionImage(image: Volume, box: IndexBox, data: VoxelArray): RegionImage {
  return {
    image: { geometry: boxGeometry(image.geometry, box.lower, box.upper), data, source: image.source },
    offset: [...box.lower] as Vec3,
  };
}

/** SimpleITK's real output type for a filter of this input: float32, or float64 for float64 input. */
export function realArrayFor(input: VoxelArray, n: number): Float32Array | Float64Array {
  return input instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}
