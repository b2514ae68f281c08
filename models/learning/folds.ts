// Stratified K-fold assignment with a seed: each class is shuffled and dealt round-robin over the folds, so every
// fold keeps the outcome ratio (as sklearn's StratifiedKFold(shuffle=True) intends; the draw itself differs).
import { assertBinaryOutcome, type Numbers } from '../stats/checks';
import { ModelInputError } from '../stats/errors';
import { seededRandom, shuffleInPlace } from '../stats/random';

/** Fold number (0 … k−1) of every row. */
export function stratifiedFolds(labels: Numbers, k: number, seed: number): Int32Array {
  if (!Number.isInteger(k) || k < 2) throw new ModelInputError(`${k} (expected an integer ≥ 2)`, 'folds');
  const { positives, negatives } = assertBinaryOutcome(labels);
  if (Math.min(positives, negatives) < k) {
    throw new ModelInputError(
      `too few labelled patients for ${k}-fold stratified CV: ${positives} events and ${negatives} non-events (at least ${k} of each needed)`,
      'labels',
    );
  }
  const random = seededRandom(seed);
  const fold = new Int32Array(labels.length);
  let next = 0;
  for (const cls of [1, 0]) {
    const rows: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) rows.push(i);
    shuffleInPlace(rows, random);
    for (const r of rows) fold[r] = next++ % k;
  }
  return fold;
}

export interface Split {
  training: Int32Array;
  validation: Int32Array;
}

export function splitsOf(foldOf: Int32Array): Split[] {
  const k = Math.max(...foldOf) + 1;
  return Array.from({ length: k }, (_, f) => {
    const training: number[] = [];
    const validation: number[] = [];
    foldOf.forEach((g, i) => (g === f ? validation : training).push(i));
    return { training: Int32Array.from(training), validation: Int32Array.from(validation) };
  });
}
