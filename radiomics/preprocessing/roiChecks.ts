// ROI size checks before extraction (PyRadiomics checkMask): a single voxel is always refused, an ROI spanning fewer
// axes than minimumROIDimensions or with no more voxels than minimumROISize too, with PyRadiomics' messages.
import { RadiomicsInputError } from '../../imaging/errors';
import { boxExtent, type BoundingBox } from './boundingBox';

export interface RoiCheckSettings {
  /** 1, 2 or 3: axes along which the ROI must be more than one voxel wide (PyRadiomics default 2). */
  minimumROIDimensions?: number | null;
  /** The ROI must have more voxels than this (PyRadiomics skips the test when null). */
  minimumROISize?: number | null;
}

export function checkRoiSize(box: BoundingBox, settings: RoiCheckSettings, file?: string): void {
  const minDims = settings.minimumROIDimensions ?? 2;
  const ndims = boxExtent(box).filter((n) => n > 1).length;
  if (ndims === 0) {
    throw new RadiomicsInputError('mask only contains 1 segmented voxel! Cannot extract features for a single voxel', {
      file,
      field: 'mask',
      expected: 'an ROI of more than one voxel',
    });
  }
  if (ndims < minDims) {
    throw new RadiomicsInputError(`mask has too few dimensions (number of dimensions ${ndims}, minimum required ${minDims})`, {
      file,
      field: 'minimumROIDimensions',
      expected: `an ROI spanning at least ${minDims} axes`,
    });
  }
  const minSize = settings.minimumROISize;
  if (minSize !== null && minSize !== undefined && box.voxelCount <= minSize) {
    throw new RadiomicsInputError(`Size of the ROI is too small (minimum size: ${minSize}, ROI size: ${box.voxelCount})`, {
      file,
      field: 'minimumROISize',
      expected: `more than ${minSize} voxels`,
    });
  }
}
