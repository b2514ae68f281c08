// Bounding box of an ROI in voxel indices, and the padded box PyRadiomics crops to (cropToTumorMask).
import type { Vec3 } from '../../imaging/image';

export interface BoundingBox {
  /** Lowest voxel index of the ROI along x, y, z (inclusive). */
  lower: Vec3;
  /** Highest voxel index of the ROI along x, y, z (inclusive). */
  upper: Vec3;
  /** Voxels with mask = 1. */
  voxelCount: number;
}

/** Box of the voxels with mask ≠ 0; null when the mask is empty. */
export function boundingBox(mask: Uint8Array, size: Vec3): BoundingBox | null {
  const [nx, ny, nz] = size;
  let x0 = nx,
    y0 = ny,
    z0 = nz,
    x1 = -1,
    y1 = -1,
    z1 = -1;
  let count = 0;
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        if (mask[i] === 0) continue;
        count++;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (z < z0) z0 = z;
        if (z > z1) z1 = z;
      }
    }
  }
  if (count === 0) return null;
  return { lower: [x0, y0, z0], upper: [x1, y1, z1], voxelCount: count };
}

/** Extent (number of voxels) of the box along each axis. */
export function boxExtent(box: BoundingBox): Vec3 {
  return [box.upper[0] - box.lower[0] + 1, box.upper[1] - box.lower[1] + 1, box.upper[2] - box.lower[2] + 1];
}

/** The box grown by padDistance voxels on every side and clipped to the image (PyRadiomics cropToTumorMask). */
export function padBox(box: BoundingBox, padDistance: number, size: Vec3): { lower: Vec3; upper: Vec3 } {
  const lower: Vec3 = [0, 0, 0];
  const upper: Vec3 = [0, 0, 0];
  for (let d = 0; d < 3; d++) {
    lower[d] = Math.max(0, box.lower[d] - padDistance);
    upper[d] = Math.min(size[d] - 1, box.upper[d] + padDistance);
  }
  return { lower, upper };
}
