// Input checks shared by every statistic: finite numbers, 0/1 outcomes with both classes, matching lengths.
import { ModelInputError } from './errors';

export type Numbers = ArrayLike<number>;

export function assertFinite(values: Numbers, field: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new ModelInputError(`value at index ${i} is ${values[i]} (expected a finite number)`, field);
  }
}

export function assertSameLength(a: Numbers, b: Numbers, fieldA: string, fieldB: string): void {
  if (a.length !== b.length) {
    throw new ModelInputError(`has ${a.length} values but ${fieldB} has ${b.length}`, fieldA);
  }
}

export interface OutcomeCounts {
  positives: number;
  negatives: number;
}

/** Checks a binary outcome (1 = event, 0 = no event) and returns its class counts. */
export function assertBinaryOutcome(labels: Numbers, field = 'labels', minPerClass = 1): OutcomeCounts {
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v === 1) positives++;
    else if (v === 0) negatives++;
    else throw new ModelInputError(`value at index ${i} is ${v} (expected 0 or 1)`, field);
  }
  if (positives === 0 || negatives === 0) {
    throw new ModelInputError(`a single class (${positives} events, ${negatives} non-events): both outcomes are needed`, field);
  }
  if (positives < minPerClass || negatives < minPerClass) {
    throw new ModelInputError(`too few labelled patients: ${positives} events and ${negatives} non-events (at least ${minPerClass} of each needed)`, field);
  }
  return { positives, negatives };
}

/** Scores and labels of one prediction task, checked together. */
export function assertScored(scores: Numbers, labels: Numbers, scoresField = 'scores', labelsField = 'labels'): OutcomeCounts {
  assertSameLength(scores, labels, scoresField, labelsField);
  assertFinite(scores, scoresField);
  return assertBinaryOutcome(labels, labelsField);
}

export function assertProbabilities(values: Numbers, field: string, open = false): void {
  assertFinite(values, field);
  for (let i = 0; i < values.length; i++) {
    const p = values[i];
    const ok = open ? p > 0 && p < 1 : p >= 0 && p <= 1;
    if (!ok) throw new ModelInputError(`value at index ${i} is ${p} (expected a probability in ${open ? '(0, 1)' : '[0, 1]'})`, field);
  }
}
