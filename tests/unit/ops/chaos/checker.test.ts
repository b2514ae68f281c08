import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extract, loadParamsFile } from '../../../../radiomics';
import { petVolumetrics } from '../../../../radiomics/pet';
import { renderVisit } from '../../../../synthetic';
import { SqliteResultsStore } from '../../../../store/sqliteStore';
import { PROJECT_ROOT } from '../../../../config';
import { checkStore, type CheckInput } from '../../../../ops/chaos/checker';
import { expectedFeatureNames } from '../../../../ops/chaos/expected';

const PARAMS = path.join(PROJECT_ROOT, 'study', 'params', 'osteoflow-mr-pet.yaml');
const MODALITIES = ['T1CE', 'PET'];
const studyId = 'CHAOS-T';

describe('the chaos row checker', () => {
  let dir: string;
  let store: SqliteResultsStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-chaos-check-'));
    store = new SqliteResultsStore(path.join(dir, 'results.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const expected = expectedFeatureNames(PARAMS, MODALITIES);
  const features = (modality: string, drop?: string) => Object.fromEntries(expected[modality].filter((n) => n !== drop).map((n, i) => [n, i + 0.5]));
  const put = (pseudonym: string, modality: string, paramHash: string, drop?: string) =>
    store.putFeatureSet({
      studyId,
      pseudonym,
      timepoint: 'baseline',
      modality,
      paramHash,
      engineVersion: 'test',
      imageHash: 'i',
      maskHash: 'm',
      extractedAt: '2026-12-01T00:00:00Z',
      features: features(modality, drop),
    });
  const input = (pseudonyms: string[]): CheckInput => ({
    studyId,
    paramHash: 'p1',
    expected,
    timepoints: pseudonyms.map((pseudonym) => ({ pseudonym, timepoint: 'baseline' })),
    pathology: [],
  });
  const passedQc = (pseudonym: string) =>
    store.recordQc({ studyId, pseudonym, timepoint: 'baseline', passed: true, reasons: [], checkedAt: '2026-12-01T00:00:00Z', attempt: 'a' });

  it('names exactly the features the engine extracts from a synthetic visit, plus the PET volumetrics', async () => {
    const visit = renderVisit({ seed: 3, patients: 1 }, 'SYN-001', 'baseline');
    const { features: t1ce } = await extract(visit.images.T1CE, visit.mask, loadParamsFile(PARAMS));
    expect([...expected.T1CE].sort()).toEqual(Object.keys(t1ce).sort());
    const pet = Object.keys(petVolumetrics(visit.images.PET, visit.mask)).map((n) => `derived_pet_${n}`);
    expect([...expected.PET].sort()).toEqual([...Object.keys(t1ce), ...pet].sort());
  });

  it('counts a complete store as complete', async () => {
    for (const m of MODALITIES) await put('SYN-001', m, 'p1');
    await passedQc('SYN-001');
    const check = await checkStore(store, input(['SYN-001']));
    const total = expected.T1CE.length + expected.PET.length;
    expect(check.features).toEqual({ expected: total, present: total, lost: 0, duplicated: 0, unexpected: 0 });
    expect(check.qc).toEqual({ expected: 1, present: 1, lost: 0 });
    expect(check.problems).toEqual([]);
  });

  it('finds a planted missing row and a planted duplicate set in a real SQLite store', async () => {
    // SYN-001: one T1CE feature lost. SYN-002: its PET set stored again under another parameter hash.
    await put('SYN-001', 'T1CE', 'p1', 'original_glcm_Contrast');
    await put('SYN-001', 'PET', 'p1');
    await put('SYN-002', 'T1CE', 'p1');
    await put('SYN-002', 'PET', 'p1');
    await put('SYN-002', 'PET', 'p0');
    await passedQc('SYN-001');
    const check = await checkStore(store, input(['SYN-001', 'SYN-002']));
    const total = 2 * (expected.T1CE.length + expected.PET.length);
    expect(check.features).toEqual({ expected: total, present: total - 1, lost: 1, duplicated: expected.PET.length, unexpected: 0 });
    expect(check.qc).toEqual({ expected: 2, present: 1, lost: 1 });
    expect(check.problems).toEqual([
      'SYN-001 baseline T1CE: 1 of 107 feature rows missing',
      `SYN-002 baseline PET: ${expected.PET.length} feature rows stored more than once (2 feature sets)`,
      'SYN-002 baseline: no QC verdict although the timepoint completed',
    ]);
  });

  it('counts rows the parameter file does not produce, predictions lost or explained, and pathology', async () => {
    await store.putFeatureSet({
      studyId,
      pseudonym: 'SYN-001',
      timepoint: 'baseline',
      modality: 'T2',
      paramHash: 'p1',
      engineVersion: 'test',
      imageHash: 'i',
      maskHash: 'm',
      extractedAt: '2026-12-01T00:00:00Z',
      features: { original_firstorder_Mean: 1 },
    });
    for (const m of MODALITIES) await put('SYN-001', m, 'p1');
    for (const m of MODALITIES) await put('SYN-002', m, 'p1');
    await store.recordPrediction({ studyId, pseudonym: 'SYN-001', timepoint: 'baseline', model: 'm', modelVersion: '1', probability: 0.4, predictedAt: 'now' });
    await store.recordPathology({ studyId, pseudonym: 'SYN-001', necrosisPct: 95, huvosGrade: 'III', date: '2026-05-01' });
    const check = await checkStore(store, {
      ...input([]),
      timepoints: [
        { pseudonym: 'SYN-001', timepoint: 'baseline' },
        { pseudonym: 'SYN-002', timepoint: 'baseline', predictionNote: 'prediction not available: the registry did not answer' },
      ],
      model: { name: 'm', version: '1' },
      pathology: [
        { pseudonym: 'SYN-001', necrosisPct: 95, huvosGrade: 'III', date: '2026-05-01' },
        { pseudonym: 'SYN-002', necrosisPct: 40, huvosGrade: 'I', date: '2026-05-01' },
      ],
    });
    expect(check.features.unexpected).toBe(1);
    expect(check.features.lost).toBe(0);
    expect(check.predictions).toEqual({ expected: 2, present: 1, noted: 1, lost: 0 });
    expect(check.pathology).toEqual({ expected: 2, present: 1, lost: 1 });
    expect(check.problems).toContain('SYN-001 baseline T2: 1 feature rows of a modality the timepoint does not have');
    expect(check.problems).toContain('SYN-002: no pathology row');
  });
});
