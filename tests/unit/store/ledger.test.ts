// The prediction ledger in the results store: append-only (SQLite triggers refuse UPDATE and DELETE), a SHA-256 hash
// chain per study recomputed here from the documented canonical form, the first broken link found after a hand edit,
// the in-sample / re-score / silent flags, the latest-prediction reads derived from it, the prospective set scored
// against pathology recorded after the prediction, the upgrade of a version-2 file (its predictions carried over with
// unknown provenance), clinical values with the time they are known, and deltas read by parameter hash.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import { MIGRATIONS } from '../../../store/migrations';
import { StoreConflictError, type LedgerAppend } from '../../../store/types';

const tempFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'osteoflow-ledger-')), 'results.sqlite');
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const H1 = sha('row 1');
const H2 = sha('row 2');
const base: LedgerAppend = {
  studyId: 'OS-1',
  pseudonym: 'SYN-001',
  timepoint: 'preop',
  model: 'osteoflow-response',
  modelVersion: '3',
  probability: 0.7,
  predictedAt: '2026-01-01T00:00:00.000Z',
  featuresSha256: H1,
  inSample: false,
};

/** The entry hash as documented in store/ledger.ts, computed here independently of the store's code. */
function expectedHash(prev: string, e: Record<string, unknown>): string {
  return sha(
    JSON.stringify([
      'osteoflow-ledger/1',
      prev,
      e.studyId,
      e.pseudonym,
      e.timepoint,
      e.model,
      e.modelVersion,
      e.probability,
      e.featuresSha256,
      e.predictedAt,
      e.inSample,
      e.rescore,
      e.mode,
      e.attempt,
    ]),
  );
}

describe('prediction ledger', () => {
  it('chains each entry to the study’s previous one with SHA-256 over its content', async () => {
    const store = new SqliteResultsStore(':memory:');
    const a = await store.appendPrediction(base);
    const b = await store.appendPrediction({ ...base, pseudonym: 'SYN-002', probability: 0.1 + 0.2, featuresSha256: H2 });
    const other = await store.appendPrediction({ ...base, studyId: 'OS-2' });
    expect(a.prevHash).toBe('0'.repeat(64));
    expect(a.entryHash).toBe(expectedHash('0'.repeat(64), { ...base, rescore: false, mode: 'live', attempt: null }));
    expect(b.prevHash).toBe(a.entryHash);
    expect(b.entryHash).toBe(
      expectedHash(a.entryHash, {
        ...base,
        pseudonym: 'SYN-002',
        probability: 0.30000000000000004,
        featuresSha256: H2,
        rescore: false,
        mode: 'live',
        attempt: null,
      }),
    );
    expect(other.prevHash).toBe('0'.repeat(64)); // each study has its own chain
    expect(await store.verifyLedger()).toEqual({ checked: 3, studies: ['OS-1', 'OS-2'], broken: null, appendOnly: true });
    await store.close();
  });

  it('refuses UPDATE and DELETE on the ledger table', async () => {
    const file = tempFile();
    const store = new SqliteResultsStore(file);
    await store.appendPrediction(base);
    await store.close();
    const raw = new Database(file);
    expect(() => raw.prepare('UPDATE prediction_ledger SET probability = 0.1').run()).toThrow(/append-only: an entry is never changed/);
    expect(() => raw.prepare('DELETE FROM prediction_ledger').run()).toThrow(/append-only: an entry is never deleted/);
    expect(raw.prepare('SELECT probability FROM prediction_ledger').get()).toEqual({ probability: 0.7 });
    raw.close();
  });

  it('finds the first broken link after a hand edit: a changed entry, or one removed', async () => {
    const build = async () => {
      const file = tempFile();
      const store = new SqliteResultsStore(file);
      for (let i = 1; i <= 4; i++) await store.appendPrediction({ ...base, pseudonym: `SYN-00${i}`, probability: i / 10 });
      await store.close();
      const raw = new Database(file);
      raw.exec('DROP TRIGGER prediction_ledger_no_update; DROP TRIGGER prediction_ledger_no_delete;');
      return { file, raw };
    };
    const edited = await build();
    edited.raw.prepare('UPDATE prediction_ledger SET probability = 0.9 WHERE seq = 2').run();
    edited.raw.close();
    const s1 = new SqliteResultsStore(edited.file);
    const v1 = await s1.verifyLedger('OS-1');
    expect(v1.appendOnly).toBe(false);
    expect(v1.broken).toMatchObject({ seq: 2, studyId: 'OS-1' });
    expect(v1.broken!.reason).toMatch(/^entry 2 \(SYN-002 preop, osteoflow-response@3\) does not match its hash: its content was changed/);
    await s1.close();

    const removed = await build();
    removed.raw.prepare('DELETE FROM prediction_ledger WHERE seq = 2').run();
    removed.raw.close();
    const s2 = new SqliteResultsStore(removed.file);
    const v2 = await s2.verifyLedger();
    expect(v2.broken).toMatchObject({ seq: 3, studyId: 'OS-1' });
    expect(v2.broken!.reason).toMatch(/the study's entry before it \(1\) hashes to .*an entry between them was removed, inserted or reordered/);
    await s2.close();
  });

  it('flags re-scores and silent predictions, reads the latest live one per version, and appends a retried attempt once', async () => {
    const store = new SqliteResultsStore(':memory:');
    const first = await store.appendPrediction({ ...base, attempt: 'wf/run/7/live' });
    const retried = await store.appendPrediction({ ...base, probability: 0.2, attempt: 'wf/run/7/live' });
    expect(retried).toEqual(first);
    const again = await store.appendPrediction({ ...base, probability: 0.71, predictedAt: '2026-01-02T00:00:00.000Z' });
    expect([first.rescore, again.rescore]).toEqual([false, true]);
    const silent = await store.appendPrediction({ ...base, modelVersion: '4', probability: 0.4, mode: 'silent' });
    expect(silent).toMatchObject({ mode: 'silent', rescore: false });
    const explicit = await store.appendPrediction({ ...base, pseudonym: 'SYN-009', rescore: true, inSample: true });
    expect(explicit).toMatchObject({ rescore: true, inSample: true });
    expect(await store.listPredictions({ studyId: 'OS-1', pseudonym: 'SYN-001' })).toEqual([
      {
        studyId: 'OS-1',
        pseudonym: 'SYN-001',
        timepoint: 'preop',
        model: 'osteoflow-response',
        modelVersion: '3',
        probability: 0.71,
        predictedAt: '2026-01-02T00:00:00.000Z',
      },
    ]);
    expect((await store.ledgerEntries({ studyId: 'OS-1' })).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    await store.close();
  });

  it('refuses an entry without its input hash or in-sample flag, naming the field', async () => {
    const store = new SqliteResultsStore(':memory:');
    await expect(store.appendPrediction({ ...base, featuresSha256: 'abc' })).rejects.toThrow(/featuresSha256 must be a SHA-256 in hex, got "abc"/);
    await expect(store.appendPrediction({ ...base, inSample: undefined as unknown as boolean })).rejects.toThrow(/inSample must be true or false/);
    await expect(store.appendPrediction({ ...base, probability: 1.5 })).rejects.toThrow(/probability must be in \[0, 1\], got 1.5/);
    await store.close();
  });

  it('scores as prospective only predictions made before the pathology, out of sample, with their input recorded', async () => {
    const store = new SqliteResultsStore(':memory:');
    const before = '2000-01-01T00:00:00.000Z';
    await store.appendPrediction({ ...base, predictedAt: before, probability: 0.6 });
    await store.appendPrediction({ ...base, predictedAt: '2000-02-01T00:00:00.000Z', probability: 0.65, mode: 'silent' }); // the last before
    await store.appendPrediction({ ...base, pseudonym: 'SYN-002', predictedAt: before, inSample: true }); // trained on
    await store.recordPrediction({ ...base, pseudonym: 'SYN-003', predictedAt: before }); // input unknown
    await store.appendPrediction({ ...base, pseudonym: 'SYN-004', predictedAt: before, probability: 0.2 }); // no pathology yet
    for (const pseudonym of ['SYN-001', 'SYN-002', 'SYN-003']) {
      await store.recordPathology({ studyId: 'OS-1', pseudonym, necrosisPct: 95, huvosGrade: 'III', date: '2026-05-01' });
    }
    await store.appendPrediction({ ...base, predictedAt: '2999-01-01T00:00:00.000Z', probability: 0.99, rescore: true }); // after the truth
    const scored = await store.prospectivePredictions('OS-1');
    expect(scored.map((s) => [s.entry.pseudonym, s.entry.probability, s.necrosisPct])).toEqual([['SYN-001', 0.65, 95]]);
    await store.close();
  });

  it('upgrades a version-2 file: its predictions enter the ledger with unknown provenance, reads unchanged', async () => {
    const file = tempFile();
    await new SqliteResultsStore(file, MIGRATIONS.slice(0, 2)).close();
    const raw = new Database(file);
    raw
      .prepare('INSERT INTO patients (study_id, pseudonym, enrolled_at, clinical) VALUES (?, ?, ?, ?)')
      .run('OS-1', 'SYN-001', '2025-01-01T00:00:00.000Z', '{"ageYears":14,"site":"femur"}');
    const insert = raw.prepare(
      'INSERT INTO predictions (study_id, pseudonym, timepoint, model, model_version, probability, predicted_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    insert.run('OS-1', 'SYN-001', 'preop', 'm', '2', 0.3, '2025-03-01T00:00:00.000Z');
    insert.run('OS-1', 'SYN-001', 'preop', 'm', '1', 0.4, '2025-02-01T00:00:00.000Z');
    raw.close();
    const store = new SqliteResultsStore(file);
    const entries = await store.ledgerEntries();
    expect(entries.map((e) => [e.modelVersion, e.featuresSha256, e.inSample, e.rescore])).toEqual([
      ['1', null, null, null],
      ['2', null, null, null],
    ]);
    expect((await store.verifyLedger()).broken).toBeNull();
    expect((await store.listPredictions({ studyId: 'OS-1', pseudonym: 'SYN-001' })).map((p) => p.modelVersion)).toEqual(['1', '2']);
    expect(await store.getClinical({ studyId: 'OS-1', pseudonym: 'SYN-001' })).toEqual([
      { variable: 'ageYears', value: 14, timepoint: null, knownAt: '2025-01-01T00:00:00.000Z' },
      { variable: 'site', value: 'femur', timepoint: null, knownAt: '2025-01-01T00:00:00.000Z' },
    ]);
    await store.close();
  });
});

describe('clinical values with the time they are known', () => {
  const key = { studyId: 'OS-1', pseudonym: 'SYN-001' };
  it('keeps enrolment values and later ones apart, and names what is wrong in a bad one', async () => {
    const store = new SqliteResultsStore(':memory:');
    await store.upsertPatient({ ...key, enrolledAt: '2026-01-01T00:00:00.000Z', clinical: { ageYears: 15 } });
    await store.recordClinical(key, { variable: 'margin', value: 'R0', timepoint: 'postop', knownAt: '2026-06-01T00:00:00.000Z' });
    expect(await store.getClinical(key)).toEqual([
      { variable: 'ageYears', value: 15, timepoint: null, knownAt: '2026-01-01T00:00:00.000Z' },
      { variable: 'margin', value: 'R0', timepoint: 'postop', knownAt: '2026-06-01T00:00:00.000Z' },
    ]);
    await expect(store.recordClinical(key, { variable: 'alp', value: Number.NaN, timepoint: 'mid', knownAt: '2026-02-01T00:00:00Z' })).rejects.toThrow(
      "clinical value 'alp': value must be a finite number or a non-empty text, got null",
    );
    await expect(store.recordClinical(key, { variable: 'alp', value: 200, timepoint: 'mid', knownAt: 'yesterday' })).rejects.toThrow(
      'clinical value \'alp\': knownAt must be an ISO 8601 time, got "yesterday"',
    );
    await expect(
      store.recordClinical({ ...key, pseudonym: 'SYN-404' }, { variable: 'alp', value: 200, timepoint: 'mid', knownAt: '2026-02-01T00:00:00Z' }),
    ).rejects.toBeInstanceOf(StoreConflictError);
    await store.close();
  });
});

describe('deltas by parameter hash', () => {
  it('reads one parameter hash, and refuses to mix two when none is named', async () => {
    const store = new SqliteResultsStore(':memory:');
    const mid = { studyId: 'OS-1', pseudonym: 'SYN-001', timepoint: 'mid' };
    const row = (relative: number) => ({
      modality: 'T1CE',
      feature: 'f',
      reference: 'baseline' as const,
      referenceTimepoint: 'baseline',
      absolute: 1,
      relative,
    });
    await store.putDeltas(mid, 'hash-a', [row(0.1)]);
    await store.putDeltas(mid, 'hash-b', [row(0.2)]);
    expect(await store.getDeltas(mid, 'hash-a')).toEqual([row(0.1)]);
    expect(await store.getDeltas(mid, 'hash-b')).toEqual([row(0.2)]);
    await expect(store.getDeltas(mid)).rejects.toThrow(/stored under 2 parameter hashes \(hash-a…, hash-b…\); name the parameter hash to read/);
    await store.close();
  });
});
