// Names of the failures that no retry can fix (a person or a new input must act). Activities throw errors with these
// names (or ApplicationFailures of these types); workflows list them as non-retryable.

/** A failed QC verdict: the timepoint waits for a new scan or a coordinator's override. */
export const QC_FAILED = 'QcFailed';
/** Every source of a scan stayed unavailable through its retries. */
export const ACQUISITION_FAILED = 'AcquisitionFailed';
/** The study's parameter file changed since enrolment: features would not be comparable across timepoints. */
export const PARAMETERS_CHANGED = 'ParametersChangedError';

/** Non-retryable in every pipeline and model activity. */
export const NON_RETRYABLE_ERRORS = [QC_FAILED, 'RadiomicsInputError', 'StudyFileError', 'StoreConflictError', 'ModelInputError', PARAMETERS_CHANGED] as const;

/** Also non-retryable for taking in a PACS series: the PACS refused the request, or de-identification refused the series. */
export const INTAKE_NON_RETRYABLE_ERRORS = ['PacsRequestError', 'DeidentificationError', 'IntakeRefusedError', 'IntakeConfigurationError'] as const;

/** Also non-retryable for segmentTumour: bad input for the model, or a model package that cannot be served. */
export const SEGMENTATION_NON_RETRYABLE_ERRORS = ['SegmentationInputError', 'SegmentationModelError'] as const;

// Failures that retries may outlast but a person must then act on; named so that a timeline can say what is wrong.

/** The study's store has no room (disk full or quota): space must be freed, then the timepoint retried. */
export const STORAGE_FULL = 'StorageFullError';
/** A Timepoint run failed after QC (in segmentation or extraction); its details carry the step and the QC verdict, its cause the failure. */
export const TIMEPOINT_STEP_FAILED = 'TimepointStepFailed';
