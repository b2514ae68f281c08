// Calibration and clinical usefulness against established implementations: scikit-learn 1.8.0 brier_score_loss,
// statsmodels 0.14.5 (GLM Binomial with offset logit(p) for calibration-in-the-large; Logit of y on logit(p) for
// the slope), ResourceSelection::hoslem.test's computation run in R 4.2.2 (r_reference.R), dcurves 1.1.7 dca
// (Vickers & Elkin 2006), statsmodels Logit and rms 6.5.0 lrm for the unpenalised logistic fit.
import { brierScore, calibration, calibrationInTheLarge, calibrationSlope, hosmerLemeshow } from '../../../../models/stats/calibration';
import { netBenefit, netBenefitOfPoorResponse } from '../../../../models/stats/decisionCurve';
import { fitLogistic } from '../../../../models/stats/logistic';
import { expectAllClose, expectClose, inputs, python, r } from '../fixtures';
import { ModelInputError } from '../../../../models/stats/errors';

const s = inputs.scored;

describe('Brier score', () => {
  it('matches sklearn brier_score_loss', () => {
    expectClose(brierScore(s.probability, s.labels), python.scored.brier, 1e-14);
  });
});

describe('calibration intercept and slope', () => {
  it('match statsmodels (offset GLM for the intercept, Logit for the slope)', () => {
    const c = calibration(s.probability, s.labels);
    expectClose(c.intercept, python.calibration.intercept, 1e-9);
    expectClose(c.slope, python.calibration.slope, 1e-9);
    expectClose(c.slopeModelIntercept, python.calibration.slopeModelIntercept, 1e-9);
  });

  it('are 0 and 1 for probabilities that are their own recalibration', () => {
    // With p = 0.2 for 5 patients of whom 1 has the event, the offset model's MLE is a = 0 exactly.
    const c = calibration([0.2, 0.2, 0.2, 0.2, 0.2, 0.8, 0.8, 0.8, 0.8, 0.8], [1, 0, 0, 0, 0, 1, 1, 1, 1, 0]);
    expectClose(c.intercept, 0, 1e-12);
    expectClose(c.slope, 1, 1e-12);
  });

  it('gives the profile-likelihood interval of calibration-in-the-large, solved here in closed form', () => {
    // Constant predictions p = 0.5 (logit 0): D(a) = −2[k·a − n·log(1 + eᵃ)], â = logit(k/n), and the 95 % interval
    // solves D(a) − D(â) = 1.959964² on each side; bisection on that closed form, independent of the library.
    const n = 20;
    const k = 4;
    const D = (a: number) => -2 * (k * a - n * Math.log1p(Math.exp(a)));
    const aHat = Math.log(k / (n - k));
    const q = 1.959963984540054 ** 2;
    const solve = (lo: number, hi: number) => {
      for (let i = 0; i < 200; i++) {
        const mid = (lo + hi) / 2;
        if ((D(mid) - D(aHat) - q) * (D(lo) - D(aHat) - q) > 0) lo = mid;
        else hi = mid;
      }
      return (lo + hi) / 2;
    };
    const y = Array.from({ length: n }, (_, i) => (i < k ? 1 : 0));
    const c = calibrationInTheLarge(Array<number>(n).fill(0.5), y);
    expectClose(c.estimate, aHat, 1e-10);
    expectAllClose(c.ci, [solve(aHat - 10, aHat), solve(aHat, aHat + 10)], 1e-7);
  });

  it('gives the calibration slope of statsmodels with a profile-likelihood interval whose ends lie 3.84 above the minimum', () => {
    const c = calibrationSlope(s.probability, s.labels);
    expectClose(c.estimate, python.calibration.slope, 1e-9);
    // The profile deviance at b, minimised over the intercept by a plain Newton iteration written here.
    const lp = s.probability.map((p) => Math.log(p / (1 - p)));
    const profile = (b: number) => {
      let a = 0;
      for (let it = 0; it < 100; it++) {
        let g = 0;
        let h = 0;
        lp.forEach((v, i) => {
          const p = 1 / (1 + Math.exp(-(a + b * v)));
          g += s.labels[i] - p;
          h += p * (1 - p);
        });
        a += g / h;
      }
      return lp.reduce((d, v, i) => d - 2 * (s.labels[i] * (a + b * v) - Math.log1p(Math.exp(a + b * v))), 0);
    };
    const minimum = profile(c.estimate);
    expect(c.ci[0]).toBeLessThan(c.estimate);
    expect(c.ci[1]).toBeGreaterThan(c.estimate);
    for (const end of c.ci) expectClose(profile(end) - minimum, 1.959963984540054 ** 2, 1e-6);
  });

  it('keeps the slope interval open on the side a perfectly separated sample runs to', () => {
    const c = calibrationSlope([0.1, 0.2, 0.3, 0.6, 0.7, 0.8], [0, 0, 0, 1, 1, 1]);
    expect(c.estimate).toBe(Infinity);
    expect(c.ci[1]).toBe(Infinity);
    expect(c.ci[0]).toBeGreaterThan(0);
  });

  it('refuses probabilities of exactly 0 or 1 (logit undefined)', () => {
    expect(() => calibration([0, 0.5, 0.7], [0, 1, 1])).toThrow(/probabilities: value at index 0 is 0 \(expected a probability in \(0, 1\)\)/);
  });
});

describe('Hosmer–Lemeshow', () => {
  it('matches ResourceSelection::hoslem.test (g = 10): groups, statistic, p', () => {
    // 80 patients: 12 of the 20 expected counts are below 5, so the test is computed only on request.
    const h = hosmerLemeshow(s.probability, s.labels, 10, { requireExpectedCounts: false });
    const ref = r.hosmerLemeshow;
    expect(h.groups.map((g) => g.observedEvents)).toEqual(ref.observedEvents);
    expectAllClose(
      h.groups.map((g) => g.expectedEvents),
      ref.expectedEvents,
      1e-12,
    );
    expectClose(h.statistic, ref.statistic, 1e-10);
    expect(h.degreesOfFreedom).toBe(ref.df);
    expect(Math.abs(h.p / ref.p - 1)).toBeLessThan(1e-8);
  });

  it('refuses a sample too small for its χ² approximation, with Cochran’s counts worked out by hand', () => {
    // p = i/21 for i = 1…20 fall in ten pairs; every pair expects at most (19 + 20)/21 < 2 events and at most
    // 2 − (1 + 2)/21 < 2 non-events, so all 20 expected counts are below 5; the five lowest pairs expect fewer than
    // one event ((9 + 10)/21 < 1) and the five highest fewer than one non-event (2 − (11 + 12)/21 < 1).
    const p = Array.from({ length: 20 }, (_, i) => (i + 1) / 21);
    const y = p.map((_, i) => i % 2);
    expect(() => hosmerLemeshow(p, y, 10)).toThrow(
      "probabilities: 20 patients in 10 risk groups are too few for the Hosmer–Lemeshow χ² approximation: 20 of 20 expected counts below 5 and 10 below 1 (Cochran's rule allows at most 20 % below 5 and none below 1)",
    );
  });

  it('refuses the predictions of an intercept-only model (every risk the same) as one group, not with a crash', () => {
    const p = Array.from({ length: 60 }, () => 0.35);
    const y = p.map((_, i) => (i % 3 === 0 ? 1 : 0));
    expect(() => hosmerLemeshow(p, y, 10)).toThrow(
      new ModelInputError('only 1 distinct risk group: every predicted risk is the same (at least 3 needed)', 'probabilities'),
    );
  });
});

describe('decision-curve net benefit', () => {
  const points = netBenefit(s.probability, s.labels, s.thresholds);
  it('matches dcurves dca for the model, treat-all and treat-none', () => {
    const ref = python.netBenefit;
    expectAllClose(
      points.map((p) => p.threshold),
      ref.model.thresholds,
      1e-12,
    );
    expectAllClose(
      points.map((p) => p.model),
      ref.model.netBenefit,
      1e-12,
    );
    expectAllClose(
      points.map((p) => p.treatAll),
      ref.all.netBenefit,
      1e-12,
    );
    expectAllClose(
      points.map((p) => p.treatNone),
      ref.none.netBenefit,
      1e-12,
    );
  });

  it('frames the decision on predicted poor responders: the event is poor response, the threshold is on P(poor)', () => {
    // P(good) = 0.9, 0.8, 0.3, 0.2, 0.6 for outcomes good, good, poor, poor, good: P(poor) = 0.1, 0.2, 0.7, 0.8, 0.4.
    // At pt = 0.5 the two poor responders are flagged and no good one: NB = 2/5; treating all: 2/5 − 3/5 · 1 = −0.2.
    // At pt = 0.3 the good responder at P(poor) 0.4 is flagged too: NB = 2/5 − 1/5 · 0.3/0.7.
    const [at03, at05] = netBenefitOfPoorResponse([0.9, 0.8, 0.3, 0.2, 0.6], [1, 1, 0, 0, 1], [0.3, 0.5]);
    expectClose(at05.model, 0.4, 1e-15);
    expectClose(at05.treatAll, -0.2, 1e-15);
    expectClose(at03.model, 0.4 - 0.2 * (0.3 / 0.7), 1e-15);
    expectClose(at03.treatAll, 0.4 - 0.6 * (0.3 / 0.7), 1e-15);
  });

  it('gives treat-all as prevalence − (1 − prevalence)·pt/(1 − pt) (Vickers & Elkin 2006), by hand', () => {
    // Prevalence 0.2 at pt = 0.1: 0.2 − 0.8·(0.1/0.9).
    const y = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0];
    const nb = netBenefit([0.5, 0.4, 0.3, 0.2, 0.1, 0.9, 0.05, 0.02, 0.01, 0.03], y, [0.1]);
    expectClose(nb[0].treatAll, 0.2 - 0.8 / 9, 1e-15);
  });
});

describe('unpenalised logistic regression (Newton–Raphson)', () => {
  it('matches statsmodels Logit and rms lrm on the nomogram data', () => {
    const x = inputs.nomogram.x;
    const fit = fitLogistic(
      [0, 1, 2].map((j) => x.map((row) => row[j])),
      inputs.nomogram.labels,
    );
    expectClose(fit.intercept, python.nomogramLogit.intercept, 1e-9);
    expectAllClose(fit.coefficients, python.nomogramLogit.coefficients, 1e-9);
    expectAllClose([fit.intercept, ...fit.coefficients], r.nomogram.coefficients, 1e-8);
  });

  it('reports separation instead of returning runaway coefficients', () => {
    expect(() => fitLogistic([[1, 2, 3, 4, 5, 6]], [0, 0, 0, 1, 1, 1])).toThrow(/did not converge|singular/);
  });
});
