// The training worker (training task queue): the Training and Promotion workflows and the model activities. Training
// is CPU-bound, so one activity at a time by default.
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { OsteoflowConfig } from '../../config';
import { connectionOptions } from '../../config/temporal';
import { createModelActivities } from '../../activities/models';
import { MlflowClient } from '../../registry/mlflowClient';
import { openResultsStore } from '../../store';
import type { ResultsStore } from '../../store/types';

export interface TrainingWorker {
  worker: Worker;
  connection: NativeConnection;
  store: ResultsStore;
  close(): Promise<void>;
}

export interface TrainingWorkerOptions {
  address: string;
  mlflowUri: string;
  maxConcurrentActivities?: number;
  /** Registry client options (tests shorten the backoff). */
  mlflow?: { maxAttempts?: number; initialBackoffMs?: number };
}

export async function createTrainingWorker(cfg: OsteoflowConfig, options: TrainingWorkerOptions): Promise<TrainingWorker> {
  const { tls } = connectionOptions(options.address, cfg.temporal);
  const connection = await NativeConnection.connect({ address: options.address, tls, apiKey: cfg.temporal.apiKey });
  const store = openResultsStore(cfg);
  let mlflow: MlflowClient | undefined;
  const activities = createModelActivities({
    store,
    mlflow: () => (mlflow ??= new MlflowClient({ trackingUri: options.mlflowUri, token: cfg.mlflow.token, ...options.mlflow })),
    cacheDir: path.join(cfg.dataDir, 'training'),
  });
  const worker = await Worker.create({
    connection,
    namespace: cfg.temporal.namespace,
    taskQueue: cfg.taskQueues.training,
    workflowsPath: require.resolve('../../workflows/models'),
    activities,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 1,
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
