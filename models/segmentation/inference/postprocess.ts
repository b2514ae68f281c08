// From probabilities to a label map: argmax over classes, then connected-component clean-up per label (6-connected,
// as scipy.ndimage.label's default structure that nnU-Net's remove_all_but_largest_component uses), and the measures
// reported with a mask (volume, Dice).
import type { Vec3 } from '../sidecar';

/** Label value of the most probable class at each voxel; `labels[k]` is class k's value. Ties go to the lower class. */
export function argmaxLabels(probabilities: Float32Array, classes: number, voxels: number, labels: number[]): Uint8Array {
  const out = new Uint8Array(voxels);
  for (let i = 0; i < voxels; i++) {
    let best = 0;
    let bestValue = probabilities[i];
    for (let k = 1; k < classes; k++) {
      const v = probabilities[k * voxels + i];
      if (v > bestValue) {
        bestValue = v;
        best = k;
      }
    }
    out[i] = labels[best];
  }
  return out;
}

export interface Components {
  /** Component id per voxel (0 = not of the label), ids from 1. */
  ids: Int32Array;
  /** Voxel count of component id i at index i − 1. */
  sizes: number[];
}

/** 6-connected components of the voxels equal to `label`. */
export function connectedComponents(mask: Uint8Array, size: Vec3, label: number): Components {
  const [nx, ny, nz] = size;
  const plane = nx * ny;
  const ids = new Int32Array(mask.length);
  const queue = new Int32Array(mask.length);
  const sizes: number[] = [];
  for (let seed = 0; seed < mask.length; seed++) {
    if (mask[seed] !== label || ids[seed] !== 0) continue;
    const id = sizes.length + 1;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    ids[seed] = id;
    while (head < tail) {
      const v = queue[head++];
      const x = v % nx;
      const y = Math.floor(v / nx) % ny;
      const z = Math.floor(v / plane);
      const visit = (w: number) => {
        if (mask[w] === label && ids[w] === 0) {
          ids[w] = id;
          queue[tail++] = w;
        }
      };
      if (x > 0) visit(v - 1);
      if (x < nx - 1) visit(v + 1);
      if (y > 0) visit(v - nx);
      if (y < ny - 1) visit(v + nx);
      if (z > 0) visit(v - plane);
      if (z < nz - 1) visit(v + plane);
    }
    sizes.push(tail);
  }
  return { ids, sizes };
}

export type ComponentRule = { keep: 'largest' } | { keep: 'above-size'; minVoxels: number } | { keep: 'all' };

/** In place: per non-zero label, keeps the largest component or those of at least minVoxels. Returns voxels removed. */
export function filterComponents(mask: Uint8Array, size: Vec3, labels: number[], rule: ComponentRule): number {
  if (rule.keep === 'all') return 0;
  let removed = 0;
  for (const label of labels) {
    if (label === 0) continue;
    const { ids, sizes } = connectedComponents(mask, size, label);
    if (sizes.length === 0) continue;
    const largest = sizes.indexOf(Math.max(...sizes)) + 1;
    const keep = (id: number) => (rule.keep === 'largest' ? id === largest : sizes[id - 1] >= rule.minVoxels);
    for (let i = 0; i < mask.length; i++) {
      if (ids[i] !== 0 && !keep(ids[i])) {
        mask[i] = 0;
        removed++;
      }
    }
  }
  return removed;
}

/** Dice coefficient of the voxels ≠ 0 in two masks of the same size; 1 when both are empty. */
export function dice(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`dice: masks of ${a.length} and ${b.length} voxels`);
  let both = 0;
  let inA = 0;
  let inB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0;
    const y = b[i] !== 0;
    if (x) inA++;
    if (y) inB++;
    if (x && y) both++;
  }
  return inA + inB === 0 ? 1 : (2 * both) / (inA + inB);
}

export function countNonZero(mask: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  return n;
}

/** ml of `voxels` voxels of the given spacing (mm). */
export function volumeMl(voxels: number, spacing: Vec3): number {
  return (voxels * spacing[0] * spacing[1] * spacing[2]) / 1000;
}
