// The pipeline worker (CPU task queue): every TypeScript workflow, the CPU activities (DICOM registered by hand
// de-identified as it is acquired) and PACS intake's, with its check that an assigned patient is enrolled.
import type { OsteoflowConfig } from '../../config';
import { createActivities } from '../../activities';
import { registryPredictor } from '../../activities/pipeline/predict';
import { createIntakeActivities } from '../../activities/intake/activities';
import { createEnrolmentActivities } from '../../activities/pipeline/enrolment';
import { acquisitionDeidentification, intakeDeps } from './intake';
import { createStoreWorker, type StoreWorker, type StoreWorkerOptions } from '../storeWorker';

export type PipelineWorker = StoreWorker;

export interface PipelineWorkerOptions extends Omit<StoreWorkerOptions, 'mlflow'> {
  /** Concurrent activities; feature extraction is CPU-bound, so about one per core. */
  maxConcurrentActivities?: number;
}

export function createPipelineWorker(cfg: OsteoflowConfig, options: PipelineWorkerOptions): Promise<PipelineWorker> {
  const intake = intakeDeps(cfg, options.address);
  return createStoreWorker(cfg, options, ({ store, files, mlflow }) => ({
    taskQueue: cfg.taskQueues.pipeline,
    workflowsPath: require.resolve('../../workflows'),
    activities: {
      ...createActivities({
        store,
        predictor: registryPredictor(mlflow, store),
        webhookUrl: cfg.notifications.webhookUrl,
        acquisition: cfg.acquisition,
        deidentification: acquisitionDeidentification(cfg),
        files,
      }),
      ...createIntakeActivities({ ...intake, files }),
      ...createEnrolmentActivities({ client: intake.client }),
    },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 2,
    // Let a running activity finish on SIGTERM before the worker exits.
    shutdownGraceTime: '30 seconds',
  }));
}
