// Masks as masks: a label map must hold finite numbers only (NaN compares unequal to every label, so a NaN voxel
// would silently drop out of the ROI).
import type { Volume } from './image';
import { RadiomicsInputError } from './errors';

/** Throws a RadiomicsInputError naming `file` when a voxel of the mask is NaN or ±Infinity. Integer arrays pass at once. */
export function assertFiniteMask(volume: Volume, file: string | undefined = volume.source): void {
  const data = volume.data;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return;
  let count = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (count === 0) return;
  const [nx, ny] = volume.geometry.size;
  const at = [first % nx, Math.floor(first / nx) % ny, Math.floor(first / (nx * ny))];
  throw new RadiomicsInputError(`${count} voxel(s) of the mask are NaN or infinite, the first at index (${at.join(', ')})`, {
    file,
    field: 'mask',
    expected: 'finite label values',
  });
}
