// Gray Level Dependence Matrix features, PyRadiomics 3.1 semantics (radiomics/gldm.py, cmatrices.c calculate_gldm):
// a neighbour within the distances (Chebyshev) is dependent when |i − j| ≤ gldm_a; P(i, d) counts voxels of level i
// with d dependent neighbours (d = 0 is dependence size 1).
import { defineFeatureClass, EPS } from './featureTable';
import { roiGrayLevels, type GrayLevels } from './grayLevels';
import { roiNeighbourhood } from './neighbourhood';
import { marginalVariance, sizeWeighted, sumOfSquares } from './sizeMatrix';
import type { Roi } from './types';

export interface Gldm {
  grayLevels: GrayLevels;
  /** Dependence sizes that occur: dependent neighbours + 1 (PyRadiomics jvector after removing empty columns). */
  dependenceSizes: Float64Array;
  /** P(i, j), row-major gray level × dependence size. */
  P: Float64Array;
  pg: Float64Array;
  pd: Float64Array;
  /** N_z = Σ P = number of ROI voxels. */
  zones: number;
}

/** Builds the GLDM of a ROI (cmatrices.c calculate_gldm + gldm._calculateMatrix). */
export function gldmMatrix(roi: Roi): Gldm {
  const grayLevels = roiGrayLevels(roi, 'gldm');
  const { settings } = roi;
  // Every ROI voxel's dependent neighbours, in both directions of each ± pair.
  const { voxels, levels, dependents, directions } = roiNeighbourhood(roi, settings.gldm_a);

  const ng = grayLevels.values.length;
  const maxDependence = 2 * directions + 1;
  const full = new Float64Array(ng * maxDependence);
  for (let k = 0; k < voxels.length; k++) full[grayLevels.indexOf[levels[voxels[k]]] * maxDependence + dependents[k]]++;
  const present: number[] = [];
  for (let d = 0; d < maxDependence; d++) {
    for (let i = 0; i < ng; i++) {
      if (full[i * maxDependence + d] !== 0) {
        present.push(d);
        break;
      }
    }
  }
  const nd = present.length;
  const P = new Float64Array(ng * nd);
  const pg = new Float64Array(ng);
  const pd = new Float64Array(nd);
  let zones = 0;
  for (let i = 0; i < ng; i++) {
    for (let c = 0; c < nd; c++) {
      const v = full[i * maxDependence + present[c]];
      P[i * nd + c] = v;
      pg[i] += v;
      pd[c] += v;
      zones += v;
    }
  }
  return { grayLevels, dependenceSizes: Float64Array.from(present, (d) => d + 1), P, pg, pd, zones };
}

/** Σ_i Σ_j P(i,j)·f(i, j) / N_z over gray level and dependence size values. */
function dependenceWeighted(m: Gldm, f: (i: number, j: number) => number): number {
  return sizeWeighted(m.P, m.grayLevels.values, m.dependenceSizes, m.zones, f);
}

export const gldm = defineFeatureClass<Gldm>({
  name: 'gldm',
  formulas: {
    // IBSI SODN · gldm.getSmallDependenceEmphasisFeatureValue: Σ P(i,j)/j² / N_z
    SmallDependenceEmphasis: (m) => dependenceWeighted(m, (_, j) => 1 / (j * j)),
    // IBSI IMOQ · gldm.getLargeDependenceEmphasisFeatureValue: Σ P(i,j)·j² / N_z
    LargeDependenceEmphasis: (m) => dependenceWeighted(m, (_, j) => j * j),
    // IBSI FP8K · gldm.getGrayLevelNonUniformityFeatureValue: Σ_i pg(i)² / N_z
    GrayLevelNonUniformity: (m) => sumOfSquares(m.pg) / m.zones,
    // IBSI Z87G · gldm.getDependenceNonUniformityFeatureValue: Σ_j pd(j)² / N_z
    DependenceNonUniformity: (m) => sumOfSquares(m.pd) / m.zones,
    // IBSI OKJI · gldm.getDependenceNonUniformityNormalizedFeatureValue: Σ_j pd(j)² / N_z²
    DependenceNonUniformityNormalized: (m) => sumOfSquares(m.pd) / (m.zones * m.zones),
    // IBSI 1PFV · gldm.getGrayLevelVarianceFeatureValue: Σ p(i,j)(i − μ)², μ = Σ p(i,j)·i
    GrayLevelVariance: (m) => marginalVariance(m.pg, m.grayLevels.values, m.zones),
    // IBSI DNX2 · gldm.getDependenceVarianceFeatureValue: Σ p(i,j)(j − μ)², μ = Σ p(i,j)·j
    DependenceVariance: (m) => marginalVariance(m.pd, m.dependenceSizes, m.zones),
    // IBSI FCBV · gldm.getDependenceEntropyFeatureValue: −Σ p(i,j) log₂(p(i,j) + ε), p = P/N_z
    DependenceEntropy: (m) => {
      let h = 0;
      for (let k = 0; k < m.P.length; k++) {
        const p = m.P[k] / m.zones;
        h -= p * Math.log2(p + EPS);
      }
      return h;
    },
    // IBSI TL9H · gldm.getLowGrayLevelEmphasisFeatureValue: Σ P(i,j)/i² / N_z
    LowGrayLevelEmphasis: (m) => dependenceWeighted(m, (i) => 1 / (i * i)),
    // IBSI OAE7 · gldm.getHighGrayLevelEmphasisFeatureValue: Σ P(i,j)·i² / N_z
    HighGrayLevelEmphasis: (m) => dependenceWeighted(m, (i) => i * i),
    // IBSI EQ3F · gldm.getSmallDependenceLowGrayLevelEmphasisFeatureValue: Σ P(i,j)/(i²j²) / N_z
    SmallDependenceLowGrayLevelEmphasis: (m) => dependenceWeighted(m, (i, j) => 1 / (i * i * j * j)),
    // IBSI JA6D · gldm.getSmallDependenceHighGrayLevelEmphasisFeatureValue: Σ P(i,j)·i²/j² / N_z
    SmallDependenceHighGrayLevelEmphasis: (m) => dependenceWeighted(m, (i, j) => (i * i) / (j * j)),
    // IBSI NBZI · gldm.getLargeDependenceLowGrayLevelEmphasisFeatureValue: Σ P(i,j)·j²/i² / N_z
    LargeDependenceLowGrayLevelEmphasis: (m) => dependenceWeighted(m, (i, j) => (j * j) / (i * i)),
    // IBSI 9QMG · gldm.getLargeDependenceHighGrayLevelEmphasisFeatureValue: Σ P(i,j)·i²·j² / N_z
    LargeDependenceHighGrayLevelEmphasis: (m) => dependenceWeighted(m, (i, j) => i * i * j * j),
  },
  // gldm.py @deprecated: GrayLevelNonUniformityNormalized = firstorder Uniformity, DependencePercentage is always 1.
  deprecated: ['GrayLevelNonUniformityNormalized', 'DependencePercentage'],
  matrix: gldmMatrix,
});
