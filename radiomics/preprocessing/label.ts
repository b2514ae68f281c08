// Label selection: turns a label map into a 0/1 ROI mask for one label (PyRadiomics imageoperations.getMask).
import { RadiomicsInputError } from '../../imaging/errors';
import type { Volume } from '../../imaging/image';
import type { BoundingBox } from './boundingBox';

/** Distinct non-zero labels present in a label map, ascending. */
export function labelsPresent(mask: Volume): number[] {
  const seen = new Set<number>();
  const data = mask.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== 0) seen.add(v);
  }
  return [...seen].sort((a, b) => a - b);
}

function labelAbsent(mask: Volume, label: number): RadiomicsInputError {
  const present = labelsPresent(mask);
  if (present.length === 0) {
    return new RadiomicsInputError('No labels found in this mask (i.e. nothing is segmented)', {
      file: mask.source,
      field: 'mask',
      expected: 'at least one voxel with a non-zero label',
    });
  }
  return new RadiomicsInputError(`Label (${label}) not present in mask. Choose from [${present.join(', ')}]`, {
    file: mask.source,
    field: 'label',
    expected: `one of ${present.join(', ')}`,
  });
}

/**
 * Bounding box and voxel count of `label` in a label map, without materialising a 0/1 copy of the whole map:
 * native indexOf skips the slices and rows that do not hold the label. Same errors as selectLabel.
 */
export function labelBoundingBox(mask: Volume, label: number): BoundingBox {
  const data = mask.data;
  const [nx, ny, nz] = mask.geometry.size;
  const plane = nx * ny;
  let x0 = nx,
    y0 = ny,
    z0 = nz,
    x1 = -1,
    y1 = -1,
    z1 = -1;
  let count = 0;
  for (let z = 0; z < nz; z++) {
    const slice = data.subarray(z * plane, (z + 1) * plane);
    const first = slice.indexOf(label);
    if (first < 0) continue;
    if (z < z0) z0 = z;
    z1 = z;
    const last = slice.lastIndexOf(label);
    for (let y = Math.floor(first / nx); y <= Math.floor(last / nx); y++) {
      const row = slice.subarray(y * nx, (y + 1) * nx);
      const a = row.indexOf(label);
      if (a < 0) continue;
      const b = row.lastIndexOf(label);
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (a < x0) x0 = a;
      if (b > x1) x1 = b;
      for (let x = a; x <= b; x++) if (row[x] === label) count++;
    }
  }
  if (count === 0) throw labelAbsent(mask, label);
  return { lower: [x0, y0, z0], upper: [x1, y1, z1], voxelCount: count };
}

/**
 * 1 where the label map equals `label`, 0 elsewhere. Errors as PyRadiomics does: an empty mask
 * ("nothing is segmented") and a label that is absent (listing the labels that are present).
 */
export function selectLabel(mask: Volume, label: number): Uint8Array {
  const data = mask.data;
  const out = new Uint8Array(data.length);
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === label) {
      out[i] = 1;
      count++;
    }
  }
  if (count === 0) throw labelAbsent(mask, label);
  return out;
}
