// A worker thread of voxel-based extraction (pool.ts): computes one range of ROI voxels of one derived image's grid
// and posts the values back in one reply.
import { parentPort } from 'node:worker_threads';
import { RadiomicsInputError } from '../../imaging/errors';
import { computeVoxelRange } from './kernels';
import type { VoxelReply, VoxelRequest } from './messages';

const port = parentPort!;
port.on('message', (request: VoxelRequest) => {
  try {
    const chunk = computeVoxelRange(request.grid, request.from, request.to);
    const buffers = [...Object.values(chunk.values).map((v) => v.buffer), chunk.glcmAngleCount.buffer] as ArrayBuffer[];
    port.postMessage({ kind: 'chunk', chunk } satisfies VoxelReply, buffers);
  } catch (err) {
    const e = err as Error;
    const extra = err instanceof RadiomicsInputError ? { file: err.file, field: err.field, expected: err.expected } : {};
    port.postMessage({ kind: 'failed', error: { name: e.name ?? 'Error', message: e.message ?? String(err), stack: e.stack, ...extra } } satisfies VoxelReply);
  }
});
