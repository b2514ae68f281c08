// Opens the configured results store: PostgreSQL when OSTEOFLOW_STORE_URL names a server, else the embedded SQLite
// file in the data folder. The workers, the training client and the CLI's summary open it here, each in its own process
// from the same configuration.
import path from 'node:path';
import { parseStoreUrl, type OsteoflowConfig } from '../config';
import { PostgresResultsStore } from './postgresStore';
import { SqliteResultsStore } from './sqliteStore';
import type { ResultsStore } from './types';

export * from './types';

export function resultsStorePath(cfg: OsteoflowConfig): string {
  return path.join(cfg.dataDir, 'results.sqlite');
}

/**
 * Opens the store. A PostgreSQL store connects and migrates in the background: its first call waits for that, and
 * fails with the server's URL (password hidden) when the server cannot be reached or has a newer schema.
 */
export function openResultsStore(cfg: OsteoflowConfig): ResultsStore {
  if (cfg.store.url !== undefined) return new PostgresResultsStore(parseStoreUrl(cfg.store));
  return new SqliteResultsStore(resultsStorePath(cfg));
}
