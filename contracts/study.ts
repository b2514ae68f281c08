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
}

export interface StudyProtocol {
  studyId: string;
  /** The first timepoint is the baseline every delta refers to. */
  timepoints: TimepointProtocol[];
  qc: QcProfile;
  segmentation: { mode: 'manual-required' | 'automatic-allowed'; taskQueue?: string };
  features: { paramsFile: string; paramHash: string };
  model: { name: string };
  /** A timepoint still without a complete scan set this long after its window closed is `missed`. */
  missedAfterMs: number;
  /** Where scans are copied to (the study's store folder). */
  storeDir: string;
}
