// The study protocol as the workflows see it: plain data (no Node imports), so deterministic workflow code can hold it.

export const MODALITIES = ['T1', 'T1CE', 'T2', 'FLAIR', 'ADC', 'DWI', 'DCE', 'VFA', 'PET', 'PET_DELAYED', 'CT', 'XR', 'ARTERY', 'BONE'] as const;
export type Modality = (typeof MODALITIES)[number];

/**
 * Modalities that are masks registered as scans of their own, read by the deriving and extraction steps and never
 * extracted themselves: `ARTERY` (the arterial ROI a DCE series' AIF is sampled in, `series.DCE.aif: roi`) and `BONE`
 * (the bone a marrow region is cut from). Any non-zero voxel is inside.
 */
export const MASK_MODALITIES: readonly Modality[] = ['ARTERY', 'BONE'];

/** 4D series read frame by frame (QC checks their first frame); never extracted themselves. */
export const SERIES_MODALITIES: readonly Modality[] = ['DWI', 'DCE', 'VFA'];

/**
 * Parameter maps a timepoint may derive from an acquired series, each by its source: `DWI` (multi-b, 4D) gives ADC
 * and the IVIM maps, `DCE` (dynamic, 4D) the Tofts and semi-quantitative maps. A map is an image like any other
 * (QC, features, deltas) under its name as the modality.
 */
export const DERIVED_MAPS = {
  ADC: 'DWI',
  IVIM_D: 'DWI',
  IVIM_f: 'DWI',
  IVIM_Dstar: 'DWI',
  DCE_Ktrans: 'DCE',
  DCE_ve: 'DCE',
  DCE_kep: 'DCE',
  DCE_vp: 'DCE',
  DCE_TTP: 'DCE',
  DCE_washIn: 'DCE',
  DCE_washOut: 'DCE',
  DCE_maxEnhancement: 'DCE',
  DCE_IAUC60: 'DCE',
  DCE_IAUGC60: 'DCE',
  T1map: 'VFA',
} as const;
export type DerivedMap = keyof typeof DERIVED_MAPS;
export type MapSource = (typeof DERIVED_MAPS)[DerivedMap];
export const DERIVED_MAP_NAMES = Object.keys(DERIVED_MAPS) as DerivedMap[];

/** How the study's multi-b DWI series are fitted. */
export interface DwiSeriesProtocol {
  /** s/mm², one per volume of the 4D NIfTI; 'dicom': read from the tags of a DICOM series. */
  bValues: number[] | 'dicom';
  /** `loglinear` (default) or `nlls` for ADC. */
  method?: 'loglinear' | 'nlls';
}

/** How the study's DCE series are fitted: frame times, the AIF, the sequence and a fixed native T1. */
export interface DceSeriesProtocol {
  /** s, one per frame of the 4D NIfTI, strictly increasing; 'dicom': from the tags of a DICOM series. */
  times: number[] | 'dicom';
  /** `parker` (population AIF) or `roi`: sampled in the timepoint's `ARTERY` mask on the DCE grid. */
  aif: 'parker' | 'roi';
  /** Acquisition time (s) of the AIF's t = 0 (the bolus arrival); default the last baseline frame's time. */
  injectionS?: number;
  hematocrit?: number;
  model: 'tofts' | 'extended';
  /** Fixed native T1 (ms) of every voxel, used where the timepoint acquired no VFA series (absent: every DCE timepoint has one). */
  t1Ms?: number;
  /** Flip angle (degrees) and TR (ms) of the SPGR sequence; a DICOM series' tags fill them in when absent. */
  flipDeg?: number;
  trMs?: number;
  /** Pre-contrast frames (default 3). */
  baselineFrames: number;
}

/** How the study's variable-flip-angle series (one frame per flip angle) are fitted to a native T1 map. */
export interface VfaSeriesProtocol {
  /** Degrees, one per frame of the 4D NIfTI; 'dicom': from the tags of a DICOM series. */
  flipAngles: number[] | 'dicom';
  /** Repetition time, ms (absent: from the DICOM tags). */
  trMs?: number;
  /** `linear` (default, DESPOT1) or `nlls`. */
  method?: 'linear' | 'nlls';
}

/**
 * A region derived from each image's tumour contour, extracted as an ROI of its own: a peritumoral shell `shell`
 * [from, to] mm from the tumour's surface, optionally kept to the body (voxels of `body.modality` above
 * `body.threshold`). Its features are stored under `<modality>@<name>` (regionModality), so deltas pair the same
 * region of the same modality across timepoints.
 */
export interface RegionProtocol {
  name: string;
  /** A peritumoral shell; exactly one of shell and marrow. */
  shell?: [number, number];
  /** The bone-marrow region: the bone (the timepoint's `BONE` mask, or `modality` voxels ≥ `threshold` HU) minus the tumour. */
  marrow?: { bone: 'BONE' } | { modality: string; threshold: number };
  body?: { modality: string; threshold: number };
  /** The image modalities and maps the region is extracted on (those a timepoint lacks are skipped there). */
  modalities: string[];
}

/** The results store's modality key of a region's features: `T1CE@shell_0_5mm`. */
export function regionModality(modality: string, region: string): string {
  return `${modality}@${region}`;
}

/** Defaults of the map QC thresholds (qc.mapFitFailureMaxFraction, qc.mapOutOfRangeMaxFraction). */
export const DEFAULT_MAP_FIT_FAILURE_MAX_FRACTION = 0.1;
export const DEFAULT_MAP_OUT_OF_RANGE_MAX_FRACTION = 0.1;

export interface TimepointProtocol {
  name: string;
  /** Due window start, ms after enrolment. */
  dueAfterMs: number;
  /** Window length in ms: a scan set not complete by dueAfterMs + windowMs makes the timepoint overdue. */
  windowMs: number;
  modalities: Modality[];
  /** Maps computed from the timepoint's acquired series (absent: none). */
  derived?: DerivedMap[];
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
  /** Largest fraction of a map's voxels (in its contour) whose fit failed (default 0.1). */
  mapFitFailureMaxFraction?: number;
  /** Largest fraction of a map's voxels (in its contour) whose fit fell outside the accepted range (default 0.1). */
  mapOutOfRangeMaxFraction?: number;
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
    /** Store each automatic mask in the PACS as a DICOM SEG of its original series, for review in the radiologist's viewer. */
    exportToPacs?: boolean;
  };
  features: {
    paramsFile: string;
    paramHash: string;
    /**
     * The parameter file's bytes in the blob store, put there at enrolment where workers share a store across hosts: a
     * worker whose host has no `paramsFile` extracts with the bytes the study was enrolled with.
     */
    paramsSha256?: string;
  };
  model: {
    name: string;
    /** First wait before a prediction the registry could not give is tried again (then ×3 each time, at most 6 h); default 5 min. */
    retryAfterMs?: number;
  };
  /** A timepoint still without a complete scan set this long after its window closed is `missed`. */
  missedAfterMs: number;
  /**
   * Where a site on one machine keeps the study's files (scans, masks, maps). Absent where workers run on several
   * hosts (a shared store): each keeps them under its own data folder, and files travel by address (storedFiles.ts).
   */
  storeDir?: string;
  /** How the acquired series that maps are derived from are fitted (absent: no timepoint derives maps). */
  series?: { DWI?: DwiSeriesProtocol; DCE?: DceSeriesProtocol; VFA?: VfaSeriesProtocol; XR?: { pixelSpacing: [number, number] } };
  /** Regions derived from the tumour contour, each its own ROI (absent: the tumour only). */
  regions?: RegionProtocol[];
  /** How DICOM is de-identified on ingest, by intake and at acquisition (absent: dates shifted, burned-in annotation refused). */
  deidentification?: DeidentificationProtocol;
}

/** The study's choices among the PS3.15 Basic Profile's options. */
export interface DeidentificationProtocol {
  /** 'shift': every date moved by the patient's offset (Retain Longitudinal Modified Dates); 'keep': dates as they are. */
  dates: 'shift' | 'keep';
  /** Take in files marked BurnedInAnnotation = YES (their pixels are not cleaned): only where the study's data is known to be safe. */
  allowBurnedInAnnotation: boolean;
}

/** The modalities (and 'mask' when the study requires manual masks) a timepoint needs before it can run. */
export function requiredScans(protocol: StudyProtocol, timepoint: string): string[] {
  const tp = protocol.timepoints.find((t) => t.name === timepoint);
  if (!tp) return [];
  return protocol.segmentation.mode === 'manual-required' ? [...tp.modalities, 'mask'] : [...tp.modalities];
}

/** The maps a timepoint derives (none for protocols without `derived`). */
export function derivedMapsOf(protocol: StudyProtocol, timepoint: string): DerivedMap[] {
  // Defensive: a partial protocol (a test's, a stand-in's) may have no timepoints.
  return protocol.timepoints?.find((t) => t.name === timepoint)?.derived ?? [];
}

/**
 * The acquired modalities of a timepoint that are not extracted themselves: the 4D series feeding maps (read as
 * series), a VFA series and the masks registered as scans (MASK_MODALITIES).
 */
export function seriesSourcesOf(protocol: StudyProtocol, timepoint: string): Modality[] {
  const acquired = protocol.timepoints?.find((t) => t.name === timepoint)?.modalities ?? [];
  const extra = acquired.filter((m) => m === 'VFA' || MASK_MODALITIES.includes(m));
  return [...new Set<Modality>([...derivedMapsOf(protocol, timepoint).map((m) => DERIVED_MAPS[m]), ...extra])];
}

/** The key of the retention index features of a dual-time-point PET visit (on the early `PET` feature set). */
export const PET_RETENTION_PREFIX = 'derived_pet_retentionIndex_';
