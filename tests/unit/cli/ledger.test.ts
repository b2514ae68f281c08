// `osteoflow ledger verify`: an intact ledger answers exit 0 with the count; a database edited by hand (an entry's
// probability changed after the append-only triggers were dropped) answers exit 1 naming the first broken entry.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { main } from '../../../cli/main';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import { captureOutput } from './support/captureOutput';

const osteoflow = (...argv: string[]) => captureOutput(() => main(argv));

async function ledgerFile(): Promise<string> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'osteoflow-ledger-cli-')), 'results.sqlite');
  const store = new SqliteResultsStore(file);
  for (const [study, pseudonym, p] of [
    ['OS-A', 'SYN-001', 0.2],
    ['OS-A', 'SYN-002', 0.4],
    ['OS-B', 'SYN-001', 0.6],
    ['OS-A', 'SYN-003', 0.8],
  ] as const) {
    await store.appendPrediction({
      studyId: study,
      pseudonym,
      timepoint: 'preop',
      model: 'm',
      modelVersion: '1',
      probability: p,
      predictedAt: '2026-01-01T00:00:00.000Z',
      featuresSha256: createHash('sha256').update(pseudonym).digest('hex'),
      inSample: false,
    });
  }
  await store.close();
  return file;
}

jest.setTimeout(30000);

describe('osteoflow ledger verify', () => {
  it('reports an intact ledger, exit 0', async () => {
    const file = await ledgerFile();
    expect(await osteoflow('ledger', 'verify', '--db', file)).toEqual({
      code: 0,
      out: 'ledger intact: 4 entries of 2 studies, every link verified; append-only\n',
      err: '',
    });
    expect(await osteoflow('ledger', 'verify', '--db', file, '--study', 'OS-A')).toMatchObject({
      code: 0,
      out: 'ledger intact: 3 entries of study OS-A, every link verified; append-only\n',
    });
  });

  it('names the first broken entry of a database edited by hand, exit 1', async () => {
    const file = await ledgerFile();
    const raw = new Database(file);
    raw.exec('DROP TRIGGER prediction_ledger_no_update');
    raw.prepare('UPDATE prediction_ledger SET probability = 0.9 WHERE seq = 2').run();
    raw.close();
    const r = await osteoflow('ledger', 'verify', '--db', file);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'osteoflow ledger verify: broken at entry 2 of study OS-A: entry 2 (SYN-002 preop, m@1) does not match its hash: its content was changed after it was written\n' +
        'osteoflow ledger verify: the triggers that keep the ledger append-only are missing: the database was altered outside osteoflow\n',
    );
    // Another study's chain is intact.
    expect((await osteoflow('ledger', 'verify', '--db', file, '--study', 'OS-B')).err).not.toMatch(/broken/);
  });

  it('refuses an unknown action or a missing database', async () => {
    expect((await osteoflow('ledger', 'check')).code).toBe(2);
    const missing = await osteoflow('ledger', 'verify', '--db', '/nonexistent/results.sqlite');
    expect(missing).toEqual({ code: 1, out: '', err: 'osteoflow ledger verify: no results store at /nonexistent/results.sqlite\n' });
  });
});
