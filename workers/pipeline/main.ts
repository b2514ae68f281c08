// Entry point of a standalone pipeline worker process: `npx tsx workers/pipeline/main.ts`.
// SIGINT/SIGTERM start a graceful shutdown (the SDK's default shutdown signals).
import { loadConfig } from '../../config';
import { mlflowEndpoint, temporalEndpoint } from '../../config/endpoints';
import { installRuntime } from '../runtime';
import { createPipelineWorker } from './worker';

async function main(): Promise<void> {
  installRuntime((process.env.OSTEOFLOW_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO');
  const cfg = loadConfig();
  // Only Temporal must answer now: MLflow is reached inside activities, which retry while it restarts.
  const temporal = temporalEndpoint(cfg);
  const mlflow = mlflowEndpoint(cfg, { whileRestarting: true });
  const pipeline = await createPipelineWorker(cfg, { address: temporal.address, mlflowUri: mlflow.trackingUri });
  const { worker } = pipeline;
  console.log(`pipeline worker polling '${cfg.taskQueues.pipeline}' on ${temporal.address} (namespace ${cfg.temporal.namespace})`);
  try {
    await worker.run();
  } finally {
    await pipeline.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
