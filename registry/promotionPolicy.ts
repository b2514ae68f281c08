// The written promotion gate: what a challenger must show on the locked hold-out patients before an ML engineer may
// approve it as champion. Pure functions over scores and outcomes, so that the rule can be read and tested here.
//
// 1. Discrimination — not worse than the champion by more than `aucMargin`, by DeLong: with d = AUC(challenger) −
//    AUC(champion) on the same hold-out patients and SE(d) from DeLong's paired covariance, the gate fails when the
//    one-sided test of H0: d ≥ −margin rejects at level `alpha` (z = (d + margin) / SE(d) < −z₁₋α). Without a champion
//    there is nothing to compare and the check passes with that note.
// 2. Calibration — the hold-out is consistent with a calibration slope within [0.7, 1.3] (logistic recalibration,
//    logit P(y) = a + b·logit p, Steyerberg 2019 §15.3): the likelihood-ratio test of the best b inside the interval
//    against the unrestricted fit does not reject at 5 % (χ²₁ < 3.84), i.e. b's 95 % profile-likelihood interval meets
//    [0.7, 1.3]. A point estimate alone is useless on a hold-out of a few patients: a good model often separates them
//    perfectly (b → ∞); the profile interval stays defined there and the rule approaches "b̂ in [0.7, 1.3]" as n grows.
// 3. Completeness — no feature the challenger needs is missing for any hold-out patient.
import { delongAuc, delongTest } from '../models/stats/delong';
import { ModelInputError } from '../models/stats/errors';
import { fitLogistic, logit, sigmoid } from '../models/stats/logistic';
import { normalQuantile } from '../models/stats/special';
import { seededRandom, shuffleInPlace } from '../models/stats/random';
import type { GateCheck, GatePolicy, GateResult } from '../contracts/models';

export const DEFAULT_GATE: GatePolicy = { aucMargin: 0.05, alpha: 0.05, calibrationSlope: [0.7, 1.3] };

export interface HoldoutScores {
  /** Probability per hold-out patient, in the order of `patients`; null where the model could not score. */
  probabilities: (number | null)[];
  /** Features missing for some patient, with the patient. */
  missing: { pseudonym: string; feature: string }[];
}

export interface GateInput {
  patients: string[];
  labels: number[];
  challenger: HoldoutScores;
  /** Absent when there is no champion yet. */
  champion?: HoldoutScores;
  policy?: GatePolicy;
}

const fmt = (x: number) => x.toFixed(3);

export function evaluateGate(input: GateInput): GateResult {
  const policy = input.policy ?? DEFAULT_GATE;
  const checks: GateCheck[] = [];
  const complete = input.challenger.missing.length === 0 && input.challenger.probabilities.every((p) => p !== null);
  checks.push({
    name: 'completeness',
    passed: complete,
    detail: complete
      ? `every feature present for all ${input.patients.length} hold-out patients`
      : `missing: ${input.challenger.missing
          .slice(0, 5)
          .map((m) => `${m.feature} (${m.pseudonym})`)
          .join(', ')}${input.challenger.missing.length > 5 ? ` and ${input.challenger.missing.length - 5} more` : ''}`,
  });
  const result: GateResult = { passed: false, checks, challengerAuc: null, championAuc: null, aucDifference: null, calibrationSlope: null };
  if (!complete) {
    checks.push({ name: 'discrimination', passed: false, detail: 'not assessed: the challenger cannot score every hold-out patient' });
    checks.push({ name: 'calibration', passed: false, detail: 'not assessed: the challenger cannot score every hold-out patient' });
    return result;
  }
  const challenger = input.challenger.probabilities as number[];
  result.challengerAuc = delongAuc(challenger, input.labels).auc;

  const champion = input.champion;
  if (!champion) {
    checks.push({ name: 'discrimination', passed: true, detail: `no champion to compare with; challenger hold-out AUC ${fmt(result.challengerAuc)}` });
  } else if (champion.missing.length > 0 || champion.probabilities.some((p) => p === null)) {
    // A champion that can no longer score the hold-out is no yardstick; the challenger is judged on its own.
    checks.push({
      name: 'discrimination',
      passed: true,
      detail: `the champion cannot score the hold-out (missing ${champion.missing[0]?.feature ?? 'scores'}); challenger hold-out AUC ${fmt(result.challengerAuc)}`,
    });
  } else {
    const championScores = champion.probabilities as number[];
    result.championAuc = delongAuc(championScores, input.labels).auc;
    const d = result.challengerAuc - result.championAuc;
    result.aucDifference = d;
    let z: number;
    let se: number;
    try {
      const test = delongTest(challenger, championScores, input.labels);
      se = Math.sqrt(test.variance);
      z = (d + policy.aucMargin) / se;
    } catch (err) {
      if (!(err instanceof ModelInputError)) throw err;
      se = 0; // identical rankings: the difference is exactly 0
      z = Infinity;
    }
    const critical = normalQuantile(1 - policy.alpha);
    const passed = z >= -critical;
    checks.push({
      name: 'discrimination',
      passed,
      detail: `hold-out AUC challenger ${fmt(result.challengerAuc)} vs champion ${fmt(result.championAuc)}, difference ${fmt(d)} (DeLong SE ${fmt(se)}); ${
        passed ? 'not shown worse' : 'worse'
      } than the champion by more than ${policy.aucMargin} (one-sided z = ${Number.isFinite(z) ? z.toFixed(2) : '∞'}, critical −${critical.toFixed(2)})`,
    });
  }

  const [lo, hi] = policy.calibrationSlope;
  const slope = calibrationSlopeTest(challenger, input.labels, [lo, hi]);
  result.calibrationSlope = slope.estimate;
  checks.push({
    name: 'calibration',
    passed: slope.consistent,
    detail: `hold-out calibration slope ${slope.estimate === null ? '→ ∞ (the hold-out is perfectly separated)' : fmt(slope.estimate)}; LR test of a slope in ${lo}–${hi}: χ² = ${slope.statistic.toFixed(2)} (${
      slope.consistent ? 'consistent' : 'rejected'
    } at 5 %, critical 3.84)`,
  });
  result.passed = checks.every((c) => c.passed);
  return result;
}

/**
 * The locked hold-out: a stratified, seeded draw of `fraction` of each outcome class (at least `minPerClass` of each),
 * made once per study and then kept (registry tag), so every challenger and champion meets the same patients.
 */
export function drawHoldout(
  patients: readonly string[],
  labels: readonly number[],
  options: { fraction?: number; minPerClass?: number; seed?: number } = {},
): string[] {
  const fraction = options.fraction ?? 0.25;
  const minPerClass = options.minPerClass ?? 2;
  const random = seededRandom(options.seed ?? 20240108);
  const chosen: string[] = [];
  for (const cls of [1, 0]) {
    const members = patients.filter((_, i) => labels[i] === cls).sort();
    const take = Math.max(minPerClass, Math.round(fraction * members.length));
    if (members.length - take < minPerClass) {
      throw new ModelInputError(
        `too few labelled patients to lock a hold-out: ${members.length} with ${cls === 1 ? 'good' : 'poor'} response (need ${take} for the hold-out and some left to train on)`,
        'labels',
      );
    }
    shuffleInPlace(members, random);
    chosen.push(...members.slice(0, take));
  }
  return chosen.sort();
}

const CHI2_1_95 = 3.841458820694124; // χ²₁ upper 5 % point

export interface SlopeTest {
  /** Maximum-likelihood slope; null when it runs to infinity (perfect separation). */
  estimate: number | null;
  /** min over b in the interval of D(b) − D(b̂), D the deviance profiled over the intercept. */
  statistic: number;
  consistent: boolean;
}

/**
 * Likelihood-ratio test that the calibration slope lies in [lo, hi]: D(b) = min_a deviance(a + b·lp) is convex in b
 * (a partial minimum of a convex function), so its minimum over the interval is at b̂ when b̂ lies inside, else at the
 * nearer end; the unrestricted minimum is D(b̂), or its limit for large b under separation.
 */
export function calibrationSlopeTest(probabilities: readonly number[], labels: readonly number[], [lo, hi]: [number, number]): SlopeTest {
  const lp = Float64Array.from(probabilities, (p) => logit(Math.min(1 - 1e-12, Math.max(1e-12, p))));
  const profile = (b: number) =>
    profileDeviance(
      lp.map((v) => b * v),
      labels,
    );
  let estimate: number | null = null;
  let best: number;
  try {
    const fit = fitLogistic([lp], labels);
    estimate = fit.coefficients[0];
    best = fit.deviance;
  } catch (err) {
    if (!(err instanceof ModelInputError)) throw err;
    // Separated: the deviance keeps falling as b grows; its infimum is approached far out.
    best = Math.min(profile(1e3), profile(1e4));
  }
  const inside = estimate !== null && estimate >= lo && estimate <= hi;
  const statistic = inside ? 0 : Math.max(0, Math.min(profile(lo), profile(hi)) - best);
  return { estimate, statistic, consistent: statistic < CHI2_1_95 };
}

/**
 * min over a of the deviance of logit P(y) = a + offset: the score Σ (y − σ(a + oᵢ)) falls monotonically in a, so
 * bisection finds its root for any offset, however extreme (IRLS stalls there: the weights underflow).
 */
function profileDeviance(offset: Float64Array, labels: readonly number[]): number {
  const span = Math.max(...Array.from(offset, Math.abs)) + 50;
  let lo = -span;
  let hi = span;
  for (let k = 0; k < 200 && hi - lo > 1e-12 * span; k++) {
    const a = 0.5 * (lo + hi);
    let score = 0;
    for (let i = 0; i < labels.length; i++) score += labels[i] - sigmoid(a + offset[i]);
    if (score > 0) lo = a;
    else hi = a;
  }
  const a = 0.5 * (lo + hi);
  let deviance = 0;
  for (let i = 0; i < labels.length; i++) {
    const e = a + offset[i];
    deviance += -2 * (labels[i] * e - (e > 0 ? e + Math.log1p(Math.exp(-e)) : Math.log1p(Math.exp(e))));
  }
  return deviance;
}
