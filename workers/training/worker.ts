// The training worker (training task queue): the Training and Promotion workflows and the model activities. Training
// is CPU-bound, so one activity at a time by default.
import path from 'node:path';
import type { OsteoflowConfig } from '../../config';
import { createModelActivities } from '../../activities/models';
import { createStoreWorker, type StoreWorker, type StoreWorkerOptions } from '../storeWorker';

export type TrainingWorker = StoreWorker;

export interface TrainingWorkerOptions extends StoreWorkerOptions {
  maxConcurrentActivities?: number;
}

export function createTrainingWorker(cfg: OsteoflowConfig, options: TrainingWorkerOptions): Promise<TrainingWorker> {
  return createStoreWorker(cfg, options, ({ store, files, mlflow }) => ({
    taskQueue: cfg.taskQueues.training,
    workflowsPath: require.resolve('../../workflows/models'),
    activities: createModelActivities({ store, mlflow, files, cacheDir: path.join(cfg.dataDir, 'training') }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 1,
    shutdownGraceTime: '30 seconds',
  }));
}
