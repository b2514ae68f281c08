// What only the SQLite store has: migrating a file (once, also when several processes open a new file at once),
// refusing a file of a newer schema, and upgrading an older file in place. Its behaviour as a results store is the
// shared contract (contract.test.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import { MIGRATIONS } from '../../../store/migrations';

const tp = { studyId: 'OS-1', pseudonym: 'SYN-001', timepoint: 'baseline' };

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
