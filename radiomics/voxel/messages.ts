// The messages between voxel-based extraction (pool.ts) and its worker threads (worker.ts): plain data, copied by
// structured clone (the reply's arrays are transferred).
import type { SerializedError } from '../extraction/poolMessages';
import type { VoxelChunk, VoxelGrid } from './kernels';

export interface VoxelRequest {
  kind: 'voxels';
  grid: VoxelGrid;
  from: number;
  to: number;
}

export type VoxelReply = { kind: 'chunk'; chunk: VoxelChunk } | { kind: 'failed'; error: SerializedError };
