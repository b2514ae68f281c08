// Harrell's bootstrap optimism correction of the AUC (Harrell, Lee & Mark 1996, Stat Med 15:361; Efron 1983):
// refit the whole modelling procedure on each bootstrap sample, take (AUC on that sample − AUC of that refit on the
// original data) as the optimism, and subtract its mean from the apparent AUC.
import { assertBinaryOutcome, type Numbers } from './checks';
import { ModelInputError } from './errors';
import { seededRandom } from './random';
import { auc } from './roc';

/**
 * The whole modelling procedure as a function of row indices into the caller's data (with repeats for bootstrap
 * samples); it returns a scorer that gives a score for each requested row.
 */
export type Learner = (trainingRows: Int32Array) => (rows: Int32Array) => Numbers;

export interface OptimismOptions {
  /** Number of bootstrap replicates (default 200, as rms::validate's B = 200 examples). */
  replicates?: number;
  seed?: number;
  /** Explicit resamples (row indices), e.g. to reproduce a reference computation; replaces replicates and seed. */
  resamples?: readonly Numbers[];
}

export interface OptimismCorrectedAuc {
  apparent: number;
  optimism: number;
  corrected: number;
  replicates: number;
  /** Drawn samples discarded because they held a single class (redrawn). */
  redrawn: number;
}

export function optimismCorrectedAuc(labels: Numbers, learner: Learner, options: OptimismOptions = {}): OptimismCorrectedAuc {
  assertBinaryOutcome(labels);
  const n = labels.length;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const labelsOf = (rows: Int32Array): Float64Array => Float64Array.from(rows, (r) => labels[r]);
  const apparent = auc(learner(all)(all), labels);

  let samples: Int32Array[];
  let redrawn = 0;
  if (options.resamples) {
    samples = options.resamples.map((s, b) => {
      const rows = Int32Array.from(s as ArrayLike<number>);
      if (rows.length !== n || rows.some((r) => r < 0 || r >= n || !Number.isInteger(r))) {
        throw new ModelInputError(`resample ${b} must hold ${n} row indices in [0, ${n})`, 'resamples');
      }
      return rows;
    });
  } else {
    const replicates = options.replicates ?? 200;
    if (!Number.isInteger(replicates) || replicates < 1) throw new ModelInputError(`${replicates} (expected a positive integer)`, 'replicates');
    const random = seededRandom(options.seed ?? 1);
    samples = [];
    while (samples.length < replicates) {
      const rows = Int32Array.from({ length: n }, () => random.int(n));
      let events = 0;
      for (const r of rows) events += labels[r];
      if (events === 0 || events === n) {
        if (++redrawn > 100 * replicates) throw new ModelInputError('bootstrap samples keep holding a single class', 'labels');
        continue;
      }
      samples.push(rows);
    }
  }

  let optimismSum = 0;
  for (const rows of samples) {
    const score = learner(rows);
    optimismSum += auc(score(rows), labelsOf(rows)) - auc(score(all), labels);
  }
  const optimism = optimismSum / samples.length;
  return { apparent, optimism, corrected: apparent - optimism, replicates: samples.length, redrawn };
}
