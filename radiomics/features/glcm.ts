// Gray Level Co-occurrence Matrix features, PyRadiomics 3.1 semantics (radiomics/glcm.py, cmatrices.c calculate_glcm):
// one matrix per direction (13 in 3D, 4 with force2D), symmetrical by default, features averaged over directions
// (numpy.nanmean), or one merged matrix when weightingNorm is set.
import { directionOptions, offsetLength, textureDirections, type Offset } from './directions';
import { defineFeatureClass, EPS, nanMean, type FeatureFormula } from './featureTable';
import { roiGrayLevels, type GrayLevels } from './grayLevels';
import { largestEigenvalue } from './largestEigenvalue';
import { neighbourPad, paddedLevels, paddedStep, type PaddedLevels } from './paddedLevels';
import type { Roi } from './types';

/** One normalised co-occurrence matrix p(i, j) with the marginals every feature shares. */
export interface GlcmAngle {
  /** Present gray levels (compact count). */
  ng: number;
  /** Gray level value of each compact index. */
  level: Float64Array;
  /** PyRadiomics' Ng: the largest gray level in the ROI. */
  maxLevel: number;
  /** p(i, j), row-major ng×ng, summing to 1. */
  p: Float64Array;
  px: Float64Array;
  py: Float64Array;
  ux: number;
  uy: number;
  /** p_{x+y}(k), indexed by k = i + j (2..2·maxLevel). */
  pxPlusY: Float64Array;
  /** p_{x−y}(k), indexed by k = |i − j| (0..maxLevel−1). */
  pxMinusY: Float64Array;
  /** Joint entropy HXY. */
  hxy: number;
}

export interface Glcm {
  grayLevels: GrayLevels;
  /** Directions of the kept matrices (empty ones removed), aligned with `angles`; empty when weighting merged them. */
  directions: Offset[];
  /** Normalised matrices, one per kept direction, or one when weightingNorm merged them. */
  angles: GlcmAngle[];
}

/** Builds the GLCMs of a ROI (cmatrices.c calculate_glcm + glcm._calculateMatrix + _calculateCoefficients). */
export function glcmMatrix(roi: Roi): Glcm {
  const grayLevels = roiGrayLevels(roi, 'glcm');
  const { settings, geometry } = roi;
  const size = geometry.size;
  const ng = grayLevels.values.length;
  let directions = textureDirections(size, directionOptions(settings, false));
  const padded = paddedLevels(roi, neighbourPad(roi));
  let counts = countPairs(padded, directions, grayLevels.indexOf, ng);

  if (settings.symmetricalGLCM) for (const P of counts) addTranspose(P, ng);

  if (settings.weightingNorm !== null && settings.weightingNorm !== undefined) {
    // glcm._calculateMatrix: W = exp(−‖d‖²) per direction, matrices summed before normalisation.
    const norm = settings.weightingNorm;
    const merged = new Float64Array(ng * ng);
    directions.forEach((offset, a) => {
      const d = offsetLength(offset, geometry.spacing, norm);
      const w = norm === 'no_weighting' ? 1 : Math.exp(-d * d);
      const P = counts[a];
      for (let k = 0; k < merged.length; k++) merged[k] += w * P[k];
    });
    counts = [merged];
    directions = [];
  } else if (counts.length > 1) {
    // Directions with no pair inside the ROI (e.g. out-of-plane ones for a single-slice ROI) are dropped.
    const kept = counts.map((P) => sum(P) > 0);
    directions = directions.filter((_, a) => kept[a]);
    counts = counts.filter((_, a) => kept[a]);
  }

  const angles = counts.map((P) => angleCoefficients(P, grayLevels));
  return { grayLevels, directions, angles };
}

/**
 * Counts (centre level, neighbour level) pairs for every offset in one pass over the ROI voxels: each voxel's level is
 * read once for all directions, and a neighbour outside the ROI (level 0, the zero border beyond the box) is counted
 * in an extra column that is dropped, so that the pass has no branch. One matrix per offset.
 */
function countPairs(padded: PaddedLevels, offsets: Offset[], indexOf: Int32Array, ng: number): Float64Array[] {
  const { levels, voxels } = padded;
  const nd = offsets.length;
  const steps = Int32Array.from(offsets, (o) => paddedStep(o, padded));
  const width = ng + 1;
  const column = Int32Array.from(indexOf, (k, g) => (g === 0 ? ng : k));
  const cells = ng * width;
  const counts = new Int32Array(nd * cells);
  for (let k = 0; k < voxels.length; k++) {
    const p = voxels[k];
    const row = indexOf[levels[p]] * width;
    for (let d = 0, base = row; d < nd; d++, base += cells) counts[base + column[levels[p + steps[d]]]]++;
  }
  return offsets.map((_, d) => dropOutsideColumn(counts, d * cells, ng));
}

/** The ng × ng matrix at `from` in `counts`, rows of ng + 1 columns whose last (neighbours outside the ROI) is dropped. */
function dropOutsideColumn(counts: Int32Array, from: number, ng: number): Float64Array {
  const P = new Float64Array(ng * ng);
  for (let i = 0; i < ng; i++) for (let j = 0; j < ng; j++) P[i * ng + j] = counts[from + i * (ng + 1) + j];
  return P;
}

function addTranspose(P: Float64Array, ng: number): void {
  for (let i = 0; i < ng; i++) {
    for (let j = i; j < ng; j++) {
      const s = P[i * ng + j] + P[j * ng + i];
      P[i * ng + j] = s;
      P[j * ng + i] = s;
    }
  }
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k];
  return s;
}

function angleCoefficients(P: Float64Array, grayLevels: GrayLevels): GlcmAngle {
  const level = grayLevels.values;
  const ng = level.length;
  const maxLevel = grayLevels.maxLevel;
  const total = sum(P);
  // glcm._calculateMatrix marks an all-zero matrix NaN, so its features drop out of the nanmean.
  const p = new Float64Array(ng * ng);
  for (let k = 0; k < p.length; k++) p[k] = total === 0 ? NaN : P[k] / total;
  const px = new Float64Array(ng);
  const py = new Float64Array(ng);
  const pxPlusY = new Float64Array(2 * maxLevel + 1);
  const pxMinusY = new Float64Array(maxLevel);
  let ux = 0;
  let uy = 0;
  let hxy = 0;
  for (let i = 0; i < ng; i++) {
    for (let j = 0; j < ng; j++) {
      const pij = p[i * ng + j];
      if (pij === 0) continue; // contributes nothing; sparse for fine binnings
      px[i] += pij;
      py[j] += pij;
      ux += pij * level[i];
      uy += pij * level[j];
      pxPlusY[level[i] + level[j]] += pij;
      pxMinusY[Math.abs(level[i] - level[j])] += pij;
      hxy -= pij * Math.log2(pij + EPS);
    }
  }
  return { ng, level, maxLevel, p, px, py, ux, uy, pxPlusY, pxMinusY, hxy };
}

/** Sum over all (i, j) of p(i, j)·f(level i, level j). */
function expectation(m: GlcmAngle, f: (i: number, j: number) => number): number {
  const { ng, level, p } = m;
  let s = 0;
  for (let a = 0; a < ng; a++) {
    for (let b = 0; b < ng; b++) {
      const pab = p[a * ng + b];
      if (pab !== 0) s += pab * f(level[a], level[b]);
    }
  }
  return s;
}

function entropy(q: Float64Array): number {
  let h = 0;
  for (let k = 0; k < q.length; k++) h -= q[k] * Math.log2(q[k] + EPS);
  return h;
}

// --- Per-direction formulas (PyRadiomics RadiomicsGLCM.get<Name>FeatureValue) ---

// IBSI QWB0 · glcm.getAutocorrelationFeatureValue: Σ p(i,j)·i·j
const autocorrelation = (m: GlcmAngle) => expectation(m, (i, j) => i * j);
// IBSI 60VM · glcm.getJointAverageFeatureValue: μx = Σ p(i,j)·i
const jointAverage = (m: GlcmAngle) => m.ux;
// IBSI AE86 · glcm.getClusterProminenceFeatureValue: Σ (i + j − μx − μy)⁴ p(i,j)
const clusterProminence = (m: GlcmAngle) => expectation(m, (i, j) => (i + j - m.ux - m.uy) ** 4);
// IBSI 7NFM · glcm.getClusterShadeFeatureValue: Σ (i + j − μx − μy)³ p(i,j)
const clusterShade = (m: GlcmAngle) => expectation(m, (i, j) => (i + j - m.ux - m.uy) ** 3);
// IBSI DG8W · glcm.getClusterTendencyFeatureValue: Σ (i + j − μx − μy)² p(i,j)
const clusterTendency = (m: GlcmAngle) => expectation(m, (i, j) => (i + j - m.ux - m.uy) ** 2);
// IBSI ACUI · glcm.getContrastFeatureValue: Σ (i − j)² p(i,j)
const contrast = (m: GlcmAngle) => expectation(m, (i, j) => (i - j) ** 2);

// IBSI NI2N · glcm.getCorrelationFeatureValue: (Σ p(i,j)(i − μx)(j − μy)) / (σx σy + ε); 1 when σx σy = 0 (flat region)
function correlation(m: GlcmAngle): number {
  const sigx = Math.sqrt(expectation(m, (i) => (i - m.ux) ** 2));
  const sigy = Math.sqrt(expectation(m, (_, j) => (j - m.uy) ** 2));
  if (sigx * sigy === 0) return 1;
  return expectation(m, (i, j) => (i - m.ux) * (j - m.uy)) / (sigx * sigy + EPS);
}

// IBSI TF7R · glcm.getDifferenceAverageFeatureValue: DA = Σ_k k·p_{x−y}(k)
function differenceAverage(m: GlcmAngle): number {
  let s = 0;
  for (let k = 0; k < m.pxMinusY.length; k++) s += k * m.pxMinusY[k];
  return s;
}
// IBSI NTRS · glcm.getDifferenceEntropyFeatureValue: −Σ_k p_{x−y}(k) log₂(p_{x−y}(k) + ε)
const differenceEntropy = (m: GlcmAngle) => entropy(m.pxMinusY);
// IBSI D3YU · glcm.getDifferenceVarianceFeatureValue: Σ_k (k − DA)² p_{x−y}(k)
function differenceVariance(m: GlcmAngle): number {
  const da = differenceAverage(m);
  let s = 0;
  for (let k = 0; k < m.pxMinusY.length; k++) s += (k - da) ** 2 * m.pxMinusY[k];
  return s;
}
// IBSI 8ZQL · glcm.getJointEnergyFeatureValue: Σ p(i,j)²
function jointEnergy(m: GlcmAngle): number {
  let s = 0;
  for (let k = 0; k < m.p.length; k++) s += m.p[k] * m.p[k];
  return s;
}
// IBSI TU9B · glcm.getJointEntropyFeatureValue: HXY = −Σ p(i,j) log₂(p(i,j) + ε)
const jointEntropy = (m: GlcmAngle) => m.hxy;

// IBSI R8DG · glcm.getImc1FeatureValue: (HXY − HXY1) / max(HX, HY); 0 when both marginal entropies are 0
function imc1(m: GlcmAngle): number {
  const { ng, p, px, py } = m;
  const div = Math.max(entropy(px), entropy(py));
  let hxy1 = 0;
  for (let a = 0; a < ng; a++) for (let b = 0; b < ng; b++) hxy1 -= p[a * ng + b] * Math.log2(px[a] * py[b] + EPS);
  return div === 0 ? 0 : (m.hxy - hxy1) / div;
}

// IBSI JN9H · glcm.getImc2FeatureValue: √(1 − e^(−2(HXY2 − HXY))); 0 when HXY2 = HXY (NaN when rounding makes it negative)
function imc2(m: GlcmAngle): number {
  const { ng, px, py } = m;
  let hxy2 = 0;
  for (let a = 0; a < ng; a++) {
    for (let b = 0; b < ng; b++) {
      const q = px[a] * py[b];
      hxy2 -= q * Math.log2(q + EPS);
    }
  }
  if (hxy2 === m.hxy) return 0;
  return Math.sqrt(1 - Math.exp(-2 * (hxy2 - m.hxy)));
}

function differenceWeighted(m: GlcmAngle, w: (k: number) => number, from = 0): number {
  let s = 0;
  for (let k = from; k < m.pxMinusY.length; k++) s += m.pxMinusY[k] * w(k);
  return s;
}
// IBSI WF0Z · glcm.getIdmFeatureValue: Σ_k p_{x−y}(k) / (1 + k²)
const idm = (m: GlcmAngle) => differenceWeighted(m, (k) => 1 / (1 + k * k));

/**
 * PyRadiomics (no IBSI code) · glcm.getMCCFeatureValue: √(second largest eigenvalue of Q),
 * Q(i,j) = Σ_k p(i,k)p(j,k) / (px(i) py(k)); 1 for a flat region.
 * Q = D⁻¹ᐟ²·S·D¹ᐟ² with S = A·Aᵀ, A(i,k) = p(i,k)/√(px(i)py(k)), so Q and S share eigenvalues; S's largest is 1 with
 * eigenvector √px, and the second largest is the largest on the complement of √px. Gray levels with px(i) = 0 give
 * zero rows of Q, i.e. eigenvalues 0.
 */
function mcc(m: GlcmAngle): number {
  const { ng, p, px, py } = m;
  if (ng < 2) return 1;
  // A in compressed rows (co-occurrence matrices are sparse once gray levels are many), rows with px > 0 only.
  const rowStart: number[] = [0];
  const column: number[] = [];
  const value: number[] = [];
  const top: number[] = [];
  let mass = 0;
  for (let a = 0; a < ng; a++) {
    if (!(px[a] > 0)) continue;
    for (let k = 0; k < ng; k++) {
      const pak = p[a * ng + k];
      if (pak !== 0) {
        column.push(k);
        value.push(pak / Math.sqrt(px[a] * py[k]));
      }
    }
    rowStart.push(column.length);
    top.push(Math.sqrt(px[a]));
    mass += px[a];
  }
  const n = top.length;
  const starts = Int32Array.from(rowStart);
  const cols = Int32Array.from(column);
  const vals = Float64Array.from(value);
  const unitTop = Float64Array.from(top, (v) => v / Math.sqrt(mass));
  const t = new Float64Array(ng);
  const applyS = (x: Float64Array, y: Float64Array) => {
    t.fill(0);
    for (let r = 0; r < n; r++) {
      const xr = x[r];
      for (let e = starts[r]; e < starts[r + 1]; e++) t[cols[e]] += vals[e] * xr;
    }
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let e = starts[r]; e < starts[r + 1]; e++) s += vals[e] * t[cols[e]];
      y[r] = s;
    }
  };
  return Math.sqrt(largestEigenvalue(n, applyS, { orthogonalTo: [unitTop] }));
}

// IBSI 1QCO · glcm.getIdmnFeatureValue: Σ_k p_{x−y}(k) / (1 + k²/Ng²), Ng = largest gray level
const idmn = (m: GlcmAngle) => differenceWeighted(m, (k) => 1 / (1 + (k * k) / (m.maxLevel * m.maxLevel)));
// IBSI IB1Z · glcm.getIdFeatureValue: Σ_k p_{x−y}(k) / (1 + k)
const id = (m: GlcmAngle) => differenceWeighted(m, (k) => 1 / (1 + k));
// IBSI NDRX · glcm.getIdnFeatureValue: Σ_k p_{x−y}(k) / (1 + k/Ng), Ng = largest gray level
const idn = (m: GlcmAngle) => differenceWeighted(m, (k) => 1 / (1 + k / m.maxLevel));
// IBSI E8JP · glcm.getInverseVarianceFeatureValue: Σ_{k≥1} p_{x−y}(k) / k²
const inverseVariance = (m: GlcmAngle) => differenceWeighted(m, (k) => 1 / (k * k), 1);
// IBSI GYBY · glcm.getMaximumProbabilityFeatureValue: max p(i,j)
function maximumProbability(m: GlcmAngle): number {
  let max = -Infinity;
  for (let k = 0; k < m.p.length; k++) if (m.p[k] > max) max = m.p[k];
  return max;
}
// IBSI ZGXS · glcm.getSumAverageFeatureValue: Σ_k k·p_{x+y}(k), k = 2..2Ng
function sumAverage(m: GlcmAngle): number {
  let s = 0;
  for (let k = 2; k < m.pxPlusY.length; k++) s += k * m.pxPlusY[k];
  return s;
}
// IBSI P6QZ · glcm.getSumEntropyFeatureValue: −Σ_k p_{x+y}(k) log₂(p_{x+y}(k) + ε)
const sumEntropy = (m: GlcmAngle) => entropy(m.pxPlusY);
// IBSI UR99 · glcm.getSumSquaresFeatureValue: Σ (i − μx)² p(i,j)
const sumSquares = (m: GlcmAngle) => expectation(m, (i) => (i - m.ux) ** 2);

/** Feature value = numpy.nanmean of the per-direction values (a single value when merged by weighting). */
const averaged =
  (f: (m: GlcmAngle) => number): FeatureFormula<Glcm> =>
  (glcm) =>
    nanMean(glcm.angles.map(f));

export const glcm = defineFeatureClass<Glcm>({
  name: 'glcm',
  formulas: {
    Autocorrelation: averaged(autocorrelation),
    JointAverage: averaged(jointAverage),
    ClusterProminence: averaged(clusterProminence),
    ClusterShade: averaged(clusterShade),
    ClusterTendency: averaged(clusterTendency),
    Contrast: averaged(contrast),
    Correlation: averaged(correlation),
    DifferenceAverage: averaged(differenceAverage),
    DifferenceEntropy: averaged(differenceEntropy),
    DifferenceVariance: averaged(differenceVariance),
    JointEnergy: averaged(jointEnergy),
    JointEntropy: averaged(jointEntropy),
    Imc1: averaged(imc1),
    Imc2: averaged(imc2),
    Idm: averaged(idm),
    MCC: averaged(mcc),
    Idmn: averaged(idmn),
    Id: averaged(id),
    Idn: averaged(idn),
    InverseVariance: averaged(inverseVariance),
    MaximumProbability: averaged(maximumProbability),
    SumAverage: averaged(sumAverage),
    SumEntropy: averaged(sumEntropy),
    SumSquares: averaged(sumSquares),
  },
  // glcm.py @deprecated: Dissimilarity = DifferenceAverage, Homogeneity1 = Id, Homogeneity2 = Idm, SumVariance = ClusterTendency.
  deprecated: ['Dissimilarity', 'Homogeneity1', 'Homogeneity2', 'SumVariance'],
  matrix: glcmMatrix,
});
