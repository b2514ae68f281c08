// Stops the stack that globalSetup started (external servers are left alone) and removes its throw-away data folder.
import { rmSync } from 'node:fs';
import { loadConfig } from '../../config';
import { stopStack } from '../../ops/stack';

export default async function globalTeardown(): Promise<void> {
  const cfg = loadConfig();
  if (process.env.OSTEOFLOW_TEST_STOPS_STACK === 'true') await stopStack(cfg);
  if (process.env.OSTEOFLOW_TEST_OWNS_DATA_DIR === 'true') rmSync(cfg.dataDir, { recursive: true, force: true });
}
