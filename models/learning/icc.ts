// Feature robustness against segmentation: ICC(1,1) over perturbed segmentations (e.g. the mask as drawn, eroded
// and dilated by one voxel), as Zwanenburg et al. 2019 (Sci Rep 9:614) measure perturbation robustness; features with
// ICC > 0.75 are kept (Koo & Li 2016: ≥ 0.75 "good" reliability). The one-way form counts a systematic shift between
// segmentations (erosion lowering a feature in every patient) as disagreement; ICC(3,1) would forgive it.
import { assertFinite } from '../stats/checks';
import { ModelInputError } from '../stats/errors';

interface MeanSquares {
  n: number;
  k: number;
  /** Between-targets mean square. */
  bms: number;
  /** Within-target mean square (one-way: raters and error together). */
  wms: number;
  /** Residual mean square of the two-way model. */
  ems: number;
}

// The ANOVA mean squares of Shrout & Fleiss 1979, Table 1, for n targets × k ratings.
function meanSquares(ratings: readonly (readonly number[])[], field: string): MeanSquares {
  const n = ratings.length;
  const k = ratings[0]?.length ?? 0;
  if (n < 2 || k < 2) throw new ModelInputError(`${n} targets × ${k} ratings (at least 2 × 2 needed)`, field);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  const rowMeans = new Float64Array(n);
  const colMeans = new Float64Array(k);
  ratings.forEach((row, i) => {
    if (row.length !== k) throw new ModelInputError(`row ${i} has ${row.length} ratings, row 0 has ${k}`, field);
    assertFinite(row, `${field} row ${i}`);
    row.forEach((v, j) => {
      rowMeans[i] += v;
      colMeans[j] += v;
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    });
  });
  if (min === max) throw new ModelInputError('all ratings are equal: the ICC is undefined', field);
  for (let i = 0; i < n; i++) rowMeans[i] /= k;
  for (let j = 0; j < k; j++) colMeans[j] /= n;
  const grand = sum / (n * k);
  let ssTotal = 0;
  ratings.forEach((row) => row.forEach((v) => (ssTotal += (v - grand) ** 2)));
  let ssRows = 0;
  for (const m of rowMeans) ssRows += k * (m - grand) ** 2;
  let ssCols = 0;
  for (const m of colMeans) ssCols += n * (m - grand) ** 2;
  return {
    n,
    k,
    bms: ssRows / (n - 1),
    wms: (ssTotal - ssRows) / (n * (k - 1)),
    ems: (ssTotal - ssRows - ssCols) / ((n - 1) * (k - 1)),
  };
}

/**
 * ICC(1,1): one-way random effects, absolute agreement, single measurement, (BMS − WMS) / (BMS + (k − 1)·WMS)
 * (Shrout & Fleiss 1979, Psychol Bull 86:420, Table 1; McGraw & Wong 1996 "ICC(1)"), the form Zwanenburg et al. 2019
 * use for perturbation robustness. ratings[i][j]: target i (patient) rated by j (segmentation variant).
 */
export function icc11(ratings: readonly (readonly number[])[], field = 'ratings'): number {
  const { k, bms, wms } = meanSquares(ratings, field);
  const denominator = bms + (k - 1) * wms;
  if (!(denominator > 0)) throw new ModelInputError('all ratings are equal: the ICC is undefined', field);
  return (bms - wms) / denominator;
}

/**
 * ICC(3,1): two-way mixed effects, consistency, single measurement, (BMS − EMS) / (BMS + (k − 1)·EMS)
 * (Shrout & Fleiss 1979, Psychol Bull 86:420, Table 1; McGraw & Wong 1996 "ICC(C,1)").
 * ratings[i][j]: target i (patient) rated by j (segmentation variant).
 */
export function icc31(ratings: readonly (readonly number[])[], field = 'ratings'): number {
  const { k, bms, ems } = meanSquares(ratings, field);
  const denominator = bms + (k - 1) * ems;
  if (!(denominator > 0)) throw new ModelInputError('all ratings are equal: the ICC is undefined', field);
  return (bms - ems) / denominator;
}

export interface RobustnessResult {
  kept: string[];
  dropped: string[];
  icc: Record<string, number>;
}

/**
 * Keeps the features whose ICC(1,1) across segmentation variants exceeds the threshold (default 0.75).
 * perturbed[feature][i][j]: the feature of patient i under segmentation variant j. A constant feature (ICC undefined)
 * is dropped with ICC NaN.
 */
export function robustnessFilter(perturbed: Readonly<Record<string, readonly (readonly number[])[]>>, threshold = 0.75): RobustnessResult {
  const result: RobustnessResult = { kept: [], dropped: [], icc: {} };
  for (const [feature, ratings] of Object.entries(perturbed)) {
    let value: number;
    try {
      value = icc11(ratings, `feature '${feature}'`);
    } catch (error) {
      if (error instanceof ModelInputError && /all ratings are equal/.test(error.message)) value = NaN;
      else throw error;
    }
    result.icc[feature] = value;
    (value > threshold ? result.kept : result.dropped).push(feature);
  }
  return result;
}
