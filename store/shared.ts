// What the SQLite and PostgreSQL results stores share, so that both check the same inputs, say the same things and
// build ledger entries the same way: input checks, conflict messages, ledger content and the mapping of ledger and
// feature-set rows.
import {
  type ClinicalValue,
  type FeatureSet,
  type LedgerAppend,
  type LedgerEntry,
  type PathologyRecord,
  type PatientKey,
  type PredictionMode,
  StoreConflictError,
  type TimepointKey,
} from './types';
import type { LedgerContent } from './ledger';

/** The image type is the prefix of a PyRadiomics feature name: `wavelet-LLH_glcm_Contrast` → `wavelet-LLH`. */
export function imageTypeOf(feature: string): string {
  const cut = feature.indexOf('_');
  return cut > 0 ? feature.slice(0, cut) : 'derived';
}

/** Throws a TypeError naming the field when a clinical value cannot be stored. */
export function checkClinicalValue(v: ClinicalValue): void {
  if (typeof v.variable !== 'string' || v.variable === '') throw new TypeError('clinical value: variable must name the variable');
  if (!((typeof v.value === 'number' && Number.isFinite(v.value)) || (typeof v.value === 'string' && v.value !== ''))) {
    throw new TypeError(`clinical value '${v.variable}': value must be a finite number or a non-empty text, got ${JSON.stringify(v.value)}`);
  }
  if (v.timepoint === '') throw new TypeError(`clinical value '${v.variable}': timepoint must name a protocol timepoint, or be null for enrolment`);
  if (Number.isNaN(Date.parse(v.knownAt)))
    throw new TypeError(`clinical value '${v.variable}': knownAt must be an ISO 8601 time, got ${JSON.stringify(v.knownAt)}`);
}

export function notEnrolled(key: PatientKey, v: ClinicalValue): StoreConflictError {
  return new StoreConflictError(`clinical value '${v.variable}' for ${key.studyId}/${key.pseudonym}: the patient is not enrolled`);
}

/** The stored pathology equals the new record (a retried activity), or the new record is a conflict. */
export function checkPathologyAgain(p: PathologyRecord, existing: { necrosisPct: number; huvosGrade: string; date: string }): void {
  if (existing.necrosisPct === p.necrosisPct && existing.huvosGrade === p.huvosGrade && existing.date === p.date) return;
  throw new StoreConflictError(
    `pathology for ${p.studyId}/${p.pseudonym} is already recorded (necrosis ${existing.necrosisPct} %, Huvos ${existing.huvosGrade}, ${existing.date}); it is not overwritten`,
  );
}

/** Deltas of two parameter files would not mean the same: reading without a hash needs a single one. */
export function mixedDeltaHashes(key: TimepointKey, hashes: string[]): StoreConflictError {
  return new StoreConflictError(
    `deltas of ${key.studyId}/${key.pseudonym} at '${key.timepoint}' are stored under ${hashes.length} parameter hashes (${hashes
      .map((h) => `${h.slice(0, 12)}…`)
      .join(', ')}); name the parameter hash to read`,
  );
}

/** A prediction on its way to the ledger: appendPrediction states its input, recordPrediction does not. */
export type PendingPrediction = Omit<LedgerAppend, 'featuresSha256' | 'inSample'> & { featuresSha256: string | null; inSample: boolean | null };

/** appendPrediction's own checks: scoring code states the input's hash and whether the patient was trained on. */
export function checkStatedInput(p: LedgerAppend): void {
  if (!/^[0-9a-f]{64}$/.test(p.featuresSha256 ?? '')) {
    throw new TypeError(`prediction ${p.model}@${p.modelVersion}: featuresSha256 must be a SHA-256 in hex, got ${JSON.stringify(p.featuresSha256)}`);
  }
  if (typeof p.inSample !== 'boolean')
    throw new TypeError(`prediction ${p.model}@${p.modelVersion}: inSample must be true or false, got ${JSON.stringify(p.inSample)}`);
}

/** Checks a prediction and returns its mode (live unless stated). */
export function checkPrediction(p: PendingPrediction): PredictionMode {
  if (!(Number.isFinite(p.probability) && p.probability >= 0 && p.probability <= 1)) {
    throw new TypeError(`prediction ${p.model}@${p.modelVersion}: probability must be in [0, 1], got ${p.probability}`);
  }
  const mode = p.mode ?? 'live';
  if (mode !== 'live' && mode !== 'silent')
    throw new TypeError(`prediction ${p.model}@${p.modelVersion}: mode must be 'live' or 'silent', got ${JSON.stringify(mode)}`);
  return mode;
}

/** What the entry's hash covers; `earlier`: the timepoint already has a prediction in this mode (so this is a re-score). */
export function ledgerContent(p: PendingPrediction, mode: PredictionMode, earlier: boolean): LedgerContent {
  return {
    studyId: p.studyId,
    pseudonym: p.pseudonym,
    timepoint: p.timepoint,
    model: p.model,
    modelVersion: p.modelVersion,
    probability: p.probability,
    featuresSha256: p.featuresSha256,
    predictedAt: p.predictedAt,
    inSample: p.inSample,
    rescore: p.rescore === true || earlier,
    mode,
    attempt: p.attempt ?? null,
  };
}

/** A ledger row as either database returns it (SQLite's flags are 0/1, PostgreSQL's booleans; its seq a bigint text). */
export interface LedgerRow {
  seq: number | string;
  study_id: string;
  pseudonym: string;
  timepoint: string;
  model: string;
  model_version: string;
  probability: number;
  features_sha256: string | null;
  predicted_at: string;
  in_sample: number | boolean | null;
  rescore: number | boolean | null;
  mode: PredictionMode;
  attempt: string | null;
  prev_hash: string;
  entry_hash: string;
}

const flag = (v: number | boolean | null): boolean | null => (v === null ? null : v === 1 || v === true);

export function entryOf(r: LedgerRow): LedgerEntry {
  return {
    seq: Number(r.seq),
    studyId: r.study_id,
    pseudonym: r.pseudonym,
    timepoint: r.timepoint,
    model: r.model,
    modelVersion: r.model_version,
    probability: r.probability,
    featuresSha256: r.features_sha256,
    predictedAt: r.predicted_at,
    inSample: flag(r.in_sample),
    rescore: flag(r.rescore),
    mode: r.mode,
    attempt: r.attempt,
    prevHash: r.prev_hash,
    entryHash: r.entry_hash,
  };
}

/** A feature_sets row with its values (a NULL value is a NaN that was stored), as the store answers it. */
export function featureSetOf(key: TimepointKey, row: Record<string, string>, values: Iterable<{ feature: string; value: number | null }>): FeatureSet {
  const features: Record<string, number> = {};
  for (const v of values) features[v.feature] = v.value ?? Number.NaN;
  return {
    ...key,
    modality: row.modality,
    paramHash: row.param_hash,
    engineVersion: row.engine_version,
    imageHash: row.image_hash,
    maskHash: row.mask_hash,
    extractedAt: row.extracted_at,
    features,
  };
}
