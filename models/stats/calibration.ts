// Calibration of predicted probabilities against observed outcomes: Brier score, calibration-in-the-large and
// slope (Cox 1958; Steyerberg, Clinical Prediction Models 2019, §15.3), Hosmer–Lemeshow goodness of fit.
import { assertBinaryOutcome, assertProbabilities, assertSameLength, type Numbers } from './checks';
import { ModelInputError } from './errors';
import { fitLogistic, logit } from './logistic';
import { chiSquareSf } from './special';

function checkPredictions(probabilities: Numbers, labels: Numbers, open: boolean): void {
  assertSameLength(probabilities, labels, 'probabilities', 'labels');
  assertProbabilities(probabilities, 'probabilities', open);
  assertBinaryOutcome(labels);
}

/** Brier score: mean squared difference between probability and outcome (Brier 1950; sklearn brier_score_loss). */
export function brierScore(probabilities: Numbers, labels: Numbers): number {
  checkPredictions(probabilities, labels, false);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += (probabilities[i] - labels[i]) ** 2;
  return sum / labels.length;
}

export interface Calibration {
  /** Calibration-in-the-large: a in logit P(y = 1) = a + logit(p), the slope fixed at 1 by the offset. 0 is ideal. */
  intercept: number;
  /** b in logit P(y = 1) = a′ + b·logit(p). 1 is ideal; < 1 means predictions too extreme (overfitting). */
  slope: number;
  /** a′, the intercept of the slope model (not calibration-in-the-large). */
  slopeModelIntercept: number;
}

/** Calibration intercept and slope by logistic recalibration; probabilities must lie strictly inside (0, 1). */
export function calibration(probabilities: Numbers, labels: Numbers): Calibration {
  checkPredictions(probabilities, labels, true);
  const lp = Float64Array.from(probabilities as ArrayLike<number>, logit);
  const inTheLarge = fitLogistic([], labels, { offset: lp });
  const slopeModel = fitLogistic([lp], labels);
  return { intercept: inTheLarge.intercept, slope: slopeModel.coefficients[0], slopeModelIntercept: slopeModel.intercept };
}

export interface HosmerLemeshowGroup {
  upperBound: number;
  count: number;
  observedEvents: number;
  expectedEvents: number;
}

export interface HosmerLemeshow {
  statistic: number;
  degreesOfFreedom: number;
  p: number;
  groups: HosmerLemeshowGroup[];
}

// Sample quantile of sorted values, R's default type 7 (Hyndman & Fan 1996).
function quantileType7(sorted: Float64Array, prob: number): number {
  const h = (sorted.length - 1) * prob;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Hosmer–Lemeshow test (Hosmer & Lemeshow 1980): groups cut at the g-quantiles of the predicted risk, intervals closed
 * on the right with the lowest included (as ResourceSelection::hoslem.test), Ĉ = Σ over groups and both outcomes of
 * (O − E)²/E, p from χ² with (groups − 2) df via the regularised incomplete gamma function. Tied quantiles merge
 * groups; the df then counts the groups actually formed.
 */
export function hosmerLemeshow(probabilities: Numbers, labels: Numbers, groups = 10): HosmerLemeshow {
  checkPredictions(probabilities, labels, false);
  if (!Number.isInteger(groups) || groups < 3) throw new ModelInputError(`${groups} (expected an integer ≥ 3)`, 'groups');
  const sorted = Float64Array.from(probabilities as ArrayLike<number>).sort();
  const breaks: number[] = [];
  for (let k = 0; k <= groups; k++) {
    const q = quantileType7(sorted, k / groups);
    if (breaks.length === 0 || q !== breaks[breaks.length - 1]) breaks.push(q);
  }
  const bins: HosmerLemeshowGroup[] = breaks.slice(1).map((upperBound) => ({ upperBound, count: 0, observedEvents: 0, expectedEvents: 0 }));
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i];
    let g = 0;
    while (g < bins.length - 1 && p > bins[g].upperBound) g++;
    bins[g].count++;
    bins[g].observedEvents += labels[i];
    bins[g].expectedEvents += p;
  }
  const formed = bins.filter((b) => b.count > 0);
  if (formed.length < 3) throw new ModelInputError(`only ${formed.length} distinct risk groups (at least 3 needed)`, 'probabilities');
  let statistic = 0;
  for (const b of formed) {
    const expectedNonEvents = b.count - b.expectedEvents;
    const observedNonEvents = b.count - b.observedEvents;
    statistic += (b.observedEvents - b.expectedEvents) ** 2 / b.expectedEvents;
    statistic += (observedNonEvents - expectedNonEvents) ** 2 / expectedNonEvents;
  }
  const degreesOfFreedom = formed.length - 2;
  return { statistic, degreesOfFreedom, p: chiSquareSf(statistic, degreesOfFreedom), groups: formed };
}
