// Calibration and clinical usefulness against established implementations: scikit-learn 1.8.0 brier_score_loss,
// statsmodels 0.14.5 (GLM Binomial with offset logit(p) for calibration-in-the-large; Logit of y on logit(p) for
// the slope), ResourceSelection::hoslem.test's computation run in R 4.2.2 (r_reference.R), dcurves 1.1.7 dca
// (Vickers & Elkin 2006), statsmodels Logit and rms 6.5.0 lrm for the unpenalised logistic fit.
import { brierScore, calibration, hosmerLemeshow } from '../../../../models/stats/calibration';
import { netBenefit } from '../../../../models/stats/decisionCurve';
import { fitLogistic } from '../../../../models/stats/logistic';
import { expectAllClose, expectClose, inputs, python, r } from '../fixtures';

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

  it('refuses probabilities of exactly 0 or 1 (logit undefined)', () => {
    expect(() => calibration([0, 0.5, 0.7], [0, 1, 1])).toThrow(/probabilities: value at index 0 is 0 \(expected a probability in \(0, 1\)\)/);
  });
});

describe('Hosmer–Lemeshow', () => {
  it('matches ResourceSelection::hoslem.test (g = 10): groups, statistic, p', () => {
    const h = hosmerLemeshow(s.probability, s.labels, 10);
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
