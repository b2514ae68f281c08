// The console's access library: users, roles and permissions, sessions, API tokens and the audit trail.
import path from 'node:path';
import type { OsteoflowConfig } from '../config';
import { SqliteAccessStore } from './sqliteAccessStore';
import type { AccessStore } from './types';

export * from './types';
export * from './roles';
export * from './passwords';
export * from './service';

export function accessStorePath(cfg: Pick<OsteoflowConfig, 'dataDir'>): string {
  return path.join(cfg.dataDir, 'access.sqlite');
}

/** Opens the configured access store (embedded SQLite in the data folder). */
export function openAccessStore(cfg: Pick<OsteoflowConfig, 'dataDir'>): AccessStore {
  return new SqliteAccessStore(accessStorePath(cfg));
}

export { SqliteAccessStore };
