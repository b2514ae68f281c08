// What PyRadiomics' generalinfo.addMaskElements reports about a ROI: bounding box, voxel count, number of
// 26-connected volumes, centre of mass (index and physical), and the image's mean/min/max inside the ROI.
import { indexToPhysical, type Geometry, type Vec3 } from '../../imaging/image';
import { boundingBox, boxExtent, type BoundingBox } from '../preprocessing/boundingBox';

export interface MaskStatistics {
  /** PyRadiomics/SimpleITK order: (x, y, z) of the lower corner, then the extent along x, y, z. */
  boundingBox: [number, number, number, number, number, number];
  voxelNum: number;
  volumeNum: number;
  centerOfMassIndex: Vec3;
  centerOfMass: Vec3;
  /** Present when intensities are given. */
  intensity?: { mean: number; minimum: number; maximum: number };
}

/** Statistics of a 0/1 ROI mask on `geometry`; null when the mask is empty. */
export function maskStatistics(
  mask: Uint8Array,
  geometry: Geometry,
  intensities?: ArrayLike<number>,
  box: BoundingBox | null = boundingBox(mask, geometry.size),
): MaskStatistics | null {
  if (box === null) return null;
  const [nx, ny] = geometry.size;
  let sx = 0,
    sy = 0,
    sz = 0;
  let sum = 0,
    min = Infinity,
    max = -Infinity;
  for (let z = box.lower[2]; z <= box.upper[2]; z++) {
    for (let y = box.lower[1]; y <= box.upper[1]; y++) {
      for (let x = box.lower[0], i = x + nx * (y + ny * z); x <= box.upper[0]; x++, i++) {
        if (mask[i] === 0) continue;
        sx += x;
        sy += y;
        sz += z;
        if (intensities) {
          const v = intensities[i];
          sum += v;
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
    }
  }
  const n = box.voxelCount;
  const com: Vec3 = [sx / n, sy / n, sz / n];
  const extent = boxExtent(box);
  return {
    boundingBox: [box.lower[0], box.lower[1], box.lower[2], extent[0], extent[1], extent[2]],
    voxelNum: n,
    volumeNum: connectedVolumes(mask, geometry.size, box),
    centerOfMassIndex: com,
    centerOfMass: indexToPhysical(geometry, com[0], com[1], com[2]),
    ...(intensities ? { intensity: { mean: sum / n, minimum: min, maximum: max } } : {}),
  };
}

/** Number of 26-connected components of the mask (SimpleITK ConnectedComponent with FullyConnectedOn). */
export function connectedVolumes(mask: Uint8Array, size: Vec3, box: BoundingBox): number {
  const [nx, ny] = size;
  const [bx, by, bz] = boxExtent(box);
  // The box's voxels with a border of zeros: a neighbour is one fixed step away, with no bounds checks. A voxel is
  // cleared when it is reached, so that 1 means "in the ROI and not yet in a component".
  const px = bx + 2,
    py = by + 2;
  const open = new Uint8Array(px * py * (bz + 2));
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      const from = box.lower[0] + nx * (box.lower[1] + y + ny * (box.lower[2] + z));
      const to = 1 + px * (1 + y + py * (1 + z));
      for (let x = 0; x < bx; x++) if (mask[from + x] !== 0) open[to + x] = 1;
    }
  }
  const steps = new Int32Array(26);
  let s = 0;
  for (let dz = -1; dz <= 1; dz++) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (dx || dy || dz) steps[s++] = dx + px * (dy + py * dz);
  const stack = new Int32Array(box.voxelCount);
  let components = 0;
  for (let start = 0; start < open.length; start++) {
    if (open[start] === 0) continue;
    components++;
    open[start] = 0;
    let top = 0;
    stack[top++] = start;
    while (top > 0) {
      const p = stack[--top];
      for (let n = 0; n < 26; n++) {
        const q = p + steps[n];
        if (open[q] === 0) continue;
        open[q] = 0;
        stack[top++] = q;
      }
    }
  }
  return components;
}
