// First-order statistics of the ROI intensities (PyRadiomics 3.1 RadiomicsFirstOrder), IBSI chapter 3.3/3.4.
// Conventions kept from PyRadiomics: Kurtosis is not excess (+3 vs IBSI), Energy/TotalEnergy/RMS add voxelArrayShift,
// Entropy/Uniformity read the discretised histogram, variance and moments divide by Np.
import type { FeatureClass, Roi } from './types';

const FEATURES = [
  'Energy',
  'TotalEnergy',
  'Entropy',
  'Minimum',
  '10Percentile',
  '90Percentile',
  'Maximum',
  'Mean',
  'Median',
  'InterquartileRange',
  'Range',
  'MeanAbsoluteDeviation',
  'RobustMeanAbsoluteDeviation',
  'RootMeanSquared',
  'Skewness',
  'Kurtosis',
  'Variance',
  'Uniformity',
] as const;

const DEPRECATED = ['StandardDeviation'] as const;

/** numpy.spacing(1): keeps log2(p) finite for empty bins. */
const EPS = 2.220446049250313e-16;

/** numpy.percentile with its default linear interpolation, on ascending values (or ones where the two ranks it reads hold their order statistics). */
export function percentileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

/** Intensities of the ROI voxels in box order. */
function roiValues(roi: Roi): Float64Array {
  const values = new Float64Array(roi.voxelCount);
  let k = 0;
  for (let i = 0; i < roi.mask.length; i++) if (roi.mask[i] !== 0) values[k++] = roi.image[i];
  return values;
}

/** The ranks numpy.percentile's linear interpolation reads for q (floor and floor + 1 of q/100 · (n − 1)). */
function percentileRanks(n: number, q: number): [number, number] {
  const lo = Math.floor((q / 100) * (n - 1));
  return [lo, Math.min(lo + 1, n - 1)];
}

/**
 * Puts the order statistic of each rank in `ranks` (ascending) at its index of `a`, as a full sort would, by
 * quickselect (Hoare partitions around a median of three) narrowing on every rank in turn: O(n) where a sort is
 * O(n log n). Values must not be NaN.
 */
export function selectRanks(a: Float64Array, ranks: readonly number[]): void {
  const stack: number[] = [0, a.length - 1, 0, ranks.length];
  while (stack.length > 0) {
    const rankHi = stack.pop()!;
    const rankLo = stack.pop()!;
    const outerHi = stack.pop()!;
    const outerLo = stack.pop()!;
    if (rankLo >= rankHi) continue;
    const mid = (rankLo + rankHi) >> 1;
    const target = ranks[mid];
    narrow(a, outerLo, outerHi, target);
    // Ranks below the target lie left of it, ranks above to its right: each side is narrowed on its own.
    stack.push(outerLo, target - 1, rankLo, mid, target + 1, outerHi, mid + 1, rankHi);
  }
}

/** Puts the order statistic of rank `target` of a[lo..hi] at index `target`, smaller values before it, larger after. */
function narrow(a: Float64Array, lo: number, hi: number, target: number): void {
  // A subarray that keeps resisting its pivots is sorted instead (quadratic cases of quickselect).
  let budget = 2 * Math.ceil(Math.log2(hi - lo + 2)) + 4;
  while (hi > lo) {
    if (hi - lo < 16 || --budget === 0) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const m = (lo + hi) >> 1;
    const pivot = median3(a[lo], a[m], a[hi]);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // [lo, j] ≤ pivot ≤ [i, hi]; between them (j < k < i) every value equals the pivot.
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return;
  }
}

function median3(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
}

// The passes below are functions of their own, each optimised once (see periodicPass in filters/wavelet.ts).

/** Sum, energy (after `shift`), mean, central moments 2–4 and mean absolute deviation, each divided by Np. */
function moments(x: Float64Array, shift: number) {
  const np = x.length;
  // pass 1: sum and shifted energy
  let sum = 0;
  let energy = 0;
  for (let i = 0; i < np; i++) {
    const v = x[i];
    sum += v;
    const s = v + shift;
    energy += s * s;
  }
  const mean = sum / np;

  // pass 2: central moments and mean absolute deviation
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  let mad = 0;
  for (let i = 0; i < np; i++) {
    const d = x[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    mad += Math.abs(d);
  }
  return { sum, energy, mean, m2: m2 / np, m3: m3 / np, m4: m4 / np, mad: mad / np };
}

/** Histogram of the discretised gray levels of the ROI (index = gray level) and the largest level. */
function binnedHistogram(roi: Roi): { ng: number; counts: Float64Array } {
  let ng = 0;
  for (let i = 0; i < roi.binned.length; i++) if (roi.binned[i] > ng) ng = roi.binned[i];
  const counts = new Float64Array(ng + 1);
  for (let i = 0; i < roi.binned.length; i++) if (roi.mask[i] !== 0) counts[roi.binned[i]]++;
  return { ng, counts };
}

/** Mean absolute deviation from their mean of the voxels with P10 ≤ X ≤ P90 (one run of a sorted array). */
function robustMeanAbsoluteDeviation(x: Float64Array, p10: number, p90: number): number {
  // summed in the order the selection left them
  let count = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v >= p10 && v <= p90) {
      s += v;
      count++;
    }
  }
  if (count <= 0) return NaN;
  const m = s / count;
  let dev = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v >= p10 && v <= p90) dev += Math.abs(v - m);
  }
  return dev / count;
}

export function computeFirstOrder(roi: Roi, enabled?: readonly string[]): Record<string, number> {
  const want = new Set<string>(enabled ?? FEATURES);
  const x = roiValues(roi);
  const np = x.length;
  const { sum, energy, mean, m2, m3, m4, mad } = moments(x, roi.settings.voxelArrayShift);

  // Only these order statistics are read: selecting them costs a fraction of sorting the ROI (NaN keeps the sort).
  const ranks = [0, np - 1, ...[10, 25, 50, 75, 90].flatMap((q) => percentileRanks(np, q))];
  if (Number.isNaN(sum)) x.sort();
  else if (np > 0)
    selectRanks(
      x,
      [...new Set(ranks)].sort((a, b) => a - b),
    );
  const p10 = percentileSorted(x, 10);
  const p90 = percentileSorted(x, 90);

  const { ng, counts } = binnedHistogram(roi);

  const out: Record<string, number> = {};
  const set = (name: string, value: () => number) => {
    if (want.has(name)) out[name] = value();
  };
  const voxelVolume = roi.geometry.spacing[0] * roi.geometry.spacing[1] * roi.geometry.spacing[2];
  const flatSafeM2 = m2 === 0 ? 1 : m2; // PyRadiomics: a flat region gives skewness = kurtosis = 0

  // IBSI 3.3.11 (N8CA) · PyRadiomics getEnergyFeatureValue: Σ (X(i) + c)²
  set('Energy', () => energy);
  // PyRadiomics getTotalEnergyFeatureValue (not in IBSI): V_voxel · Σ (X(i) + c)²
  set('TotalEnergy', () => energy * voxelVolume);
  // IBSI 3.4.18 (TLU2) · PyRadiomics getEntropyFeatureValue: −Σ p(i) log2(p(i) + ε) over the binned histogram
  set('Entropy', () => {
    let h = 0;
    for (let g = 1; g <= ng; g++) {
      if (counts[g] === 0) continue;
      const p = counts[g] / np;
      h -= p * Math.log2(p + EPS);
    }
    return h;
  });
  // IBSI 3.3.9 (1GSF) · PyRadiomics getMinimumFeatureValue: min(X)
  set('Minimum', () => x[0]);
  // IBSI 3.3.12 (QG58) · PyRadiomics get10PercentileFeatureValue: P10 (numpy linear interpolation)
  set('10Percentile', () => p10);
  // IBSI 3.3.13 (8DWT) · PyRadiomics get90PercentileFeatureValue: P90
  set('90Percentile', () => p90);
  // IBSI 3.3.10 (84IY) · PyRadiomics getMaximumFeatureValue: max(X)
  set('Maximum', () => x[np - 1]);
  // IBSI 3.3.1 (Q4LE) · PyRadiomics getMeanFeatureValue: (1/Np) Σ X(i)
  set('Mean', () => mean);
  // IBSI 3.3.8 (Y12H) · PyRadiomics getMedianFeatureValue: P50
  set('Median', () => percentileSorted(x, 50));
  // IBSI 3.3.14 (SALO) · PyRadiomics getInterquartileRangeFeatureValue: P75 − P25
  set('InterquartileRange', () => percentileSorted(x, 75) - percentileSorted(x, 25));
  // IBSI 3.3.15 (2OJQ) · PyRadiomics getRangeFeatureValue: max(X) − min(X)
  set('Range', () => x[np - 1] - x[0]);
  // IBSI 3.3.16 (4FUA) · PyRadiomics getMeanAbsoluteDeviationFeatureValue: (1/Np) Σ |X(i) − X̄|
  set('MeanAbsoluteDeviation', () => mad);
  // IBSI 3.3.17 (1128) · PyRadiomics getRobustMeanAbsoluteDeviationFeatureValue: MAD of the voxels in [P10, P90]
  set('RobustMeanAbsoluteDeviation', () => robustMeanAbsoluteDeviation(x, p10, p90));
  // IBSI 3.3.19 (5ZWQ) · PyRadiomics getRootMeanSquaredFeatureValue: √((1/Np) Σ (X(i) + c)²)
  set('RootMeanSquared', () => Math.sqrt(energy / np));
  // PyRadiomics getStandardDeviationFeatureValue (deprecated, not in IBSI): √variance
  set('StandardDeviation', () => Math.sqrt(m2));
  // IBSI 3.3.4 (KE2A) · PyRadiomics getSkewnessFeatureValue: μ3 / σ³ (0 for a flat region)
  set('Skewness', () => m3 / Math.pow(flatSafeM2, 1.5));
  // IBSI 3.3.5 (IPH6, +3) · PyRadiomics getKurtosisFeatureValue: μ4 / σ⁴, not excess (0 for a flat region)
  set('Kurtosis', () => m4 / (flatSafeM2 * flatSafeM2));
  // IBSI 3.3.3 (ECT3) · PyRadiomics getVarianceFeatureValue: (1/Np) Σ (X(i) − X̄)²
  set('Variance', () => m2);
  // IBSI 3.4.19 (BJ5W) · PyRadiomics getUniformityFeatureValue: Σ p(i)² over the binned histogram
  set('Uniformity', () => {
    let u = 0;
    for (let g = 1; g <= ng; g++) {
      const p = counts[g] / np;
      u += p * p;
    }
    return u;
  });
  return out;
}

export const firstorder: FeatureClass = {
  name: 'firstorder',
  featureNames: [...FEATURES, ...DEPRECATED],
  deprecated: DEPRECATED,
  compute: computeFirstOrder,
};
