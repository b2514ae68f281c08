// Calibration of predicted probabilities against observed outcomes: Brier score, calibration-in-the-large and
// slope (Cox 1958; Steyerberg, Clinical Prediction Models 2019, §15.3) with profile-likelihood intervals, and the
// Hosmer–Lemeshow goodness of fit where the sample is large enough for its χ² approximation.
import { assertBinaryOutcome, assertProbabilities, assertSameLength, type Numbers } from './checks';
import { ModelInputError } from './errors';
import { fitLogistic, logit, sigmoid } from './logistic';
import { chiSquareSf, normalQuantile } from './special';

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

export interface HosmerLemeshowOptions {
  /**
   * Refuse the test where its χ² approximation does not hold (default true): Cochran's rule (Cochran 1954, Biometrics
   * 10:417) on the 2 × g table of expected counts — none below 1 and at most 20 % below 5.
   */
  requireExpectedCounts?: boolean;
}

/**
 * Hosmer–Lemeshow test (Hosmer & Lemeshow 1980): groups cut at the g-quantiles of the predicted risk, intervals closed
 * on the right with the lowest included (as ResourceSelection::hoslem.test), Ĉ = Σ over groups and both outcomes of
 * (O − E)²/E, p from χ² with (groups − 2) df via the regularised incomplete gamma function. Tied quantiles merge
 * groups; the df then counts the groups actually formed. Ĉ is χ²-distributed only when the expected counts are large:
 * with ten groups of two patients every expected count is below 2 and the p-value means nothing, so by default such a
 * sample is refused with the counts that fail Cochran's rule.
 */
export function hosmerLemeshow(probabilities: Numbers, labels: Numbers, groups = 10, options: HosmerLemeshowOptions = {}): HosmerLemeshow {
  checkPredictions(probabilities, labels, false);
  if (!Number.isInteger(groups) || groups < 3) throw new ModelInputError(`${groups} (expected an integer ≥ 3)`, 'groups');
  const sorted = Float64Array.from(probabilities as ArrayLike<number>).sort();
  const breaks: number[] = [];
  for (let k = 0; k <= groups; k++) {
    const q = quantileType7(sorted, k / groups);
    if (breaks.length === 0 || q !== breaks[breaks.length - 1]) breaks.push(q);
  }
  const bins: HosmerLemeshowGroup[] = breaks.slice(1).map((upperBound) => ({ upperBound, count: 0, observedEvents: 0, expectedEvents: 0 }));
  // Every risk the same (an intercept-only model): one group, no test.
  if (bins.length === 0) throw new ModelInputError('only 1 distinct risk group: every predicted risk is the same (at least 3 needed)', 'probabilities');
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
  if (options.requireExpectedCounts ?? true) {
    const expected = formed.flatMap((b) => [b.expectedEvents, b.count - b.expectedEvents]);
    const belowOne = expected.filter((e) => e < 1).length;
    const belowFive = expected.filter((e) => e < 5).length;
    if (belowOne > 0 || belowFive > 0.2 * expected.length) {
      throw new ModelInputError(
        `${labels.length} patients in ${formed.length} risk groups are too few for the Hosmer–Lemeshow χ² approximation: ${belowFive} of ${expected.length} expected counts below 5 and ${belowOne} below 1 (Cochran's rule allows at most 20 % below 5 and none below 1)`,
        'probabilities',
      );
    }
  }
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

/** −2 log-likelihood of a logistic model with linear predictor η: −2 Σ [y η − log(1 + e^η)], computed stably. */
function deviance(eta: (i: number) => number, labels: Numbers): number {
  let d = 0;
  for (let i = 0; i < labels.length; i++) {
    const e = eta(i);
    d += -2 * (labels[i] * e - (e > 0 ? e + Math.log1p(Math.exp(-e)) : Math.log1p(Math.exp(e))));
  }
  return d;
}

/**
 * The intercept â minimising the deviance of logit P(y) = a + offset, and that deviance. The score Σ (y − σ(a + oᵢ))
 * falls monotonically in a, so a Newton step kept inside a bracket of its root (bisection where it would leave it)
 * converges for any offset, however extreme (plain IRLS stalls there: the weights underflow).
 */
export function profileIntercept(offset: Numbers, labels: Numbers): { intercept: number; deviance: number } {
  let span = 50;
  for (let i = 0; i < offset.length; i++) span = Math.max(span, Math.abs(offset[i]) + 50);
  let lo = -span;
  let hi = span;
  let a = 0;
  for (let k = 0; k < 200; k++) {
    let score = 0;
    let information = 0;
    for (let i = 0; i < labels.length; i++) {
      const p = sigmoid(a + offset[i]);
      score += labels[i] - p;
      information += p * (1 - p);
    }
    if (score > 0) lo = a;
    else hi = a;
    const newton = information > 1e-300 ? a + score / information : NaN;
    const next = newton > lo && newton < hi ? newton : 0.5 * (lo + hi);
    if (Math.abs(next - a) <= 1e-12 * Math.max(1, Math.abs(a)) || hi - lo <= 1e-13 * span) {
      a = next;
      break;
    }
    a = next;
  }
  return { intercept: a, deviance: deviance((i) => a + offset[i], labels) };
}

/**
 * The calibration slope's point estimate alone (Cox 1958), with the limits a perfectly separating sample has: +∞ when
 * every event's prediction exceeds every non-event's, −∞ for the reverse; NaN where the fit fails otherwise.
 */
export function calibrationSlopeEstimate(probabilities: Numbers, labels: Numbers): number {
  checkPredictions(probabilities, labels, true);
  let minEvent = Infinity;
  let maxEvent = -Infinity;
  let minNonEvent = Infinity;
  let maxNonEvent = -Infinity;
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i];
    if (labels[i] === 1) {
      minEvent = Math.min(minEvent, p);
      maxEvent = Math.max(maxEvent, p);
    } else {
      minNonEvent = Math.min(minNonEvent, p);
      maxNonEvent = Math.max(maxNonEvent, p);
    }
  }
  if (minEvent > maxNonEvent) return Infinity;
  if (maxEvent < minNonEvent) return -Infinity;
  try {
    return fitLogistic([logitsOf(probabilities)], labels).coefficients[0];
  } catch (err) {
    if (err instanceof ModelInputError) return Number.NaN;
    throw err;
  }
}

/** Calibration-in-the-large alone: the intercept â of logit P(y) = a + logit p, finite whenever both outcomes occur. */
export function calibrationInTheLargeEstimate(probabilities: Numbers, labels: Numbers): number {
  checkPredictions(probabilities, labels, true);
  return profileIntercept(logitsOf(probabilities), labels).intercept;
}

export interface CalibrationInterval {
  /** Maximum-likelihood estimate; ±Infinity when it runs away (a slope on a perfectly separated sample). */
  estimate: number;
  /** Profile-likelihood interval: the values whose deviance exceeds the minimum by less than χ²₁(level). */
  ci: [number, number];
  level: number;
}

/** χ²₁ quantile at `level`, as the square of the normal quantile. */
function chiSquare1Quantile(level: number): number {
  if (!(level > 0 && level < 1)) throw new ModelInputError(`${level} (expected 0 < level < 1)`, 'level');
  return normalQuantile(0.5 + level / 2) ** 2;
}

/**
 * The end of {x : f(x) − fmin ≤ q} beyond `from` in direction `dir`, for f convex with its minimum at or before
 * `from`: doubles the step until the threshold is crossed, then closes in on the crossing by the Illinois variant of
 * regula falsi (Dowell & Jarratt 1971, BIT 11:168); Infinity (signed) when it is never crossed.
 */
function profileEnd(f: (x: number) => number, from: number, fmin: number, q: number, dir: 1 | -1, limit = 1e6): number {
  const g = (x: number) => f(x) - fmin - q;
  let a = from;
  let ga = g(a);
  let step = Math.max(0.25, Math.abs(from) * 0.25);
  let b = from + dir * step;
  let gb = g(b);
  while (gb <= 0) {
    a = b;
    ga = gb;
    step *= 2;
    if (step > limit) return dir * Infinity;
    b = from + dir * step;
    gb = g(b);
  }
  // ga ≤ 0 < gb: the crossing lies between a and b.
  let side = 0;
  for (let k = 0; k < 200; k++) {
    const c = (a * gb - b * ga) / (gb - ga);
    if (Math.abs(b - a) <= 1e-9 * Math.max(1, Math.abs(c))) return c;
    const gc = g(c);
    if (gc === 0) return c;
    if (gc < 0) {
      a = c;
      ga = gc;
      if (side === -1) gb /= 2;
      side = -1;
    } else {
      b = c;
      gb = gc;
      if (side === 1) ga /= 2;
      side = 1;
    }
    if (Math.abs(gc) < 1e-10) return c;
  }
  return 0.5 * (a + b);
}

function logitsOf(probabilities: Numbers): Float64Array {
  return Float64Array.from(probabilities as ArrayLike<number>, logit);
}

/**
 * Calibration-in-the-large a (logit P(y) = a + logit p, the slope fixed at 1; Steyerberg 2019 §15.3) with its
 * profile-likelihood interval (Venzon & Moolgavkar 1988): D(a) − D(â) ≤ χ²₁(level). 0 is ideal; a > 0 means the
 * model predicts too low.
 */
export function calibrationInTheLarge(probabilities: Numbers, labels: Numbers, level = 0.95): CalibrationInterval {
  checkPredictions(probabilities, labels, true);
  const q = chiSquare1Quantile(level);
  const lp = logitsOf(probabilities);
  const best = profileIntercept(lp, labels);
  const d = (a: number) => deviance((i) => a + lp[i], labels);
  const ci: [number, number] = [profileEnd(d, best.intercept, best.deviance, q, -1), profileEnd(d, best.intercept, best.deviance, q, 1)];
  return { estimate: best.intercept, ci, level };
}

/**
 * Calibration slope b (logit P(y) = a + b·logit p; Cox 1958) with its profile-likelihood interval over
 * D(b) = min_a D(a + b·logit p), which is convex in b (a partial minimum of a convex function). Where the sample is
 * perfectly separated by the predictions b̂ runs to ±∞ and the interval is open on that side: the interval stays
 * defined where the point estimate does not, which is what a small evaluation set needs.
 */
export function calibrationSlope(probabilities: Numbers, labels: Numbers, level = 0.95): CalibrationInterval {
  checkPredictions(probabilities, labels, true);
  const q = chiSquare1Quantile(level);
  const lp = logitsOf(probabilities);
  const profile = (b: number) =>
    profileIntercept(
      lp.map((v) => b * v),
      labels,
    ).deviance;
  let estimate: number;
  let minimum: number;
  try {
    const fit = fitLogistic([lp], labels);
    estimate = fit.coefficients[0];
    minimum = fit.deviance;
  } catch (err) {
    if (!(err instanceof ModelInputError)) throw err;
    // Separated (or constant predictions): the deviance keeps falling as |b| grows in one direction.
    const up = Math.min(profile(1e3), profile(1e4));
    const down = Math.min(profile(-1e3), profile(-1e4));
    if (Math.abs(up - down) < 1e-9) throw new ModelInputError('the predictions do not vary: the calibration slope is undefined', 'probabilities');
    estimate = up < down ? Infinity : -Infinity;
    minimum = Math.min(up, down);
  }
  const from = Number.isFinite(estimate) ? estimate : 0;
  const ci: [number, number] =
    estimate === Infinity
      ? [profileEnd(profile, 1e3, minimum, q, -1), Infinity]
      : estimate === -Infinity
        ? [-Infinity, profileEnd(profile, -1e3, minimum, q, 1)]
        : [profileEnd(profile, from, minimum, q, -1), profileEnd(profile, from, minimum, q, 1)];
  return { estimate, ci, level };
}
