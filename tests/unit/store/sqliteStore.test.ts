import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import { MIGRATIONS } from '../../../store/migrations';
import { StoreConflictError, type FeatureSet } from '../../../store/types';

const tp = { studyId: 'OS-1', pseudonym: 'SYN-001', timepoint: 'baseline' };
const set = (features: Record<string, number>, extra: Partial<FeatureSet> = {}): FeatureSet => ({
  ...tp,
  modality: 'T1CE',
  paramHash: 'p1',
  engineVersion: '0.1.0',
  imageHash: 'img',
  maskHash: 'msk',
  extractedAt: '2026-11-26T00:00:00Z',
  features,
  ...extra,
});

function tempFile(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'osteoflow-store-')), 'results.sqlite');
}

describe('SqliteResultsStore', () => {
  it('migrates a new file once and reopens it without re-applying', async () => {
    const file = tempFile();
    const first = new SqliteResultsStore(file);
    expect(first.schemaVersion()).toBe(3);
    await first.close();
    const again = new SqliteResultsStore(file);
    expect(again.schemaVersion()).toBe(3);
    await again.close();
  });

  it('refuses a database written by a newer schema', async () => {
    const file = tempFile();
    await new SqliteResultsStore(file).close();
    const raw = new Database(file);
    raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')").run();
    raw.close();
    expect(() => new SqliteResultsStore(file)).toThrow(/schema version 99 is newer than this osteoflow knows \(3\)/);
  });

  it('writes a feature set idempotently: a retried write leaves one copy', async () => {
    const store = new SqliteResultsStore(':memory:');
    const features = { original_firstorder_Mean: 12.5, original_glcm_Contrast: 3.25, original_shape_MeshVolume: 1000 };
    await store.putFeatureSet(set(features));
    await store.putFeatureSet(set(features));
    expect(await store.countFeatureRows(tp)).toBe(3);
    const [read] = await store.getFeatureSets(tp);
    expect(read.features).toEqual(features);
    await store.close();
  });

  it('keeps the previous feature set when a replacing write fails', async () => {
    const store = new SqliteResultsStore(':memory:');
    await store.putFeatureSet(set({ original_firstorder_Mean: 1 }));
    // The second value cannot be bound, so the write fails after the old set was deleted inside the transaction.
    const broken = set({ original_firstorder_Mean: 2, original_firstorder_Median: Symbol('not a number') as unknown as number });
    await expect(store.putFeatureSet(broken)).rejects.toThrow(/can only bind numbers/);
    const [read] = await store.getFeatureSets(tp);
    expect(read.features).toEqual({ original_firstorder_Mean: 1 });
    await store.close();
  });

  it('round-trips NaN features (PyRadiomics gives NaN for some degenerate ROIs)', async () => {
    const store = new SqliteResultsStore(':memory:');
    await store.putFeatureSet(set({ original_glcm_Correlation: Number.NaN }));
    expect((await store.getFeatureSets(tp))[0].features.original_glcm_Correlation).toBeNaN();
    await store.close();
  });

  it('records pathology once: the same record again is a no-op, a different one a conflict that changes nothing', async () => {
    const store = new SqliteResultsStore(':memory:');
    const record = { studyId: 'OS-1', pseudonym: 'SYN-001', necrosisPct: 95, huvosGrade: 'III' as const, date: '2026-03-01' };
    await store.recordPathology(record);
    await store.recordPathology(record);
    await expect(store.recordPathology({ ...record, necrosisPct: 40, huvosGrade: 'II' })).rejects.toBeInstanceOf(StoreConflictError);
    expect(await store.getPathology(record)).toEqual(record);
    await store.close();
  });

  it('replaces deltas atomically and keeps scans idempotent; the latest live prediction per version is the one read', async () => {
    const store = new SqliteResultsStore(':memory:');
    const mid = { ...tp, timepoint: 'mid' };
    const row = {
      modality: 'T1CE',
      feature: 'original_shape_MeshVolume',
      reference: 'baseline' as const,
      referenceTimepoint: 'baseline',
      absolute: -100,
      relative: -0.1,
    };
    await store.putDeltas(mid, 'p1', [row, { ...row, feature: 'original_firstorder_Mean' }]);
    await store.putDeltas(mid, 'p1', [row]);
    expect(await store.getDeltas(mid)).toEqual([row]);
    expect(await store.getDeltas(mid, 'p1')).toEqual([row]);
    expect(await store.getDeltas(mid, 'p2')).toEqual([]);
    const scan = { ...tp, modality: 'T1CE', role: 'image' as const, sha256: 'abc', path: '/s/a', source: '/src/a' };
    await store.recordScan(scan);
    await store.recordScan(scan);
    expect(await store.listScans(tp)).toEqual([scan]);
    const prediction = { ...mid, model: 'osteoflow-response', modelVersion: '3', probability: 0.7, predictedAt: 't1' };
    await store.recordPrediction(prediction);
    await store.recordPrediction({ ...prediction, probability: 0.71, predictedAt: 't2' });
    expect(await store.listPredictions(tp)).toEqual([{ ...prediction, probability: 0.71, predictedAt: 't2' }]);
    await store.close();
  });

  it('keeps one QC row per activity attempt: a retry replaces its own verdict, another attempt adds one', async () => {
    const store = new SqliteResultsStore(tempFile());
    const finding = { code: 'too-few-slices' as const, modality: 'T1CE', message: 'T1CE: 4 slices (minimum 8)' };
    const verdict = { ...tp, passed: false, reasons: [finding.message], findings: [finding], checkedAt: '2026-11-26T00:00:00Z' };
    await store.recordQc({ ...verdict, attempt: 'OS-1/SYN-001/run-1/3' });
    await store.recordQc({ ...verdict, attempt: 'OS-1/SYN-001/run-1/3', checkedAt: '2026-11-26T00:01:00Z' });
    const rows = () => (store as unknown as { db: Database.Database }).db.prepare('SELECT attempt, checked_at FROM qc_results').all();
    expect(rows()).toEqual([{ attempt: 'OS-1/SYN-001/run-1/3', checked_at: '2026-11-26T00:01:00Z' }]);
    await store.recordQc({ ...tp, passed: true, reasons: [], findings: [], attempt: 'OS-1/SYN-001/run-1/9', checkedAt: '2026-11-26T01:00:00Z' });
    expect(rows()).toHaveLength(2);
    expect(await store.latestQc(tp)).toEqual({
      ...tp,
      passed: true,
      reasons: [],
      findings: [],
      attempt: 'OS-1/SYN-001/run-1/9',
      checkedAt: '2026-11-26T01:00:00Z',
    });
    await store.close();
  });

  it('upgrades a version-1 file in place, keeping its QC rows (without codes or attempt)', async () => {
    const file = tempFile();
    await new SqliteResultsStore(file, MIGRATIONS.slice(0, 1)).close();
    const raw = new Database(file);
    raw
      .prepare('INSERT INTO qc_results (study_id, pseudonym, timepoint, passed, reasons, checked_at) VALUES (?, ?, ?, 0, ?, ?)')
      .run(tp.studyId, tp.pseudonym, tp.timepoint, JSON.stringify(['T2: required modality missing']), '2026-11-26T00:00:00Z');
    raw.close();
    const upgraded = new SqliteResultsStore(file);
    expect(upgraded.schemaVersion()).toBe(3);
    expect(await upgraded.latestQc(tp)).toEqual({ ...tp, passed: false, reasons: ['T2: required modality missing'], checkedAt: '2026-11-26T00:00:00Z' });
    await upgraded.close();
  });

  it('migrates once when several processes open the same new file at the same moment', async () => {
    const child = path.join(__dirname, 'support', 'openStore.ts');
    const open = (file: string, startAt: number) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, ['-r', 'tsx/cjs', child, file, String(startAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('close', (code) => resolve({ code, out: out.trim(), err }));
      });
    for (let round = 0; round < 12; round++) {
      const file = tempFile();
      const startAt = Date.now() + 2500; // after every child has loaded
      const results = await Promise.all([open(file, startAt), open(file, startAt), open(file, startAt)]);
      expect(results).toEqual([0, 1, 2].map(() => ({ code: 0, out: '3', err: '' })));
      const raw = new Database(file, { readonly: true });
      expect(raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
      raw.close();
    }
  }, 120000);
});
