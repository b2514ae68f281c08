// Feature filters and data handling. ICC: Shrout & Fleiss 1979 (Psychol Bull 86:420) Table 2 data, their
// Table 4 values (ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71), psych 2.2.9 ICC() (ICC1, ICC3) and pingouin 0.7.0
// intraclass_corr ("ICC(C,1)"); a systematic shift between segmentations worked out by hand. Spearman: scipy 1.17.1 spearmanr. F-statistic: scikit-learn 1.8.0 f_classif.
// mRMR order: mrmr-selection 0.2.8 mrmr_classif (relevance 'f', redundancy 'c', denominator 'mean').
import { pearson, redundancyFilter, spearman } from '../../../../models/learning/correlation';
import { fromRecords, fromRows, selectFeatures } from '../../../../models/learning/featureMatrix';
import { splitsOf, stratifiedFolds } from '../../../../models/learning/folds';
import { icc11, icc31, robustnessFilter } from '../../../../models/learning/icc';
import { fStatistic, mrmrRanking, relevanceScores } from '../../../../models/learning/mrmr';
import { fitStandardiser, standardise } from '../../../../models/learning/standardiser';
import { expectAllClose, expectClose, inputs, python, r } from '../fixtures';

describe('ICC', () => {
  it('reproduces Shrout & Fleiss 1979 Table 2 (ICC(3,1) = .71) as psych and pingouin compute it', () => {
    const icc = icc31(inputs.shroutFleiss);
    expect(icc).toBeCloseTo(0.71, 2);
    expectClose(icc, r.icc.ICC3, 1e-12);
    expectClose(icc, python.icc.shroutFleiss, 1e-12);
  });

  it('reproduces Shrout & Fleiss 1979 Table 4 ICC(1,1) = .17 on the same data, as psych ICC1 computes it', () => {
    const icc = icc11(inputs.shroutFleiss);
    expect(icc).toBeCloseTo(0.17, 2);
    expectClose(icc, r.icc.ICC1, 1e-12);
  });

  it('counts a systematic shift as disagreement (ICC(1,1)), where ICC(3,1) forgives it', () => {
    // Ratings x and x + c of x = 1…5 (k = 2): BMS = 2·Σ(x − x̄)²/(n − 1) = 2·10/4 = 5, WMS = c²/2 = 2 for c = 2, so
    // ICC(1,1) = (5 − 2)/(5 + 2) = 3/7, while the consistency form sees a perfect ICC(3,1) = 1.
    const shifted = [1, 2, 3, 4, 5].map((x) => [x, x + 2]);
    expectClose(icc11(shifted), 3 / 7, 1e-14);
    expectClose(icc31(shifted), 1, 1e-14);
  });

  it('keeps features robust to segmentation (ICC(1,1) > 0.75) and drops the others', () => {
    const res = robustnessFilter({ stable: inputs.robustness.stable, noisy: inputs.robustness.noisy });
    expect(res.icc.stable).toBe(icc11(inputs.robustness.stable));
    expect(res.icc.noisy).toBe(icc11(inputs.robustness.noisy));
    expect(res.kept).toEqual(['stable']);
    expect(res.dropped).toEqual(['noisy']);
    // A feature shifted by the perturbation in every patient is dropped, though its consistency is perfect.
    const shifted = inputs.robustness.stable.map(([a]) => [a, a + 1.5, a - 1.5]);
    expect(robustnessFilter({ shifted }).dropped).toEqual(['shifted']);
    expectClose(icc31(shifted), 1, 1e-12);
  });

  it('names the feature with ragged or non-finite ratings; drops a constant feature', () => {
    expect(() =>
      robustnessFilter({
        glcm_Contrast: [
          [1, 2, 3],
          [1, 2],
        ],
      }),
    ).toThrow(/feature 'glcm_Contrast': row 1 has 2 ratings/);
    expect(() =>
      robustnessFilter({
        glcm_Contrast: [
          [1, NaN],
          [1, 2],
        ],
      }),
    ).toThrow(/feature 'glcm_Contrast' row 0: value at index 1 is NaN/);
    expect(
      robustnessFilter({
        flat: [
          [2, 2],
          [2, 2],
          [2, 2],
        ],
      }).dropped,
    ).toEqual(['flat']);
  });
});

describe('Spearman correlation and the redundancy filter', () => {
  it('matches scipy.stats.spearmanr with ties', () => {
    expectClose(spearman(inputs.spearman.x, inputs.spearman.y), python.spearman.rho, 1e-14);
  });

  it('matches spearmanr on every pair and sklearn f_classif for relevance', () => {
    const rd = inputs.redundancy;
    const data = fromRows(rd.names, rd.x);
    data.columns.forEach((a, i) => data.columns.forEach((b, j) => expectClose(spearman(a, b), python.redundancy.rho[i][j], 1e-13)));
    const rel = relevanceScores(data, rd.labels);
    expectAllClose(
      rd.names.map((n) => rel[n]),
      python.redundancy.f,
      1e-12,
    );
  });

  it('drops the less relevant of each pair with |ρ| > 0.9', () => {
    // From the reference: ρ(a, aCopy) = 0.9986, ρ(a, aMirror) = −1, ρ with b ≈ −0.1; F(a) = 26.9 > F(aCopy) = 25.0 > F(aMirror) = 8.7.
    const rd = inputs.redundancy;
    const data = fromRows(rd.names, rd.x);
    const res = redundancyFilter(data, relevanceScores(data, rd.labels), 0.9);
    expect(res.kept).toEqual(['a', 'b']);
    expect(res.dropped.map((d) => [d.feature, d.keptInstead])).toEqual([
      ['aCopy', 'a'],
      ['aMirror', 'a'],
    ]);
    expectClose(res.dropped[1].rho, -1, 1e-14);
  });

  it('names a feature without a relevance score', () => {
    const data = fromRows(
      ['a', 'b'],
      [
        [1, 2],
        [2, 1],
        [3, 5],
      ],
    );
    expect(() => redundancyFilter(data, { a: 1 })).toThrow(/feature 'b': has no relevance score/);
  });

  it('returns NaN for Pearson of a constant variable', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('mRMR (F-statistic / mean |r| quotient)', () => {
  const mm = inputs.mrmr;
  const data = fromRows(mm.names, mm.x);
  it('has the relevance of sklearn f_classif', () => {
    mm.names.forEach((n, j) => expectClose(fStatistic(data.columns[j], mm.labels), python.mrmr.fClassif[n as keyof typeof python.mrmr.fClassif], 1e-12));
  });

  it('ranks the features in the order of mrmr-selection mrmr_classif', () => {
    expect(mrmrRanking(data, mm.labels).map((s) => s.feature)).toEqual(python.mrmr.order);
    expect(mrmrRanking(data, mm.labels, 3).map((s) => s.feature)).toEqual(python.mrmr.order.slice(0, 3));
  });

  it('leaves out a feature with no relevance (constant)', () => {
    const withConstant = fromRecords(
      [...mm.names, 'flat'],
      mm.x.map((row) => ({ ...Object.fromEntries(mm.names.map((n, j) => [n, row[j]])), flat: 3 })),
    );
    expect(mrmrRanking(withConstant, mm.labels).map((s) => s.feature)).not.toContain('flat');
  });
});

describe('standardiser', () => {
  it('is fitted on training rows only and applied unchanged to other rows', () => {
    const train = fromRows(
      ['x', 'y'],
      [
        [1, 10],
        [2, 10],
        [3, 10],
      ],
    );
    const scaler = fitStandardiser(train);
    expect(scaler.means).toEqual([2, 10]);
    expectClose(scaler.scales[0], Math.sqrt(2 / 3), 1e-15); // population SD, as sklearn StandardScaler
    expect(scaler.scales[1]).toBe(1); // constant feature: left unscaled
    const other = standardise(scaler, fromRows(['y', 'x', 'extra'], [[12, 5, 0]]));
    expect(other.names).toEqual(['x', 'y']);
    expectClose(other.columns[0][0], 3 / Math.sqrt(2 / 3), 1e-14);
    expect(other.columns[1][0]).toBe(2);
  });

  it('names a feature missing at prediction time', () => {
    const scaler = fitStandardiser(
      fromRows(
        ['x', 'y'],
        [
          [1, 2],
          [3, 4],
        ],
      ),
    );
    expect(() => standardise(scaler, fromRows(['x'], [[1]]))).toThrow(/feature 'y': missing from the data/);
    expect(() => fromRecords(['x', 'y'], [{ x: 1, y: 2 }, { x: 2 }])).toThrow(/feature 'y': missing in row 1/);
    expect(() => fromRecords(['x'], [{ x: NaN }])).toThrow(/feature 'x': value NaN in row 0/);
    expect(() => selectFeatures(fromRows(['x'], [[1]]), ['z'])).toThrow(/feature 'z'/);
  });
});

describe('stratified folds', () => {
  const labels = [...Array(23).fill(1), ...Array(37).fill(0)];
  it('keep the class ratio in every fold and are reproducible from the seed', () => {
    const folds = stratifiedFolds(labels, 5, 3);
    for (const { validation } of splitsOf(folds)) {
      const events = Array.from(validation).filter((i) => labels[i] === 1).length;
      expect(events === 4 || events === 5).toBe(true);
      expect(validation.length === 12).toBe(true);
    }
    expect(stratifiedFolds(labels, 5, 3)).toEqual(folds);
    expect(stratifiedFolds(labels, 5, 4)).not.toEqual(folds);
  });

  it('refuse too few patients of a class', () => {
    expect(() => stratifiedFolds([1, 1, 0, 0, 0, 0, 0], 5, 1)).toThrow(/too few labelled patients for 5-fold stratified CV: 2 events/);
  });
});
