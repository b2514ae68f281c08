// The written promotion gate: what a challenger must show before an ML engineer may approve it as champion. The
// burden of proof is on the challenger: every check passes only when the evaluation set shows what it asks, and a set
// too small to show anything is "insufficient evidence", never a pass. Pure functions over scores and outcomes, so
// that the rule can be read and tested here; models/README.md ("The promotion gate") justifies each threshold.
//
// 0. Evaluation set — the ledger's prospective predictions (made before pathology, by models that never saw the
//    patient) when they hold enough events and non-events; otherwise the study's locked hold-out (chooseEvaluationSet).
// 1. Completeness — the challenger scores every patient of the set.
// 2. Evidence — at least `minEvents` good and `minNonEvents` poor responders; below that the verdict is
//    'insufficient-evidence' and nothing else is judged.
// 3. Discrimination — the lower (1 − alpha) DeLong bound of the challenger's AUC exceeds `aucFloor` (0.5: chance).
// 4. Non-inferiority — against a champion scored on the same patients, the lower (1 − alpha) bound of the paired
//    difference AUC(challenger) − AUC(champion) (DeLong et al. 1988) exceeds −aucMargin.
// 5. Calibration — the profile-likelihood intervals (level 1 − 2·alpha) of the calibration-in-the-large and of the
//    calibration slope (Steyerberg 2019 §15.3) each meet their tolerated range: a model shown miscalibrated fails.
import { delongAuc, delongDifference } from '../models/stats/delong';
import { calibrationInTheLarge, calibrationSlope, type CalibrationInterval } from '../models/stats/calibration';
import { ModelInputError } from '../models/stats/errors';
import { seededRandom, shuffleInPlace } from '../models/stats/random';
import type { EvaluationSetSummary, EvaluationSource, GateCheck, GatePolicy, GateResult } from '../contracts/models';

export const DEFAULT_GATE: Required<GatePolicy> = {
  aucMargin: 0.05,
  alpha: 0.025,
  calibrationSlope: [0.7, 1.3],
  calibrationInTheLarge: [-0.5, 0.5],
  minEvents: 10,
  minNonEvents: 10,
  aucFloor: 0.5,
};

/** The policy with every absent field from DEFAULT_GATE, each checked; a bad value names its field. */
export function resolvePolicy(policy: GatePolicy | undefined): Required<GatePolicy> {
  const p: Required<GatePolicy> = { ...DEFAULT_GATE, ...stripUndefined(policy ?? {}) };
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new ModelInputError(`${JSON.stringify(got)} (expected ${expected})`, `policy.${field}`);
  };
  if (!(Number.isFinite(p.aucMargin) && p.aucMargin >= 0)) fail('aucMargin', 'a margin ≥ 0 on the AUC scale', p.aucMargin);
  if (!(p.alpha > 0 && p.alpha < 0.5)) fail('alpha', 'a one-sided level between 0 and 0.5', p.alpha);
  for (const field of ['calibrationSlope', 'calibrationInTheLarge'] as const) {
    const range = p[field];
    if (!Array.isArray(range) || range.length !== 2 || !(range[0] <= range[1])) fail(field, 'a range [low, high] with low ≤ high', range);
  }
  for (const field of ['minEvents', 'minNonEvents'] as const) {
    // DeLong's variance needs two of each class; fewer cannot be judged at all.
    if (!(Number.isInteger(p[field]) && p[field] >= 2)) fail(field, 'an integer ≥ 2', p[field]);
  }
  if (!(p.aucFloor >= 0 && p.aucFloor < 1)) fail('aucFloor', 'an AUC in [0, 1)', p.aucFloor);
  return p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface HoldoutScores {
  /** Probability per patient, in the order of `patients`; null where the model could not score. */
  probabilities: (number | null)[];
  /** Features missing for some patient, with the patient. */
  missing: { pseudonym: string; feature: string }[];
}

/** One set of patients both models can be judged on, with each model's scores. */
export interface EvaluationSet {
  source: EvaluationSource;
  patients: string[];
  /** 1 = good response, 0 = poor. */
  labels: number[];
  challenger: HoldoutScores;
  /** Absent when there is no champion yet. */
  champion?: HoldoutScores;
}

export interface GateInput {
  patients: string[];
  labels: number[];
  challenger: HoldoutScores;
  /** Absent when there is no champion yet. */
  champion?: HoldoutScores;
  policy?: GatePolicy;
  /** Where the patients come from (default the locked hold-out), and why that set (chooseEvaluationSet's reason). */
  source?: EvaluationSource;
  reason?: string;
}

const fmt = (x: number) => x.toFixed(3);
const fmtCi = ([lo, hi]: readonly [number, number]) => `[${Number.isFinite(lo) ? fmt(lo) : '−∞'}, ${Number.isFinite(hi) ? fmt(hi) : '∞'}]`;
const countEvents = (labels: readonly number[]) => labels.reduce((a, b) => a + b, 0);
const scoredEverywhere = (s: HoldoutScores | undefined) => !!s && s.missing.length === 0 && s.probabilities.every((p) => p !== null);
// Probabilities of exactly 0 or 1 have no logit; the recalibration models read them at the edge of double precision.
const clampProbability = (p: number) => Math.min(1 - 1e-12, Math.max(1e-12, p));

/**
 * Which patients the gate judges: the ledger's prospective set when it has at least the policy's events and
 * non-events (a temporal, growing set no model was trained or tuned on), otherwise the locked hold-out (the same
 * random split at every promotion). Either may be absent; with neither there is nothing to judge.
 */
export function chooseEvaluationSet(
  sets: { prospective?: EvaluationSet; holdout?: EvaluationSet },
  policy?: GatePolicy,
): { set: EvaluationSet; reason: string } {
  const p = resolvePolicy(policy);
  const { prospective, holdout } = sets;
  const describe = (s: EvaluationSet) => {
    const events = countEvents(s.labels);
    return { events, nonEvents: s.labels.length - events };
  };
  if (prospective) {
    const { events, nonEvents } = describe(prospective);
    const enough = events >= p.minEvents && nonEvents >= p.minNonEvents;
    if (enough || !holdout) {
      return {
        set: prospective,
        reason: `prospective ledger: ${prospective.patients.length} patients (${events} good, ${nonEvents} poor) predicted before their pathology by models not trained on them${
          enough ? '' : '; no locked hold-out to fall back on'
        }`,
      };
    }
    const h = describe(holdout);
    return {
      set: holdout,
      reason: `locked hold-out (${h.events} good, ${h.nonEvents} poor): the prospective ledger holds ${events} good and ${nonEvents} poor responders so far (at least ${p.minEvents} and ${p.minNonEvents} needed to use it)`,
    };
  }
  if (holdout) {
    const h = describe(holdout);
    return { set: holdout, reason: `locked hold-out (${h.events} good, ${h.nonEvents} poor): no prospective predictions with pathology yet` };
  }
  throw new ModelInputError('neither a prospective set nor a locked hold-out to evaluate on (train the study first)', 'evaluation set');
}

export function evaluateGate(input: GateInput): GateResult {
  const policy = resolvePolicy(input.policy);
  const { labels, patients } = input;
  if (labels.length !== patients.length) throw new ModelInputError(`${labels.length} labels for ${patients.length} patients`, 'labels');
  for (const [name, scores] of [
    ['challenger', input.challenger],
    ['champion', input.champion],
  ] as const) {
    if (scores && scores.probabilities.length !== patients.length) {
      throw new ModelInputError(`${scores.probabilities.length} probabilities for ${patients.length} patients`, `${name}.probabilities`);
    }
  }
  const events = countEvents(labels);
  const evaluationSet: EvaluationSetSummary = {
    source: input.source ?? 'holdout',
    patients: patients.length,
    events,
    nonEvents: labels.length - events,
    reason: input.reason ?? (input.source === 'prospective' ? 'prospective ledger' : 'locked hold-out'),
  };
  const setName = evaluationSet.source === 'prospective' ? 'prospective' : 'hold-out';
  const checks: GateCheck[] = [];
  const result: GateResult = {
    passed: false,
    verdict: 'fail',
    checks,
    evaluationSet,
    challengerAuc: null,
    challengerAucCi: null,
    championAuc: null,
    aucDifference: null,
    aucDifferenceCi: null,
    calibrationInTheLarge: null,
    calibrationInTheLargeCi: null,
    calibrationSlope: null,
    calibrationSlopeCi: null,
  };
  const notAssessed = (why: string) => {
    for (const name of ['discrimination', 'non-inferiority', 'calibration-in-the-large', 'calibration-slope'] as const) {
      checks.push({ name, passed: false, detail: `not assessed: ${why}` });
    }
  };

  const complete = scoredEverywhere(input.challenger);
  const missing = input.challenger.missing;
  checks.push({
    name: 'completeness',
    passed: complete,
    detail: complete
      ? `every feature present for all ${patients.length} ${setName} patients`
      : `missing: ${missing
          .slice(0, 5)
          .map((m) => `${m.feature} (${m.pseudonym})`)
          .join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}${missing.length === 0 ? 'scores for some patients' : ''}`,
  });

  const enough = events >= policy.minEvents && labels.length - events >= policy.minNonEvents;
  checks.push({
    name: 'evidence',
    passed: enough,
    detail: `${setName} set of ${patients.length} patients: ${events} good and ${labels.length - events} poor responders (at least ${policy.minEvents} and ${policy.minNonEvents} needed)${
      enough ? '' : ': insufficient evidence to judge the challenger'
    }`,
  });
  if (!complete) {
    notAssessed(`the challenger cannot score every ${setName} patient`);
    return result;
  }
  if (!enough) {
    result.verdict = 'insufficient-evidence';
    notAssessed('insufficient evidence');
    return result;
  }

  const challenger = (input.challenger.probabilities as number[]).map(clampProbability);
  const confLevel = 1 - 2 * policy.alpha;
  const oneSided = `one-sided ${(100 * (1 - policy.alpha)).toFixed(1)} %`;
  const auc = delongAuc(challenger, labels, confLevel);
  result.challengerAuc = auc.auc;
  result.challengerAucCi = auc.ci;
  const discriminates = auc.ci[0] > policy.aucFloor;
  checks.push({
    name: 'discrimination',
    passed: discriminates,
    detail: `${setName} AUC ${fmt(auc.auc)}, DeLong ${oneSided} lower bound ${fmt(auc.ci[0])} ${discriminates ? '>' : '≤'} ${policy.aucFloor}${
      discriminates ? '' : ': not shown better than chance'
    }`,
  });

  const champion = input.champion;
  if (!champion) {
    checks.push({ name: 'non-inferiority', passed: true, detail: 'no champion to compare with' });
  } else if (!scoredEverywhere(champion)) {
    // A champion that can no longer score these patients is no yardstick; the challenger is judged on its own.
    checks.push({
      name: 'non-inferiority',
      passed: true,
      detail: `the champion cannot score the ${setName} set (missing ${champion.missing[0]?.feature ?? 'scores'}); the challenger is judged on its own`,
    });
  } else {
    const diff = delongDifference(challenger, (champion.probabilities as number[]).map(clampProbability), labels, confLevel);
    result.championAuc = diff.aucB;
    result.aucDifference = diff.difference;
    result.aucDifferenceCi = diff.ci;
    const nonInferior = diff.ci[0] > -policy.aucMargin;
    checks.push({
      name: 'non-inferiority',
      passed: nonInferior,
      detail: `AUC challenger ${fmt(diff.aucA)} vs champion ${fmt(diff.aucB)}: difference ${fmt(diff.difference)}, DeLong ${oneSided} lower bound ${fmt(diff.ci[0])} ${
        nonInferior ? '>' : '≤'
      } −${policy.aucMargin}${nonInferior ? ': non-inferiority shown' : ': non-inferiority not shown'}`,
    });
  }

  const calibrationCheck = (
    name: 'calibration-in-the-large' | 'calibration-slope',
    label: string,
    range: [number, number],
    estimate: () => CalibrationInterval,
  ) => {
    let interval: CalibrationInterval;
    try {
      interval = estimate();
    } catch (err) {
      if (!(err instanceof ModelInputError)) throw err;
      checks.push({ name, passed: false, detail: `${label} undefined: ${err.message}` });
      return undefined;
    }
    const [lo, hi] = interval.ci;
    const consistent = lo <= range[1] && hi >= range[0];
    const point = Number.isFinite(interval.estimate) ? fmt(interval.estimate) : `${interval.estimate > 0 ? '' : '−'}∞ (perfectly separated)`;
    checks.push({
      name,
      passed: consistent,
      detail: `${label} ${point}, ${(100 * interval.level).toFixed(0)} % profile-likelihood interval ${fmtCi(interval.ci)} ${
        consistent ? 'meets' : 'lies outside'
      } [${range[0]}, ${range[1]}]${consistent ? '' : ': shown miscalibrated'}`,
    });
    return interval;
  };
  const citl = calibrationCheck('calibration-in-the-large', 'calibration-in-the-large', policy.calibrationInTheLarge, () =>
    calibrationInTheLarge(challenger, labels, confLevel),
  );
  if (citl) {
    result.calibrationInTheLarge = citl.estimate;
    result.calibrationInTheLargeCi = citl.ci;
  }
  const slope = calibrationCheck('calibration-slope', 'calibration slope', policy.calibrationSlope, () => calibrationSlope(challenger, labels, confLevel));
  if (slope) {
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    result.calibrationSlope = finite(slope.estimate);
    result.calibrationSlopeCi = [finite(slope.ci[0]), finite(slope.ci[1])];
  }
  result.passed = checks.every((c) => c.passed);
  result.verdict = result.passed ? 'pass' : 'fail';
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
