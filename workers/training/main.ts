// Entry point of a standalone training worker process: `npx tsx workers/training/main.ts`.
// SIGINT/SIGTERM start a graceful shutdown (the SDK's default shutdown signals).
import { loadConfig } from '../../config';
import { mlflowEndpoint, temporalEndpoint } from '../../config/endpoints';
import { installRuntime } from '../runtime';
import { createTrainingWorker } from './worker';

async function main(): Promise<void> {
  installRuntime((process.env.OSTEOFLOW_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO');
  const cfg = loadConfig();
  // Only Temporal must answer now: MLflow is reached inside activities, which retry while it restarts.
  const temporal = temporalEndpoint(cfg);
  const mlflow = mlflowEndpoint(cfg, { whileRestarting: true });
  const training = await createTrainingWorker(cfg, { address: temporal.address, mlflowUri: mlflow.trackingUri });
  console.log(`training worker polling '${cfg.taskQueues.training}' on ${temporal.address} (namespace ${cfg.temporal.namespace})`);
  try {
    await training.worker.run();
  } finally {
    await training.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
