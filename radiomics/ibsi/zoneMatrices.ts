// The two texture matrices IBSI defines differently from PyRadiomics, built on PyRadiomics mode's ROI, directions and
// matrix shapes so that its formulas read them:
// - GLDZM (IBSI-1 §3.10, VMDZ): GLSZM zones (26-/8-connected, intensity mask) indexed by their distance to the edge of
//   the morphological mask (6-/4-connected steps, 1 on the edge), as a Glszm whose "sizes" are distances;
// - NGTDM (IBSI-1 §3.11, IPET): voxels without any ROI neighbour are left out of n_i, p_i and N_v,c (PyRadiomics keeps
//   them with s = 0).
import type { Vec3 } from '../../imaging/image';
import { offsetStep, textureDirections } from '../features/directions';
import { roiGrayLevels, type GrayLevels } from '../features/grayLevels';
import type { Glszm } from '../features/glszm';
import type { Ngtdm } from '../features/ngtdm';
import type { Roi } from '../features/types';

/** Neighbour offsets as [dz, dy, dx] with their linear steps; in-plane (z fixed) when `inPlane`. */
function neighbours(size: Vec3, distances: readonly number[], inPlane: boolean): { dz: Int32Array; dy: Int32Array; dx: Int32Array; step: Int32Array } {
  const offsets = textureDirections(size, { distances, bidirectional: true, force2D: inPlane, force2Ddimension: 0 });
  return {
    dz: Int32Array.from(offsets, (o) => o[0]),
    dy: Int32Array.from(offsets, (o) => o[1]),
    dx: Int32Array.from(offsets, (o) => o[2]),
    step: Int32Array.from(offsets, (o) => offsetStep(o, size)),
  };
}

/**
 * Distance of every morphological-mask voxel to the mask's edge: 1 for voxels with a face neighbour outside the mask
 * (or the box), then +1 per 6-connected (4-connected in-plane) step — iterated erosion, as IBSI-1 §3.10 describes.
 */
export function edgeDistances(morph: Uint8Array, size: Vec3, inPlane: boolean): Int32Array {
  const [nx, ny, nz] = size;
  const dist = new Int32Array(morph.length);
  const queue = new Int32Array(morph.length);
  let head = 0;
  let tail = 0;
  const faces: [number, number, number][] = inPlane
    ? [
        [1, 0, 0],
        [-1, 0, 0],
        [0, 1, 0],
        [0, -1, 0],
      ]
    : [
        [1, 0, 0],
        [-1, 0, 0],
        [0, 1, 0],
        [0, -1, 0],
        [0, 0, 1],
        [0, 0, -1],
      ];
  const inside = (x: number, y: number, z: number) => x >= 0 && x < nx && y >= 0 && y < ny && z >= 0 && z < nz && morph[x + nx * (y + ny * z)] !== 0;
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        if (!morph[i]) continue;
        let edge = false;
        for (const [a, b, c] of faces) if (!inside(x + a, y + b, z + c)) edge = true;
        if (edge) {
          dist[i] = 1;
          queue[tail++] = i;
        }
      }
    }
  }
  const plane = nx * ny;
  while (head < tail) {
    const k = queue[head++];
    const z = (k / plane) | 0;
    const y = ((k - z * plane) / nx) | 0;
    const x = k - z * plane - y * nx;
    for (const [a, b, c] of faces) {
      if (!inside(x + a, y + b, z + c)) continue;
      const j = k + a + nx * (b + ny * c);
      if (dist[j] === 0) {
        dist[j] = dist[k] + 1;
        queue[tail++] = j;
      }
    }
  }
  return dist;
}

/** IBSI-1 §3.10 grey level distance zone matrix of `roi` (intensity mask) with distances from `morph` (same box). */
export function gldzmMatrix(roi: Roi, morph: Uint8Array, inPlane: boolean): Glszm {
  const grayLevels = roiGrayLevels(roi, 'gldzm');
  const size = roi.geometry.size;
  const dist = edgeDistances(morph, size, inPlane);
  const nb = neighbours(size, [1], inPlane);
  const [nx, ny, nz] = size;
  const plane = nx * ny;
  const binned = roi.binned;
  const visited = new Uint8Array(binned.length);
  const stack = new Int32Array(binned.length);
  const zones: number[] = []; // (level, distance) pairs
  let maxDistance = 0;
  for (let seed = 0; seed < binned.length; seed++) {
    const level = binned[seed];
    if (level === 0 || visited[seed]) continue;
    visited[seed] = 1;
    let top = 0;
    stack[top++] = seed;
    let zoneDistance = Infinity;
    while (top > 0) {
      const k = stack[--top];
      if (dist[k] < zoneDistance) zoneDistance = dist[k];
      const z = (k / plane) | 0;
      const y = ((k - z * plane) / nx) | 0;
      const x = k - z * plane - y * nx;
      for (let a = 0; a < nb.step.length; a++) {
        const x2 = x + nb.dx[a],
          y2 = y + nb.dy[a],
          z2 = z + nb.dz[a];
        if (x2 < 0 || x2 >= nx || y2 < 0 || y2 >= ny || z2 < 0 || z2 >= nz) continue;
        const j = k + nb.step[a];
        if (visited[j] || binned[j] !== level) continue;
        visited[j] = 1;
        stack[top++] = j;
      }
    }
    zones.push(level, zoneDistance);
    if (zoneDistance > maxDistance) maxDistance = zoneDistance;
  }
  const ng = grayLevels.values.length;
  const full = new Float64Array(ng * maxDistance);
  for (let k = 0; k < zones.length; k += 2) full[grayLevels.indexOf[zones[k]] * maxDistance + zones[k + 1] - 1]++;
  const present: number[] = [];
  for (let d = 0; d < maxDistance; d++) {
    for (let i = 0; i < ng; i++) {
      if (full[i * maxDistance + d] !== 0) {
        present.push(d);
        break;
      }
    }
  }
  const nd = present.length;
  const P = new Float64Array(ng * nd);
  const pg = new Float64Array(ng);
  const ps = new Float64Array(nd);
  let total = 0;
  for (let i = 0; i < ng; i++) {
    for (let c = 0; c < nd; c++) {
      const v = full[i * maxDistance + present[c]];
      P[i * nd + c] = v;
      pg[i] += v;
      ps[c] += v;
      total += v;
    }
  }
  return { grayLevels, zoneSizes: Float64Array.from(present, (d) => d + 1), P, pg, ps, zones: total, voxels: roi.voxelCount };
}

/** IBSI-1 §3.11 NGTDM: null when no voxel has a neighbour in the ROI (every feature is then undefined). */
export function ibsiNgtdmMatrix(roi: Roi, inPlane: boolean): Ngtdm | null {
  const all = roiGrayLevels(roi, 'ngtdm');
  const size = roi.geometry.size;
  const [nx, ny, nz] = size;
  const plane = nx * ny;
  const nb = neighbours(size, roi.settings.distances, inPlane);
  const binned = roi.binned;
  const nAll = new Float64Array(all.values.length);
  const sAll = new Float64Array(all.values.length);
  for (let k = 0; k < binned.length; k++) {
    const g = binned[k];
    if (g === 0) continue;
    const z = (k / plane) | 0;
    const y = ((k - z * plane) / nx) | 0;
    const x = k - z * plane - y * nx;
    let w = 0;
    let sum = 0;
    for (let a = 0; a < nb.step.length; a++) {
      const x2 = x + nb.dx[a],
        y2 = y + nb.dy[a],
        z2 = z + nb.dz[a];
      if (x2 < 0 || x2 >= nx || y2 < 0 || y2 >= ny || z2 < 0 || z2 >= nz) continue;
      const h = binned[k + nb.step[a]];
      if (h === 0) continue;
      w++;
      sum += h;
    }
    if (w === 0) continue; // IBSI: only voxels with a non-empty neighbourhood count
    const c = all.indexOf[g];
    nAll[c]++;
    sAll[c] += Math.abs(g - sum / w);
  }
  const keep: number[] = [];
  for (let c = 0; c < nAll.length; c++) if (nAll[c] > 0) keep.push(c);
  if (keep.length === 0) return null;
  const values = Float64Array.from(keep, (c) => all.values[c]);
  const n = Float64Array.from(keep, (c) => nAll[c]);
  const s = Float64Array.from(keep, (c) => sAll[c]);
  let voxels = 0;
  for (const v of n) voxels += v;
  const indexOf = new Int32Array(all.maxLevel + 1).fill(-1);
  keep.forEach((c, k) => (indexOf[all.values[c]] = k));
  const grayLevels: GrayLevels = { values, maxLevel: all.maxLevel, indexOf, counts: n };
  return { grayLevels, n, s, p: Float64Array.from(n, (v) => v / voxels), voxels };
}
