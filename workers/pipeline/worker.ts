// The pipeline worker (CPU task queue): every TypeScript workflow and the CPU activities.
import { NativeConnection, Worker } from '@temporalio/worker';
import type { OsteoflowConfig } from '../../config';
import { connectionOptions } from '../../config/temporal';
import { createActivities } from '../../activities';
import { registryPredictor } from '../../activities/pipeline/predict';
import { MlflowClient } from '../../registry/mlflowClient';
import { openResultsStore } from '../../store';
import type { ResultsStore } from '../../store/types';

export interface PipelineWorker {
  worker: Worker;
  connection: NativeConnection;
  store: ResultsStore;
  /** Closes what the worker opened (after `worker.run()` returned). */
  close(): Promise<void>;
}

export interface PipelineWorkerOptions {
  address: string;
  mlflowUri: string;
  /** Concurrent activities; feature extraction is CPU-bound, so about one per core. */
  maxConcurrentActivities?: number;
}

export async function createPipelineWorker(cfg: OsteoflowConfig, options: PipelineWorkerOptions): Promise<PipelineWorker> {
  const { tls } = connectionOptions(options.address, cfg.temporal);
  const connection = await NativeConnection.connect({ address: options.address, tls, apiKey: cfg.temporal.apiKey });
  const store = openResultsStore(cfg);
  let mlflow: MlflowClient | undefined;
  const activities = createActivities({
    store,
    predictor: registryPredictor(() => (mlflow ??= new MlflowClient({ trackingUri: options.mlflowUri, token: cfg.mlflow.token })), store),
    webhookUrl: cfg.notifications.webhookUrl,
  });
  const worker = await Worker.create({
    connection,
    namespace: cfg.temporal.namespace,
    taskQueue: cfg.taskQueues.pipeline,
    workflowsPath: require.resolve('../../workflows'),
    activities,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 2,
    // Let a running activity finish on SIGTERM before the worker exits.
    shutdownGraceTime: '30 seconds',
  });
  return {
    worker,
    connection,
    store,
    async close() {
      await store.close();
      await connection.close();
    },
  };
}
