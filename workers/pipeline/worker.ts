// The pipeline worker (CPU task queue): every TypeScript workflow and the CPU activities.
import { NativeConnection, Worker } from '@temporalio/worker';
import type { OsteoflowConfig } from '../../config';
import { connectionOptions } from '../../config/temporal';
import * as activities from '../../activities';

export interface PipelineWorker {
  worker: Worker;
  connection: NativeConnection;
}

export async function createPipelineWorker(cfg: OsteoflowConfig, address: string): Promise<PipelineWorker> {
  const { tls } = connectionOptions(address, cfg.temporal);
  const connection = await NativeConnection.connect({ address, tls, apiKey: cfg.temporal.apiKey });
  const worker = await Worker.create({
    connection,
    namespace: cfg.temporal.namespace,
    taskQueue: cfg.taskQueues.pipeline,
    workflowsPath: require.resolve('../../workflows'),
    activities,
    // Let a running activity finish on SIGTERM before the worker exits.
    shutdownGraceTime: '30 seconds',
  });
  return { worker, connection };
}
