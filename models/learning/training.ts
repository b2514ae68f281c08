// The training procedure for one response-prediction model, run unchanged on whatever rows it is given (an outer
// CV fold or the whole cohort): redundancy filter → mRMR ranking → standardisation → λ by inner CV (1-SE rule) →
// elastic-net fit at that λ. Everything that looks at the outcome sees only these rows, and inside the λ tuning the
// selection (redundancy filter and mRMR, both ranked by the outcome) is rerun on each inner fold's training rows, so
// the inner validation rows never took part in choosing the features they judge.
import { assertBinaryOutcome, type Numbers } from '../stats/checks';
import { ModelInputError } from '../stats/errors';
import { sigmoid } from '../stats/logistic';
import { youdenCutoff } from '../stats/roc';
import { redundancyFilter, type RedundancyResult } from './correlation';
import { crossValidateLambda, lambdaSequence, type CvMeasure } from './crossValidation';
import { fitElasticNetPath, linearPredictor } from './elasticNet';
import { fromRecords, selectFeatures, selectRows, type FeatureMatrix, type FeatureRecord } from './featureMatrix';
import { mrmrRanking, relevanceScores, type MrmrStep } from './mrmr';
import { fitStandardiser, standardise, type Standardiser } from './standardiser';

export interface TrainingOptions {
  /** Elastic-net mixing (1 = LASSO, the default). */
  alpha?: number;
  innerFolds?: number;
  seed?: number;
  nLambda?: number;
  lambdaMinRatio?: number;
  measure?: CvMeasure;
  /** '1se' (default): the largest λ within one SE of the best CV loss; 'min': the best. */
  lambdaRule?: '1se' | 'min';
  /** Features kept after mRMR ranking (default 10). */
  maxFeatures?: number;
  /** |Spearman ρ| above which the less relevant of two features is dropped (default 0.9). */
  redundancyThreshold?: number;
}

export interface TrainedModel {
  /** Input features of the model, in coefficient order (the mRMR selection; some coefficients may be 0). */
  features: string[];
  scaler: Standardiser;
  /** On the standardised scale. */
  intercept: number;
  coefficients: number[];
  /** The same model per unit of each raw feature: logit p = intercept + Σ coefficients[f]·x_f. */
  original: { intercept: number; coefficients: Record<string, number> };
  /** Training range of each feature (nomogram axes, out-of-range checks). */
  ranges: Record<string, [number, number]>;
  alpha: number;
  lambda: number;
  lambdaRule: '1se' | 'min';
  cv: { lambdas: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number; measure: CvMeasure };
  selection: { redundancy: RedundancyResult; mrmr: MrmrStep[] };
  /** Youden cut-off on the model's training-set probabilities, for sensitivity/specificity on other patients. */
  youdenCutoff: number;
  trainingRows: number;
  events: number;
}

export function trainModel(data: FeatureMatrix, labels: Numbers, options: TrainingOptions = {}): TrainedModel {
  if (labels.length !== data.nRows) throw new ModelInputError(`${labels.length} labels for ${data.nRows} rows`, 'labels');
  const innerFolds = options.innerFolds ?? 5;
  const { positives } = assertBinaryOutcome(labels, 'labels', innerFolds);
  const alpha = options.alpha ?? 1;
  const lambdaRule = options.lambdaRule ?? '1se';

  const maxFeatures = options.maxFeatures ?? 10;
  const redundancyThreshold = options.redundancyThreshold ?? 0.9;
  const selectOn = (x: FeatureMatrix, y: Numbers): { redundancy: RedundancyResult; mrmr: MrmrStep[] } => {
    const relevance = relevanceScores(x, y);
    for (const [name, f] of Object.entries(relevance)) if (Number.isNaN(f)) relevance[name] = 0; // constant: no relevance
    const redundancy = redundancyFilter(x, relevance, redundancyThreshold);
    return { redundancy, mrmr: mrmrRanking(selectFeatures(x, redundancy.kept), y, maxFeatures) };
  };
  const { redundancy, mrmr } = selectOn(data, labels);
  if (mrmr.length === 0) throw new ModelInputError('no feature differs between the outcome classes', 'features');
  const features = mrmr.map((s) => s.feature);
  const x = selectFeatures(data, features);

  const cvOptions = { alpha, nLambda: options.nLambda, lambdaMinRatio: options.lambdaMinRatio };
  const cv = crossValidateLambda(data, labels, {
    ...cvOptions,
    lambdas: lambdaSequence(x, labels, cvOptions),
    folds: innerFolds,
    seed: options.seed ?? 1,
    measure: options.measure,
    select: (rows) =>
      selectOn(
        selectRows(data, rows),
        Float64Array.from(rows, (r) => labels[r]),
      ).mrmr.map((s) => s.feature),
  });
  const chosen = lambdaRule === '1se' ? cv.index1se : cv.indexMin;
  const scaler = fitStandardiser(x);
  const z = standardise(scaler, x);
  const path = fitElasticNetPath(z, labels, { alpha, lambdas: cv.lambdas.slice(0, chosen + 1) });
  const k = path.lambdas.length - 1; // = chosen unless the fit stopped short of it (no convergence)
  const intercept = path.intercepts[k];
  const coefficients = Array.from(path.coefficients[k]);

  const original = { intercept, coefficients: {} as Record<string, number> };
  features.forEach((name, j) => {
    const b = coefficients[j] / scaler.scales[j];
    original.coefficients[name] = b;
    original.intercept -= b * scaler.means[j];
  });
  const ranges: Record<string, [number, number]> = {};
  x.columns.forEach((c, j) => (ranges[features[j]] = [Math.min(...c), Math.max(...c)]));
  const trainingProbabilities = Float64Array.from(linearPredictor(path, k, z), sigmoid);

  return {
    features,
    scaler,
    intercept,
    coefficients,
    original,
    ranges,
    alpha,
    lambda: path.lambdas[k],
    lambdaRule,
    cv: { lambdas: cv.lambdas, cvm: cv.cvm, cvsd: cv.cvsd, lambdaMin: cv.lambdaMin, lambda1se: cv.lambda1se, measure: cv.measure },
    selection: { redundancy, mrmr },
    youdenCutoff: youdenCutoff(trainingProbabilities, labels).cutoff,
    trainingRows: data.nRows,
    events: positives,
  };
}

/** Predicted probability of the event for each row; a feature the model needs and the data lacks is named. */
export function predictProbabilities(model: TrainedModel, data: FeatureMatrix | readonly FeatureRecord[]): Float64Array {
  const matrix = Array.isArray(data) ? fromRecords(model.features, data as readonly FeatureRecord[]) : (data as FeatureMatrix);
  const z = standardise(model.scaler, matrix);
  const out = new Float64Array(z.nRows).fill(model.intercept);
  model.coefficients.forEach((b, j) => {
    if (b === 0) return;
    const c = z.columns[j];
    for (let i = 0; i < z.nRows; i++) out[i] += b * c[i];
  });
  return out.map(sigmoid);
}
