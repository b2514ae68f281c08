// Names of the failures that no retry can fix (a person or a new input must act). Activities throw errors with these
// names (or ApplicationFailures of these types); workflows list them as non-retryable.

/** A failed QC verdict: the timepoint waits for a new scan or a coordinator's override. */
export const QC_FAILED = 'QcFailed';
/** Every source of a scan stayed unavailable through its retries. */
export const ACQUISITION_FAILED = 'AcquisitionFailed';

/** Non-retryable in every pipeline and model activity. */
export const NON_RETRYABLE_ERRORS = [QC_FAILED, 'RadiomicsInputError', 'StudyFileError', 'StoreConflictError', 'ModelInputError'] as const;

/** Also non-retryable for segmentTumour: bad input for the model, or a model package that cannot be served. */
export const SEGMENTATION_NON_RETRYABLE_ERRORS = ['SegmentationInputError', 'SegmentationModelError'] as const;
