// The results store's contract (tests/support/storeContract.ts) on the embedded SQLite store, each store a new file;
// the same suite runs on PostgreSQL in tests/integration/postgresStore.test.ts.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import type { ResultsStore } from '../../../store/types';
import { describeStoreContract } from '../../support/storeContract';

/** A second connection to the store's file, as sqlite3 at a prompt would open it. */
function withRaw<T>(store: ResultsStore, fn: (raw: Database.Database) => T): T {
  const raw = new Database((store as SqliteResultsStore).file);
  try {
    return fn(raw);
  } finally {
    raw.close();
  }
}

describeStoreContract({
  name: 'SQLite',
  open: async () => new SqliteResultsStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'osteoflow-contract-')), 'results.sqlite')),
  sql: async (store, statement) =>
    withRaw(store, (raw) => {
      const prepared = raw.prepare(statement);
      if (prepared.reader) return prepared.all() as Array<Record<string, unknown>>;
      prepared.run();
      return [];
    }),
  dropAppendOnly: async (store) => {
    withRaw(store, (raw) => raw.exec('DROP TRIGGER prediction_ledger_no_update; DROP TRIGGER prediction_ledger_no_delete;'));
  },
});
