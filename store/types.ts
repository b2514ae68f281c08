// The results store's contract: what the pipeline keeps about each patient, independent of the database behind it
// (SQLite embedded; a PostgreSQL implementation fills the same interface). Keys carry pseudonyms, never identity.

import type { QcFinding } from '../contracts/qc';

export interface PatientKey {
  studyId: string;
  pseudonym: string;
}

export interface TimepointKey extends PatientKey {
  timepoint: string;
}

export interface StoredScan extends TimepointKey {
  modality: string;
  sha256: string;
  /** Path of the copy inside the study's store. */
  path: string;
  /** Where it was acquired from (a path or URL as registered). */
  source: string;
  /** 'image' or 'mask'. */
  role: 'image' | 'mask';
}

/** One feature set: the features of one image (modality) of one timepoint under one parameter file. */
export interface FeatureSetKey extends TimepointKey {
  modality: string;
  paramHash: string;
}

export interface FeatureSetProvenance {
  engineVersion: string;
  imageHash: string;
  maskHash: string;
}

export interface FeatureSet extends FeatureSetKey, FeatureSetProvenance {
  /** `<imageType>_<class>_<Feature>` → value. */
  features: Record<string, number>;
  extractedAt: string;
}

export type DeltaReference = 'baseline' | 'previous';

export interface DeltaRow {
  modality: string;
  feature: string;
  reference: DeltaReference;
  /** The timepoint compared against. */
  referenceTimepoint: string;
  absolute: number;
  /** Relative change (see delta module for the definition near zero); null where undefined. */
  relative: number | null;
}

export interface QcRecord extends TimepointKey {
  passed: boolean;
  reasons: string[];
  /** The verdict's coded findings (absent on rows written before codes existed). */
  findings?: QcFinding[];
  /** The activity execution that wrote it: a retry with the same attempt replaces the row instead of adding one. */
  attempt?: string;
  overriddenBy?: string;
  overrideReason?: string;
  checkedAt: string;
}

export interface PathologyRecord extends PatientKey {
  necrosisPct: number;
  huvosGrade: 'I' | 'II' | 'III' | 'IV';
  date: string;
}

export interface PredictionRecord extends TimepointKey {
  model: string;
  modelVersion: string;
  probability: number;
  predictedAt: string;
}

export interface PatientRecord extends PatientKey {
  enrolledAt: string;
  clinical: Record<string, number | string>;
}

export interface ResultsStore {
  upsertPatient(patient: PatientRecord): Promise<void>;
  getPatient(key: PatientKey): Promise<PatientRecord | undefined>;
  listPatients(studyId: string): Promise<PatientRecord[]>;

  /** Idempotent on (study, patient, timepoint, modality, role, sha256). */
  recordScan(scan: StoredScan): Promise<void>;
  listScans(key: TimepointKey): Promise<StoredScan[]>;

  recordQc(qc: QcRecord): Promise<void>;
  latestQc(key: TimepointKey): Promise<QcRecord | undefined>;

  /**
   * Replaces the feature set with this key atomically: a retried write leaves exactly one copy, and a failed write
   * leaves the previous one intact.
   */
  putFeatureSet(set: FeatureSet): Promise<{ featureCount: number }>;
  getFeatureSets(key: TimepointKey, paramHash?: string): Promise<FeatureSet[]>;
  countFeatureRows(key: TimepointKey): Promise<number>;

  /** Replaces the deltas of a timepoint atomically. */
  putDeltas(key: TimepointKey, paramHash: string, rows: DeltaRow[]): Promise<void>;
  getDeltas(key: TimepointKey): Promise<DeltaRow[]>;

  /** Recorded once: repeating the same record is a no-op (a retried activity); a different one is a StoreConflictError. */
  recordPathology(record: PathologyRecord): Promise<void>;
  getPathology(key: PatientKey): Promise<PathologyRecord | undefined>;

  /** Idempotent on (study, patient, timepoint, model, version). */
  recordPrediction(prediction: PredictionRecord): Promise<void>;
  listPredictions(key: PatientKey): Promise<PredictionRecord[]>;

  close(): Promise<void>;
}

export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}
