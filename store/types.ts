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

/** A prediction as the timeline shows it: the latest live entry of the ledger for its timepoint, model and version. */
export interface PredictionRecord extends TimepointKey {
  model: string;
  modelVersion: string;
  probability: number;
  predictedAt: string;
}

/** 'live': the champion's prediction, shown; 'silent': a challenger's, recorded for evaluation only, never shown. */
export type PredictionMode = 'live' | 'silent';

/** A prediction to append to the ledger. */
export interface LedgerAppend extends PredictionRecord {
  /** SHA-256 of the model's input row (the feature values it scored, in the model's order). */
  featuresSha256: string;
  /** The patient was among the model's training patients: not evidence of how it does on new patients. */
  inSample: boolean;
  /**
   * A deliberate re-score (e.g. the study re-scored after a promotion). The ledger also flags as re-score any
   * prediction of a timepoint that already has one in the same mode.
   */
  rescore?: boolean;
  mode?: PredictionMode;
  /** The activity execution that made it: appending the same attempt again returns the entry already there. */
  attempt?: string;
}

/** One ledger entry as stored. Flags are null on entries carried over from before the ledger (their provenance is unknown). */
export interface LedgerEntry extends PredictionRecord {
  seq: number;
  featuresSha256: string | null;
  inSample: boolean | null;
  rescore: boolean | null;
  mode: PredictionMode;
  attempt: string | null;
  prevHash: string;
  entryHash: string;
}

export interface LedgerBreak {
  seq: number;
  studyId: string;
  reason: string;
}

export interface LedgerVerification {
  /** Entries checked. */
  checked: number;
  studies: string[];
  /** The first broken link in ledger order, or null. */
  broken: LedgerBreak | null;
  /** Whether the triggers that refuse UPDATE and DELETE are in place. */
  appendOnly: boolean;
}

/** A frozen prediction scored against the pathology recorded after it. */
export interface ProspectivePrediction {
  entry: LedgerEntry;
  necrosisPct: number;
  pathologyRecordedAt: string;
}

/** A clinical value with the time from which it is known. */
export interface ClinicalValue {
  variable: string;
  value: number | string;
  /** The protocol timepoint from which the value is known; null: known at enrolment (from the first timepoint on). */
  timepoint: string | null;
  /** When it became known (ISO 8601). */
  knownAt: string;
}

export interface PatientRecord extends PatientKey {
  enrolledAt: string;
  /** The values recorded at enrolment (known from the first timepoint on); later values are ClinicalValues. */
  clinical: Record<string, number | string>;
}

export interface ResultsStore {
  /** Records the patient and its enrolment clinical values (known from enrolment on). */
  upsertPatient(patient: PatientRecord): Promise<void>;
  getPatient(key: PatientKey): Promise<PatientRecord | undefined>;
  listPatients(studyId: string): Promise<PatientRecord[]>;
  /** Records a clinical value known from `timepoint` on (a later value of the same variable and timepoint replaces it). */
  recordClinical(key: PatientKey, value: ClinicalValue): Promise<void>;
  /** Every clinical value of the patient, enrolment values first, then by timepoint as recorded. */
  getClinical(key: PatientKey): Promise<ClinicalValue[]>;

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
  /**
   * The deltas of a timepoint under one parameter hash. Without a hash the timepoint must have deltas under a single
   * one (else a StoreConflictError naming the hashes): deltas of two parameter files would not mean the same.
   */
  getDeltas(key: TimepointKey, paramHash?: string): Promise<DeltaRow[]>;

  /** Recorded once: repeating the same record is a no-op (a retried activity); a different one is a StoreConflictError. */
  recordPathology(record: PathologyRecord): Promise<void>;
  getPathology(key: PatientKey): Promise<PathologyRecord | undefined>;

  /** Appends a prediction to the ledger (never changing an entry) and returns the entry, with its hash chained to the study's last. */
  appendPrediction(prediction: LedgerAppend): Promise<LedgerEntry>;
  /**
   * Appends a live prediction whose input is not stated (no features hash, in-sample unknown): on the ledger like any
   * other, but never counted as prospective evidence. Scoring code appends with appendPrediction.
   */
  recordPrediction(prediction: PredictionRecord): Promise<LedgerEntry>;
  /** The latest live prediction per (timepoint, model, version), oldest first: what the timeline shows. */
  listPredictions(key: PatientKey): Promise<PredictionRecord[]>;
  /** Ledger entries in order, of a study (and patient) or all. */
  ledgerEntries(filter?: { studyId?: string; pseudonym?: string }): Promise<LedgerEntry[]>;
  /** Checks the hash chain (of one study, or all) and that the ledger is append-only. */
  verifyLedger(studyId?: string): Promise<LedgerVerification>;
  /**
   * The study's frozen predictions that can be scored prospectively: made before the patient's pathology was recorded,
   * by a model not trained on the patient, with the features hash recorded; per model version and patient the last such.
   */
  prospectivePredictions(studyId: string): Promise<ProspectivePrediction[]>;

  close(): Promise<void>;
}

export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}
