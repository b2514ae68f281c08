// Feature robustness against segmentation: ICC(3,1) over perturbed segmentations (e.g. the mask as drawn, eroded
// and dilated by one voxel); features with ICC > 0.75 are kept (Koo & Li 2016: ≥ 0.75 "good" reliability).
import { assertFinite } from '../stats/checks';
import { ModelInputError } from '../stats/errors';

/**
 * ICC(3,1): two-way mixed effects, consistency, single measurement, (BMS − EMS) / (BMS + (k − 1)·EMS)
 * (Shrout & Fleiss 1979, Psychol Bull 86:420, Table 1; McGraw & Wong 1996 "ICC(C,1)").
 * ratings[i][j]: target i (patient) rated by j (segmentation variant).
 */
export function icc31(ratings: readonly (readonly number[])[], field = 'ratings'): number {
  const n = ratings.length;
  const k = ratings[0]?.length ?? 0;
  if (n < 2 || k < 2) throw new ModelInputError(`${n} targets × ${k} ratings (at least 2 × 2 needed)`, field);
  let grand = 0;
  const rowMeans = new Float64Array(n);
  const colMeans = new Float64Array(k);
  ratings.forEach((row, i) => {
    if (row.length !== k) throw new ModelInputError(`row ${i} has ${row.length} ratings, row 0 has ${k}`, field);
    assertFinite(row, `${field} row ${i}`);
    row.forEach((v, j) => {
      rowMeans[i] += v / k;
      colMeans[j] += v / n;
      grand += v / (n * k);
    });
  });
  let ssTotal = 0;
  ratings.forEach((row) => row.forEach((v) => (ssTotal += (v - grand) ** 2)));
  let ssRows = 0;
  for (const m of rowMeans) ssRows += k * (m - grand) ** 2;
  let ssCols = 0;
  for (const m of colMeans) ssCols += n * (m - grand) ** 2;
  const bms = ssRows / (n - 1);
  const ems = (ssTotal - ssRows - ssCols) / ((n - 1) * (k - 1));
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
 * Keeps the features whose ICC(3,1) across segmentation variants exceeds the threshold (default 0.75).
 * perturbed[feature][i][j]: the feature of patient i under segmentation variant j. A constant feature (ICC undefined)
 * is dropped with ICC NaN.
 */
export function robustnessFilter(perturbed: Readonly<Record<string, readonly (readonly number[])[]>>, threshold = 0.75): RobustnessResult {
  const result: RobustnessResult = { kept: [], dropped: [], icc: {} };
  for (const [feature, ratings] of Object.entries(perturbed)) {
    let value: number;
    try {
      value = icc31(ratings, `feature '${feature}'`);
    } catch (error) {
      if (error instanceof ModelInputError && /all ratings are equal/.test(error.message)) value = NaN;
      else throw error;
    }
    result.icc[feature] = value;
    (value > threshold ? result.kept : result.dropped).push(feature);
  }
  return result;
}
