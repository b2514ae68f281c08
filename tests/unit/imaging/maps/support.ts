// Helpers of the parameter-map tests: a row of voxels as a grid, medians and relative errors.
import { IDENTITY, type Geometry } from '../../../../imaging/image';

/** n voxels in a row (1 mm): each voxel one independent test case. */
export function row(n: number): Geometry {
  return { size: [n, 1, 1], spacing: [1, 1, 1], origin: [0, 0, 0], direction: IDENTITY };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** |estimate − truth| / truth over the voxels `keep` accepts. */
export function relativeErrors(estimate: ArrayLike<number>, truth: ArrayLike<number>, keep: (i: number) => boolean = () => true): number[] {
  const out: number[] = [];
  for (let i = 0; i < truth.length; i++) if (keep(i)) out.push(Math.abs(estimate[i] - truth[i]) / Math.abs(truth[i]));
  return out;
}

export const maxOf = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), 0);
