// The synthetic study's manifest: what was generated, where it lies, and the ground truth behind it. Written as
// `<outDir>/manifest.json`; every path in it is relative to that folder, with '/' separators.
import type { FunctionalProtocol, FunctionalTruth } from './functional';
import type { Geometry, Vec3 } from '../imaging/image';

export const SYNTHETIC_GENERATOR_NAME = 'osteoflow-synthetic';
/** Bumped whenever the same seed would produce different bytes. */
export const SYNTHETIC_GENERATOR_VERSION = '1.0.0';

export const MODALITIES = ['T1CE', 'T2', 'ADC', 'PET'] as const;
export type Modality = (typeof MODALITIES)[number];
export const TIMEPOINTS = ['baseline', 'mid', 'preop'] as const;
export type TimepointName = (typeof TIMEPOINTS)[number];
export const DEFECT_KINDS = ['missing-slice', 'truncated-file', 'wrong-modality', 'late-scan'] as const;
export type DefectKind = (typeof DEFECT_KINDS)[number];

export type Responder = 'good' | 'poor';
/** Huvos grade of chemotherapy-induced necrosis: I < 50 %, II 50–89 %, III 90–99 %, IV 100 % (good response = III/IV). */
export type HuvosGrade = 'I' | 'II' | 'III' | 'IV';
export type Site = 'femur' | 'tibia' | 'humerus';

/** Days relative to the start of neoadjuvant chemotherapy (day 0); both ends inclusive. */
export interface DueWindow {
  fromDay: number;
  toDay: number;
}

export interface ProtocolTimepoint {
  name: TimepointName;
  /** The day the scan is planned for. */
  scheduledDay: number;
  dueWindow: DueWindow;
}

export type ScanFiles = Record<Modality | 'mask', string>;

/**
 * One injected defect. How each kind is made, and how QC can see it:
 * - `missing-slice`: z-slice `slice` of the file is all exactly 0 (size and spacing unchanged). No real slice of these
 *   volumes is constant (the limb crosses every slice and MR background is Rician noise), so QC sees a constant
 *   interior slice whose neighbours are not constant.
 * - `truncated-file`: only the first `keptFraction` of the .nii.gz's bytes are kept; gunzip (readNifti) fails.
 * - `wrong-modality`: the file is a byte-for-byte copy of modality `holds` of the same timepoint, so its SHA-256 equals
 *   that file's, and its header `descrip` (bytes 148–227) names `holds`, not the modality in its file name.
 * - `late-scan`: the files are fine; `dayOffset` lies `daysLate` days after the due window's end.
 */
export interface SyntheticDefect {
  kind: DefectKind;
  pseudonym: string;
  timepoint: TimepointName;
  /** The affected file's modality; null for `late-scan`, which affects the whole timepoint. */
  modality: Modality | null;
  slice?: number;
  keptFraction?: number;
  holds?: Modality;
  daysLate?: number;
  description: string;
}

/** Ground truth of the tumour in one timepoint, in the images' physical (LPS, mm) space. */
export interface TumourTruth {
  centre: Vec3;
  /** Semi-axis lengths (mm) along `axes[0..2]`. */
  semiAxes: Vec3;
  /** Unit vectors of the ellipsoid's axes. */
  axes: [Vec3, Vec3, Vec3];
  /** The boundary is the ellipsoid scaled by 1 + irregularity · b(p), |b| ≤ 1: every mask voxel lies within scale 1 + irregularity. */
  boundaryIrregularity: number;
  /** Intended fraction of the tumour that is necrotic (the voxels realise it approximately). */
  necroticFraction: number;
}

export interface SyntheticTimepoint {
  name: TimepointName;
  /** Day of the scan relative to treatment start. */
  dayOffset: number;
  /** ISO date (YYYY-MM-DD) of the scan. */
  date: string;
  dueWindow: DueWindow;
  files: ScanFiles;
  defects: SyntheticDefect[];
  /** Corrected re-scans of the modalities whose file is defective (same grid, same anatomy; `files.mask` applies). */
  rescanFiles?: Partial<Record<Modality, string>>;
  rescanDayOffset?: number;
  /** For tests and QA only: a model must never be given this. */
  tumour: TumourTruth;
  /** Studies with functional series only: the visit's 4D DWI and DCE NIfTI files. */
  functionalFiles?: { DWI?: string; DCE?: string };
  /** Studies with functional series only, for tests: the parameters the series were made from. */
  functionalTruth?: FunctionalTruth;
}

export interface ClinicalVariables {
  ageYears: number;
  sex: 'F' | 'M';
  site: Site;
  /** Alkaline phosphatase, U/L. */
  alpUPerL: number;
  /** Lactate dehydrogenase, U/L. */
  ldhUPerL: number;
}

export interface Pathology {
  necrosisPct: number;
  huvosGrade: HuvosGrade;
  surgeryDayOffset: number;
  surgeryDate: string;
  reportDate: string;
}

export interface SyntheticPatient {
  pseudonym: string;
  responder: Responder;
  necrosisPct: number;
  huvosGrade: HuvosGrade;
  clinical: ClinicalVariables;
  /** ISO date of day 0 (start of neoadjuvant chemotherapy). */
  treatmentStartDate: string;
  pathology: Pathology;
  timepoints: SyntheticTimepoint[];
}

export interface SyntheticStudyManifest {
  generator: { name: typeof SYNTHETIC_GENERATOR_NAME; version: string };
  seed: number;
  /** The grid of every image and mask (PET included); LPS, identity direction. */
  geometry: Geometry;
  modalities: Modality[];
  units: Record<Modality, string>;
  protocol: ProtocolTimepoint[];
  defectRate: number;
  defectKinds: DefectKind[];
  patients: SyntheticPatient[];
  /** Every defect of every patient, in patient and timepoint order. */
  defects: SyntheticDefect[];
  /** Present when the study asked for functional series: how they were acquired (see functional.ts). */
  functional?: FunctionalProtocol;
}
