// One kind of model trained on a dataset: nested-CV statistics, the deployed refit's optimism-corrected calibration,
// the decision curve framed on poor response, the comparison with a simple criterion (AUC counted here by hand),
// an artifact that scores exactly as the learning library's refit does and names its training patients, a nomogram,
// and clear errors for a missing feature, a malformed model.json or too few bootstrap replicates.
import { seededRandom } from '../../../../models/stats/random';
import { fromRows, selectFeatures } from '../../../../models/learning/featureMatrix';
import { predictProbabilities, trainModel } from '../../../../models/learning/training';
import { roundTicks, trainCandidate } from '../../../../models/training/candidate';
import { parseArtifact, scoreRows } from '../../../../models/training/artifact';
import type { TrainingDataset } from '../../../../models/dataset';
import { expectClose } from '../fixtures';

// 40 patients; the delta feature carries the outcome, the baseline feature and age are noise.
const random = seededRandom(5);
const normal = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
const labels = Array.from({ length: 40 }, (_, i) => (i % 5 < 2 ? 1 : 0));
const features = ['baseline:T1CE:noise', 'clinical:ageYears', 'delta:preop:T1CE:signal', 'delta:preop:named:volumeChangePct'];
const rows = labels.map((y) => [normal(), 12 + 4 * random.next(), 1.6 * y + normal(), -30 * y + 25 * normal()]);
const dataset: TrainingDataset = {
  studyId: 'S',
  paramHash: 'h',
  timepoints: ['baseline', 'mid', 'preop'],
  predictAt: 'preop',
  patients: labels.map((_, i) => `P${i}`),
  labels,
  features,
  rows,
  excluded: [],
  incompleteFeatures: [],
  fingerprint: 'f'.repeat(64),
};
const options = { outerFolds: 4, innerFolds: 4, repeats: 2, bootstrapReplicates: 200, seed: 3 };

/** Mann–Whitney AUC by counting pairs (ties ½), for the comparisons. */
function pairAuc(scores: number[], y: number[]): number {
  let wins = 0;
  let pairs = 0;
  y.forEach((yi, i) => {
    if (yi !== 1) return;
    y.forEach((yj, j) => {
      if (yj !== 0) return;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('trainCandidate', () => {
  const delta = trainCandidate(dataset, 'delta', undefined, options);
  const baseline = trainCandidate(dataset, 'baseline', undefined, { ...options, bootstrapReplicates: 0 });

  it('trains each kind on its own family and gives the delta model the higher nested-CV AUC', () => {
    expect(delta.offered).toBe(2);
    expect(baseline.offered).toBe(1);
    expect(delta.metrics.auc).toBeGreaterThan(0.75);
    expect(delta.metrics.auc).toBeGreaterThan(baseline.metrics.auc);
    expect(delta.metrics.aucCi[0]).toBeLessThan(delta.metrics.auc);
    expect(delta.metrics.aucCi[1]).toBeGreaterThan(delta.metrics.auc);
    expect(delta.outOfFold).toHaveLength(40);
    expect(delta.labels).toEqual(labels); // in outOfFold's order, for the report's ROC and calibration plots
    expect(delta.metrics.optimismCorrectedAuc?.replicates).toBe(200);
    expect(delta.artifact).toMatchObject({ kind: 'delta', predictAt: 'preop', dataset: { fingerprint: 'f'.repeat(64), patients: 40, events: 16 } });
    expect(delta.artifact.dataset.trainingPatients).toEqual(dataset.patients);
  });

  it('reports the calibration of the deployed refit, optimism-corrected, not of the averaged out-of-fold predictions', () => {
    const cal = delta.metrics.optimismCorrectedCalibration!;
    expect(cal.slope!.replicates).toBeGreaterThan(160);
    expect(delta.metrics.calibrationSlope).toBe(cal.slope!.corrected);
    expect(delta.metrics.calibrationIntercept).toBe(cal.intercept!.corrected);
    expectClose(cal.slope!.corrected, cal.slope!.apparent! - cal.slope!.optimism!, 1e-12);
    expect(cal.slope!.optimism!).toBeGreaterThan(0); // refits on bootstrap samples are too extreme for the original patients
    // Each corrected calibration statistic carries its 95 % interval, centred on it (corrected ± 1.96·bootstrap SE).
    for (const s of [cal.intercept!, cal.slope!]) {
      const [lo, hi] = s.ci!;
      expect(lo).toBeLessThan(s.corrected);
      expect(hi).toBeGreaterThan(s.corrected);
      expectClose((lo + hi) / 2, s.corrected, 1e-12);
    }
    // The AUC's interval likewise, cut to [0, 1].
    const [lo, hi] = delta.metrics.optimismCorrectedAuc!.ci!;
    expect(lo).toBeLessThan(delta.metrics.optimismCorrectedAuc!.corrected);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(baseline.metrics.optimismCorrectedCalibration).toBeNull();
    expect(baseline.metrics.notes.optimismCorrectedAuc).toMatch(/bootstrap skipped/);
  });

  it('frames the decision curve on predicted poor responders (treat-all from the poor-response prevalence, 24/40)', () => {
    expect(delta.metrics.netBenefit.map((p) => p.threshold)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expectClose(delta.metrics.netBenefit[0].treatAll, 0.6 - 0.4 * (0.1 / 0.9), 1e-15);
  });

  it('compares the radiomics model with tumour volume change (shrinkage = good response) on the same patients', () => {
    const volume = rows.map((r) => -r[3]);
    const [criterion] = delta.metrics.comparisons!;
    expect(criterion.versus).toBe('criterion:volumeChangePct');
    expectClose(criterion.versusAuc, pairAuc(volume, labels), 1e-12);
    expectClose(criterion.auc, pairAuc(delta.outOfFold, labels), 1e-12);
    expectClose(criterion.difference, criterion.auc - criterion.versusAuc, 1e-12);
    expect(criterion.ci[0]).toBeLessThan(criterion.difference);
    expect(delta.metrics.notes['criterion:deltaAdcMean']).toBe("no complete 'delta:preop:named:deltaAdcMean' column in the dataset: not compared");
  });

  it('leaves Hosmer–Lemeshow out on 40 patients, saying why', () => {
    expect(delta.metrics.hosmerLemeshow).toBeNull();
    expect(delta.metrics.notes.hosmerLemeshow).toMatch(/too few for the Hosmer–Lemeshow χ² approximation/);
  });

  it('refuses fewer than 200 bootstrap replicates, naming the option', () => {
    expect(() => trainCandidate(dataset, 'baseline', undefined, { ...options, bootstrapReplicates: 50 })).toThrow(
      'bootstrapReplicates: 50 (expected 0 to skip the bootstrap, or at least 200 replicates for a stable optimism estimate)',
    );
  });

  it('gives nomogram axes round ticks that cover the training range', () => {
    // Range −0.2704 to 0.05605: a quarter of it is 0.082, the next 1-2-5 step 0.1, from −0.3 up to 0.1.
    expect(roundTicks(-0.2704, 0.05605)).toEqual([-0.3, -0.2, -0.1, 0, 0.1]);
    // −0.4823 to 0.1267: a quarter is 0.152 → step 0.2, from −0.6 to 0.2; 12 to 87 (18.75) → step 20, 0 to 100.
    expect(roundTicks(-0.4823, 0.1267)).toEqual([-0.6, -0.4, -0.2, 0, 0.2]);
    expect(roundTicks(12, 87)).toEqual([0, 20, 40, 60, 80, 100]);
    for (const axis of delta.nomogram!.axes) {
      const [lo, hi] = delta.artifact.ranges[axis.name];
      const values = axis.ticks.map((t) => t.value);
      expect(Math.min(...values)).toBeLessThanOrEqual(lo);
      expect(Math.max(...values)).toBeGreaterThanOrEqual(hi);
    }
  });

  it('scores with the artifact exactly as the refit on every patient does', () => {
    const x = selectFeatures(fromRows(features, rows), ['delta:preop:T1CE:signal', 'delta:preop:named:volumeChangePct']);
    const refit = trainModel(x, Float64Array.from(labels), { seed: 3, innerFolds: 4 });
    const records = rows.map((r) => Object.fromEntries(features.map((f, j) => [f, r[j]])));
    const expected = predictProbabilities(refit, records);
    const actual = scoreRows(parseArtifact(JSON.parse(JSON.stringify(delta.artifact)), 'test'), records);
    actual.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 12));
  });

  it('draws a nomogram of the predictors the refit kept', () => {
    const kept = delta.artifact.features.filter((_, j) => delta.artifact.coefficients[j] !== 0);
    expect(delta.nomogram?.axes.map((a) => a.name).sort()).toEqual(kept.sort());
  });

  it('names a feature missing at scoring time', () => {
    expect(() => scoreRows(delta.artifact, [{ 'delta:preop:T1CE:signal': 1 }])).toThrow(/feature 'delta:preop:named:volumeChangePct': missing in row 0/);
  });

  it('refuses a model.json that cannot be scored, naming the field', () => {
    expect(() => parseArtifact({ ...delta.artifact, coefficients: [1] }, 'm@3')).toThrow(
      `coefficients: m@3 is not a usable model artifact: expected ${delta.artifact.features.length} numbers`,
    );
    expect(() => parseArtifact({ ...delta.artifact, format: 'pickle' }, 'm@3')).toThrow(
      /format: m@3 is not a usable model artifact: expected 'osteoflow-logistic\/1', got "pickle"/,
    );
  });

  it('refuses a kind with no features in the dataset', () => {
    expect(() => trainCandidate({ ...dataset, features: features.slice(1), rows: rows.map((r) => r.slice(1)) }, 'baseline', undefined, options)).toThrow(
      "model kind 'baseline': no baseline features in the dataset (after the robustness screen)",
    );
  });
});
