// Quality-control findings as data: a stable code per defect class, so a dashboard, a notification or a translation can
// key on the code while people read the message. Codes are never renamed or reused; a new defect class gets a new code.

/** Every reason QC can give, in the order the checks run. */
export const QC_REASON_CODES = [
  'modality-missing',
  'duplicate-image',
  'unreadable',
  'spacing-invalid',
  'spacing-too-coarse',
  'too-few-slices',
  'non-finite-voxels',
  'constant-image',
  'missing-slice',
  'modality-tag-mismatch',
  'mask-missing',
  'contour-missing',
  'mask-unreadable',
  'contour-unusable',
  'mask-empty',
  'mask-size-mismatch',
  'mask-grid-mismatch',
  'mask-direction-mismatch',
  'tumour-volume-implausible',
  'map-underivable',
  'map-fit-failures',
  'map-out-of-range',
] as const;

export type QcReasonCode = (typeof QC_REASON_CODES)[number];

/** One line per code: what the defect is. */
export const QC_REASON_MEANINGS: Readonly<Record<QcReasonCode, string>> = {
  'modality-missing': 'a modality the timepoint requires has no image',
  'duplicate-image': 'the same file (same bytes) is filed under two modalities',
  unreadable: 'an image file cannot be read',
  'spacing-invalid': 'an image has a voxel spacing that is not a positive number',
  'spacing-too-coarse': "an image's coarsest voxel spacing exceeds the study's maximum",
  'too-few-slices': 'an image has fewer slices than the study requires',
  'non-finite-voxels': 'an image holds NaN or infinite voxels',
  'constant-image': 'every voxel of an image has (about) the same value',
  'missing-slice': 'a blank slice lies between non-blank neighbours (a dropped slice)',
  'modality-tag-mismatch': "a DICOM series' Modality tag does not match the modality it is filed under",
  'mask-missing': 'no manual mask, and the study has no automatic segmentation to make one',
  'contour-missing': 'an image has no contour: no mask registered for its modality and no shared mask',
  'mask-unreadable': 'the mask file cannot be read',
  'contour-unusable':
    'a contour registered as an RTSTRUCT or SEG cannot be made into a mask on its image (another frame of reference or series, no such ROI, another size, not a DICOM series)',
  'mask-empty': 'the mask marks no tumour voxel',
  'mask-size-mismatch': 'the mask has another voxel grid size than the images',
  'mask-grid-mismatch': "the mask's origin or spacing does not match the images' grid",
  'mask-direction-mismatch': "the mask's axes point another way than the images' (e.g. a flipped or transposed mask)",
  'tumour-volume-implausible': "the masked tumour volume is outside the study's plausible range",
  'map-underivable': 'a parameter map cannot be computed from its series (unreadable, b-values or frame times that do not fit the series, too few frames)',
  'map-fit-failures': "more of a map's voxels in its contour failed to fit than the study allows",
  'map-out-of-range': "more of a map's voxels in its contour fitted outside the accepted range than the study allows",
};

export interface QcFinding {
  code: QcReasonCode;
  /**
   * The scan the finding is about: an image modality, or 'mask' (the shared mask); absent when it concerns no single
   * scan. A finding about an image's contour (its own mask, or the shared mask on that image's grid) names the image.
   */
  modality?: string;
  /** What a person reads (the same text as the verdict's reason). */
  message: string;
}
