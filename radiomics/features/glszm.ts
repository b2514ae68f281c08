// Gray Level Size Zone Matrix features, PyRadiomics 3.1 semantics (radiomics/glszm.py, cmatrices.c calculate_glszm):
// zones are connected components of one gray level, 26-connected in 3D (8-connected in-plane with force2D).
import { textureDirections, type Offset } from './directions';
import { defineFeatureClass, EPS } from './featureTable';
import { roiGrayLevels, type GrayLevels } from './grayLevels';
import { marginalVariance, sizeWeighted, sumOfSquares } from './sizeMatrix';
import { paddedLevels, paddedStep, type PaddedLevels } from './paddedLevels';
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
  const zones = labelZones(paddedLevels(roi, 1), neighbours);

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
 * Flood-fills every zone (same gray level, connected through `neighbours`, one step along each axis at most) with an
 * explicit stack, seeded from the ROI voxels in box order; the zero border ends zones at the box's faces.
 * Returns (gray level, size) pairs, flattened.
 */
function labelZones(padded: PaddedLevels, neighbours: Offset[]): Int32Array {
  const { voxels } = padded;
  // a voxel's level is cleared here once it is in a zone (one read per neighbour tells level and state)
  const open = padded.levels.slice();
  const stack = new Int32Array(voxels.length);
  const steps = Int32Array.from(neighbours, (o) => paddedStep(o, padded));
  const na = steps.length;
  const zones: number[] = [];
  for (let v = 0; v < voxels.length; v++) {
    const seed = voxels[v];
    const level = open[seed];
    if (level === 0) continue;
    let top = 0;
    stack[top++] = seed;
    open[seed] = 0;
    let zoneSize = 0;
    while (top > 0) {
      const k = stack[--top];
      zoneSize++;
      for (let a = 0; a < na; a++) {
        const j = k + steps[a];
        if (open[j] !== level) continue;
        open[j] = 0;
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
