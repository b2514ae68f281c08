// Image/mask geometry check (PyRadiomics checkMask): a mask must lie on the image's grid within geometryTolerance;
// otherwise it is an error, unless correctMask asks to resample it onto the image grid with nearest neighbour
// (PyRadiomics _correctMask), which needs the ROI to lie inside the image's physical extent (_checkROI).
import { RadiomicsInputError } from '../../imaging/errors';
import { indexToPhysical, type Geometry, type Vec3, type Volume } from '../../imaging/image';
import { labelBoundingBox } from './label';
import { physicalToIndex, resampleVolume } from '../../imaging/resample';

export interface MaskGeometryOptions {
  label: number;
  /** Resample a mismatching mask onto the image grid instead of failing (PyRadiomics correctMask). */
  correctMask?: boolean;
  /** ITK's coordinate/direction tolerance (PyRadiomics geometryTolerance); ITK's default is 1e-6. */
  geometryTolerance?: number | null;
}

function vecText(v: readonly number[]): string {
  return `(${v.map((x) => +x.toPrecision(8)).join(', ')})`;
}

function sizeText(g: Geometry): string {
  return `${g.size[0]}×${g.size[1]}×${g.size[2]}`;
}

/**
 * Why two grids differ under ITK's rule (origin and spacing within tolerance × the image's first spacing,
 * direction within tolerance), or null when they match.
 */
export function geometryMismatch(image: Geometry, mask: Geometry, tolerance = 1e-6): string | null {
  if (image.size.some((n, d) => n !== mask.size[d])) return `size ${sizeText(mask)} differs from the image's ${sizeText(image)}`;
  const coordTol = Math.abs(tolerance * image.spacing[0]);
  if (image.spacing.some((s, d) => Math.abs(s - mask.spacing[d]) > coordTol)) {
    return `spacing ${vecText(mask.spacing)} differs from the image's ${vecText(image.spacing)}`;
  }
  if (image.origin.some((o, d) => Math.abs(o - mask.origin[d]) > coordTol)) {
    return `origin ${vecText(mask.origin)} differs from the image's ${vecText(image.origin)}`;
  }
  if (image.direction.some((v, i) => Math.abs(v - mask.direction[i]) > tolerance)) {
    return `direction ${vecText(mask.direction)} differs from the image's ${vecText(image.direction)}`;
  }
  return null;
}

/**
 * Throws unless the label's voxels (corners included) lie inside the image's physical extent, within 1e-3 of an
 * index (PyRadiomics _checkROI). Returns the label's box in mask indices.
 */
export function checkRoiInsideImage(image: Geometry, mask: Volume, label: number): { lower: Vec3; size: Vec3 } {
  const box = labelBoundingBox(mask, label);
  const size: Vec3 = [0, 1, 2].map((d) => box.upper[d] - box.lower[d] + 1) as Vec3;
  const lo = indexToPhysical(mask.geometry, box.lower[0] - 0.5, box.lower[1] - 0.5, box.lower[2] - 0.5);
  const hi = indexToPhysical(mask.geometry, box.lower[0] + size[0] - 0.5, box.lower[1] + size[1] - 0.5, box.lower[2] + size[2] - 0.5);
  const a = physicalToIndex(image, lo);
  const b = physicalToIndex(image, hi);
  const tolerance = 1e-3;
  for (let d = 0; d < 3; d++) {
    if (Math.min(a[d], b[d]) < -0.5 - tolerance || Math.max(a[d], b[d]) > image.size[d] - 0.5 + tolerance) {
      throw new RadiomicsInputError(
        `Bounding box of ROI is larger than image space: ROI bounds (image index space) ${vecText(a)} – ${vecText(b)}, image size ${sizeText(image)}`,
        { file: mask.source, field: 'mask', expected: 'an ROI inside the physical extent of the image' },
      );
    }
  }
  return { lower: box.lower, size };
}

/**
 * The mask on the image's grid: the mask itself when the geometries match, a nearest-neighbour resampled copy
 * when they do not and correctMask is set, an error naming both geometries otherwise.
 */
export function alignMaskToImage(image: Volume, mask: Volume, options: MaskGeometryOptions): Volume {
  const tolerance = options.geometryTolerance ?? 1e-6;
  const mismatch = geometryMismatch(image.geometry, mask.geometry, tolerance);
  if (mismatch === null) return mask;
  if (!options.correctMask) {
    throw new RadiomicsInputError(`Image/Mask geometry mismatch: mask ${mismatch}. Potential fix: enable correctMask, or increase geometryTolerance`, {
      file: mask.source,
      field: 'geometry',
      expected: `the image's grid (size ${sizeText(image.geometry)})`,
    });
  }
  checkRoiInsideImage(image.geometry, mask, options.label);
  const corrected = resampleVolume(mask, image.geometry, 'sitkNearestNeighbor');
  labelBoundingBox(corrected, options.label); // the label must survive resampling (PyRadiomics re-runs its checks)
  return corrected;
}
