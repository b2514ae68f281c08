// The console's access library: users, roles and permissions, sessions, API tokens and the audit trail.
import path from 'node:path';
import { parseStoreUrl, type OsteoflowConfig } from '../config';
import { PostgresAccessStore } from './postgresAccessStore';
import { SqliteAccessStore } from './sqliteAccessStore';
import type { AccessStore } from './types';

export * from './types';
export * from './roles';
export * from './passwords';
export * from './service';

export function accessStorePath(cfg: Pick<OsteoflowConfig, 'dataDir'>): string {
  return path.join(cfg.dataDir, 'access.sqlite');
}

/**
 * Opens the configured access store: on the results store's PostgreSQL server when OSTEOFLOW_STORE_URL names one (in
 * tables of its own), else embedded SQLite in the data folder.
 */
export function openAccessStore(cfg: Pick<OsteoflowConfig, 'dataDir'> & Partial<Pick<OsteoflowConfig, 'store'>>): AccessStore {
  if (cfg.store?.url !== undefined) return new PostgresAccessStore(parseStoreUrl(cfg.store));
  return new SqliteAccessStore(accessStorePath(cfg));
}

export { SqliteAccessStore, PostgresAccessStore };
