// Opens the configured results store (embedded SQLite by default).
import path from 'node:path';
import type { OsteoflowConfig } from '../config';
import { SqliteResultsStore } from './sqliteStore';
import type { ResultsStore } from './types';

export * from './types';

export function resultsStorePath(cfg: OsteoflowConfig): string {
  return path.join(cfg.dataDir, 'results.sqlite');
}

export function openResultsStore(cfg: OsteoflowConfig): ResultsStore {
  return new SqliteResultsStore(resultsStorePath(cfg));
}
