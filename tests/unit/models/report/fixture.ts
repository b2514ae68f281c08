// Candidates written by hand for the report tests: six patients whose ROC, AUC, risk groups and net benefit are
// worked out in the tests' comments, an intercept-only refit (every probability the same, no nomogram), and a model
// registered without any evaluation (no patients).
import { ARTIFACT_FORMAT, type Candidate, type ModelArtifact } from '../../../../contracts/models';

/** P(good) of six patients and their outcomes (1 = good): 3 good, 3 poor. */
export const PROBABILITIES = [0.9, 0.8, 0.7, 0.6, 0.4, 0.2];
export const LABELS = [1, 0, 1, 1, 0, 0];

export function artifact(overrides: Partial<ModelArtifact> = {}): ModelArtifact {
  return {
    format: ARTIFACT_FORMAT,
    kind: 'delta',
    predictAt: 'mid',
    timepoints: ['baseline', 'mid', 'preop'],
    studyId: 'OS-2026',
    engine: { name: 'osteoflow-radiomics', version: '0.1.0', paramHash: 'a'.repeat(64) },
    dataset: { fingerprint: 'b'.repeat(64), patients: 6, events: 3, trainingPatients: ['P1', 'P2', 'P3', 'P4', 'P5', 'P6'] },
    features: ['delta:mid:named:volumeChangePct', 'delta:mid:ADC:original_firstorder_Mean'],
    scaler: { means: [-12.5, 0.21], scales: [20, 0.1] },
    intercept: 0.125,
    coefficients: [-0.75, 0],
    original: { intercept: -0.34375, coefficients: { 'delta:mid:named:volumeChangePct': -0.0375, 'delta:mid:ADC:original_firstorder_Mean': 0 } },
    ranges: { 'delta:mid:named:volumeChangePct': [-60, 40], 'delta:mid:ADC:original_firstorder_Mean': [0, 0.5] },
    youdenCutoff: 0.65,
    training: { alpha: 1, lambda: 0.0421, lambdaRule: '1se', outerFolds: 3, innerFolds: 3, repeats: 5, seed: 7 },
    trainedAt: '2026-11-30T10:00:00.000Z',
    ...overrides,
  };
}

/**
 * The six-patient candidate. Its numbers: AUC 7/9 (each good responder against each poor: 0.9 beats 3, 0.7 and 0.6
 * beat 2), the decision curve at 0.3 and 0.5 of P(poor) = 1 − P(good) counted in decisionCurvePlot.test.ts.
 */
export function candidate(overrides: Partial<Candidate> = {}): Candidate {
  return {
    kind: 'delta',
    artifact: artifact(),
    metrics: {
      auc: 7 / 9,
      aucCi: [0.4, 1],
      aucSe: 0.19,
      meanFoldAuc: 0.75,
      brier: 0.195,
      calibrationIntercept: -0.1,
      calibrationSlope: 0.8,
      hosmerLemeshow: null,
      sensitivity: 0.6667,
      specificity: 0.6667,
      accuracy: 0.6667,
      optimismCorrectedAuc: { apparent: 0.86, optimism: 0.07, corrected: 0.79, ci: [0.55, 1], replicates: 200 },
      optimismCorrectedCalibration: {
        intercept: { apparent: 0, optimism: 0.1, corrected: -0.1, ci: [-1.7, 1.5], replicates: 200 },
        slope: { apparent: 1, optimism: 0.2, corrected: 0.8, ci: [-0.4, 2], replicates: 198 },
      },
      netBenefit: [
        // P(poor) = 0.1, 0.2, 0.3, 0.4, 0.6, 0.8; poor = patients 2, 5, 6 (prevalence 1/2).
        // 0.3: flagged P(poor) ≥ 0.3 are patients 3 and 4 (good) and 5 and 6 (poor): TP 2, FP 2 → 2/6 − 2/6·3/7.
        { threshold: 0.3, model: 2 / 6 - (2 / 6) * (3 / 7), treatAll: 0.5 - 0.5 * (3 / 7), treatNone: 0 },
        // 0.5: flagged 5, 6: TP 2, FP 0 → 1/3; treat all 0.5 − 0.5 = 0.
        { threshold: 0.5, model: 1 / 3, treatAll: 0, treatNone: 0 },
      ],
      comparisons: [
        { versus: 'clinical', auc: 7 / 9, versusAuc: 5 / 9, difference: 2 / 9, ci: [-0.3, 0.75], p: 0.4 },
        { versus: 'criterion:volumeChangePct', auc: 7 / 9, versusAuc: 0.7, difference: 7 / 9 - 0.7, ci: [-0.2, 0.35], p: 0.61 },
      ],
      notes: { hosmerLemeshow: '6 patients in 3 risk groups are too few for the Hosmer–Lemeshow χ² approximation' },
    },
    outOfFold: [...PROBABILITIES],
    offered: 4,
    nomogram: null,
    ...overrides,
  };
}

/** An intercept-only refit in every fold: every probability 0.5, every coefficient 0, no nomogram. */
export function interceptOnly(): Candidate {
  const base = candidate();
  return {
    ...base,
    artifact: artifact({ coefficients: [0, 0], intercept: 0, original: { intercept: 0, coefficients: {} } }),
    metrics: {
      ...base.metrics,
      auc: 0.5,
      aucCi: [0.5, 0.5],
      calibrationIntercept: null,
      calibrationSlope: null,
      optimismCorrectedAuc: null,
      optimismCorrectedCalibration: null,
      // Every P(poor) is 0.5: at 0.3 everyone is flagged (treat all), at 0.5 too.
      netBenefit: [
        { threshold: 0.3, model: 0.5 - 0.5 * (3 / 7), treatAll: 0.5 - 0.5 * (3 / 7), treatNone: 0 },
        { threshold: 0.5, model: 0, treatAll: 0, treatNone: 0 },
      ],
      comparisons: [],
      notes: { nomogram: 'the model kept no predictor (every coefficient is 0 at the chosen λ): there is no nomogram to draw' },
    },
    outOfFold: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    nomogram: null,
  };
}

/** A fixed model registered without training (as the chaos campaign's reference champion): nothing evaluated. */
export function unevaluated(): Candidate {
  const base = candidate();
  return {
    ...base,
    kind: 'baseline',
    artifact: artifact({ kind: 'baseline', dataset: { fingerprint: 'fixed', patients: 0, events: 0 } }),
    metrics: {
      ...base.metrics,
      netBenefit: [],
      comparisons: [],
      optimismCorrectedAuc: null,
      optimismCorrectedCalibration: null,
      notes: { model: 'a fixed model, not trained' },
    },
    outOfFold: [],
  };
}
