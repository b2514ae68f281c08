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

  const intensities = new Float64Array(n);
  const roiMask = new Uint8Array(n);
  copyBox(image.data, size, lower, upper, intensities);
  copyLabelBox(mask.data, size, lower, upper, options.label, roiMask);

  for (let i = 0; i < n; i++) {
    if (roiMask[i] !== 0 && !Number.isFinite(intensities[i])) {
      throw new RadiomicsInputError(`ROI contains a non-finite intensity (${intensities[i]})`, {
        file: image.source,
        field: 'intensity',
        expected: 'finite intensities inside the ROI',
      });
    }
  }

  const { binned } = discretise(intensities, roiMask, options.settings);
  return { geometry, image: intensities, mask: roiMask, binned, voxelCount: box.voxelCount, settings: options.settings };
}
