// Exact Euclidean distance transform on an anisotropic 3D grid: squared distance (mm²) from every voxel centre to the
// nearest feature voxel centre, and which voxel that is (the feature transform), by the separable lower envelope of
// parabolas of Felzenszwalb & Huttenlocher (2012, Theory of Computing 8:415), one pass per axis with its spacing.
import type { Geometry } from '../image';

const INF = Infinity;

/**
 * One line: d[q] = min_p (s·(q − p))² + f[p] over p = 0 … n−1 (f = ∞ where there is no feature yet), and
 * arg[q] = the minimising p (−1 if none). v, z: work arrays of n and n + 1.
 */
export function distanceLine(f: Float64Array, n: number, s: number, d: Float64Array, arg: Int32Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q];
    if (fq === INF) continue;
    const xq = q * s;
    const hq = fq + xq * xq;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -INF;
      z[1] = INF;
      continue;
    }
    let cross: number;
    for (;;) {
      const p = v[k];
      const xp = p * s;
      cross = (hq - (f[p] + xp * xp)) / (2 * (xq - xp));
      if (cross <= z[k]) k--;
      else break;
    }
    k++;
    v[k] = q;
    z[k] = cross;
    z[k + 1] = INF;
  }
  if (k < 0) {
    for (let q = 0; q < n; q++) {
      d[q] = INF;
      arg[q] = -1;
    }
    return;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    const xq = q * s;
    while (z[k + 1] < xq) k++;
    const dx = xq - v[k] * s;
    d[q] = dx * dx + f[v[k]];
    arg[q] = v[k];
  }
}

export interface DistanceMap {
  /** Squared distance (mm²) to the nearest feature voxel centre; ∞ without features. */
  squared: Float64Array;
  /** Linear index of that nearest feature voxel (−1 without features). */
  nearest: Int32Array;
}

/** Squared Euclidean distance (mm²) of every voxel to the nearest voxel where `feature` is true, and that voxel's index. */
export function distanceMap(g: Geometry, feature: (index: number) => boolean): DistanceMap {
  const [nx, ny, nz] = g.size;
  const count = nx * ny * nz;
  const squared = new Float64Array(count);
  const nearest = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const hit = feature(i);
    squared[i] = hit ? 0 : INF;
    nearest[i] = hit ? i : -1;
  }
  const longest = Math.max(nx, ny, nz);
  const f = new Float64Array(longest);
  const out = new Float64Array(longest);
  const from = new Int32Array(longest);
  const arg = new Int32Array(longest);
  const v = new Int32Array(longest);
  const z = new Float64Array(longest + 1);
  const axes = [
    { n: nx, stride: 1, lines: ny * nz, start: (l: number) => l * nx },
    { n: ny, stride: nx, lines: nx * nz, start: (l: number) => (l % nx) + Math.floor(l / nx) * nx * ny },
    { n: nz, stride: nx * ny, lines: nx * ny, start: (l: number) => l },
  ];
  axes.forEach((axis, a) => {
    const s = g.spacing[a];
    for (let line = 0; line < axis.lines; line++) {
      const base = axis.start(line);
      for (let q = 0; q < axis.n; q++) {
        f[q] = squared[base + q * axis.stride];
        from[q] = nearest[base + q * axis.stride];
      }
      distanceLine(f, axis.n, s, out, arg, v, z);
      for (let q = 0; q < axis.n; q++) {
        squared[base + q * axis.stride] = out[q];
        nearest[base + q * axis.stride] = arg[q] < 0 ? -1 : from[arg[q]];
      }
    }
  });
  return { squared, nearest };
}
