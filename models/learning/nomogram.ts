// A nomogram description of a logistic model (as rms::nomogram, Harrell, Regression Modeling Strategies 2nd ed. 2015;
// Iasonos et al. 2008, J Clin Oncol 26:1364): each predictor's axis scores 0 points at its least-risk end, the
// predictor whose β·x spans the widest range scores 0–100, and total points map back to the linear predictor and
// the probability. nomogramSvg.ts draws it; a PNG waits for an image library in the project.
import { assertFinite } from '../stats/checks';
import { ModelInputError } from '../stats/errors';
import { logit, sigmoid } from '../stats/logistic';
import type { Nomogram } from '../../contracts/models';

export interface NomogramInput {
  intercept: number;
  /** Per unit of each raw predictor. */
  coefficients: Readonly<Record<string, number>>;
  /** Axis values of each predictor (at least its minimum and maximum); the range sets the axis. */
  values: Readonly<Record<string, readonly number[]>>;
}

export function buildNomogram(input: NomogramInput, probabilities: readonly number[] = [0.1, 0.25, 0.5, 0.75, 0.9]): Nomogram {
  assertFinite([input.intercept], 'intercept');
  const used = Object.entries(input.coefficients).filter(([, b]) => b !== 0);
  if (used.length === 0) throw new ModelInputError('no predictor has a non-zero coefficient', 'coefficients');
  const spans = used.map(([name, b]) => {
    assertFinite([b], `coefficient of '${name}'`);
    const values = input.values[name];
    if (!values || values.length < 2) throw new ModelInputError('needs at least two axis values', `feature '${name}'`);
    assertFinite(values, `axis values of '${name}'`);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    if (!(hi > lo)) throw new ModelInputError('axis values must span a range', `feature '${name}'`);
    return { name, b, lo, hi, values, span: Math.abs(b) * (hi - lo) };
  });
  const pointsPerUnit = 100 / Math.max(...spans.map((s) => s.span));
  let baseLinearPredictor = input.intercept;
  const axes = spans.map(({ name, b, lo, hi, values }) => {
    const reference = b > 0 ? lo : hi;
    baseLinearPredictor += b * reference;
    return { name, coefficient: b, reference, ticks: values.map((value) => ({ value, points: pointsPerUnit * b * (value - reference) })) };
  });
  const maxTotalPoints = spans.reduce((s, x) => s + pointsPerUnit * x.span, 0);
  const probabilityAxis = probabilities.map((p) => {
    if (!(p > 0 && p < 1)) throw new ModelInputError(`${p} (expected 0 < p < 1)`, 'probabilities');
    return { probability: p, totalPoints: (logit(p) - baseLinearPredictor) * pointsPerUnit };
  });
  return { axes, pointsPerUnit, baseLinearPredictor, maxTotalPoints, probabilityAxis };
}

export interface NomogramReading {
  points: Record<string, number>;
  totalPoints: number;
  linearPredictor: number;
  probability: number;
}

/** Reads a patient off the nomogram: points per predictor, total, and the probability they map to. */
export function readNomogram(nomogram: Nomogram, patient: Readonly<Record<string, number>>): NomogramReading {
  const points: Record<string, number> = {};
  let totalPoints = 0;
  for (const axis of nomogram.axes) {
    const x = patient[axis.name];
    if (x === undefined || !Number.isFinite(x)) throw new ModelInputError('missing or not a finite number', `feature '${axis.name}'`);
    points[axis.name] = nomogram.pointsPerUnit * axis.coefficient * (x - axis.reference);
    totalPoints += points[axis.name];
  }
  const linearPredictor = nomogram.baseLinearPredictor + totalPoints / nomogram.pointsPerUnit;
  return { points, totalPoints, linearPredictor, probability: sigmoid(linearPredictor) };
}
