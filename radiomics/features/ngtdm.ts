// Neighbouring Gray Tone Difference Matrix features, PyRadiomics 3.1 semantics (radiomics/ngtdm.py,
// cmatrices.c calculate_ngtdm): for each ROI voxel, |i − mean gray level of its ROI neighbours within the distances|,
// summed per gray level; a voxel without ROI neighbours counts with difference 0.
import { defineFeatureClass } from './featureTable';
import { roiGrayLevels, type GrayLevels } from './grayLevels';
import { roiNeighbourhood } from './neighbourhood';
import type { Roi } from './types';

export interface Ngtdm {
  grayLevels: GrayLevels;
  /** n_i: voxels per present gray level. */
  n: Float64Array;
  /** s_i: summed absolute differences per present gray level. */
  s: Float64Array;
  /** p_i = n_i / N_vp. */
  p: Float64Array;
  /** N_vp = Σ n_i. */
  voxels: number;
}

/** Builds the NGTDM of a ROI (cmatrices.c calculate_ngtdm + ngtdm._calculateMatrix + _calculateCoefficients). */
export function ngtdmMatrix(roi: Roi): Ngtdm {
  const grayLevels = roiGrayLevels(roi, 'ngtdm');
  const { voxels: roiVoxels, levels, count, sum } = roiNeighbourhood(roi, roi.settings.gldm_a);

  const ng = grayLevels.values.length;
  const n = new Float64Array(ng);
  const s = new Float64Array(ng);
  // ROI voxels in box order: each level's differences are summed in that order.
  for (let i = 0; i < roiVoxels.length; i++) {
    const g = levels[roiVoxels[i]];
    const k = grayLevels.indexOf[g];
    n[k]++;
    if (count[i] > 0) s[k] += Math.abs(g - sum[i] / count[i]);
  }
  let voxels = 0;
  for (let k = 0; k < ng; k++) voxels += n[k];
  const p = Float64Array.from(n, (v) => v / voxels);
  return { grayLevels, n, s, p, voxels };
}

/** Σ_i Σ_j f(i, j) over pairs of present gray levels (indices). */
function pairSum(ng: number, f: (a: number, b: number) => number): number {
  let total = 0;
  for (let a = 0; a < ng; a++) for (let b = 0; b < ng; b++) total += f(a, b);
  return total;
}

function weightedDifference(m: Ngtdm): number {
  let total = 0;
  for (let k = 0; k < m.p.length; k++) total += m.p[k] * m.s[k];
  return total;
}

export const ngtdm = defineFeatureClass<Ngtdm>({
  name: 'ngtdm',
  formulas: {
    // IBSI QCDE · ngtdm.getCoarsenessFeatureValue: 1 / Σ p_i s_i; 10⁶ when the sum is 0 (flat region)
    Coarseness: (m) => {
      const total = weightedDifference(m);
      return total === 0 ? 1e6 : 1 / total;
    },
    // IBSI 65HE · ngtdm.getContrastFeatureValue: (Σ p_i p_j (i − j)² / (N_gp(N_gp − 1))) · (Σ s_i / N_vp); 0 when N_gp = 1
    Contrast: (m) => {
      const ngp = m.p.length;
      if (ngp <= 1) return 0;
      const level = m.grayLevels.values;
      const spread = pairSum(ngp, (a, b) => m.p[a] * m.p[b] * (level[a] - level[b]) ** 2);
      let sumS = 0;
      for (let k = 0; k < ngp; k++) sumS += m.s[k];
      return (spread / (ngp * (ngp - 1))) * (sumS / m.voxels);
    },
    // IBSI NQ30 · ngtdm.getBusynessFeatureValue: Σ p_i s_i / Σ_i Σ_j |i·p_i − j·p_j|; 0 when the denominator is 0
    Busyness: (m) => {
      const level = m.grayLevels.values;
      const absDiff = pairSum(m.p.length, (a, b) => Math.abs(level[a] * m.p[a] - level[b] * m.p[b]));
      return absDiff === 0 ? 0 : weightedDifference(m) / absDiff;
    },
    // IBSI HDEZ · ngtdm.getComplexityFeatureValue: Σ_i Σ_j |i − j| (p_i s_i + p_j s_j)/(p_i + p_j) / N_vp
    Complexity: (m) => {
      const level = m.grayLevels.values;
      const { p, s } = m;
      const total = pairSum(p.length, (a, b) => (Math.abs(level[a] - level[b]) * (p[a] * s[a] + p[b] * s[b])) / (p[a] + p[b]));
      return total / m.voxels;
    },
    // IBSI 1X9X · ngtdm.getStrengthFeatureValue: Σ_i Σ_j (p_i + p_j)(i − j)² / Σ s_i; 0 when Σ s_i = 0
    Strength: (m) => {
      let sumS = 0;
      for (let k = 0; k < m.s.length; k++) sumS += m.s[k];
      if (sumS === 0) return 0;
      const level = m.grayLevels.values;
      return pairSum(m.p.length, (a, b) => (m.p[a] + m.p[b]) * (level[a] - level[b]) ** 2) / sumS;
    },
  },
  deprecated: [],
  matrix: ngtdmMatrix,
});
