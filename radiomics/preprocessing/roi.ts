// Builds the ROI every feature class reads: label selected, cropped to its box (+ padDistance), intensities as
// Float64, and gray levels discretised with PyRadiomics' binning. Image and mask must share a grid (see maskGeometry).
import { RadiomicsInputError } from '../../imaging/errors';
import type { Volume } from '../../imaging/image';
import type { FeatureSettings, Roi } from '../features/types';
import { padBox } from './boundingBox';
import { boxGeometry, copyBox, copyLabelBox } from './crop';
import { discretise } from './discretise';
import { labelBoundingBox } from './label';

export interface RoiOptions {
  label: number;
  /** Voxels of context kept around the ROI's box (clipped to the image); PyRadiomics uses 0 for feature classes. */
  padDistance: number;
  settings: FeatureSettings;
}

function sizeText(v: Volume): string {
  return `${v.geometry.size[0]}×${v.geometry.size[1]}×${v.geometry.size[2]}`;
}

/** Throws unless image and mask have the same number of voxels along every axis. */
export function assertSameSize(image: Volume, mask: Volume): void {
  const a = image.geometry.size;
  const b = mask.geometry.size;
  if (a[0] !== b[0] || a[1] !== b[1] || a[2] !== b[2]) {
    throw new RadiomicsInputError(`mask size ${sizeText(mask)} differs from image size ${sizeText(image)}`, {
      file: mask.source,
      field: 'size',
      expected: `the image's size ${sizeText(image)} (or correctMask: true to resample the mask)`,
    });
  }
}

export function buildRoi(image: Volume, mask: Volume, options: RoiOptions): Roi {
  assertSameSize(image, mask);
  const box = labelBoundingBox(mask, options.label);
  const size = image.geometry.size;
  const { lower, upper } = padBox(box, Math.max(0, Math.floor(options.padDistance)), size);
  const geometry = boxGeometry(image.geometry, lower, upper);
  const n = geometry.size[0] * geometry.size[1] * geometry.size[2];

  // Float64 intensities that are already the box are read in place (nothing writes a ROI's intensities).
  const whole = n === image.data.length && image.data instanceof Float64Array;
  const intensities = whole ? (image.data as Float64Array) : new Float64Array(n);
  const roiMask = new Uint8Array(n);
  if (!whole) copyBox(image.data, size, lower, upper, intensities);
  copyLabelBox(mask.data, size, lower, upper, options.label, roiMask);

  const bad = firstNonFinite(intensities, roiMask);
  if (bad >= 0) {
    throw new RadiomicsInputError(`ROI contains a non-finite intensity (${intensities[bad]})`, {
      file: image.source,
      field: 'intensity',
      expected: 'finite intensities inside the ROI',
    });
  }

  const { binned } = discretise(intensities, roiMask, options.settings);
  return { geometry, image: intensities, mask: roiMask, binned, voxelCount: box.voxelCount, settings: options.settings };
}

/** Index of the first ROI voxel whose intensity is NaN or infinite, or −1 (a function of its own: optimised once). */
function firstNonFinite(intensities: Float64Array, roiMask: Uint8Array): number {
  for (let i = 0; i < roiMask.length; i++) if (roiMask[i] !== 0 && !Number.isFinite(intensities[i])) return i;
  return -1;
}
