// The written promotion gate: completeness, DeLong non-inferiority against the champion, and the likelihood-ratio
// calibration-slope check; and the locked, stratified hold-out draw.
import { calibrationSlopeTest, drawHoldout, evaluateGate } from '../../../registry/promotionPolicy';
import { fitLogistic, logit } from '../../../models/stats/logistic';

// Calibrated by construction: three groups of 20 with predicted risk 0.2, 0.5, 0.8 and exactly 4, 10, 16 events, so
// the observed log-odds equal the predicted ones and the recalibration fit is exactly a = 0, b = 1. Raising the
// log-odds to the power k (p' = σ(k·logit p)) makes the true slope exactly 1/k.
const RISKS = [0.2, 0.5, 0.8];
const good = RISKS.flatMap((p) => Array<number>(20).fill(p));
const labels = RISKS.flatMap((p) => Array.from({ length: 20 }, (_, i) => (i < 20 * p ? 1 : 0)));
const sharpen = (k: number) => good.map((p) => 1 / (1 + Math.exp(-k * logit(p))));
const poor = labels.map((_, i) => 0.5 + 0.3 * Math.sin(i * 2.3));
const patients = labels.map((_, i) => `P${i}`);

const scores = (probabilities: number[]) => ({ probabilities, missing: [] });

describe('evaluateGate', () => {
  it('passes a challenger as good as the champion, with its calibration', () => {
    const gate = evaluateGate({ patients, labels, challenger: scores(good), champion: scores(good) });
    expect(gate.checks.map((c) => [c.name, c.passed])).toEqual([
      ['completeness', true],
      ['discrimination', true],
      ['calibration', true],
    ]);
    expect(gate.aucDifference).toBe(0);
    expect(gate.passed).toBe(true);
  });

  it('fails a challenger shown worse than the champion by more than the margin', () => {
    const gate = evaluateGate({ patients, labels, challenger: scores(poor), champion: scores(good) });
    const discrimination = gate.checks.find((c) => c.name === 'discrimination')!;
    expect(gate.challengerAuc!).toBeLessThan(gate.championAuc! - 0.05);
    expect(discrimination.passed).toBe(false);
    expect(discrimination.detail).toMatch(/worse than the champion by more than 0.05 \(one-sided z = -\d+\.\d+, critical −1\.64\)/);
    expect(gate.passed).toBe(false);
  });

  it('judges a challenger alone when there is no champion', () => {
    const gate = evaluateGate({ patients, labels, challenger: scores(good) });
    expect(gate.checks[1]).toMatchObject({ name: 'discrimination', passed: true });
    expect(gate.checks[1].detail).toMatch(/^no champion to compare with/);
  });

  it('fails a challenger that cannot score every hold-out patient, naming the feature', () => {
    const gate = evaluateGate({
      patients,
      labels,
      challenger: { probabilities: [null, ...good.slice(1)], missing: [{ pseudonym: 'P0', feature: 'delta:preop:PET:derived_pet_SUVmax' }] },
    });
    expect(gate.passed).toBe(false);
    expect(gate.checks[0]).toEqual({ name: 'completeness', passed: false, detail: 'missing: delta:preop:PET:derived_pet_SUVmax (P0)' });
  });

  it('fails predictions far too extreme (slope 1/4) or far too timid (slope 4) for the outcomes', () => {
    const extreme = evaluateGate({ patients, labels, challenger: scores(sharpen(4)) });
    expect(extreme.calibrationSlope!).toBeCloseTo(0.25, 6);
    expect(extreme.checks[2]).toMatchObject({ name: 'calibration', passed: false });
    const timid = evaluateGate({ patients, labels, challenger: scores(sharpen(0.25)) });
    expect(timid.calibrationSlope!).toBeCloseTo(4, 5);
    expect(timid.checks[2]).toMatchObject({ name: 'calibration', passed: false });
  });
});

describe('calibrationSlopeTest', () => {
  it('is 0 when the estimated slope lies in the interval, and the profile matches an IRLS fit with the slope fixed', () => {
    const test = calibrationSlopeTest(good, labels, [0.7, 1.3]);
    const lp = good.map(logit);
    const free = fitLogistic([lp], labels);
    expect(test.estimate).toBeCloseTo(1, 8);
    // Outside the interval: D(nearer end) − D(b̂), the end's deviance from IRLS with the slope as a fixed offset.
    const narrow = calibrationSlopeTest(good, labels, [free.coefficients[0] + 0.5, free.coefficients[0] + 1]);
    const atEnd = fitLogistic([], labels, { offset: lp.map((v) => (free.coefficients[0] + 0.5) * v) });
    expect(narrow.statistic).toBeCloseTo(atEnd.deviance - free.deviance, 6);
    expect(test.statistic).toBe(0);
  });

  it('stays defined when the hold-out is perfectly separated, and rejects predictions too timid for it', () => {
    const y = [0, 0, 0, 0, 1, 1, 1];
    const timid = [0.45, 0.46, 0.47, 0.48, 0.52, 0.53, 0.54];
    const confident = [0.02, 0.03, 0.05, 0.1, 0.9, 0.95, 0.97];
    const t = calibrationSlopeTest(timid, y, [0.7, 1.3]);
    const c = calibrationSlopeTest(confident, y, [0.7, 1.3]);
    expect(t.estimate).toBeNull();
    expect(t.consistent).toBe(false);
    expect(c.estimate).toBeNull();
    expect(c.consistent).toBe(true);
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
