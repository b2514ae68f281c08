// AUC, ROC, Youden cut-off and DeLong against published examples and established implementations:
// Hanley & McNeil 1982 (Radiology 143:29, Table 1 ratings: AUC 0.893), pROC 1.18.0 (auc, var(method = "delong"),
// ci.auc(method = "delong"), roc.test(method = "delong", paired = TRUE); fixtures/r-reference.json) including pROC's
// own aSAH data (Robin et al. 2011, BMC Bioinformatics 12:77: s100b AUC 0.7314, 95 % CI 0.6301–0.8326; vs wfns
// Z = −2.209 … published in pROC's roc.test examples as p = 0.0272), and scikit-learn 1.8.0 (roc_auc_score,
// roc_curve, confusion_matrix; fixtures/python-reference.json).
import { delongAuc, delongDifference, delongTest } from '../../../../models/stats/delong';
import { ModelInputError } from '../../../../models/stats/errors';
import { auc, classifyAt, rocCurve, youdenCutoff } from '../../../../models/stats/roc';
import { expectAllClose, expectClose, inputs, python, r } from '../fixtures';

const s = inputs.scored;

describe('AUC (Mann–Whitney)', () => {
  it('reproduces Hanley & McNeil 1982 Table 1: AUC 0.893 on the 5-point rating data', () => {
    const a = auc(inputs.hanleyMcNeil.ratings, inputs.hanleyMcNeil.labels);
    expect(a).toBeCloseTo(0.893, 3); // Hanley & McNeil 1982, p. 32
    expectClose(a, r.hanleyMcNeil.auc, 1e-12); // pROC auc()
  });

  it('matches scikit-learn roc_auc_score on tied scores', () => {
    expectClose(auc(s.scoreA, s.labels), python.scored.aucA, 1e-14);
    expectClose(auc(s.scoreB, s.labels), python.scored.aucB, 1e-14);
    expectClose(auc(s.probability, s.labels), python.scored.aucProbability, 1e-14);
  });

  it('gives the ROC points of scikit-learn roc_curve(drop_intermediate=False) (training rows)', () => {
    const points = rocCurve(s.scoreA.slice(0, s.trainRows), s.labels.slice(0, s.trainRows)).slice(1);
    expectAllClose(
      points.map((p) => p.threshold),
      python.scored.rocTrainA.thresholds,
      1e-12,
    );
    expectAllClose(
      points.map((p) => p.truePositiveRate),
      python.scored.rocTrainA.tpr,
      1e-14,
    );
    expectAllClose(
      points.map((p) => p.falsePositiveRate),
      python.scored.rocTrainA.fpr,
      1e-14,
    );
  });
});

describe('Youden cut-off chosen on training rows, applied to other rows', () => {
  const t = s.trainRows;
  it('chooses the threshold of scikit-learn argmax(tpr − fpr) over roc_curve', () => {
    const y = youdenCutoff(s.scoreA.slice(0, t), s.labels.slice(0, t));
    expect(y.cutoff).toBe(python.scored.youden.cutoff);
    expectClose(y.sensitivity, python.scored.youden.trainSensitivity, 1e-14);
    expectClose(y.specificity, python.scored.youden.trainSpecificity, 1e-14);
  });

  it('gives the sensitivity, specificity and accuracy of sklearn confusion_matrix at that cut-off', () => {
    const c = classifyAt(s.scoreA.slice(t), s.labels.slice(t), python.scored.youden.cutoff);
    const ref = python.scored.youden.test;
    expect([c.truePositives, c.falsePositives, c.trueNegatives, c.falseNegatives]).toEqual([ref.tp, ref.fp, ref.tn, ref.fn]);
    expectClose(c.sensitivity, ref.sensitivity, 1e-14);
    expectClose(c.specificity, ref.specificity, 1e-14);
    expectClose(c.accuracy, ref.accuracy, 1e-14);
  });
});

describe('DeLong variance, 95 % CI and paired test', () => {
  it('matches pROC on the Hanley & McNeil ratings', () => {
    const d = delongAuc(inputs.hanleyMcNeil.ratings, inputs.hanleyMcNeil.labels);
    expectClose(d.variance, r.hanleyMcNeil.variance, 1e-12);
    expectAllClose(d.ci, r.hanleyMcNeil.ci, 1e-12);
    // Hanley & McNeil's own exponential approximation gives SE 0.032 (1982, p. 32); DeLong's is close.
    expect(d.standardError).toBeCloseTo(0.031, 2);
  });

  it('matches pROC var/ci.auc on two tied scores', () => {
    for (const [scores, ref] of [
      [s.scoreA, r.scored.A],
      [s.scoreB, r.scored.B],
    ] as const) {
      const d = delongAuc(scores, s.labels);
      expectClose(d.auc, ref.auc, 1e-12);
      expectClose(d.variance, ref.variance, 1e-12);
      expectAllClose(d.ci, ref.ci, 1e-12);
    }
  });

  it("matches pROC roc.test(paired, method = 'delong') z and p", () => {
    const t = delongTest(s.scoreA, s.scoreB, s.labels);
    expectClose(t.z, r.scored.test.z, 1e-10);
    expectClose(t.p, r.scored.test.p, 1e-10);
  });

  it('gives the paired difference with the interval pROC roc.test implies (SE = difference / z), and SE 0 for identical rankings', () => {
    const d = delongDifference(s.scoreA, s.scoreB, s.labels);
    const difference = r.scored.A.auc - r.scored.B.auc;
    const se = difference / r.scored.test.z;
    expectClose(d.difference, difference, 1e-12);
    expectClose(d.standardError, se, 1e-9);
    expectAllClose(d.ci, [difference - 1.959963984540054 * se, difference + 1.959963984540054 * se], 1e-9);
    expectClose(d.p, r.scored.test.p, 1e-10);
    const same = delongDifference(
      s.scoreA,
      s.scoreA.map((v) => 2 * v + 1),
      s.labels,
    );
    expect([same.difference, same.standardError, same.ci, same.p]).toEqual([0, 0, [0, 0], 1]);
  });

  it("reproduces pROC's published aSAH example (s100b vs wfns)", () => {
    const a = r.aSAH;
    const d = delongAuc(a.s100b, a.outcome);
    expect(d.auc).toBeCloseTo(0.7314, 4); // pROC documentation / Robin et al. 2011
    expect(d.ci[0]).toBeCloseTo(0.6301, 4);
    expect(d.ci[1]).toBeCloseTo(0.8326, 4);
    expectAllClose(d.ci, a.s100bCi, 1e-12);
    const t = delongTest(a.s100b, a.wfns, a.outcome);
    expectClose(t.aucB, a.wfnsAuc, 1e-12);
    expectClose(t.z, a.test.z, 1e-10);
    expectClose(t.p, a.test.p, 1e-10);
    expect(t.z).toBeCloseTo(-2.209, 3);
  });

  it('clips the interval to [0, 1] as pROC does', () => {
    const d = delongAuc([0.1, 0.2, 0.3, 0.9, 0.8, 0.7, 0.35], [0, 0, 0, 1, 1, 1, 1]);
    expect(d.auc).toBe(1);
    expect(d.ci[1]).toBe(1);
  });
});

describe('bad input', () => {
  it('names a single class, a NaN, a non-binary label and mismatched lengths', () => {
    expect(() => auc([0.1, 0.2], [1, 1])).toThrow(/labels: a single class/);
    expect(() => auc([0.1, NaN, 0.3], [0, 1, 1])).toThrow(/scores: value at index 1 is NaN/);
    expect(() => auc([0.1, 0.2], [0, 2])).toThrow(/expected 0 or 1/);
    expect(() => delongTest([0.1, 0.2, 0.3, 0.4], [0.1, 0.2], [0, 0, 1, 1])).toThrow(/scoresA: has 4 values but scoresB has 2/);
    expect(() => delongAuc([0.1, 0.2, 0.3], [0, 1, 1])).toThrow(ModelInputError);
  });
});
