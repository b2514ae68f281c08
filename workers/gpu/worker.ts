// The GPU worker: polls the segmentation task queue and serves segmentTumour only (no workflows), with one inference
// session per model version opened at start and reused, and a bounded number of segmentations at once per host.
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { OsteoflowConfig } from '../../config';
import { connectionOptions } from '../../config/temporal';
import { dataConverterFor } from '../../config/payloadCodec';
import { createSegmentationActivities } from '../../activities/segmentation/activities';
import { OnnxModelServer } from './models';
import { openBlobStore } from '../../store/blobs';
import { StudyFiles } from '../../study/storedFiles';
import type { GpuWorkerSettings } from './settings';

export interface GpuWorker {
  worker: Worker;
  connection: NativeConnection;
  models: OnnxModelServer;
  taskQueue: string;
  /** Closes what the worker opened (after `worker.run()` returned). */
  close(): Promise<void>;
}

export interface GpuWorkerOptions {
  address: string;
  settings: GpuWorkerSettings;
  /** Default: the configured segmentation task queue. */
  taskQueue?: string;
  /** Names the worker in results (default host:pid). */
  workerId?: string;
}

export async function createGpuWorker(cfg: OsteoflowConfig, options: GpuWorkerOptions): Promise<GpuWorker> {
  const { settings } = options;
  const models = await OnnxModelServer.open(settings.models, { providers: settings.providers, cpuThreads: settings.cpuThreads, deviceId: settings.deviceId });
  let connection: NativeConnection | undefined;
  // Images are laid out, and masks written, in this worker's own folder; masks reach the pipeline by their address.
  const blobs = openBlobStore(cfg);
  const files = new StudyFiles(blobs, path.join(cfg.dataDir, 'studies'));
  try {
    const dataConverter = dataConverterFor(cfg.temporal);
    const { tls } = connectionOptions(options.address, cfg.temporal);
    connection = await NativeConnection.connect({ address: options.address, tls, apiKey: cfg.temporal.apiKey });
    const taskQueue = options.taskQueue ?? cfg.taskQueues.segmentation;
    const worker = await Worker.create({
      connection,
      namespace: cfg.temporal.namespace,
      dataConverter,
      taskQueue,
      activities: createSegmentationActivities({ models, tta: settings.tta, workerId: options.workerId, files }),
      maxConcurrentActivityTaskExecutions: settings.concurrency,
      // A segmentation in flight gets this long to finish on SIGTERM; after that it is cancelled and retried elsewhere.
      shutdownGraceTime: '60 seconds',
    });
    const opened = connection;
    return {
      worker,
      connection: opened,
      models,
      taskQueue,
      async close() {
        await models.close();
        await blobs.close();
        await opened.close();
      },
    };
  } catch (err) {
    await models.close();
    await blobs.close();
    await connection?.close();
    throw err;
  }
}
