// One kind of model trained on a dataset: nested-CV statistics, an artifact that scores exactly as the learning
// library's refit does, a nomogram, and clear errors for a missing feature or a malformed model.json.
import { seededRandom } from '../../../../models/stats/random';
import { fromRows, selectFeatures } from '../../../../models/learning/featureMatrix';
import { predictProbabilities, trainModel } from '../../../../models/learning/training';
import { trainCandidate } from '../../../../models/training/candidate';
import { parseArtifact, scoreRows } from '../../../../models/training/artifact';
import type { TrainingDataset } from '../../../../models/dataset';

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
const options = { outerFolds: 4, innerFolds: 4, repeats: 2, bootstrapReplicates: 10, seed: 3 };

describe('trainCandidate', () => {
  const delta = trainCandidate(dataset, 'delta', undefined, options);
  const baseline = trainCandidate(dataset, 'baseline', undefined, options);

  it('trains each kind on its own family and gives the delta model the higher nested-CV AUC', () => {
    expect(delta.offered).toBe(2);
    expect(baseline.offered).toBe(1);
    expect(delta.metrics.auc).toBeGreaterThan(0.75);
    expect(delta.metrics.auc).toBeGreaterThan(baseline.metrics.auc);
    expect(delta.metrics.aucCi[0]).toBeLessThan(delta.metrics.auc);
    expect(delta.metrics.aucCi[1]).toBeGreaterThan(delta.metrics.auc);
    expect(delta.outOfFold).toHaveLength(40);
    expect(delta.metrics.optimismCorrectedAuc?.replicates).toBe(10);
    expect(delta.metrics.netBenefit.map((p) => p.threshold)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(delta.artifact).toMatchObject({ kind: 'delta', predictAt: 'preop', dataset: { fingerprint: 'f'.repeat(64), patients: 40, events: 16 } });
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
