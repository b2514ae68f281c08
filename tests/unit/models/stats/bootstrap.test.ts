// Harrell's bootstrap optimism correction: with the same 25 resamples, the reference (python_reference.py) refits
// statsmodels 0.14.5 Logit on each and scores with scikit-learn roc_auc_score; here the same procedure runs with our
// Newton–Raphson fit. The calibration of the refit is checked against the procedure worked out here: the apparent
// calibration of an unpenalised maximum-likelihood fit is exactly a = 0, b = 1 (its score equations), and each
// replicate's recalibration on the original data is solved by a Newton iteration written in this file.
// The intervals of the corrected calibration are checked twice: against the normal bootstrap interval computed here
// from the same resamples, and by simulation — their coverage of the deployed model's true calibration, measured on a
// large independent sample of the same population, must be near the nominal 95 %.
// The seeded PRNG is checked for reproducibility, not against a reference.
import { optimismCorrected, optimismCorrectedAuc, type Learner } from '../../../../models/stats/bootstrap';
import { calibration, calibrationInTheLargeEstimate, calibrationSlopeEstimate } from '../../../../models/stats/calibration';
import { fitLogistic, sigmoid } from '../../../../models/stats/logistic';
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

describe('optimism-corrected calibration of the deployed refit', () => {
  const fitOn = (rows: ArrayLike<number>) =>
    fitLogistic(
      columns.map((c) => Array.from(rows, (r) => c[r])),
      Array.from(rows, (r) => bs.labels[r]),
    );
  const lpOf = (fit: ReturnType<typeof fitOn>, r: number) => fit.intercept + columns.reduce((s, c, j) => s + fit.coefficients[j] * c[r], 0);
  const probabilityLearner: Learner = (rows) => {
    const fit = fitOn(rows);
    return (eval_) => Array.from(eval_, (r) => sigmoid(lpOf(fit, r)));
  };
  // Recalibration of log-odds lp against y by Newton's method from the null model (the usual IRLS start):
  // (a, b) of logit P(y) = a + b·lp, or a alone with b fixed at 1.
  const recalibrate = (lp: number[], y: number[], slopeFixed: boolean): [number, number] => {
    let a = 0;
    let b = slopeFixed ? 1 : 0;
    for (let it = 0; it < 100; it++) {
      let ga = 0;
      let gb = 0;
      let haa = 0;
      let hab = 0;
      let hbb = 0;
      lp.forEach((v, i) => {
        const p = 1 / (1 + Math.exp(-(a + b * v)));
        const w = p * (1 - p);
        ga += y[i] - p;
        gb += (y[i] - p) * v;
        haa += w;
        hab += w * v;
        hbb += w * v * v;
      });
      const [da, db] = slopeFixed ? [ga / haa, 0] : [(hbb * ga - hab * gb) / (haa * hbb - hab * hab), (haa * gb - hab * ga) / (haa * hbb - hab * hab)];
      a += da;
      b += db;
      if (Math.abs(da) + Math.abs(db) < 1e-13) break;
    }
    return [a, b];
  };

  it('matches the bootstrap worked out by hand over the same 25 resamples', () => {
    const res = optimismCorrected(
      bs.labels,
      probabilityLearner,
      { intercept: (p, y) => calibration(p, y).intercept, slope: (p, y) => calibration(p, y).slope },
      { resamples: bs.resamples },
    );
    const all = bs.labels.map((_, i) => i);
    let interceptOptimism = 0;
    let slopeOptimism = 0;
    for (const rows of bs.resamples) {
      const fit = fitOn(rows);
      // On its own bootstrap sample an unpenalised MLE is calibrated exactly: intercept 0, slope 1.
      const onOriginal = all.map((r) => lpOf(fit, r));
      interceptOptimism += (0 - recalibrate(onOriginal, bs.labels, true)[0]) / bs.resamples.length;
      slopeOptimism += (1 - recalibrate(onOriginal, bs.labels, false)[1]) / bs.resamples.length;
    }
    const { intercept, slope } = res.estimates;
    expectClose(intercept!.apparent!, 0, 1e-9);
    expectClose(slope!.apparent!, 1, 1e-9);
    expectClose(intercept!.optimism!, interceptOptimism, 1e-8);
    expectClose(slope!.optimism!, slopeOptimism, 1e-8);
    expectClose(slope!.corrected, 1 - slopeOptimism, 1e-8);
    expect(slope!.corrected).toBeLessThan(1); // a fitted model is too extreme for new patients
    expect(res.replicates).toBe(25);
  });

  it("gives each corrected statistic the normal bootstrap interval of the deployed model's value on the resamples", () => {
    const res = optimismCorrected(
      bs.labels,
      probabilityLearner,
      { intercept: (p, y) => calibration(p, y).intercept, slope: (p, y) => calibration(p, y).slope },
      { resamples: bs.resamples },
    );
    const deployed = fitOn(bs.labels.map((_, i) => i));
    const values: [number[], number[]] = [[], []];
    for (const rows of bs.resamples) {
      const [a] = recalibrate(
        rows.map((r) => lpOf(deployed, r)),
        rows.map((r) => bs.labels[r]),
        true,
      );
      const [, b] = recalibrate(
        rows.map((r) => lpOf(deployed, r)),
        rows.map((r) => bs.labels[r]),
        false,
      );
      values[0].push(a);
      values[1].push(b);
    }
    const sd = (v: number[]) => {
      const m = v.reduce((s, x) => s + x, 0) / v.length;
      return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1));
    };
    const z = 1.959963984540054; // the 0.975 normal quantile
    [res.estimates.intercept!, res.estimates.slope!].forEach((e, k) => {
      expectClose(e.ci![0], e.corrected - z * sd(values[k]), 1e-7);
      expectClose(e.ci![1], e.corrected + z * sd(values[k]), 1e-7);
    });
  });

  it('gives no interval where the deployed model scores the same on every resample (an AUC of 1), saying why', () => {
    const res = optimismCorrected(bs.labels, probabilityLearner, { perfect: () => 1 }, { resamples: bs.resamples });
    expect(res.estimates.perfect).toMatchObject({ apparent: 1, corrected: 1, ci: null });
    expect(res.notes.perfectCi).toBe("the deployed model's value is 1 on every bootstrap sample: no interval (its spread says nothing)");
  });

  it('withholds a statistic undefined in too many replicates, saying why', () => {
    const res = optimismCorrected(bs.labels, probabilityLearner, { never: () => Number.NaN }, { resamples: bs.resamples });
    expect(res.estimates.never).toBeNull();
    expect(res.notes.never).toBe('undefined for the model fitted on all patients');
  });

  it('takes the limit when the refit and every bootstrap refit separate their own rows: the mean on the original rows', () => {
    // A statistic infinite on a model's own training rows and finite elsewhere: ∞ − (∞ − test) → mean(test).
    const rowsOf = new Map<ArrayLike<number>, number>();
    const learner: Learner = (rows) => {
      const id = rowsOf.size;
      rowsOf.set(rows, id);
      return (eval_) => Array.from(eval_, () => (eval_ === rows ? Infinity : id));
    };
    const res = optimismCorrected(bs.labels, learner, { separated: (scores) => scores[0] }, { resamples: bs.resamples });
    // The refits on the 25 resamples are learners 1…25 (0 is the refit on all rows): their values on the original rows.
    expect(res.estimates.separated).toEqual({ apparent: null, optimism: null, corrected: 13, limit: true, ci: null, replicates: 25, undefined: 0 });
    expect(res.notes.separated).toMatch(/^the refit's predictions separate its training patients/);
  });
});

describe('coverage of the corrected calibration intervals (simulation)', () => {
  // Development samples of 40 patients from a known logistic model with two standard-normal predictors; the procedure
  // is unpenalised maximum likelihood (overfits at this size); the truth is the deployed model's calibration on 5,000
  // new patients of the same population. A 95 % interval must cover it in about 95 % of the samples: 120 samples give
  // a Monte Carlo standard error of 2 points, and the lower bounds fail the same intervals at half their width.
  const random = seededRandom(2024);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const draw = (n: number) => {
    const x = [new Float64Array(n), new Float64Array(n)];
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[0][i] = normal();
      x[1][i] = normal();
      y[i] = random.next() < sigmoid(-0.3 + 0.8 * x[0][i] + 0.5 * x[1][i]) ? 1 : 0;
    }
    return { x, y };
  };
  const open = (p: number) => Math.min(1 - 1e-12, Math.max(1e-12, p));

  it('covers the deployed model’s true calibration-in-the-large and slope near the nominal 95 %', () => {
    const population = draw(5000);
    const samples = 120;
    const covered = { intercept: 0, slope: 0 };
    const narrow = { intercept: 0, slope: 0 };
    let run = 0;
    while (run < samples) {
      const { x, y } = draw(40);
      const fit = (rows: ArrayLike<number>) =>
        fitLogistic(
          x.map((c) => Array.from(rows, (r) => c[r])),
          Array.from(rows, (r) => y[r]),
        );
      const all = Array.from({ length: 40 }, (_, i) => i);
      let deployed;
      try {
        deployed = fit(all);
      } catch {
        continue; // a separated sample has no maximum-likelihood model
      }
      const learner: Learner = (rows) => {
        const f = fit(rows);
        return (scored) => Array.from(scored, (r) => open(sigmoid(f.intercept + f.coefficients[0] * x[0][r] + f.coefficients[1] * x[1][r])));
      };
      let res;
      try {
        res = optimismCorrected(y, learner, { intercept: calibrationInTheLargeEstimate, slope: calibrationSlopeEstimate }, { replicates: 200, seed: run + 1 });
      } catch {
        continue; // a bootstrap sample the maximum-likelihood fit separates
      }
      const truthScores = Array.from(population.y, (_, i) =>
        open(sigmoid(deployed.intercept + deployed.coefficients[0] * population.x[0][i] + deployed.coefficients[1] * population.x[1][i])),
      );
      const truth = { intercept: calibrationInTheLargeEstimate(truthScores, population.y), slope: calibrationSlopeEstimate(truthScores, population.y) };
      for (const k of ['intercept', 'slope'] as const) {
        const ci = res.estimates[k]!.ci!;
        if (truth[k] >= ci[0] && truth[k] <= ci[1]) covered[k]++;
        if (Math.abs(truth[k] - res.estimates[k]!.corrected) <= (ci[1] - ci[0]) / 4) narrow[k]++;
      }
      run++;
    }
    const coverage = { intercept: covered.intercept / samples, slope: covered.slope / samples };
    console.log(
      `coverage of 95 % intervals over ${samples} simulated studies of 40 patients: calibration-in-the-large ${coverage.intercept}, slope ${coverage.slope}`,
    );
    expect(coverage.intercept).toBeGreaterThanOrEqual(0.86);
    expect(coverage.slope).toBeGreaterThanOrEqual(0.88);
    expect(coverage.intercept).toBeLessThanOrEqual(0.995);
    expect(coverage.slope).toBeLessThanOrEqual(0.995);
    console.log(`at half the width: calibration-in-the-large ${narrow.intercept / samples}, slope ${narrow.slope / samples}`);
    expect(narrow.intercept / samples).toBeLessThan(0.86);
    expect(narrow.slope / samples).toBeLessThan(0.88);
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
