// Nested cross-validation for an honest estimate of the whole training procedure (Varma & Simon 2006, BMC
// Bioinformatics 7:91): outer stratified folds hold patients out; trainModel on the rest chooses features and λ by
// its own inner CV; the held-out predictions give the AUC (DeLong CI over the pooled out-of-fold predictions) and
// the classification at each fold's training-set Youden cut-off. A final refit on all patients is the model.
import { assertBinaryOutcome, type Numbers } from '../stats/checks';
import { delongAuc, type AucWithCi } from '../stats/delong';
import { ModelInputError } from '../stats/errors';
import { auc, classifyAt } from '../stats/roc';
import { selectRows, type FeatureMatrix } from './featureMatrix';
import { splitsOf, stratifiedFolds } from './folds';
import { predictProbabilities, trainModel, type TrainedModel, type TrainingOptions } from './training';

export interface NestedCvOptions extends TrainingOptions {
  outerFolds?: number;
}

export interface OuterFold {
  fold: number;
  validationRows: number[];
  lambda: number;
  features: string[];
  /** Features with a non-zero coefficient. */
  nonZero: string[];
  auc: number;
  cutoff: number;
}

export interface NestedCvResult {
  folds: OuterFold[];
  /** Out-of-fold probability of every patient. */
  predictions: Float64Array;
  /** AUC of the pooled out-of-fold predictions with DeLong's 95 % CI. */
  auc: AucWithCi;
  meanFoldAuc: number;
  /** Pooled 2×2 counts, each fold classified at the Youden cut-off of its own training rows. */
  classification: {
    truePositives: number;
    falsePositives: number;
    trueNegatives: number;
    falseNegatives: number;
    sensitivity: number;
    specificity: number;
    accuracy: number;
  };
  final: TrainedModel;
}

export function nestedCrossValidation(data: FeatureMatrix, labels: Numbers, options: NestedCvOptions = {}): NestedCvResult {
  if (labels.length !== data.nRows) throw new ModelInputError(`${labels.length} labels for ${data.nRows} rows`, 'labels');
  const outerFolds = options.outerFolds ?? 5;
  const innerFolds = options.innerFolds ?? 5;
  // Each outer training set must still hold innerFolds patients of each class.
  const need = Math.ceil((innerFolds * outerFolds) / (outerFolds - 1));
  assertBinaryOutcome(labels, 'labels', Math.max(outerFolds, need));
  const seed = options.seed ?? 1;
  const foldOf = stratifiedFolds(labels, outerFolds, seed);
  const predictions = new Float64Array(labels.length);
  const folds: OuterFold[] = [];
  const counts = { truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0 };
  splitsOf(foldOf).forEach(({ training, validation }, fold) => {
    const trainLabels = Float64Array.from(training, (r) => labels[r]);
    const validLabels = Float64Array.from(validation, (r) => labels[r]);
    const model = trainModel(selectRows(data, training), trainLabels, { ...options, seed: seed + 1000 * (fold + 1) });
    const p = predictProbabilities(model, selectRows(data, validation));
    validation.forEach((r, i) => (predictions[r] = p[i]));
    const c = classifyAt(p, validLabels, model.youdenCutoff);
    counts.truePositives += c.truePositives;
    counts.falsePositives += c.falsePositives;
    counts.trueNegatives += c.trueNegatives;
    counts.falseNegatives += c.falseNegatives;
    folds.push({
      fold,
      validationRows: Array.from(validation),
      lambda: model.lambda,
      features: model.features,
      nonZero: model.features.filter((_, j) => model.coefficients[j] !== 0),
      auc: auc(p, validLabels),
      cutoff: model.youdenCutoff,
    });
  });
  const { truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn } = counts;
  return {
    folds,
    predictions,
    auc: delongAuc(predictions, labels),
    meanFoldAuc: folds.reduce((s, f) => s + f.auc, 0) / folds.length,
    classification: { ...counts, sensitivity: tp / (tp + fn), specificity: tn / (tn + fp), accuracy: (tp + tn) / labels.length },
    final: trainModel(data, labels, { ...options, seed }),
  };
}
