// The results store's contract (tests/support/storeContract.ts) on the embedded SQLite store, each store a new file;
// the same suite runs on PostgreSQL in tests/integration/postgresStore.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import type { ResultsStore } from '../../../store/types';
import { describeStoreContract } from '../../support/storeContract';

/**
 * Statements run on the store's file by another process, as sqlite3 at a prompt would run them. (A second connection
 * inside the test's own process shares SQLite's per-process file state with the store's, which is not what a person
 * editing the file by hand would have.)
 */
function inAnotherProcess(store: ResultsStore, statements: string, read: boolean): Array<Record<string, unknown>> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1], { fileMustExist: true });
    try {
      const rows = process.argv[3] === 'read' ? db.prepare(process.argv[2]).all() : (db.exec(process.argv[2]), []);
      process.stdout.write(JSON.stringify({ rows }));
    } catch (err) {
      process.stdout.write(JSON.stringify({ error: err.message }));
    } finally {
      db.close();
    }`;
  const run = spawnSync(process.execPath, ['-e', script, (store as SqliteResultsStore).file, statements, read ? 'read' : 'write'], {
    encoding: 'utf8',
    cwd: path.join(__dirname, '..', '..', '..'),
  });
  if (run.status !== 0) throw new Error(`sqlite in another process failed: ${run.stderr}`);
  const answer = JSON.parse(run.stdout) as { rows: Array<Record<string, unknown>> } | { error: string };
  if ('error' in answer) throw new Error(answer.error);
  return answer.rows;
}

describeStoreContract({
  name: 'SQLite',
  open: async () => new SqliteResultsStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'osteoflow-contract-')), 'results.sqlite')),
  sql: async (store, statement) => inAnotherProcess(store, statement, /^\s*(SELECT|PRAGMA|WITH)\b/i.test(statement)),
  dropAppendOnly: async (store) => {
    inAnotherProcess(store, 'DROP TRIGGER prediction_ledger_no_update; DROP TRIGGER prediction_ledger_no_delete;', false);
  },
});
