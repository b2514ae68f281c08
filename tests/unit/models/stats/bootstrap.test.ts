// Harrell's bootstrap optimism correction: with the same 25 resamples, the reference (python_reference.py) refits
// statsmodels 0.14.5 Logit on each and scores with scikit-learn roc_auc_score; here the same procedure runs with our
// Newton–Raphson fit. The seeded PRNG is checked for reproducibility, not against a reference.
import { optimismCorrectedAuc, type Learner } from '../../../../models/stats/bootstrap';
import { fitLogistic } from '../../../../models/stats/logistic';
import { seededRandom } from '../../../../models/stats/random';
import { expectClose, inputs, python } from '../fixtures';

const bs = inputs.bootstrap;
const columns = [0, 1, 2].map((j) => bs.x.map((row) => row[j]));

const logisticLearner: Learner = (rows) => {
  const fit = fitLogistic(
    columns.map((c) => Array.from(rows, (r) => c[r])),
    Array.from(rows, (r) => bs.labels[r]),
  );
  return (eval_) => Array.from(eval_, (r) => fit.intercept + columns.reduce((s, c, j) => s + fit.coefficients[j] * c[r], 0));
};

describe('optimism-corrected AUC', () => {
  it('matches statsmodels + roc_auc_score over the same resamples', () => {
    const res = optimismCorrectedAuc(bs.labels, logisticLearner, { resamples: bs.resamples });
    expectClose(res.apparent, python.bootstrap.apparent, 1e-12);
    expectClose(res.optimism, python.bootstrap.optimism, 1e-10);
    expectClose(res.corrected, python.bootstrap.corrected, 1e-10);
    expect(res.replicates).toBe(25);
  });

  it('is reproducible from its seed and changes with it', () => {
    const a = optimismCorrectedAuc(bs.labels, logisticLearner, { replicates: 30, seed: 7 });
    const b = optimismCorrectedAuc(bs.labels, logisticLearner, { replicates: 30, seed: 7 });
    const c = optimismCorrectedAuc(bs.labels, logisticLearner, { replicates: 30, seed: 8 });
    expect(b).toEqual(a);
    expect(c.optimism).not.toBe(a.optimism);
    expect(a.corrected).toBeLessThan(a.apparent); // a fitted model is optimistic on its own data
  });

  it('rejects malformed resamples', () => {
    expect(() => optimismCorrectedAuc(bs.labels, logisticLearner, { resamples: [[0, 1, 2]] })).toThrow(/resample 0 must hold 60 row indices/);
  });
});

describe('seeded generator', () => {
  it('gives the same stream for the same seed, uniform on [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 20000 }, () => a.next());
    expect(Array.from({ length: 20000 }, () => b.next())).toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01); // SE of the mean of 20000 uniforms ≈ 0.002
    expect(seededRandom(43).next()).not.toBe(seededRandom(42).next());
  });

  it('rejects a non-integer seed', () => {
    expect(() => seededRandom(1.5)).toThrow(/seed: 1.5/);
  });
});
