// The label pass: one sweep over a label map that yields the ROI (0/1), its bounding box and the map's value summary
// (for its content hash), instead of selectLabel, boundingBox and a summary pass one after another.
import type { Volume } from '../../imaging/image';
import type { BoundingBox } from '../preprocessing/boundingBox';
import { selectLabel } from '../preprocessing/label';
import type { ValueSummary } from './volumeHash';

/** The label's voxels (0/1) on one mask grid and their box: computed once per preprocessing stage. */
export interface RoiOnGrid {
  mask: Volume;
  roi: Uint8Array;
  box: BoundingBox;
  /** Σ/min/max/integrality of the whole mask, gathered in the same pass, for its content hash. */
  summary: ValueSummary;
}

/**
 * selectLabel and boundingBox fused into one pass over the mask (the mask can be the largest array we touch);
 * whole rows are converted natively into a Float64Array a block at a time, so the loop sees one array type.
 */
export function roiOnGrid(mask: Volume, label: number): RoiOnGrid {
  const data = mask.data;
  const [nx, ny, nz] = mask.geometry.size;
  const roi = new Uint8Array(data.length);
  const rowsPerBlock = Math.max(1, Math.floor(16384 / nx));
  const block = new Float64Array(rowsPerBlock * nx);
  let x0 = nx,
    y0 = ny,
    z0 = nz,
    x1 = -1,
    y1 = -1,
    z1 = -1;
  let count = 0;
  let sum = 0,
    min = Infinity,
    max = -Infinity;
  let integral = true;
  const rows = ny * nz;
  for (let r0 = 0; r0 < rows; r0 += rowsPerBlock) {
    const nRows = Math.min(rowsPerBlock, rows - r0);
    block.set(data.subarray(r0 * nx, (r0 + nRows) * nx));
    for (let r = 0; r < nRows; r++) {
      let first = -1;
      let last = -1;
      for (let x = 0, b = r * nx; x < nx; x++, b++) {
        const v = block[b];
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
        if (integral && v !== Math.trunc(v)) integral = false;
        if (v !== label) continue;
        roi[(r0 + r) * nx + x] = 1;
        count++;
        if (first < 0) first = x;
        last = x;
      }
      if (first < 0) continue;
      const y = (r0 + r) % ny;
      const z = Math.floor((r0 + r) / ny);
      if (first < x0) x0 = first;
      if (last > x1) x1 = last;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (z < z0) z0 = z;
      z1 = z;
    }
  }
  // No voxel of the label: selectLabel throws PyRadiomics' error (empty mask, or the labels that are present).
  if (count === 0) selectLabel(mask, label);
  return { mask, roi, box: { lower: [x0, y0, z0], upper: [x1, y1, z1], voxelCount: count }, summary: { sum, min, max, integral } };
}
