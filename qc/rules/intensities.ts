// Rules on each image's voxel values: all finite, not one flat value, no slice dropped from the middle of the stack.
import { finding } from './finding';
import type { ImageRule, IntensityStats, ResolvedQcProfile } from '../types';

export const nonFiniteVoxels: ImageRule = {
  codes: ['non-finite-voxels'],
  check({ modality, intensities }) {
    return intensities && intensities.nonFinite > 0
      ? [finding('non-finite-voxels', `${modality}: ${intensities.nonFinite} voxels are NaN or infinite`, modality)]
      : [];
  },
};

/** At least one finite voxel, and the finite voxels span at most qc.constantImageMaxRange. */
function isConstant(stats: IntensityStats, profile: ResolvedQcProfile): boolean {
  return stats.min <= stats.max && stats.max - stats.min <= profile.constantImageMaxRange;
}

export const constantImage: ImageRule = {
  codes: ['constant-image'],
  check({ modality, intensities }, { profile }) {
    if (!intensities || !isConstant(intensities, profile)) return [];
    const { min, max } = intensities;
    const message =
      min === max ? `${modality}: every voxel has the same value (${min})` : `${modality}: every voxel lies between ${min} and ${max} (near-constant image)`;
    return [finding('constant-image', message, modality)];
  },
};

/**
 * A slice is blank when its finite voxels span at most qc.blankSliceMaxRange. A slice without any finite voxel is
 * blank; one whose first voxel is NaN or infinite but that holds finite voxels is not.
 */
function isBlank(stats: IntensityStats, z: number, profile: ResolvedQcProfile): boolean {
  const lo = stats.sliceMin[z];
  const hi = stats.sliceMax[z];
  if (lo > hi) return true;
  return stats.sliceFirstFinite[z] === 1 && hi - lo <= profile.blankSliceMaxRange;
}

/** A blank slice between non-blank neighbours is a dropped slice, not anatomy. A constant image is reported as such instead. */
export const missingSlice: ImageRule = {
  codes: ['missing-slice'],
  check({ modality, intensities }, { profile }) {
    if (!intensities || isConstant(intensities, profile)) return [];
    const nz = intensities.sliceMin.length;
    const blank = (z: number) => isBlank(intensities, z, profile);
    const blanks: number[] = [];
    for (let z = 1; z < nz - 1; z++) if (blank(z) && !blank(z - 1) && !blank(z + 1)) blanks.push(z);
    if (!blanks.length) return [];
    return [
      finding(
        'missing-slice',
        `${modality}: slice${blanks.length > 1 ? 's' : ''} ${blanks.join(', ')} blank between non-blank neighbours (missing slice)`,
        modality,
      ),
    ];
  },
};
