// What the pipeline and training workers both open: a connection to Temporal, the results store, the study's files
// (this host's study folders and the shared blob store) and a lazily created MLflow client (most activities never
// touch the registry); closed together once `worker.run()` has returned.
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { OsteoflowConfig } from '../config';
import { connectionOptions } from '../config/temporal';
import { dataConverterFor } from '../config/payloadCodec';
import { workflowBundle } from '../ops/workflowBundle';
import { MlflowClient, type MlflowClientOptions } from '../registry/mlflowClient';
import { openResultsStore } from '../store';
import type { ResultsStore } from '../store/types';
import { openBlobStore } from '../store/blobs';
import { StudyFiles } from '../study/storedFiles';

export interface StoreWorker {
  worker: Worker;
  connection: NativeConnection;
  store: ResultsStore;
  /** Closes what the worker opened (after `worker.run()` returned). */
  close(): Promise<void>;
}

export interface StoreWorkerOptions {
  address: string;
  mlflowUri: string;
  /** Registry client options (tests shorten the backoff). */
  mlflow?: Pick<MlflowClientOptions, 'maxAttempts' | 'initialBackoffMs'>;
}

export interface WorkerResources {
  store: ResultsStore;
  files: StudyFiles;
  mlflow: () => MlflowClient;
}

/** Connects, opens the store, and creates the worker that `build` describes (queue, workflows, activities, limits). */
export async function createStoreWorker(
  cfg: OsteoflowConfig,
  options: StoreWorkerOptions,
  build: (resources: WorkerResources) => Omit<WorkerOptions, 'connection' | 'namespace'>,
): Promise<StoreWorker> {
  const dataConverter = dataConverterFor(cfg.temporal); // a bad codec key file fails before anything is opened
  const { tls } = connectionOptions(options.address, cfg.temporal);
  const connection = await NativeConnection.connect({ address: options.address, tls, apiKey: cfg.temporal.apiKey });
  const store = openResultsStore(cfg);
  const blobs = openBlobStore(cfg);
  // A shared store means workers on several hosts: each keeps its study folders under its own data folder. On one
  // host they stay where the study was enrolled (the protocol's storeDir).
  const files = new StudyFiles(blobs, cfg.store.url !== undefined ? path.join(cfg.dataDir, 'studies') : undefined);
  let mlflow: MlflowClient | undefined;
  const resources: WorkerResources = {
    store,
    files,
    mlflow: () => (mlflow ??= new MlflowClient({ trackingUri: options.mlflowUri, token: cfg.mlflow.token, ...options.mlflow })),
  };
  // Workflow code is bundled once and shared by every worker that serves it (ops/workflowBundle.ts).
  const { workflowsPath, ...workerOptions } = build(resources);
  const bundle = workflowsPath ? { workflowBundle: await workflowBundle(workflowsPath) } : {};
  const worker = await Worker.create({ connection, namespace: cfg.temporal.namespace, dataConverter, ...workerOptions, ...bundle });
  return {
    worker,
    connection,
    store,
    async close() {
      await store.close();
      await blobs.close();
      await connection.close();
    },
  };
}
