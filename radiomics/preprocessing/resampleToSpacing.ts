// Resampling image and mask to resampledPixelSpacing on PyRadiomics' grid (imageoperations.resampleImage): the grid
// is corner-aligned with the mask (voxel corners of old and new grids coincide at the mask origin's corner), covers
// only the label's bounding box + padDistance (new voxels), and keeps the mask's direction. Spacing 0 keeps an axis,
// and an axis the label spans with one voxel is not resampled. The image uses the chosen interpolator, the mask
// always nearest neighbour. IBSI mode uses IBSI's centre-aligned grid instead (ibsi/preprocess.ts).
import { RadiomicsInputError } from '../../imaging/errors';
import type { Geometry, Vec3, Volume } from '../../imaging/image';
import { padBox } from './boundingBox';
import { cropVolume } from './crop';
import { labelBoundingBox } from './label';
import { checkRoiInsideImage } from './maskGeometry';
import { itkIndexToPhysical, resampleVolume, type Interpolator } from '../../imaging/resample';

export interface ResampleSettings {
  label: number;
  resampledPixelSpacing: readonly number[];
  interpolator: Interpolator;
  /** Voxels (of the new grid) kept around the label's box (PyRadiomics default 5). */
  padDistance: number;
}

/** numpy.allclose(a, b) with its default tolerances (rtol 1e-5, atol 1e-8). */
function allClose(a: readonly number[], b: readonly number[]): boolean {
  return a.every((v, i) => Math.abs(v - b[i]) <= 1e-8 + 1e-5 * Math.abs(b[i]));
}

function checkSpacing(spacing: readonly number[]): void {
  if (!Array.isArray(spacing) || spacing.length !== 3 || spacing.some((s) => typeof s !== 'number' || !(s >= 0) || !Number.isFinite(s))) {
    throw new RadiomicsInputError(`resampledPixelSpacing ${JSON.stringify(spacing)} is not three non-negative numbers`, {
      field: 'resampledPixelSpacing',
      expected: 'three numbers ≥ 0 (0 keeps that axis)',
    });
  }
}

/** Spacing PyRadiomics actually uses: 0 → the mask's, and the mask's along axes where the label is one voxel thick. */
export function effectiveSpacing(mask: Geometry, labelBoxSize: Vec3, requested: readonly number[]): Vec3 {
  checkSpacing(requested);
  return [0, 1, 2].map((d) => (requested[d] === 0 || labelBoxSize[d] === 1 ? mask.spacing[d] : requested[d])) as Vec3;
}

/**
 * The new grid: size, origin (corner-aligned with the mask's grid) and direction, covering the label's box
 * padded by padDistance new voxels and clipped to the mask's extent.
 */
export function resampledGrid(mask: Volume, label: number, requested: readonly number[], padDistance: number): Geometry {
  const box = labelBoundingBox(mask, label);
  const bbSize: Vec3 = [0, 1, 2].map((d) => box.upper[d] - box.lower[d] + 1) as Vec3;
  const spacing = effectiveSpacing(mask.geometry, bbSize, requested);
  const maskSpacing = mask.geometry.spacing;
  const size: Vec3 = [0, 0, 0];
  const originIndex: Vec3 = [0, 0, 0];
  for (let d = 0; d < 3; d++) {
    const ratio = maskSpacing[d] / spacing[d];
    // floor / ceil so the whole label is covered; the extra 0.5 guards against loss when upsampling
    let lower = Math.floor((box.lower[d] - 0.5) * ratio - padDistance);
    let upper = Math.ceil((box.lower[d] + bbSize[d] - 0.5) * ratio + padDistance);
    const maxUpper = Math.ceil(mask.geometry.size[d] * ratio) - 1;
    if (lower < 0) lower = 0;
    if (upper > maxUpper) upper = maxUpper;
    size[d] = Math.trunc(upper - lower + 1);
    // corner alignment: the new voxel 0 centre sits half a new voxel from the old voxel 0 corner
    originIndex[d] = (0.5 * (spacing[d] - maskSpacing[d])) / maskSpacing[d] + lower / ratio;
  }
  return {
    size,
    spacing,
    origin: itkIndexToPhysical(mask.geometry, originIndex[0], originIndex[1], originIndex[2]),
    direction: [...mask.geometry.direction] as Geometry['direction'],
  };
}

/**
 * Image and mask on PyRadiomics' resampled grid. When the requested spacing equals the image's, only the mask
 * is brought onto the image grid (nearest neighbour) and both are cropped to the label's box + padDistance.
 */
export function resampleImageAndMask(image: Volume, mask: Volume, settings: ResampleSettings): { image: Volume; mask: Volume } {
  const roiBox = checkRoiInsideImage(image.geometry, mask, settings.label);
  const spacing = effectiveSpacing(mask.geometry, roiBox.size, settings.resampledPixelSpacing);
  if (allClose(image.geometry.spacing, spacing)) {
    const onImageGrid = resampleVolume(mask, image.geometry, 'sitkNearestNeighbor');
    const box = labelBoundingBox(onImageGrid, settings.label);
    const { lower, upper } = padBox(box, settings.padDistance, image.geometry.size);
    return { image: cropVolume(image, lower, upper), mask: cropVolume(onImageGrid, lower, upper) };
  }
  const grid = resampledGrid(mask, settings.label, settings.resampledPixelSpacing, settings.padDistance);
  return {
    image: resampleVolume(image, grid, settings.interpolator),
    mask: resampleVolume(mask, grid, 'sitkNearestNeighbor'),
  };
}
