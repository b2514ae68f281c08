// Standardisation to mean 0 and standard deviation 1, fitted on training rows only and then applied unchanged to
// any other rows (validation folds, new patients), so no information leaks from the rows being evaluated.
import { ModelInputError } from '../stats/errors';
import { selectFeatures, type FeatureMatrix } from './featureMatrix';

export interface Standardiser {
  readonly names: readonly string[];
  readonly means: readonly number[];
  /** Population SD (divisor n, as glmnet's internal standardisation and sklearn's StandardScaler); 1 for a constant feature. */
  readonly scales: readonly number[];
}

export function fitStandardiser(training: FeatureMatrix): Standardiser {
  if (training.nRows < 2) throw new ModelInputError(`${training.nRows} training rows (at least 2 needed)`, 'training data');
  const means: number[] = [];
  const scales: number[] = [];
  for (const c of training.columns) {
    let mean = 0;
    for (const v of c) mean += v;
    mean /= c.length;
    let ss = 0;
    for (const v of c) ss += (v - mean) ** 2;
    const sd = Math.sqrt(ss / c.length);
    means.push(mean);
    scales.push(sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1);
  }
  return { names: [...training.names], means, scales };
}

/** (x − mean) / sd per feature; the matrix may hold extra features, but each fitted feature must be there. */
export function standardise(scaler: Standardiser, data: FeatureMatrix): FeatureMatrix {
  const selected = selectFeatures(data, scaler.names);
  const columns = selected.columns.map((c, j) => Float64Array.from(c, (v) => (v - scaler.means[j]) / scaler.scales[j]));
  return { names: scaler.names, columns, nRows: data.nRows };
}
