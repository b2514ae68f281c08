// Gray Level Size Zone Matrix features, PyRadiomics 3.1 semantics (radiomics/glszm.py, cmatrices.c calculate_glszm):
// zones are connected components of one gray level, 26-connected in 3D (8-connected in-plane with force2D).
import type { Vec3 } from '../../imaging/image';
import { offsetStep, textureDirections, type Offset } from './directions';
import { defineFeatureClass, EPS } from './featureTable';
import { roiGrayLevels, type GrayLevels } from './grayLevels';
import { marginalVariance, sizeWeighted, sumOfSquares } from './sizeMatrix';
import type { Roi } from './types';

export interface Glszm {
  grayLevels: GrayLevels;
  /** Zone sizes that occur (PyRadiomics jvector after removing empty sizes). */
  zoneSizes: Float64Array;
  /** P(i, j), row-major gray level × zone size. */
  P: Float64Array;
  /** pg(i) = Σ_j P(i, j) */
  pg: Float64Array;
  /** ps(j) = Σ_i P(i, j) */
  ps: Float64Array;
  /** N_z: number of zones (1 when there are none, as glszm._calculateCoefficients sets). */
  zones: number;
  /** N_p: number of ROI voxels. */
  voxels: number;
}

/** Builds the GLSZM of a ROI (cmatrices.c calculate_glszm + glszm._calculateMatrix + _calculateCoefficients). */
export function glszmMatrix(roi: Roi): Glszm {
  const grayLevels = roiGrayLevels(roi, 'glszm');
  const { settings, geometry } = roi;
  const neighbours = textureDirections(geometry.size, {
    distances: [1],
    bidirectional: true,
    force2D: settings.force2D,
    force2Ddimension: settings.force2Ddimension,
  });
  const zones = labelZones(roi.binned, geometry.size, neighbours);

  const ng = grayLevels.values.length;
  let maxSize = 0;
  for (let k = 1; k < zones.length; k += 2) maxSize = Math.max(maxSize, zones[k]);
  // Zone sizes that occur, in increasing order, and each one's column: a gray level × every size up to the largest
  // matrix would be ng · maxSize doubles (tens of MB for a large homogeneous zone among many gray levels).
  const column = new Int32Array(maxSize + 1).fill(-1);
  for (let k = 1; k < zones.length; k += 2) column[zones[k]] = 0;
  const present: number[] = [];
  for (let size = 1; size <= maxSize; size++) {
    if (column[size] === 0) {
      column[size] = present.length;
      present.push(size);
    }
  }
  const ns = present.length;
  const P = new Float64Array(ng * ns);
  const pg = new Float64Array(ng);
  const ps = new Float64Array(ns);
  for (let k = 0; k < zones.length; k += 2) {
    const i = grayLevels.indexOf[zones[k]];
    const c = column[zones[k + 1]];
    P[i * ns + c]++;
    pg[i]++;
    ps[c]++;
  }
  const total = zones.length / 2;
  return {
    grayLevels,
    zoneSizes: Float64Array.from(present),
    P,
    pg,
    ps,
    zones: total === 0 ? 1 : total,
    voxels: roi.voxelCount,
  };
}

/**
 * Flood-fills every zone (same gray level, connected through `neighbours`) with an explicit stack over typed arrays.
 * Returns (gray level, size) pairs, flattened.
 */
function labelZones(binned: Int32Array, size: Vec3, neighbours: Offset[]): Int32Array {
  const [nx, ny, nz] = size;
  const n = binned.length;
  const visited = new Uint8Array(n);
  const stack = new Int32Array(n);
  const steps = Int32Array.from(neighbours, (o) => offsetStep(o, size));
  const dz = Int32Array.from(neighbours, (o) => o[0]);
  const dy = Int32Array.from(neighbours, (o) => o[1]);
  const dx = Int32Array.from(neighbours, (o) => o[2]);
  const na = neighbours.length;
  const interior = neighbours.every((o) => Math.max(Math.abs(o[0]), Math.abs(o[1]), Math.abs(o[2])) <= 1);
  const zones: number[] = [];
  const plane = nx * ny;
  for (let seed = 0; seed < n; seed++) {
    const level = binned[seed];
    if (level === 0 || visited[seed]) continue;
    let top = 0;
    stack[top++] = seed;
    visited[seed] = 1;
    let zoneSize = 0;
    while (top > 0) {
      const k = stack[--top];
      zoneSize++;
      const z = (k / plane) | 0;
      const rest = k - z * plane;
      const y = (rest / nx) | 0;
      const x = rest - y * nx;
      // Away from the box's faces every neighbour (one step along each axis at most) is inside the box.
      if (interior && x > 0 && x < nx - 1 && y > 0 && y < ny - 1 && z > 0 && z < nz - 1) {
        for (let a = 0; a < na; a++) {
          const j = k + steps[a];
          if (visited[j] || binned[j] !== level) continue;
          visited[j] = 1;
          stack[top++] = j;
        }
        continue;
      }
      for (let a = 0; a < na; a++) {
        const x2 = x + dx[a];
        const y2 = y + dy[a];
        const z2 = z + dz[a];
        if (x2 < 0 || x2 >= nx || y2 < 0 || y2 >= ny || z2 < 0 || z2 >= nz) continue;
        const j = k + steps[a];
        if (visited[j] || binned[j] !== level) continue;
        visited[j] = 1;
        stack[top++] = j;
      }
    }
    zones.push(level, zoneSize);
  }
  return Int32Array.from(zones);
}

/** Σ_i Σ_j P(i,j)·f(i, j) / N_z over gray level and zone size values. */
function zoneWeighted(m: Glszm, f: (i: number, j: number) => number): number {
  return sizeWeighted(m.P, m.grayLevels.values, m.zoneSizes, m.zones, f);
}

export const glszm = defineFeatureClass<Glszm>({
  name: 'glszm',
  formulas: {
    // IBSI 5QRC · glszm.getSmallAreaEmphasisFeatureValue: Σ P(i,j)/j² / N_z
    SmallAreaEmphasis: (m) => zoneWeighted(m, (_, j) => 1 / (j * j)),
    // IBSI 48P8 · glszm.getLargeAreaEmphasisFeatureValue: Σ P(i,j)·j² / N_z
    LargeAreaEmphasis: (m) => zoneWeighted(m, (_, j) => j * j),
    // IBSI JNSA · glszm.getGrayLevelNonUniformityFeatureValue: Σ_i pg(i)² / N_z
    GrayLevelNonUniformity: (m) => sumOfSquares(m.pg) / m.zones,
    // IBSI Y1RO · glszm.getGrayLevelNonUniformityNormalizedFeatureValue: Σ_i pg(i)² / N_z²
    GrayLevelNonUniformityNormalized: (m) => sumOfSquares(m.pg) / (m.zones * m.zones),
    // IBSI 4JP3 · glszm.getSizeZoneNonUniformityFeatureValue: Σ_j ps(j)² / N_z
    SizeZoneNonUniformity: (m) => sumOfSquares(m.ps) / m.zones,
    // IBSI VB3A · glszm.getSizeZoneNonUniformityNormalizedFeatureValue: Σ_j ps(j)² / N_z²
    SizeZoneNonUniformityNormalized: (m) => sumOfSquares(m.ps) / (m.zones * m.zones),
    // IBSI P30P · glszm.getZonePercentageFeatureValue: N_z / N_p
    ZonePercentage: (m) => m.zones / m.voxels,
    // IBSI BYLV · glszm.getGrayLevelVarianceFeatureValue: Σ p(i,j)(i − μ)², μ = Σ p(i,j)·i
    GrayLevelVariance: (m) => marginalVariance(m.pg, m.grayLevels.values, m.zones),
    // IBSI 3NSA · glszm.getZoneVarianceFeatureValue: Σ p(i,j)(j − μ)², μ = Σ p(i,j)·j
    ZoneVariance: (m) => marginalVariance(m.ps, m.zoneSizes, m.zones),
    // IBSI GU8N · glszm.getZoneEntropyFeatureValue: −Σ p(i,j) log₂(p(i,j) + ε), p = P/N_z
    ZoneEntropy: (m) => {
      let h = 0;
      for (let k = 0; k < m.P.length; k++) {
        const p = m.P[k] / m.zones;
        h -= p * Math.log2(p + EPS);
      }
      return h;
    },
    // IBSI XMSY (the shared ibsi_mapping lists S1RA, GLDZM's code) · glszm.getLowGrayLevelZoneEmphasisFeatureValue: Σ P(i,j)/i² / N_z
    LowGrayLevelZoneEmphasis: (m) => zoneWeighted(m, (i) => 1 / (i * i)),
    // IBSI 5GN9 (the shared ibsi_mapping lists K26C, GLDZM's code) · glszm.getHighGrayLevelZoneEmphasisFeatureValue: Σ P(i,j)·i² / N_z
    HighGrayLevelZoneEmphasis: (m) => zoneWeighted(m, (i) => i * i),
    // IBSI 5RAI · glszm.getSmallAreaLowGrayLevelEmphasisFeatureValue: Σ P(i,j)/(i²j²) / N_z
    SmallAreaLowGrayLevelEmphasis: (m) => zoneWeighted(m, (i, j) => 1 / (i * i * j * j)),
    // IBSI HW1V · glszm.getSmallAreaHighGrayLevelEmphasisFeatureValue: Σ P(i,j)·i²/j² / N_z
    SmallAreaHighGrayLevelEmphasis: (m) => zoneWeighted(m, (i, j) => (i * i) / (j * j)),
    // IBSI YH51 · glszm.getLargeAreaLowGrayLevelEmphasisFeatureValue: Σ P(i,j)·j²/i² / N_z
    LargeAreaLowGrayLevelEmphasis: (m) => zoneWeighted(m, (i, j) => (j * j) / (i * i)),
    // IBSI J17V · glszm.getLargeAreaHighGrayLevelEmphasisFeatureValue: Σ P(i,j)·i²·j² / N_z
    LargeAreaHighGrayLevelEmphasis: (m) => zoneWeighted(m, (i, j) => i * i * j * j),
  },
  deprecated: [],
  matrix: glszmMatrix,
});
