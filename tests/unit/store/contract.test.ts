// The results store's contract (tests/support/storeContract.ts) on the embedded SQLite store, each store a new file;
// the same suite runs on PostgreSQL in tests/integration/postgresStore.test.ts.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteResultsStore } from '../../../store/sqliteStore';
import type { ResultsStore } from '../../../store/types';
import { describeStoreContract } from '../../support/storeContract';
import { sqliteInAnotherProcess } from '../../support/sqliteInAnotherProcess';

const inAnotherProcess = (store: ResultsStore, statements: string, read: boolean) =>
  sqliteInAnotherProcess((store as SqliteResultsStore).file, statements, read);

describeStoreContract({
  name: 'SQLite',
  open: async () => new SqliteResultsStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'osteoflow-contract-')), 'results.sqlite')),
  sql: async (store, statement) => inAnotherProcess(store, statement, /^\s*(SELECT|PRAGMA|WITH)\b/i.test(statement)),
  dropAppendOnly: async (store) => {
    inAnotherProcess(store, 'DROP TRIGGER prediction_ledger_no_update; DROP TRIGGER prediction_ledger_no_delete;', false);
  },
});
