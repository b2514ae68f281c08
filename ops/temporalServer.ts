// The embedded Temporal dev server (`temporal server start-dev` with a SQLite file) and the probes that tell it answers.
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';
import type { OsteoflowConfig } from '../config';
import { connectionOptions } from '../config/temporal';

const CLI_TYPE: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

export function devServerArgs(opts: { dbFile: string; namespace: string; port: number; uiPort: number; headless: boolean }): string[] {
  const args = ['server', 'start-dev', '--db-filename', opts.dbFile, '--namespace', opts.namespace];
  args.push('--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'warn');
  // Write-ahead log, synced at checkpoints: a killed server loses nothing it committed (a power cut may lose the last
  // transactions, never the file), and a study runs 2.2× faster than with the rollback journal synced at every commit
  // (npm run bench:scale).
  args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-disable-news-fetch');
  for (const key of ALL_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=${CLI_TYPE[key.type]}`);
  return args;
}

/** True when the server answers for the namespace. */
export async function temporalAnswers(address: string, cfg: OsteoflowConfig['temporal']): Promise<boolean> {
  const connection = await Connection.connect(connectionOptions(address, cfg));
  try {
    await connection.workflowService.describeNamespace({ namespace: cfg.namespace });
    return true;
  } finally {
    await connection.close();
  }
}

/** Names of osteoflow's search attributes the namespace lacks (an external server is not ours to change). */
export async function missingSearchAttributes(address: string, cfg: OsteoflowConfig['temporal']): Promise<string[]> {
  const connection = await Connection.connect(connectionOptions(address, cfg));
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: cfg.namespace });
    return ALL_SEARCH_ATTRIBUTES.filter((key) => !customAttributes || !(key.name in customAttributes)).map((key) => `${key.name}=${CLI_TYPE[key.type]}`);
  } finally {
    await connection.close();
  }
}
