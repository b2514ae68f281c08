// Opens the configured blob store: PostgreSQL large objects when OSTEOFLOW_STORE_URL names a server (every host then
// shares it, each with its own cache under its data folder), else a folder in this host's data folder.
import path from 'node:path';
import { parseStoreUrl, type OsteoflowConfig } from '../../config';
import { LocalFolderBlobStore } from './localFolder';
import { PostgresBlobStore } from './postgres';
import type { BlobStore } from './types';

export * from './types';
export { LocalFolderBlobStore } from './localFolder';
export { PostgresBlobStore } from './postgres';

export function openBlobStore(cfg: OsteoflowConfig): BlobStore {
  if (cfg.store.url !== undefined) return new PostgresBlobStore(parseStoreUrl(cfg.store), path.join(cfg.dataDir, 'blob-cache'));
  return new LocalFolderBlobStore(path.join(cfg.dataDir, 'blobs'));
}
