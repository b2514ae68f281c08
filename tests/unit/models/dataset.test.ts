// Dataset assembly from the results store: one row per labelled patient, features named by family and timepoint, only
// the timepoints up to the one predicted at, category variables one-hot, incomplete patients and features left out
// with reasons, and a fingerprint that follows the data.
import { SqliteResultsStore } from '../../../store/sqliteStore';
import {
  assembleDataset,
  assertTrainable,
  clinicalKnownAt,
  encodeClinical,
  featuresForKind,
  foldsFor,
  modelRow,
  timepointsUpTo,
  type DatasetScope,
} from '../../../models/dataset';

const scope: DatasetScope = { studyId: 'S1', paramHash: 'h1', timepoints: ['baseline', 'mid', 'preop'], predictAt: 'preop' };

async function storeWith(patients: Array<{ id: string; necrosis?: number; site: string; volume: number; midRel: number | null; preop?: boolean }>) {
  const store = new SqliteResultsStore(':memory:');
  for (const p of patients) {
    const key = { studyId: 'S1', pseudonym: p.id };
    await store.upsertPatient({ ...key, enrolledAt: '2024-01-01', clinical: { ageYears: 15, site: p.site } });
    const set = (timepoint: string, features: Record<string, number>) =>
      store.putFeatureSet({
        ...key,
        timepoint,
        modality: 'T1CE',
        paramHash: 'h1',
        engineVersion: 'e',
        imageHash: 'i',
        maskHash: 'm',
        extractedAt: 't',
        features,
      });
    await set('baseline', { original_shape_MeshVolume: p.volume });
    await set('mid', { original_shape_MeshVolume: p.volume * 0.8 });
    await store.putDeltas({ ...key, timepoint: 'mid' }, 'h1', [
      { modality: 'T1CE', feature: 'original_shape_MeshVolume', reference: 'baseline', referenceTimepoint: 'baseline', absolute: -1, relative: p.midRel },
      { modality: 'T1CE', feature: 'original_shape_MeshVolume', reference: 'previous', referenceTimepoint: 'baseline', absolute: -1, relative: 99 },
      { modality: 'named', feature: 'volumeChangePct', reference: 'baseline', referenceTimepoint: 'baseline', absolute: -20, relative: null },
    ]);
    if (p.preop !== false) {
      await set('preop', { original_shape_MeshVolume: p.volume * 0.5 });
      await store.putDeltas({ ...key, timepoint: 'preop' }, 'h1', [
        { modality: 'T1CE', feature: 'original_shape_MeshVolume', reference: 'baseline', referenceTimepoint: 'baseline', absolute: -2, relative: -0.5 },
      ]);
    }
    if (p.necrosis !== undefined)
      await store.recordPathology({ ...key, necrosisPct: p.necrosis, huvosGrade: p.necrosis >= 90 ? 'III' : 'II', date: '2024-05-01' });
  }
  return store;
}

const cohort = [
  { id: 'P1', necrosis: 95, site: 'femur', volume: 10, midRel: -0.2 },
  { id: 'P2', necrosis: 90, site: 'tibia', volume: 20, midRel: -0.3 },
  { id: 'P3', necrosis: 89.9, site: 'femur', volume: 30, midRel: -0.1 },
  { id: 'P4', necrosis: 40, site: 'femur', volume: 40, midRel: null }, // undefined relative change at mid
  { id: 'P5', necrosis: 50, site: 'tibia', volume: 50, midRel: -0.1, preop: false }, // no pre-op scan
  { id: 'P6', site: 'femur', volume: 60, midRel: -0.1 }, // not labelled
];

describe('assembleDataset', () => {
  it('builds one row per labelled patient with complete data, target necrosis ≥ 90 %', async () => {
    const store = await storeWith(cohort);
    const d = await assembleDataset(store, scope);
    expect(d.patients).toEqual(['P1', 'P2', 'P3', 'P4']);
    expect(d.labels).toEqual([1, 1, 0, 0]);
    expect(d.excluded).toEqual([{ pseudonym: 'P5', reason: "no delta features of timepoint 'preop'" }]);
    // Relative change vs baseline only (the 'previous' reference is not a model input); P4's undefined one drops the column.
    expect(d.incompleteFeatures).toEqual(['delta:mid:T1CE:original_shape_MeshVolume']);
    expect(d.features).toEqual([
      'baseline:T1CE:original_shape_MeshVolume',
      'clinical:ageYears',
      'clinical:site=femur',
      'clinical:site=tibia',
      'delta:mid:named:volumeChangePct',
      'delta:preop:T1CE:original_shape_MeshVolume',
    ]);
    expect(d.rows[1]).toEqual([20, 15, 0, 1, -20, -0.5]);
    expect(d.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect((await assembleDataset(store, scope)).fingerprint).toBe(d.fingerprint);
    await store.close();
  });

  it('uses only the timepoints up to the one it predicts at', async () => {
    const store = await storeWith(cohort);
    const d = await assembleDataset(store, { ...scope, predictAt: 'mid' });
    expect(d.patients).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']); // P5 lacks only pre-op data
    expect(d.features.some((f) => f.startsWith('delta:preop'))).toBe(false);
    expect(featuresForKind(d, 'delta')).toEqual(['delta:mid:named:volumeChangePct']);
    expect(featuresForKind(d, 'clinical')).toEqual(['clinical:ageYears', 'clinical:site=femur', 'clinical:site=tibia']);
    expect(() => timepointsUpTo({ ...scope, predictAt: 'week-3' })).toThrow("predictAt: unknown timepoint 'week-3' (expected one of baseline, mid, preop)");
    await store.close();
  });

  it('leaves out excluded patients (the hold-out) or keeps only the named ones, and the fingerprint follows', async () => {
    const store = await storeWith(cohort);
    const all = await assembleDataset(store, scope);
    const training = await assembleDataset(store, scope, { exclude: ['P2'] });
    const holdout = await assembleDataset(store, scope, { only: ['P2'] });
    expect(training.patients).toEqual(['P1', 'P3', 'P4']);
    expect(holdout.patients).toEqual(['P2']);
    expect(training.fingerprint).not.toBe(all.fingerprint);
    await store.close();
  });
});

describe('clinical values known at the timepoint predicted at', () => {
  it('uses enrolment values always, a timepoint’s value from that timepoint on, and never a post-operative one', async () => {
    const store = await storeWith(cohort);
    const key = { studyId: 'S1', pseudonym: 'P1' };
    await store.recordClinical(key, { variable: 'alp', value: 310, timepoint: 'mid', knownAt: '2024-03-01T00:00:00Z' });
    await store.recordClinical(key, { variable: 'ageYears', value: 16, timepoint: 'preop', knownAt: '2024-04-01T00:00:00Z' });
    await store.recordClinical(key, { variable: 'margin', value: 'R1', timepoint: 'postop', knownAt: '2024-06-01T00:00:00Z' });
    const atPreop = await assembleDataset(store, scope);
    const atMid = await assembleDataset(store, { ...scope, predictAt: 'mid' });
    const value = (d: typeof atPreop, feature: string) => d.rows[d.patients.indexOf('P1')][d.features.indexOf(feature)];
    expect(atPreop.features.some((f) => f.startsWith('clinical:margin'))).toBe(false);
    expect(atMid.features.some((f) => f.startsWith('clinical:margin'))).toBe(false);
    expect(value(atPreop, 'clinical:ageYears')).toBe(16); // the pre-op value supersedes the enrolment one at pre-op…
    expect(value(atMid, 'clinical:ageYears')).toBe(15); // …and is not known yet at mid
    // 'alp' is known for P1 only, so it is an incomplete column (dropped and listed) wherever it is known at all.
    expect(atMid.incompleteFeatures).toContain('clinical:alp');
    await store.close();
  });

  it('picks, per variable, the value of the latest timepoint up to the one predicted at', () => {
    const values = [
      { variable: 'site', value: 'femur', timepoint: null, knownAt: '2024-01-01T00:00:00Z' },
      { variable: 'alp', value: 200, timepoint: 'baseline', knownAt: '2024-01-02T00:00:00Z' },
      { variable: 'alp', value: 150, timepoint: 'mid', knownAt: '2024-03-01T00:00:00Z' },
      { variable: 'alp', value: 90, timepoint: 'preop', knownAt: '2024-04-01T00:00:00Z' },
      { variable: 'margin', value: 'R0', timepoint: 'surgery', knownAt: '2024-05-01T00:00:00Z' },
    ];
    expect(clinicalKnownAt(values, { ...scope, predictAt: 'baseline' })).toEqual({ alp: 200, site: 'femur' });
    expect(clinicalKnownAt(values, { ...scope, predictAt: 'mid' })).toEqual({ alp: 150, site: 'femur' });
    expect(clinicalKnownAt(values, scope)).toEqual({ alp: 90, site: 'femur' });
  });
});

describe('deltas of the study’s parameter hash only', () => {
  it('ignores deltas stored under another parameter file', async () => {
    const store = await storeWith(cohort);
    const before = await assembleDataset(store, scope);
    for (const id of ['P1', 'P2', 'P3', 'P4']) {
      await store.putDeltas({ studyId: 'S1', pseudonym: id, timepoint: 'preop' }, 'h2', [
        { modality: 'T1CE', feature: 'original_shape_MeshVolume', reference: 'baseline', referenceTimepoint: 'baseline', absolute: 7, relative: 0.9 },
      ]);
    }
    const after = await assembleDataset(store, scope);
    expect(after.rows).toEqual(before.rows);
    expect(after.fingerprint).toBe(before.fingerprint);
    await store.close();
  });
});

describe('modelRow', () => {
  it('scores a category level the patient does not have as 0 and names what is missing', () => {
    const values = { ...encodeClinical({ site: 'tibia', ageYears: 12 }), 'delta:mid:T1CE:x': Number.NaN };
    expect(modelRow(values, ['clinical:site=femur', 'clinical:site=tibia', 'clinical:ageYears', 'clinical:sex=M', 'delta:mid:T1CE:x'])).toEqual({
      row: { 'clinical:site=femur': 0, 'clinical:site=tibia': 1, 'clinical:ageYears': 12 },
      missing: ['clinical:sex=M', 'delta:mid:T1CE:x'],
    });
  });
});

describe('assertTrainable and foldsFor', () => {
  const base = { studyId: 'S1', patients: [], excluded: [] };
  it('says when there is a single class or too few of either', () => {
    expect(() => assertTrainable({ ...base, labels: [0, 0, 0, 0, 0] })).toThrow(
      'labels: a single outcome class among 5 labelled patients of study S1 (0 good, 5 poor responses): a response model needs both',
    );
    expect(() => assertTrainable({ ...base, labels: [1, 1, 1, 0, 0, 0, 0, 0] })).toThrow(
      'labels: too few labelled patients in study S1: 3 good and 5 poor responses (at least 4 of each needed for nested cross-validation)',
    );
    expect(assertTrainable({ ...base, labels: [1, 1, 1, 1, 0, 0, 0, 0] })).toEqual({ good: 4, poor: 4 });
  });
  it('chooses the most folds for which every outer training set keeps inner-fold patients of each class', () => {
    // nestedCrossValidation needs min class ≥ max(outer, ⌈inner·outer/(outer − 1)⌉).
    expect(foldsFor(7)).toEqual({ outerFolds: 5, innerFolds: 5 });
    expect(foldsFor(6)).toEqual({ outerFolds: 5, innerFolds: 4 });
    expect(foldsFor(5)).toEqual({ outerFolds: 5, innerFolds: 4 });
    expect(foldsFor(4)).toEqual({ outerFolds: 4, innerFolds: 3 });
    expect(() => foldsFor(3)).toThrow('labels: 3 patients in the smaller outcome class (at least 4 needed for nested cross-validation)');
  });
});
