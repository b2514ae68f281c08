// A ROI's gray levels in its box with a border of zeros, and the list of its voxels: the texture classes' hot loops
// read any neighbour within the border of a ROI voxel without bounds checks, and visit only the ROI's voxels (often
// under half of its box). Built once per ROI and shared by every class of a derived image, like its gray levels.
import type { Vec3 } from '../../imaging/image';
import type { Offset } from './directions';
import type { Roi } from './types';

export interface PaddedLevels {
  /** Width of the zero border on every side, in voxels. */
  pad: number;
  /** Size of the padded box (x, y, z). */
  size: Vec3;
  /** Gray level of each voxel of the padded box (x fastest), 0 outside the ROI and in the border. */
  levels: Int32Array;
  /** Index in `levels` of every ROI voxel, in box order. */
  voxels: Int32Array;
}

const cache = new WeakMap<Roi, PaddedLevels>();

/** The ROI's levels padded by at least `pad` voxels (one array per ROI, of the widest border asked for). */
export function paddedLevels(roi: Roi, pad: number): PaddedLevels {
  const known = cache.get(roi);
  if (known && known.pad >= pad) return known;
  const padded = buildPadded(roi, pad);
  cache.set(roi, padded);
  return padded;
}

function buildPadded(roi: Roi, pad: number): PaddedLevels {
  const { binned } = roi;
  const [nx, ny, nz] = roi.geometry.size;
  const size: Vec3 = [nx + 2 * pad, ny + 2 * pad, nz + 2 * pad];
  const levels = new Int32Array(size[0] * size[1] * size[2]);
  const voxels = new Int32Array(countRoiVoxels(binned));
  // row by row, in a function called per row (optimised once, not on-stack in each call of this one)
  for (let z = 0, i = 0, k = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++, i += nx) k = copyRow(binned, i, nx, levels, pad + size[0] * (y + pad + size[1] * (z + pad)), voxels, k);
  }
  return { pad, size, levels, voxels };
}

function countRoiVoxels(binned: Int32Array): number {
  let count = 0;
  for (let i = 0; i < binned.length; i++) if (binned[i] !== 0) count++;
  return count;
}

/** One row of `nx` levels from binned[i] to levels[p], listing its ROI voxels in `voxels` from k; returns the next k. */
function copyRow(binned: Int32Array, i: number, nx: number, levels: Int32Array, p: number, voxels: Int32Array, k: number): number {
  for (let x = 0; x < nx; x++) {
    const g = binned[i + x];
    if (g === 0) continue;
    levels[p + x] = g;
    voxels[k++] = p + x;
  }
  return k;
}

/** Index step of an offset ([dz, dy, dx]) in the padded box. */
export function paddedStep(offset: Offset, padded: PaddedLevels): number {
  return offset[2] + padded.size[0] * (offset[1] + padded.size[1] * offset[0]);
}

/** The widest neighbour distance the ROI's settings ask for, at least 1 (GLRLM and GLSZM step one voxel). */
export function neighbourPad(roi: Roi): number {
  return Math.max(1, ...roi.settings.distances);
}
