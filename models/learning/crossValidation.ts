// Choosing λ by K-fold cross-validation with the one-standard-error rule, computed as cv.glmnet does
// (Friedman, Hastie & Tibshirani 2010, §5; Hastie, Tibshirani & Friedman, ESL 2nd ed. §7.10): the λ sequence comes
// from the whole training set; each fold standardises on its own training rows and fits the path at those λ;
// fold means of the loss give cvm, their spread cvsd; λ(1-SE) is the largest λ with cvm ≤ min cvm + its cvsd.
// When features are chosen by looking at the outcome, the choice is part of the fit and is rerun on each fold's
// training rows (`select`): a selection made once on all rows would have seen the validation rows, and the CV loss
// would then reward λ values that fit those rows' noise (Ambroise & McLachlan 2002, PNAS 99:6562; Hastie et al.,
// ESL 2nd ed. §7.10.2 "the wrong and the right way to do cross-validation").
import { assertBinaryOutcome, type Numbers } from '../stats/checks';
import { ModelInputError } from '../stats/errors';
import { sigmoid } from '../stats/logistic';
import { auc } from '../stats/roc';
import { selectFeatures, selectRows, type FeatureMatrix } from './featureMatrix';
import { fitElasticNetPath, lambdaMax, lambdaPath, linearPredictor, type ElasticNetOptions } from './elasticNet';
import { splitsOf, stratifiedFolds } from './folds';
import { fitStandardiser, standardise } from './standardiser';

export type CvMeasure = 'deviance' | 'auc';

export interface CvOptions extends Omit<ElasticNetOptions, 'stopEarly'> {
  /** Fold of each row (0 … k−1); otherwise stratified folds from `folds` and `seed`. */
  foldOf?: Int32Array;
  folds?: number;
  seed?: number;
  /** Binomial deviance (cv.glmnet's default) or AUC per fold. */
  measure?: CvMeasure;
  /**
   * Feature selection that looks at the outcome, as a function of training-row indices: run on each fold's training
   * rows and the fold fitted on what it returns (every name must be a column of the data). Without `lambdas` the λ
   * sequence comes from the selection on all rows.
   */
  select?: (trainingRows: Int32Array) => readonly string[];
}

export interface CvResult {
  lambdas: number[];
  /** Mean CV loss per λ (deviance; for AUC, the mean AUC). */
  cvm: number[];
  /** Standard error of cvm across folds. */
  cvsd: number[];
  measure: CvMeasure;
  indexMin: number;
  index1se: number;
  lambdaMin: number;
  lambda1se: number;
  foldOf: Int32Array;
}

const PROB_CLAMP = 1e-5; // cv.glmnet clamps fold predictions to [1e-5, 1 − 1e-5] before taking the deviance

/** The λ sequence a fit on these (raw) training rows would use: glmnet's λmax on standardised columns, log-spaced down. */
export function lambdaSequence(data: FeatureMatrix, labels: Numbers, options: CvOptions = {}): number[] {
  if (options.lambdas) return [...options.lambdas];
  const x = standardise(fitStandardiser(data), data);
  const alpha = options.alpha ?? 1;
  const ratio = options.lambdaMinRatio ?? (data.nRows > data.columns.length ? 1e-4 : 1e-2);
  return lambdaPath(lambdaMax(x, labels, alpha), options.nLambda ?? 100, ratio);
}

export function crossValidateLambda(data: FeatureMatrix, labels: Numbers, options: CvOptions = {}): CvResult {
  assertBinaryOutcome(labels);
  const measure = options.measure ?? 'deviance';
  const foldOf = options.foldOf ?? stratifiedFolds(labels, options.folds ?? 5, options.seed ?? 1);
  if (foldOf.length !== labels.length) throw new ModelInputError(`${foldOf.length} fold ids for ${labels.length} rows`, 'foldOf');
  const select = options.select;
  const allRows = Int32Array.from({ length: labels.length }, (_, i) => i);
  let lambdas = select && !options.lambdas ? lambdaSequence(selectFeatures(data, select(allRows)), labels, options) : lambdaSequence(data, labels, options);
  const splits = splitsOf(foldOf);

  const foldLoss: number[][] = []; // [fold][λ]
  const foldSize: number[] = [];
  for (const { training, validation } of splits) {
    const trainLabels = Float64Array.from(training, (r) => labels[r]);
    const validLabels = Float64Array.from(validation, (r) => labels[r]);
    assertBinaryOutcome(trainLabels, 'labels of a CV training fold');
    const names = select ? select(training) : data.names;
    const loss = (eta: Float64Array): number => {
      if (measure === 'auc') return auc(eta, validLabels);
      let sum = 0;
      for (let i = 0; i < eta.length; i++) {
        const p = Math.min(1 - PROB_CLAMP, Math.max(PROB_CLAMP, sigmoid(eta[i])));
        sum += -2 * (validLabels[i] * Math.log(p) + (1 - validLabels[i]) * Math.log(1 - p));
      }
      return sum / eta.length;
    };
    if (names.length === 0) {
      // The fold's selection found nothing related to the outcome: its model is the intercept alone at every λ.
      let events = 0;
      for (const y of trainLabels) events += y;
      const eta = new Float64Array(validation.length).fill(Math.log(events / (trainLabels.length - events)));
      foldLoss.push(lambdas.map(() => loss(eta)));
      foldSize.push(validation.length);
      continue;
    }
    const trainRows = selectFeatures(selectRows(data, training), names);
    const scaler = fitStandardiser(trainRows);
    const path = fitElasticNetPath(standardise(scaler, trainRows), trainLabels, { ...options, lambdas, stopEarly: true });
    const x = standardise(scaler, selectRows(data, validation));
    foldLoss.push(path.lambdas.map((_, k) => loss(linearPredictor(path, k, x))));
    foldSize.push(validation.length);
  }
  // Folds whose path stopped early truncate the sequence for all (cv.glmnet).
  const nl = Math.min(...foldLoss.map((l) => l.length));
  lambdas = lambdas.slice(0, nl);
  const total = foldSize.reduce((a, b) => a + b, 0);
  const folds = foldLoss.length;
  const cvm: number[] = [];
  const cvsd: number[] = [];
  for (let k = 0; k < nl; k++) {
    let m = 0;
    for (let f = 0; f < folds; f++) m += (foldSize[f] * foldLoss[f][k]) / total;
    let v = 0;
    for (let f = 0; f < folds; f++) v += (foldSize[f] * (foldLoss[f][k] - m) ** 2) / total;
    cvm.push(m);
    cvsd.push(Math.sqrt(v / (folds - 1)));
  }
  // Smaller is better: deviance as is, AUC negated (cv.glmnet's getOptcv.glmnet; ties favour the larger λ).
  const sign = measure === 'auc' ? -1 : 1;
  let indexMin = 0;
  for (let k = 1; k < nl; k++) if (sign * cvm[k] < sign * cvm[indexMin]) indexMin = k;
  const bound = sign * cvm[indexMin] + cvsd[indexMin];
  let index1se = 0;
  while (sign * cvm[index1se] > bound) index1se++;
  return {
    lambdas,
    cvm,
    cvsd,
    measure,
    indexMin,
    index1se,
    lambdaMin: lambdas[indexMin],
    lambda1se: lambdas[index1se],
    foldOf,
  };
}
