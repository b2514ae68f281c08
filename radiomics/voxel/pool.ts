// Voxel-based extraction on worker threads: the calling thread plans (reads, preprocesses, filters, discretises), then
// the ROI voxels of every derived image are split into ranges (at most voxelBatch voxels, at least one range per
// worker) and each range is a job on the extraction pool's next free thread. Results equal extractVoxelBasedSync's:
// a range's values depend on its voxels alone, and GLCM's whole-ROI steps run once all ranges are in.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RadiomicsInputError } from '../../imaging/errors';
import type { Volume } from '../../imaging/image';
import type { ExtractionInput, ParamsInput } from '../extractor';
import { ExtractionPool, type WorkerScript } from '../extraction/pool';
import type { PoolReply, PoolRequest, SerializedError } from '../extraction/poolMessages';
import {
  extractVoxelBasedSync,
  GridMaps,
  planVoxelExtraction,
  roiOf,
  voxelRanges,
  type VoxelExtractionResult,
  type VoxelExtractOptions,
  type VoxelPlan,
} from './extract';
import { computeVoxelRange } from './kernels';
import type { VoxelReply, VoxelRequest } from './messages';

/** Set by the build to the compiled voxel worker beside the bundle; from source the worker runs through tsx. */
declare const OSTEOFLOW_RADIOMICS_VOXEL_WORKER: string | undefined;

/** The worker's code, or null where it is not available (a bundle built without it): then the calling thread works. */
export function voxelWorkerScript(): WorkerScript | null {
  if (typeof OSTEOFLOW_RADIOMICS_VOXEL_WORKER === 'string') return { file: OSTEOFLOW_RADIOMICS_VOXEL_WORKER, execArgv: [] };
  const file = path.join(__dirname, 'worker.ts');
  return existsSync(file) ? { file, execArgv: ['--require', require.resolve('tsx/cjs')] } : null;
}

export interface VoxelPoolOptions extends VoxelExtractOptions {
  /** Worker threads (default: one per core; 0 computes on the calling thread). */
  workers?: number;
  /** Called after each range of voxels is computed. */
  onProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

function revive(error: SerializedError): Error {
  const err =
    error.name === 'RadiomicsInputError'
      ? new RadiomicsInputError(error.message.replace(/^.*?: /, ''), { file: error.file, field: error.field, expected: error.expected })
      : new Error(error.message);
  if (error.name !== 'RadiomicsInputError') err.name = error.name;
  return Object.assign(err, { message: error.message });
}

const MIN_KERNELS_FOR_WORKERS = 3000;

/** The plan computed on the calling thread, one voxelBatch at a time. */
function finish(plan: VoxelPlan, compute: typeof computeVoxelRange): VoxelExtractionResult {
  const maps: Record<string, Volume<Float64Array>> = {};
  for (const grid of plan.grids) {
    const collect = new GridMaps(grid, plan.settings.initValue);
    for (const [from, to] of voxelRanges(grid.roiVoxels.length, plan.settings.voxelBatch)) collect.add(from, compute(grid, from, to));
    Object.assign(maps, collect.finish());
  }
  return { maps, roi: roiOf(plan), diagnostics: plan.diagnostics, settings: plan.settings };
}

/** Voxel-based extraction with the kernels on worker threads. */
export async function extractVoxelBased(
  image: ExtractionInput,
  mask: ExtractionInput,
  params?: ParamsInput,
  options: VoxelPoolOptions = {},
): Promise<VoxelExtractionResult> {
  const { workers = Math.max(1, os.availableParallelism()), onProgress, signal, ...extractOptions } = options;
  const script = workers > 0 ? voxelWorkerScript() : null;
  if (!script) return extractVoxelBasedSync(image, mask, params, extractOptions);
  signal?.throwIfAborted();
  const plan = planVoxelExtraction(image, mask, params, extractOptions);
  const kernels = plan.grids.reduce((n, g) => n + g.roiVoxels.length, 0);
  // Starting a worker costs about 0.5 s (it loads the engine); the calling thread computes a 3×3×3 kernel's 93
  // features in about 0.3 ms, so small jobs stay on it unless workers were asked for by number.
  if (options.workers === undefined && kernels < MIN_KERNELS_FOR_WORKERS) return finish(plan, (grid, from, to) => computeVoxelRange(grid, from, to));
  const pool = new ExtractionPool(workers, script);
  const jobs: { grid: number; from: number; to: number }[] = [];
  plan.grids.forEach((grid, g) => {
    const count = grid.roiVoxels.length;
    const perWorker = Math.ceil(count / workers);
    const batch = Math.max(1, Math.min(plan.settings.voxelBatch ?? perWorker, perWorker));
    for (const [from, to] of voxelRanges(count, batch)) jobs.push({ grid: g, from, to });
  });
  const collectors = plan.grids.map((grid) => new GridMaps(grid, plan.settings.initValue));
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      const submitted: ReturnType<ExtractionPool['submit']>[] = [];
      const stop = (err: Error) => {
        for (const j of submitted) pool.cancel(j);
        reject(err);
      };
      signal?.addEventListener('abort', () => stop(signal.reason instanceof Error ? signal.reason : new Error('aborted')), { once: true });
      if (jobs.length === 0) resolve();
      for (const job of jobs) {
        const request: VoxelRequest = { kind: 'voxels', grid: plan.grids[job.grid], from: job.from, to: job.to };
        submitted.push(
          pool.submit(request as unknown as PoolRequest, (raw: PoolReply) => {
            const reply = raw as unknown as VoxelReply;
            if (reply.kind === 'failed') return stop(revive(reply.error));
            collectors[job.grid].add(job.from, reply.chunk);
            done++;
            onProgress?.({ done, total: jobs.length });
            if (done === jobs.length) resolve();
          }),
        );
      }
    });
  } finally {
    await pool.close();
  }
  const maps: Record<string, Volume<Float64Array>> = {};
  for (const c of collectors) Object.assign(maps, c.finish());
  return { maps, roi: roiOf(plan), diagnostics: plan.diagnostics, settings: plan.settings };
}
