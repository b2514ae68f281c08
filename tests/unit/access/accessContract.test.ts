// The access store's contract on the embedded SQLite store (the same suite runs on PostgreSQL in
// tests/integration/consoleAccessPostgres.test.ts).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteAccessStore, type AccessStore } from '../../../access';
import { describeAccessContract } from './support/accessContract';
import { sqliteInAnotherProcess } from '../../support/sqliteInAnotherProcess';

describeAccessContract({
  name: 'SQLite',
  auditTable: 'audit_log',
  open: async () => new SqliteAccessStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'osteoflow-access-contract-')), 'access.sqlite')),
  sql: async (store: AccessStore, statement: string) => sqliteInAnotherProcess((store as SqliteAccessStore).file, statement, false),
});
