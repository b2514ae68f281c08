// The prediction ledger where only SQLite has a past: upgrading a version-2 file, whose predictions enter the ledger
// with unknown provenance. The ledger's behaviour on every backend is the shared contract (contract.test.ts).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import { MIGRATIONS } from '../../../store/migrations';

const tempFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'osteoflow-ledger-')), 'results.sqlite');
describe('prediction ledger in a SQLite file', () => {
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
