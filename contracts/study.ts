// The study protocol as the workflows see it: plain data (no Node imports), so deterministic workflow code can hold it.

export const MODALITIES = ['T1', 'T1CE', 'T2', 'FLAIR', 'ADC', 'DWI', 'PET', 'CT'] as const;
export type Modality = (typeof MODALITIES)[number];

export interface TimepointProtocol {
  name: string;
  /** Due window start, ms after enrolment. */
  dueAfterMs: number;
  /** Window length in ms: a scan set not complete by dueAfterMs + windowMs makes the timepoint overdue. */
  windowMs: number;
  modalities: Modality[];
}

export interface QcProfile {
  minSlices: number;
  maxSpacingMm: number;
  /** Plausible tumour volume in ml, [min, max]. */
  tumourVolumeMl: [number, number];
  // Optional: protocols recorded before these keys existed have none; QC applies the defaults in qc/profile.ts.
  /** Largest mask/image origin offset per axis that still counts as the same grid, as a fraction of the image's spacing (default 0.01). */
  maskOriginTolerance?: number;
  /** Largest mask/image spacing difference per axis that still counts as the same grid, as a fraction of the image's spacing (default 0.001). */
  maskSpacingTolerance?: number;
  /** Largest difference of the mask's direction cosines from the image's (default 1e-6, the extractor's geometry tolerance). */
  maskDirectionTolerance?: number;
  /** An image whose intensity range (max − min over finite voxels) is at most this is constant (default 0: every voxel equal). */
  constantImageMaxRange?: number;
  /** A slice whose intensity range is at most this is blank (default 0: every voxel of the slice equal). */
  blankSliceMaxRange?: number;
}

/** `segmentation.workerWait` when the study file does not say: a GPU worker that has not taken the step in 30 minutes is down. */
export const DEFAULT_SEGMENTATION_WORKER_WAIT_MS = 30 * 60 * 1000;

export interface StudyProtocol {
  studyId: string;
  /** The first timepoint is the baseline every delta refers to. */
  timepoints: TimepointProtocol[];
  qc: QcProfile;
  segmentation: {
    mode: 'manual-required' | 'automatic-allowed';
    taskQueue?: string;
    /** How long the segmentation step may wait for a worker before the timepoint needs attention (it keeps waiting). */
    workerWaitMs?: number;
  };
  features: { paramsFile: string; paramHash: string };
  model: {
    name: string;
    /** First wait before a prediction the registry could not give is tried again (then ×3 each time, at most 6 h); default 5 min. */
    retryAfterMs?: number;
  };
  /** A timepoint still without a complete scan set this long after its window closed is `missed`. */
  missedAfterMs: number;
  /** Where scans are copied to (the study's store folder). */
  storeDir: string;
}

/** The modalities (and 'mask' when the study requires manual masks) a timepoint needs before it can run. */
export function requiredScans(protocol: StudyProtocol, timepoint: string): string[] {
  const tp = protocol.timepoints.find((t) => t.name === timepoint);
  if (!tp) return [];
  return protocol.segmentation.mode === 'manual-required' ? [...tp.modalities, 'mask'] : [...tp.modalities];
}
