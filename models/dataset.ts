// The training set of a study, assembled from the results store: one row per labelled patient with the baseline
// radiomics, the delta radiomics (each later timepoint vs baseline) and the clinical variables, target = good response
// (necrosis ≥ 90 %, Huvos III/IV). What a model may use is explicit: a model that predicts at timepoint T sees only
// the timepoints up to T — imaging, deltas (under the study's parameter hash) and clinical values alike: a clinical
// value is used only when it is known by T (recorded at enrolment, or for a timepoint up to T), so a post-operative
// value never feeds a model predicting before surgery. The same code builds one patient's row at prediction time, so
// training and scoring agree.
import { createHash } from 'node:crypto';
import { ModelInputError } from './stats/errors';
import type { ClinicalValue, PatientKey, ResultsStore } from '../store/types';
import { MODEL_KIND_SPECS, type FeatureFamily, type ModelKind } from '../contracts/models';

/** Good response: necrosis of at least 90 % (Huvos III/IV; Huvos et al. 1977). */
export const GOOD_RESPONSE_NECROSIS_PCT = 90;

/**
 * Feature names of the model rows:
 * - `baseline:<modality>:<feature>`: the baseline value (PyRadiomics name or `derived_pet_*`);
 * - `delta:<timepoint>:<modality>:<feature>`: relative change vs baseline (radiomics/delta.ts), and
 *   `delta:<timepoint>:named:<name>` for the literature deltas (volume %, ΔADC, %ΔSUVmax, ΔMTV, ΔTLG);
 * - `clinical:<variable>` for numbers, `clinical:<variable>=<level>` (0/1) for categories.
 */
export function familyOf(feature: string): FeatureFamily {
  const family = feature.slice(0, feature.indexOf(':'));
  if (family === 'clinical' || family === 'baseline' || family === 'delta') return family;
  throw new ModelInputError(`has no family prefix (expected clinical:, baseline: or delta:)`, `feature '${feature}'`);
}

export function usesFeature(kind: ModelKind, feature: string): boolean {
  return (MODEL_KIND_SPECS[kind].families as readonly FeatureFamily[]).includes(familyOf(feature));
}

/** The study facts the rows depend on: its id, the feature parameter hash and the timepoints in protocol order. */
export interface DatasetScope {
  studyId: string;
  paramHash: string;
  /** Protocol order; the first is the baseline every delta refers to. */
  timepoints: readonly string[];
  /** The timepoint the model predicts at: only it and the timepoints before it are used. */
  predictAt: string;
}

/** The timepoints whose data exist when predicting at `predictAt` (baseline first). */
export function timepointsUpTo(scope: Pick<DatasetScope, 'timepoints' | 'predictAt'>): string[] {
  const at = scope.timepoints.indexOf(scope.predictAt);
  if (at < 0) throw new ModelInputError(`unknown timepoint '${scope.predictAt}' (expected one of ${scope.timepoints.join(', ')})`, 'predictAt');
  return scope.timepoints.slice(0, at + 1);
}

/** One-hot for text values, the number itself otherwise; other variables' values are ignored. */
export function encodeClinical(clinical: Readonly<Record<string, number | string>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(clinical)) {
    if (typeof value === 'number') out[`clinical:${name}`] = value;
    else out[`clinical:${name}=${value}`] = 1;
  }
  return out;
}

/**
 * The clinical values known when predicting at the scope's timepoint: those recorded at enrolment and those of a
 * timepoint up to it; where a variable has several, the one of the latest such timepoint (the last known value).
 */
export function clinicalKnownAt(values: readonly ClinicalValue[], scope: Pick<DatasetScope, 'timepoints' | 'predictAt'>): Record<string, number | string> {
  const usable = timepointsUpTo(scope);
  const chosen = new Map<string, { rank: number; knownAt: string; value: number | string }>();
  for (const v of values) {
    const rank = v.timepoint === null ? -1 : usable.indexOf(v.timepoint);
    if (v.timepoint !== null && rank < 0) continue; // a later timepoint, or none of the protocol's: not known yet
    const current = chosen.get(v.variable);
    if (!current || rank > current.rank || (rank === current.rank && v.knownAt > current.knownAt)) {
      chosen.set(v.variable, { rank, knownAt: v.knownAt, value: v.value });
    }
  }
  return Object.fromEntries([...chosen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, v]) => [name, v.value]));
}

export interface PatientFeatures {
  /** Every feature available for the patient at `predictAt`; a category level the patient lacks is absent here. */
  values: Record<string, number>;
  /** Data that do not exist yet (a timepoint without features, no clinical record), in words. */
  unavailable: string[];
}

/** Everything known about one patient at the scope's timepoint, from the store. */
export async function patientFeatures(store: ResultsStore, scope: DatasetScope, pseudonym: string): Promise<PatientFeatures> {
  const key: PatientKey = { studyId: scope.studyId, pseudonym };
  const [baseline, ...later] = timepointsUpTo(scope);
  const values: Record<string, number> = {};
  const unavailable: string[] = [];
  const patient = await store.getPatient(key);
  if (patient) Object.assign(values, encodeClinical(clinicalKnownAt(await store.getClinical(key), scope)));
  else unavailable.push('clinical variables (patient not enrolled in the store)');

  const sets = await store.getFeatureSets({ ...key, timepoint: baseline }, scope.paramHash);
  if (sets.length === 0) unavailable.push(`features of timepoint '${baseline}'`);
  for (const set of sets) for (const [name, v] of Object.entries(set.features)) values[`baseline:${set.modality}:${name}`] = v;

  for (const timepoint of later) {
    const deltas = (await store.getDeltas({ ...key, timepoint }, scope.paramHash)).filter((d) => d.reference === 'baseline');
    if (deltas.length === 0) unavailable.push(`delta features of timepoint '${timepoint}'`);
    for (const d of deltas) {
      const value = d.modality === 'named' ? d.absolute : d.relative;
      values[`delta:${timepoint}:${d.modality}:${d.feature}`] = value ?? Number.NaN;
    }
  }
  return { values, unavailable };
}

/**
 * The model's input row: each of `features` from the patient's values. A category variable the patient has with
 * another level scores 0; a feature without a finite value is named in `missing`.
 */
export function modelRow(values: Readonly<Record<string, number>>, features: readonly string[]): { row: Record<string, number>; missing: string[] } {
  const row: Record<string, number> = {};
  const missing: string[] = [];
  for (const feature of features) {
    let v = values[feature];
    const level = feature.startsWith('clinical:') ? feature.indexOf('=') : -1;
    if (v === undefined && level > 0) {
      const prefix = feature.slice(0, level + 1);
      if (Object.keys(values).some((k) => k.startsWith(prefix))) v = 0;
    }
    if (v === undefined || !Number.isFinite(v)) missing.push(feature);
    else row[feature] = v;
  }
  return { row, missing };
}

export interface TrainingDataset extends DatasetScope {
  /** Patients in row order. */
  patients: string[];
  /** 1 = good response (necrosis ≥ 90 %), 0 = poor. */
  labels: number[];
  features: string[];
  /** rows[i][j]: features[j] of patients[i]; every value finite. */
  rows: number[][];
  /** Labelled patients left out, with why. */
  excluded: { pseudonym: string; reason: string }[];
  /** Features dropped because some patient has no finite value for them (e.g. an undefined relative change). */
  incompleteFeatures: string[];
  /** SHA-256 over the scope, patients, labels, feature names and values: the same data give the same fingerprint. */
  fingerprint: string;
}

export interface AssembleOptions {
  /** Patients kept out of training (the locked hold-out). */
  exclude?: readonly string[];
  /** Only these patients (e.g. the hold-out itself). */
  only?: readonly string[];
}

export async function assembleDataset(store: ResultsStore, scope: DatasetScope, options: AssembleOptions = {}): Promise<TrainingDataset> {
  timepointsUpTo(scope);
  const exclude = new Set(options.exclude ?? []);
  const only = options.only ? new Set(options.only) : undefined;
  const excluded: TrainingDataset['excluded'] = [];
  const candidates: { pseudonym: string; label: number; values: Record<string, number> }[] = [];
  for (const patient of await store.listPatients(scope.studyId)) {
    const { pseudonym } = patient;
    if (only && !only.has(pseudonym)) continue;
    if (exclude.has(pseudonym)) continue;
    const pathology = await store.getPathology({ studyId: scope.studyId, pseudonym });
    if (!pathology) continue; // not labelled (yet): not a training example
    const { values, unavailable } = await patientFeatures(store, scope, pseudonym);
    if (unavailable.length > 0) {
      excluded.push({ pseudonym, reason: `no ${unavailable.join(', no ')}` });
      continue;
    }
    candidates.push({ pseudonym, label: pathology.necrosisPct >= GOOD_RESPONSE_NECROSIS_PCT ? 1 : 0, values });
  }
  // Category levels seen in any patient become 0/1 columns for all.
  const names = new Set<string>();
  for (const c of candidates) for (const name of Object.keys(c.values)) names.add(name);
  const all = [...names].sort();
  const features: string[] = [];
  const incompleteFeatures: string[] = [];
  const filled = candidates.map((c) => modelRow(c.values, all));
  all.forEach((name) => (filled.every((f) => !f.missing.includes(name)) ? features : incompleteFeatures).push(name));
  const rows = filled.map((f) => features.map((name) => f.row[name]));
  const dataset: Omit<TrainingDataset, 'fingerprint'> = {
    ...scope,
    timepoints: [...scope.timepoints],
    patients: candidates.map((c) => c.pseudonym),
    labels: candidates.map((c) => c.label),
    features,
    rows,
    excluded,
    incompleteFeatures,
  };
  return { ...dataset, fingerprint: datasetFingerprint(dataset) };
}

export function datasetFingerprint(d: Pick<TrainingDataset, 'studyId' | 'paramHash' | 'predictAt' | 'patients' | 'labels' | 'features' | 'rows'>): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({ studyId: d.studyId, paramHash: d.paramHash, predictAt: d.predictAt, patients: d.patients, labels: d.labels, features: d.features }),
  );
  const buffer = new Float64Array(d.features.length);
  for (const row of d.rows) {
    buffer.set(row);
    hash.update(new Uint8Array(buffer.buffer));
  }
  return hash.digest('hex');
}

/** The columns a kind of model is trained on (optionally only those in `allowed`, e.g. the robust ones). */
export function featuresForKind(dataset: Pick<TrainingDataset, 'features'>, kind: ModelKind, allowed?: ReadonlySet<string>): string[] {
  return dataset.features.filter((f) => usesFeature(kind, f) && (!allowed || allowed.has(f) || familyOf(f) === 'clinical'));
}

/** Nested CV's smallest setting: 2 outer × 2 inner folds, which needs 4 patients of each outcome. */
export const MIN_PER_CLASS = 4;

/**
 * Checks that a dataset can be trained on, with a message a coordinator understands: a single outcome class, or too
 * few labelled patients of either class for nested cross-validation.
 */
export function assertTrainable(
  dataset: Pick<TrainingDataset, 'labels' | 'patients' | 'excluded' | 'studyId'>,
  minPerClass = MIN_PER_CLASS,
): { good: number; poor: number } {
  const good = dataset.labels.reduce((a, b) => a + b, 0);
  const poor = dataset.labels.length - good;
  const excluded =
    dataset.excluded.length > 0
      ? `; ${dataset.excluded.length} more labelled patient(s) lack data (${dataset.excluded
          .map((e) => `${e.pseudonym}: ${e.reason}`)
          .slice(0, 3)
          .join('; ')})`
      : '';
  if (good === 0 || poor === 0) {
    throw new ModelInputError(
      `a single outcome class among ${dataset.labels.length} labelled patients of study ${dataset.studyId} (${good} good, ${poor} poor responses): a response model needs both${excluded}`,
      'labels',
    );
  }
  if (Math.min(good, poor) < minPerClass) {
    throw new ModelInputError(
      `too few labelled patients in study ${dataset.studyId}: ${good} good and ${poor} poor responses (at least ${minPerClass} of each needed for nested cross-validation)${excluded}`,
      'labels',
    );
  }
  return { good, poor };
}

/** The most folds (≤ the requested; outer first) with which nestedCrossValidation's class-size condition holds. */
export function foldsFor(minClass: number, outer = 5, inner = 5): { outerFolds: number; innerFolds: number } {
  for (let o = minClass >= MIN_PER_CLASS ? outer : 1; o >= 2; o--) {
    for (let k = inner; k >= 2; k--) {
      if (minClass >= Math.max(o, Math.ceil((k * o) / (o - 1)))) return { outerFolds: o, innerFolds: k };
    }
  }
  throw new ModelInputError(`${minClass} patients in the smaller outcome class (at least ${MIN_PER_CLASS} needed for nested cross-validation)`, 'labels');
}
