// Restarting one of the stack's servers mid-study: the server's process group is stopped (SIGTERM, as an operator or
// a host reboot would), and after the planned pause the stack starter brings it back on the same port with the same
// data folder, so the workflows, the registry and the workers' addresses all stay as they were.
import type { OsteoflowConfig } from '../../config';
import { isOurs, readState, stackPaths, type ServerRecord } from '../../config/endpoints';
import { sleep, stopProcessGroup } from '../processes';
import { startStack } from '../stack';

export type ServerName = 'temporal' | 'mlflow';

/** startStack, tried again for a while: right after a stop the port can still be held for a moment. */
export async function ensureStack(cfg: OsteoflowConfig, log: (line: string) => void, signal?: AbortSignal, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      await startStack(cfg, { headless: true, log });
      return;
    } catch (err) {
      if (attempt >= attempts) throw err;
      log(`the stack did not start (${(err as Error).message.split('\n')[0]}); trying again`);
      await sleep(2000 * attempt);
    }
  }
}

/** Stops the server and starts it again after `downMs`; a campaign stopping meanwhile leaves it stopped. */
export async function restartServer(cfg: OsteoflowConfig, server: ServerName, downMs: number, log: (line: string) => void, signal: AbortSignal): Promise<void> {
  const record = readState(stackPaths(cfg.dataDir).state)[server];
  if (record && isOurs(record, server)) await stopProcessGroup(record.pid);
  await sleep(downMs);
  await ensureStack(cfg, log, signal);
}

/** Whether both embedded servers of the data folder are running. */
export function stackRunning(cfg: OsteoflowConfig): boolean {
  const state = readState(stackPaths(cfg.dataDir).state);
  return isOurs(state.temporal, 'temporal') && isOurs(state.mlflow, 'mlflow');
}

/** On the way out of a dying process: SIGKILL to every server of the data folder the stack recorded. */
export function killStackNow(cfg: OsteoflowConfig): void {
  const state = readState(stackPaths(cfg.dataDir).state) as Record<string, ServerRecord | undefined>;
  for (const record of Object.values(state)) {
    // Ours when the process still runs with the campaign's data folder on its command line.
    if (!record?.pid || !isOurs(record, cfg.dataDir)) continue;
    try {
      process.kill(-record.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
