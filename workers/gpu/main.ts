// Entry point of a GPU (segmentation) worker process: `npx tsx workers/gpu/main.ts`. Settings: workers/gpu/README.md.
// SIGINT/SIGTERM start a graceful shutdown (the SDK's default shutdown signals).
import { loadConfig } from '../../config';
import { temporalEndpoint } from '../../config/endpoints';
import { installRuntime } from '../runtime';
import { loadGpuWorkerSettings } from './settings';
import { createGpuWorker } from './worker';

async function main(): Promise<void> {
  installRuntime((process.env.OSTEOFLOW_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO');
  const cfg = loadConfig();
  const settings = loadGpuWorkerSettings();
  const temporal = temporalEndpoint(cfg);
  const gpu = await createGpuWorker(cfg, { address: temporal.address, settings });
  for (const { pkg, session } of gpu.models.list()) {
    const fallback = session.fallbackReason ? ` (preferred ${settings.providers.join(' > ')}; ${session.fallbackReason})` : '';
    console.log(`model ${pkg.ref} on ${session.provider}${fallback}`);
  }
  console.log(`gpu worker polling '${gpu.taskQueue}' on ${temporal.address} (namespace ${cfg.temporal.namespace}), ${settings.concurrency} at a time`);
  try {
    await gpu.worker.run();
  } finally {
    await gpu.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
