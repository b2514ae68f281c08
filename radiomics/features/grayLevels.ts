// The gray levels a ROI actually holds after discretisation. PyRadiomics removes the absent levels from every texture
// matrix (base._applyBinning: grayLevels = unique levels, Ng = the largest); building the matrices on a compact
// index gives the same result without allocating rows for absent levels.
import { RadiomicsInputError } from '../../imaging/errors';
import { voxelCount } from '../../imaging/image';
import type { Roi } from './types';

export interface GrayLevels {
  /** Present gray levels, ascending (PyRadiomics coefficients['grayLevels']). */
  values: Float64Array;
  /** Largest gray level in the ROI (PyRadiomics coefficients['Ng'], used by GLCM Idn/Idmn and sum/difference ranges). */
  maxLevel: number;
  /** Gray level → position in `values`, −1 for absent levels; length maxLevel + 1. */
  indexOf: Int32Array;
  /** Voxels per present gray level, aligned with `values`. */
  counts: Float64Array;
}

// The five texture classes read the same ROI: list its gray levels once per ROI object.
const cache = new WeakMap<Roi, GrayLevels>();

/** Checks the ROI a texture class is given and lists its gray levels; `className` names the class in errors. */
export function roiGrayLevels(roi: Roi, className: string): GrayLevels {
  let levels = cache.get(roi);
  if (!levels) {
    levels = scanGrayLevels(roi, className);
    cache.set(roi, levels);
  }
  return levels;
}

function scanGrayLevels(roi: Roi, className: string): GrayLevels {
  const n = voxelCount(roi.geometry);
  const { binned } = roi;
  if (binned.length !== n || roi.mask.length !== n) {
    throw new RadiomicsInputError(`${className}: ROI arrays do not match the box size ${roi.geometry.size.join('×')}`, {
      field: 'roi.binned',
      expected: `${n} voxels`,
    });
  }
  let maxLevel = 0;
  let inRoi = 0;
  for (let i = 0; i < n; i++) {
    const g = binned[i];
    if (g < 0) {
      throw new RadiomicsInputError(`${className}: negative gray level ${g} at voxel ${i}`, {
        field: 'roi.binned',
        expected: 'gray levels 1..Ng inside the ROI and 0 outside',
      });
    }
    if (g > 0) {
      inRoi++;
      if (g > maxLevel) maxLevel = g;
    }
  }
  if (inRoi === 0) {
    throw new RadiomicsInputError(`${className}: the ROI has no voxel`, { field: 'roi.binned', expected: 'at least one ROI voxel' });
  }
  if (inRoi !== roi.voxelCount) {
    throw new RadiomicsInputError(`${className}: ${inRoi} voxels carry a gray level but voxelCount is ${roi.voxelCount}`, {
      field: 'roi.voxelCount',
      expected: 'the number of voxels with a gray level ≥ 1',
    });
  }
  const perLevel = new Float64Array(maxLevel + 1);
  for (let i = 0; i < n; i++) perLevel[binned[i]]++;
  const indexOf = new Int32Array(maxLevel + 1).fill(-1);
  let present = 0;
  for (let g = 1; g <= maxLevel; g++) if (perLevel[g] > 0) indexOf[g] = present++;
  const values = new Float64Array(present);
  const counts = new Float64Array(present);
  for (let g = 1; g <= maxLevel; g++) {
    const k = indexOf[g];
    if (k >= 0) {
      values[k] = g;
      counts[k] = perLevel[g];
    }
  }
  return { values, maxLevel, indexOf, counts };
}
