// Training one kind of model on a study's dataset, with the numbers a reader of a radiomics paper expects: nested CV
// (the honest estimate of the whole procedure: redundancy → mRMR → elastic net with λ by inner CV, 1-SE), AUC with
// DeLong's CI on the out-of-fold predictions, Brier, the classification at each fold's training Youden cut-off, the
// decision curve for acting on predicted poor responders, Hosmer–Lemeshow where the sample allows it, DeLong
// comparisons with the criteria a clinician reads directly (tumour volume change, ΔADC), and the final refit on every
// patient — the deployed model — with Harrell's bootstrap optimism correction of its AUC, calibration-in-the-large
// and calibration slope, each with a 95 % bootstrap interval (models/stats/bootstrap.ts). Calibration is that of the
// refit: the averaged out-of-fold predictions come from other models (trained on fewer patients) and their mean is not
// a prediction any deployed model makes.
import { ENGINE_NAME, ENGINE_VERSION } from '../../radiomics/version';
import { fromRows, selectFeatures, selectRows } from '../learning/featureMatrix';
import { nestedCrossValidation, type NestedCvOptions } from '../learning/nestedCv';
import { buildNomogram } from '../learning/nomogram';
import { predictProbabilities, trainModel } from '../learning/training';
import { optimismCorrected, type OptimismEstimate } from '../stats/bootstrap';
import { brierScore, calibrationInTheLargeEstimate, calibrationSlopeEstimate, hosmerLemeshow } from '../stats/calibration';
import { assertBinaryOutcome, type Numbers } from '../stats/checks';
import { delongAuc, delongDifference } from '../stats/delong';
import { netBenefitOfPoorResponse } from '../stats/decisionCurve';
import { ModelInputError } from '../stats/errors';
import { auc } from '../stats/roc';
import { niceTicks } from '../report/svg';
import { featuresForKind, type TrainingDataset } from '../dataset';
import {
  ARTIFACT_FORMAT,
  MODEL_KIND_SPECS,
  type Candidate,
  type ModelArtifact,
  type ModelComparison,
  type ModelKind,
  type Nomogram,
  type OptimismCorrectedStatistic,
} from '../../contracts/models';

export interface CandidateOptions extends NestedCvOptions {
  /**
   * Nested CV repeated with this many fold assignments (default 5); each patient's out-of-fold probability is the mean
   * of its repeats (every one still out of fold). On 20-odd patients a single fold assignment moves the AUC by ±0.15.
   */
  repeats?: number;
  /**
   * Bootstrap replicates for the optimism correction of the deployed refit (default 200; 0 skips it). Fewer than 200
   * are refused: on twenty-odd patients one replicate's optimism spreads by about 0.1 AUC, so the Monte Carlo error of
   * the mean is 0.1/√B — 0.014 at B = 50, as large as the differences the correction is read for; 0.007 at B = 200.
   */
  bootstrapReplicates?: number;
  /** Thresholds of P(poor response) for the decision curve. */
  netBenefitThresholds?: number[];
}

export const DEFAULT_NET_BENEFIT_THRESHOLDS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
export const MIN_BOOTSTRAP_REPLICATES = 200;

/**
 * The criteria a clinician reads without a model, each with its pre-specified direction (never chosen from the
 * data): tumour volume shrinking and ADC rising under chemotherapy point to good response (necrosis).
 */
export const SIMPLE_CRITERIA: readonly { name: string; direction: 1 | -1; label: string }[] = [
  { name: 'volumeChangePct', direction: -1, label: 'tumour volume change (%)' },
  { name: 'deltaAdcMean', direction: 1, label: 'ΔADC mean' },
];

/** Kinds built on radiomics (baseline or delta features), which must be compared with the clinical model and the criteria. */
export function isRadiomicsKind(kind: ModelKind): boolean {
  return (MODEL_KIND_SPECS[kind].families as readonly string[]).some((f) => f === 'baseline' || f === 'delta');
}

/** A criterion's score per dataset row (oriented so that higher means good response), or null when the dataset lacks it. */
export function criterionScores(dataset: Pick<TrainingDataset, 'features' | 'rows' | 'predictAt'>, name: string): number[] | null {
  const criterion = SIMPLE_CRITERIA.find((c) => c.name === name);
  if (!criterion) throw new ModelInputError(`unknown criterion '${name}' (expected one of ${SIMPLE_CRITERIA.map((c) => c.name).join(', ')})`, 'criterion');
  const j = dataset.features.indexOf(`delta:${dataset.predictAt}:named:${name}`);
  return j < 0 ? null : dataset.rows.map((row) => criterion.direction * row[j]);
}

/** DeLong's paired comparison of a model's out-of-fold predictions with another score on the same patients. */
export function compareScores(versus: string, modelScores: Numbers, versusScores: Numbers, labels: Numbers): ModelComparison {
  const d = delongDifference(modelScores, versusScores, labels);
  return { versus, auc: d.aucA, versusAuc: d.aucB, difference: d.difference, ci: d.ci, p: d.p };
}

/** Runs a statistic that small samples can make undefined; records why instead of failing the whole training. */
function tryStat<T>(notes: Record<string, string>, name: string, fn: () => T): T | null {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof ModelInputError)) throw err;
    notes[name] = err.message;
    return null;
  }
}

export function trainCandidate(dataset: TrainingDataset, kind: ModelKind, allowed: ReadonlySet<string> | undefined, options: CandidateOptions = {}): Candidate {
  const replicates = options.bootstrapReplicates ?? MIN_BOOTSTRAP_REPLICATES;
  if (!(replicates === 0 || (Number.isInteger(replicates) && replicates >= MIN_BOOTSTRAP_REPLICATES))) {
    throw new ModelInputError(
      `${replicates} (expected 0 to skip the bootstrap, or at least ${MIN_BOOTSTRAP_REPLICATES} replicates for a stable optimism estimate)`,
      'bootstrapReplicates',
    );
  }
  const names = featuresForKind(dataset, kind, allowed);
  if (names.length === 0) throw new ModelInputError(`no ${kind} features in the dataset (after the robustness screen)`, `model kind '${kind}'`);
  const labels = Float64Array.from(dataset.labels);
  const { positives } = assertBinaryOutcome(labels, 'labels (good response = necrosis ≥ 90 %)');
  const data = selectFeatures(fromRows(dataset.features, dataset.rows), names);
  const seed = options.seed ?? 1;
  const outerFolds = options.outerFolds ?? 5;
  const innerFolds = options.innerFolds ?? 5;
  const repeats = options.repeats ?? 5;
  const runs = Array.from({ length: repeats }, (_, r) => nestedCrossValidation(data, labels, { ...options, seed: seed + 7919 * r, outerFolds, innerFolds }));
  const oof = new Float64Array(labels.length);
  for (const run of runs) run.predictions.forEach((p, i) => (oof[i] += p / repeats));
  const discrimination = delongAuc(oof, labels);
  const pooled = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const { classification: c } of runs) {
    pooled.tp += c.truePositives;
    pooled.fp += c.falsePositives;
    pooled.tn += c.trueNegatives;
    pooled.fn += c.falseNegatives;
  }
  const notes: Record<string, string> = {};

  // Ten risk groups (deciles), refused where the expected counts are too small for the χ² approximation.
  const hl = tryStat(notes, 'hosmerLemeshow', () => hosmerLemeshow(oof, labels, 10));
  // Probabilities of exactly 0 or 1 have no logit; the recalibration models read them at the edge of double precision.
  const open = (p: Numbers) => Array.from(p as ArrayLike<number>, (v) => Math.min(1 - 1e-12, Math.max(1e-12, v)));
  let optimism: ReturnType<typeof optimismCorrected> | null = null;
  if (replicates > 0) {
    optimism = tryStat(notes, 'optimismCorrectedAuc', () =>
      optimismCorrected(
        labels,
        (rows) => {
          const y = Float64Array.from(rows, (r) => labels[r]);
          const events = y.reduce((a, b) => a + b, 0);
          // A bootstrap sample can hold fewer patients of a class than the inner folds need: fewer folds then.
          const folds = Math.max(2, Math.min(innerFolds, events, y.length - events));
          const model = trainModel(selectRows(data, rows), y, { ...options, seed, innerFolds: folds });
          return (scored) => predictProbabilities(model, selectRows(data, scored));
        },
        {
          auc,
          calibrationInTheLarge: (p, y) => calibrationInTheLargeEstimate(open(p), y),
          calibrationSlope: (p, y) => calibrationSlopeEstimate(open(p), y),
        },
        { replicates, seed },
      ),
    );
    for (const [name, note] of Object.entries(optimism?.notes ?? {})) notes[name === 'auc' ? 'optimismCorrectedAuc' : name] = note;
  } else notes.optimismCorrectedAuc = 'bootstrap skipped (0 replicates): no optimism-corrected AUC or calibration of the refit';
  const statistic = (e: OptimismEstimate | null | undefined): OptimismCorrectedStatistic | null =>
    e ? { apparent: e.apparent, optimism: e.optimism, corrected: e.corrected, ci: e.ci, replicates: e.replicates } : null;
  const aucOptimism = optimism?.estimates.auc;
  const aucEstimate =
    aucOptimism && aucOptimism.apparent !== null && aucOptimism.optimism !== null
      ? {
          apparent: aucOptimism.apparent,
          optimism: aucOptimism.optimism,
          corrected: aucOptimism.corrected,
          // A normal interval can pass the AUC's range; it is cut to [0, 1].
          ci: aucOptimism.ci && ([Math.max(0, aucOptimism.ci[0]), Math.min(1, aucOptimism.ci[1])] as [number, number]),
          replicates: aucOptimism.replicates,
        }
      : null;
  const calibrationOfRefit = optimism
    ? { intercept: statistic(optimism.estimates.calibrationInTheLarge), slope: statistic(optimism.estimates.calibrationSlope) }
    : null;

  const comparisons: ModelComparison[] = [];
  if (isRadiomicsKind(kind)) {
    for (const criterion of SIMPLE_CRITERIA) {
      const scores = criterionScores(dataset, criterion.name);
      if (!scores) {
        notes[`criterion:${criterion.name}`] = `no complete 'delta:${dataset.predictAt}:named:${criterion.name}' column in the dataset: not compared`;
        continue;
      }
      const c = tryStat(notes, `criterion:${criterion.name}`, () => compareScores(`criterion:${criterion.name}`, oof, scores, labels));
      if (c) comparisons.push(c);
    }
  }

  const final = runs[0].final; // the refit on every patient (seed `seed`), the same in every repeat

  const artifact: ModelArtifact = {
    format: ARTIFACT_FORMAT,
    kind,
    predictAt: dataset.predictAt,
    timepoints: [...dataset.timepoints],
    studyId: dataset.studyId,
    engine: { name: ENGINE_NAME, version: ENGINE_VERSION, paramHash: dataset.paramHash },
    dataset: { fingerprint: dataset.fingerprint, patients: labels.length, events: positives, trainingPatients: [...dataset.patients] },
    features: final.features,
    scaler: { means: [...final.scaler.means], scales: [...final.scaler.scales] },
    intercept: final.intercept,
    coefficients: final.coefficients,
    original: final.original,
    ranges: final.ranges,
    youdenCutoff: final.youdenCutoff,
    training: { alpha: final.alpha, lambda: final.lambda, lambdaRule: final.lambdaRule, outerFolds, innerFolds, repeats, seed },
    trainedAt: new Date().toISOString(),
  };

  return {
    kind,
    artifact,
    metrics: {
      auc: discrimination.auc,
      aucCi: discrimination.ci,
      aucSe: discrimination.standardError,
      meanFoldAuc: runs.reduce((sum, run) => sum + run.meanFoldAuc / repeats, 0),
      brier: brierScore(oof, labels),
      calibrationIntercept: calibrationOfRefit?.intercept?.corrected ?? null,
      calibrationSlope: calibrationOfRefit?.slope?.corrected ?? null,
      hosmerLemeshow: hl && { statistic: hl.statistic, degreesOfFreedom: hl.degreesOfFreedom, p: hl.p },
      sensitivity: pooled.tp / (pooled.tp + pooled.fn),
      specificity: pooled.tn / (pooled.tn + pooled.fp),
      accuracy: (pooled.tp + pooled.tn) / (repeats * labels.length),
      optimismCorrectedAuc: aucEstimate,
      optimismCorrectedCalibration: calibrationOfRefit,
      netBenefit: netBenefitOfPoorResponse(oof, labels, options.netBenefitThresholds ?? DEFAULT_NET_BENEFIT_THRESHOLDS),
      comparisons,
      notes,
    },
    outOfFold: Array.from(oof),
    labels: Array.from(labels),
    offered: names.length,
    nomogram: tryStat(notes, 'nomogram', () => nomogramOf(artifact)),
  };
}

/**
 * Axis ticks a reader can use: multiples of a 1, 2 or 5 × 10ᵏ step (about four intervals) from the last one at or
 * below the training minimum to the first at or above the maximum, so the axis covers every training value.
 */
export function roundTicks(lo: number, hi: number): number[] {
  const { step, decimals } = niceTicks(lo, hi, 4);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  return Array.from({ length: last - first + 1 }, (_, k) => Number(((first + k) * step).toFixed(decimals)));
}

/**
 * The nomogram of the model (points per raw unit of each predictor with a non-zero coefficient, axes with round
 * ticks over the training range); a model with no non-zero coefficient has none.
 */
export function nomogramOf(artifact: ModelArtifact): Nomogram {
  const coefficients: Record<string, number> = {};
  const values: Record<string, number[]> = {};
  for (const [name, beta] of Object.entries(artifact.original.coefficients)) {
    if (beta === 0) continue;
    const [lo, hi] = artifact.ranges[name];
    if (!(hi > lo)) continue;
    coefficients[name] = beta;
    values[name] = roundTicks(lo, hi);
  }
  if (Object.keys(coefficients).length === 0) {
    throw new ModelInputError(
      'the model kept no predictor (every coefficient is 0 at the chosen λ): there is no nomogram to draw',
      `model kind '${artifact.kind}'`,
    );
  }
  return buildNomogram({ intercept: artifact.original.intercept, coefficients, values });
}
