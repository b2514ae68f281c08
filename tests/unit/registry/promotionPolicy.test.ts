// The written promotion gate, burden of proof on the challenger: too few events is "insufficient evidence", not a
// pass; discrimination needs a DeLong lower bound above 0.5; against a champion the lower bound of the paired
// difference must exceed −margin; calibration-in-the-large and slope must not be shown outside their ranges. The
// evaluation-set choice (prospective ledger or locked hold-out), the policy's checks, and the locked hold-out draw.
// References: pROC 1.18.0 ci.auc / roc.test (fixtures/r-reference.json) and calibration values derived by hand.
import { chooseEvaluationSet, DEFAULT_GATE, drawHoldout, evaluateGate, resolvePolicy, type EvaluationSet } from '../../../registry/promotionPolicy';
import { logit } from '../../../models/stats/logistic';
import { expectAllClose, expectClose, inputs, r } from '../models/fixtures';

// Calibrated by construction: three groups of 20 with predicted risk 0.2, 0.5, 0.8 and exactly 4, 10, 16 events, so
// the observed log-odds equal the predicted ones and the recalibration fits are exactly a = 0, b = 1. Raising the
// log-odds to the power k (p' = σ(k·logit p)) makes the true slope exactly 1/k; adding c to them makes the
// calibration-in-the-large exactly −c.
const RISKS = [0.2, 0.5, 0.8];
const good = RISKS.flatMap((p) => Array<number>(20).fill(p));
const labels = RISKS.flatMap((p) => Array.from({ length: 20 }, (_, i) => (i < 20 * p ? 1 : 0)));
const sigma = (x: number) => 1 / (1 + Math.exp(-x));
const sharpen = (k: number) => good.map((p) => sigma(k * logit(p)));
const shift = (c: number) => good.map((p) => sigma(logit(p) + c));
const poor = labels.map((_, i) => 0.5 + 0.3 * Math.sin(i * 2.3));
const patients = labels.map((_, i) => `P${i}`);
const scores = (probabilities: number[]) => ({ probabilities, missing: [] });
const check = (gate: ReturnType<typeof evaluateGate>, name: string) => gate.checks.find((c) => c.name === name)!;

describe('evaluateGate', () => {
  it('passes a calibrated, discriminating challenger as good as the champion', () => {
    const gate = evaluateGate({ patients, labels, challenger: scores(good), champion: scores(good) });
    expect(gate.checks.map((c) => [c.name, c.passed])).toEqual([
      ['completeness', true],
      ['evidence', true],
      ['discrimination', true],
      ['non-inferiority', true],
      ['calibration-in-the-large', true],
      ['calibration-slope', true],
    ]);
    expect(gate).toMatchObject({ passed: true, verdict: 'pass', aucDifference: 0, aucDifferenceCi: [0, 0] });
    expect(gate.evaluationSet).toEqual({ source: 'holdout', patients: 60, events: 30, nonEvents: 30, reason: 'locked hold-out' });
    expectClose(gate.calibrationInTheLarge!, 0, 1e-9);
    expectClose(gate.calibrationSlope!, 1, 1e-9);
  });

  it('answers "insufficient evidence" on the main job’s hold-out (3 good, 4 poor), whatever the scores', () => {
    const y = [1, 1, 1, 0, 0, 0, 0];
    const perfect = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1, 0.05];
    const gate = evaluateGate({ patients: y.map((_, i) => `H${i}`), labels: y, challenger: scores(perfect) });
    expect(gate.passed).toBe(false);
    expect(gate.verdict).toBe('insufficient-evidence');
    expect(check(gate, 'evidence')).toEqual({
      name: 'evidence',
      passed: false,
      detail: 'hold-out set of 7 patients: 3 good and 4 poor responders (at least 10 and 10 needed): insufficient evidence to judge the challenger',
    });
    expect(check(gate, 'discrimination').detail).toBe('not assessed: insufficient evidence');
    expect(gate.challengerAuc).toBeNull();
  });

  it('reads the DeLong bound pROC gives: the challenger’s lower 97.5 % bound is the lower limit of ci.auc at 95 %', () => {
    // inputs.scored has 32 events and 48 non-events; probabilities are a monotone map of the scores (AUC unchanged).
    const s = inputs.scored;
    const p = s.scoreA.map((v) => sigma(v));
    const gate = evaluateGate({
      patients: s.labels.map((_, i) => `S${i}`),
      labels: s.labels,
      challenger: scores(p),
      policy: { ...DEFAULT_GATE, calibrationSlope: [-1e9, 1e9], calibrationInTheLarge: [-1e9, 1e9] },
    });
    expectAllClose(gate.challengerAucCi!, r.scored.A.ci, 1e-12);
    expect(check(gate, 'discrimination').passed).toBe(r.scored.A.ci[0] > 0.5);
  });

  it('fails a challenger not shown better than chance', () => {
    const gate = evaluateGate({ patients, labels, challenger: scores(poor) });
    expect(check(gate, 'discrimination').passed).toBe(false);
    expect(check(gate, 'discrimination').detail).toMatch(
      /^hold-out AUC 0\.\d{3}, DeLong one-sided 97\.5 % lower bound -?0\.\d{3} ≤ 0\.5: not shown better than chance$/,
    );
    expect(gate.verdict).toBe('fail');
  });

  it('fails a challenger whose paired difference to the champion does not exclude a loss of the margin', () => {
    const gate = evaluateGate({ patients, labels, challenger: scores(poor), champion: scores(good) });
    const ni = check(gate, 'non-inferiority');
    expect(ni.passed).toBe(false);
    expect(ni.detail).toMatch(/DeLong one-sided 97\.5 % lower bound -0\.\d{3} ≤ −0\.05: non-inferiority not shown$/);
    expect(gate.aucDifferenceCi![0]).toBeLessThan(-0.05);
  });

  it('fails predictions shown too extreme (slope 1/4), too timid (slope 4) or too low (calibration-in-the-large +1.5)', () => {
    const extreme = evaluateGate({ patients, labels, challenger: scores(sharpen(4)) });
    expectClose(extreme.calibrationSlope!, 0.25, 1e-6);
    expect(check(extreme, 'calibration-slope').passed).toBe(false);
    const timid = evaluateGate({ patients, labels, challenger: scores(sharpen(0.25)) });
    expectClose(timid.calibrationSlope!, 4, 1e-6);
    expect(check(timid, 'calibration-slope').passed).toBe(false);
    const low = evaluateGate({ patients, labels, challenger: scores(shift(-1.5)) });
    expectClose(low.calibrationInTheLarge!, 1.5, 1e-9);
    expect(check(low, 'calibration-in-the-large')).toMatchObject({ passed: false });
    expect(check(low, 'calibration-in-the-large').detail).toMatch(
      /^calibration-in-the-large 1\.500, 95 % profile-likelihood interval \[\d\.\d{3}, \d\.\d{3}\] lies outside \[-0\.5, 0\.5\]: shown miscalibrated$/,
    );
    expect(check(low, 'calibration-slope').passed).toBe(true);
  });

  it('keeps the slope interval defined on a perfectly separated set (open above)', () => {
    const y = [...Array<number>(10).fill(1), ...Array<number>(10).fill(0)];
    const separated = y.map((v, i) => (v ? 0.8 + i / 100 : 0.1 + i / 200));
    const gate = evaluateGate({ patients: y.map((_, i) => `Q${i}`), labels: y, challenger: scores(separated) });
    expect(gate.calibrationSlope).toBeNull();
    expect(gate.calibrationSlopeCi![1]).toBeNull();
    expect(check(gate, 'calibration-slope').detail).toMatch(/^calibration slope ∞ \(perfectly separated\), 95 % profile-likelihood interval \[\d+\.\d{3}, ∞\]/);
  });

  it('fails a challenger that cannot score every patient, naming the feature', () => {
    const gate = evaluateGate({
      patients,
      labels,
      challenger: { probabilities: [null, ...good.slice(1)], missing: [{ pseudonym: 'P0', feature: 'delta:preop:PET:derived_pet_SUVmax' }] },
    });
    expect(gate.verdict).toBe('fail');
    expect(gate.checks[0]).toEqual({ name: 'completeness', passed: false, detail: 'missing: delta:preop:PET:derived_pet_SUVmax (P0)' });
  });
});

describe('chooseEvaluationSet', () => {
  const set = (source: EvaluationSet['source'], events: number, nonEvents: number): EvaluationSet => {
    const y = [...Array<number>(events).fill(1), ...Array<number>(nonEvents).fill(0)];
    return { source, patients: y.map((_, i) => `${source}-${i}`), labels: y, challenger: scores(y.map(() => 0.5)) };
  };
  it('uses the prospective ledger once it holds the minimum of each outcome, the locked hold-out before that', () => {
    const holdout = set('holdout', 3, 4);
    const grown = chooseEvaluationSet({ prospective: set('prospective', 10, 12), holdout });
    expect(grown.set.source).toBe('prospective');
    expect(grown.reason).toBe('prospective ledger: 22 patients (10 good, 12 poor) predicted before their pathology by models not trained on them');
    const early = chooseEvaluationSet({ prospective: set('prospective', 9, 30), holdout });
    expect(early.set).toBe(holdout);
    expect(early.reason).toBe(
      'locked hold-out (3 good, 4 poor): the prospective ledger holds 9 good and 30 poor responders so far (at least 10 and 10 needed to use it)',
    );
    expect(chooseEvaluationSet({ holdout }).reason).toBe('locked hold-out (3 good, 4 poor): no prospective predictions with pathology yet');
    expect(chooseEvaluationSet({ prospective: set('prospective', 2, 3) }).set.source).toBe('prospective');
    expect(() => chooseEvaluationSet({})).toThrow('evaluation set: neither a prospective set nor a locked hold-out to evaluate on (train the study first)');
  });
});

describe('resolvePolicy', () => {
  it('fills absent fields from the default and names a bad one', () => {
    expect(resolvePolicy({ aucMargin: 1, alpha: 0.05, calibrationSlope: [-1e9, 1e9] })).toEqual({
      ...DEFAULT_GATE,
      aucMargin: 1,
      alpha: 0.05,
      calibrationSlope: [-1e9, 1e9],
    });
    expect(() => resolvePolicy({ ...DEFAULT_GATE, minEvents: 1 })).toThrow('policy.minEvents: 1 (expected an integer ≥ 2)');
    expect(() => resolvePolicy({ ...DEFAULT_GATE, alpha: 0.7 })).toThrow('policy.alpha: 0.7 (expected a one-sided level between 0 and 0.5)');
    expect(() => resolvePolicy({ ...DEFAULT_GATE, calibrationSlope: [1.3, 0.7] })).toThrow(
      'policy.calibrationSlope: [1.3,0.7] (expected a range [low, high] with low ≤ high)',
    );
  });
});

describe('drawHoldout', () => {
  const ids = Array.from({ length: 24 }, (_, i) => `SYN-${String(i + 1).padStart(3, '0')}`);
  const y = ids.map((_, i) => (i % 5 < 2 ? 1 : 0));
  it('draws a quarter of each class, the same for the same seed', () => {
    const holdout = drawHoldout(ids, y, { seed: 3 });
    const events = holdout.filter((id) => y[ids.indexOf(id)] === 1).length;
    expect(events).toBe(3); // round(0.25 × 10)
    expect(holdout.length - events).toBe(4); // round(0.25 × 14)
    expect(drawHoldout(ids, y, { seed: 3 })).toEqual(holdout);
    expect(drawHoldout(ids, y, { seed: 4 })).not.toEqual(holdout);
  });
  it('refuses when a class is too small to spare', () => {
    expect(() => drawHoldout(ids.slice(0, 6), [1, 1, 1, 0, 0, 0])).toThrow(
      'labels: too few labelled patients to lock a hold-out: 3 with good response (need 2 for the hold-out and some left to train on)',
    );
  });
});
