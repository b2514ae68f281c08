// The QC rule list, in the order findings are reported: the scan set, then each image in turn, then the mask.
import { duplicateImage, modalityMissing } from './scanSet';
import { modalityTagMismatch, unreadable } from './file';
import { sliceCount, spacing } from './geometry';
import { constantImage, missingSlice, nonFiniteVoxels } from './intensities';
import { contourMissing, contourUnusable, maskDirection, maskEmpty, maskGrid, maskMissing, maskUnreadable, tumourVolume } from './mask';
import { mapFitFailures, mapOutOfRange, mapUnderivable } from './maps';
import type { ImageRule, ScanSetRule } from '../types';

export const SCAN_SET_RULES: readonly ScanSetRule[] = [modalityMissing, duplicateImage];

/** Run for each image; every rule but `unreadable` skips an image that could not be read. */
export const IMAGE_RULES: readonly ImageRule[] = [unreadable, spacing, sliceCount, nonFiniteVoxels, constantImage, missingSlice, modalityTagMismatch];

export const MASK_RULES: readonly ScanSetRule[] = [
  maskMissing,
  contourMissing,
  maskUnreadable,
  contourUnusable,
  maskEmpty,
  maskGrid,
  maskDirection,
  tumourVolume,
];

/** Derived maps: each computed, with few enough failed and out-of-range fits in its contour. */
export const MAP_RULES: readonly ScanSetRule[] = [mapUnderivable, mapFitFailures, mapOutOfRange];
