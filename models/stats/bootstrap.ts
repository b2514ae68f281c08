// Harrell's bootstrap optimism correction (Harrell, Lee & Mark 1996, Stat Med 15:361; Efron 1983): refit the whole
// modelling procedure on each bootstrap sample, take (statistic on that sample − statistic of that refit on the
// original data) as the optimism, and subtract its mean from the apparent statistic of the model fitted on all the
// data — the model that is deployed. For the AUC, the calibration-in-the-large and the calibration slope alike
// (Steyerberg, Clinical Prediction Models 2019, §17.2; rms::validate).
//
// The interval of a corrected statistic is the normal bootstrap interval (Efron & Tibshirani 1993, §13.2) moved
// to it: corrected ± z·SE, where SE is the standard deviation, over the same replicates, of the deployed model's own
// statistic on each bootstrap sample — the sampling uncertainty of judging that fixed model on n patients — and the
// optimism moves the interval off the patients the model was fitted to, as the location-shifted intervals of Noma et
// al. (2021, Stat Med 40:5691) do. It needs no refit beyond the correction's own. Its coverage of the deployed model's
// true calibration in new patients of the same population, simulated in tests/unit/models/stats/bootstrap.test.ts and
// measured in models/README.md, is near nominal for the slope and a little short for calibration-in-the-large on
// twenty-odd patients.
import { assertBinaryOutcome, type Numbers } from './checks';
import { ModelInputError } from './errors';
import { seededRandom } from './random';
import { auc } from './roc';
import { normalQuantile } from './special';

/**
 * The whole modelling procedure as a function of row indices into the caller's data (with repeats for bootstrap
 * samples); it returns a scorer that gives a score for each requested row.
 */
export type Learner = (trainingRows: Int32Array) => (rows: Int32Array) => Numbers;

/**
 * A performance statistic of scores against outcomes. A ModelInputError or NaN means "undefined here"; ±Infinity is a
 * value (a calibration slope on predictions that separate the outcomes perfectly).
 */
export type Statistic = (scores: Numbers, labels: Numbers) => number;

export interface OptimismOptions {
  /** Number of bootstrap replicates (default 200, as rms::validate's B = 200 examples). */
  replicates?: number;
  seed?: number;
  /** Explicit resamples (row indices), e.g. to reproduce a reference computation; replaces replicates and seed. */
  resamples?: readonly Numbers[];
  /**
   * Largest share of replicates in which a statistic may be undefined (e.g. a calibration slope on a bootstrap sample
   * the refit separates perfectly) before its estimate is withheld (default 0.2): the replicates that remain are no
   * longer a random sample of the bootstrap distribution.
   */
  maxUndefinedShare?: number;
  /** Confidence level of the intervals of the corrected statistics (default 0.95). */
  level?: number;
}

export interface OptimismEstimate {
  /** The statistic of the model fitted on all rows, on all rows; null where it is infinite (see `limit`). */
  apparent: number | null;
  /** Mean over replicates of (statistic on the bootstrap sample − statistic on the original rows); null with `limit`. */
  optimism: number | null;
  corrected: number;
  /**
   * True where the refit and every bootstrap refit separate their own training rows (apparent and training values
   * both infinite): apparent − optimism is ∞ − ∞, and its limit — the statistic held equal on both sides — is the mean
   * of the bootstrap refits' values on the original rows, Harrell's "test" column, which is what `corrected` holds.
   */
  limit: boolean;
  /**
   * corrected ± z·SE, SE the bootstrap standard deviation of the deployed model's statistic on the resamples; null for a
   * limit, where that statistic is undefined or infinite in more than `maxUndefinedShare` of the resamples, or where it
   * is the same on every resample.
   */
  ci: [number, number] | null;
  /** Replicates that gave the statistic on both sides. */
  replicates: number;
  /** Replicates in which it was undefined. */
  undefined: number;
}

export interface OptimismResult {
  /** By statistic; null where it is undefined for the full model or too often in the replicates (see notes). */
  estimates: Record<string, OptimismEstimate | null>;
  notes: Record<string, string>;
  replicates: number;
  /** Drawn samples discarded because they held a single class (redrawn). */
  redrawn: number;
}

function evaluate(statistic: Statistic, scores: Numbers, labels: Numbers): number {
  try {
    return statistic(scores, labels);
  } catch (err) {
    if (err instanceof ModelInputError) return NaN;
    throw err;
  }
}

function drawSamples(labels: Numbers, options: OptimismOptions): { samples: Int32Array[]; redrawn: number } {
  const n = labels.length;
  if (options.resamples) {
    const samples = options.resamples.map((s, b) => {
      const rows = Int32Array.from(s as ArrayLike<number>);
      if (rows.length !== n || rows.some((r) => r < 0 || r >= n || !Number.isInteger(r))) {
        throw new ModelInputError(`resample ${b} must hold ${n} row indices in [0, ${n})`, 'resamples');
      }
      return rows;
    });
    return { samples, redrawn: 0 };
  }
  const replicates = options.replicates ?? 200;
  if (!Number.isInteger(replicates) || replicates < 1) throw new ModelInputError(`${replicates} (expected a positive integer)`, 'replicates');
  const random = seededRandom(options.seed ?? 1);
  const samples: Int32Array[] = [];
  let redrawn = 0;
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
  return { samples, redrawn };
}

export function optimismCorrected(
  labels: Numbers,
  learner: Learner,
  statistics: Readonly<Record<string, Statistic>>,
  options: OptimismOptions = {},
): OptimismResult {
  assertBinaryOutcome(labels);
  const maxUndefined = options.maxUndefinedShare ?? 0.2;
  const n = labels.length;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const labelsOf = (rows: Int32Array): Float64Array => Float64Array.from(rows, (r) => labels[r]);
  const names = Object.keys(statistics);
  const deployed = learner(all)(all);
  const apparent = Object.fromEntries(names.map((name) => [name, evaluate(statistics[name], deployed, labels)]));

  const { samples, redrawn } = drawSamples(labels, options);
  const pairs = Object.fromEntries(names.map((name) => [name, [] as { onSample: number; onOriginal: number; deployed: number }[]]));
  for (const rows of samples) {
    const score = learner(rows);
    const onSample = score(rows);
    const sampleLabels = labelsOf(rows);
    const onOriginal = score(all);
    const deployedOnSample = Float64Array.from(rows, (r) => deployed[r]);
    for (const name of names) {
      pairs[name].push({
        onSample: evaluate(statistics[name], onSample, sampleLabels),
        onOriginal: evaluate(statistics[name], onOriginal, labels),
        deployed: evaluate(statistics[name], deployedOnSample, sampleLabels),
      });
    }
  }
  const z = normalQuantile(0.5 + (options.level ?? 0.95) / 2);
  const estimates: Record<string, OptimismEstimate | null> = {};
  const notes: Record<string, string> = {};
  const tooMany = (undefinedCount: number) => undefinedCount > maxUndefined * samples.length;
  for (const name of names) {
    const a = apparent[name];
    const list = pairs[name];
    if (Number.isFinite(a)) {
      const usable = list.filter((p) => Number.isFinite(p.onSample) && Number.isFinite(p.onOriginal));
      const undefinedCount = list.length - usable.length;
      if (usable.length === 0 || tooMany(undefinedCount)) {
        estimates[name] = null;
        notes[name] =
          `undefined or infinite in ${undefinedCount} of ${samples.length} bootstrap replicates (more than ${Math.round(100 * maxUndefined)} %): no optimism estimate`;
        continue;
      }
      const optimism = usable.reduce((s, p) => s + p.onSample - p.onOriginal, 0) / usable.length;
      const corrected = a - optimism;
      const spread = list.map((p) => p.deployed).filter(Number.isFinite);
      let ci: [number, number] | null = null;
      if (spread.length >= 2 && !tooMany(list.length - spread.length)) {
        const mean = spread.reduce((s, v) => s + v, 0) / spread.length;
        const se = Math.sqrt(spread.reduce((s, v) => s + (v - mean) ** 2, 0) / (spread.length - 1));
        // The same value on every resample (an AUC of 1 where the deployed model separates the patients) is no
        // evidence of precision: a zero-width interval would claim it.
        if (se > 1e-12 * Math.max(1, Math.abs(mean))) ci = [corrected - z * se, corrected + z * se];
        else notes[`${name}Ci`] = `the deployed model's value is ${mean} on every bootstrap sample: no interval (its spread says nothing)`;
      } else {
        notes[`${name}Ci`] =
          `the deployed model's value is undefined or infinite on ${list.length - spread.length} of ${samples.length} bootstrap samples (more than ${Math.round(100 * maxUndefined)} %): no interval`;
      }
      estimates[name] = { apparent: a, optimism, corrected, limit: false, ci, replicates: usable.length, undefined: undefinedCount };
    } else if (a === Infinity || a === -Infinity) {
      // The refit separates its own rows. Only if every bootstrap refit does the same on its sample is the limit defined.
      const usable = list.filter((p) => p.onSample === a && Number.isFinite(p.onOriginal));
      const undefinedCount = list.length - usable.length;
      if (usable.length === 0 || tooMany(undefinedCount)) {
        estimates[name] = null;
        notes[name] =
          `infinite for the model fitted on all patients (its predictions separate them), but not in ${undefinedCount} of ${samples.length} bootstrap refits on their samples: no optimism estimate`;
        continue;
      }
      const test = usable.reduce((s, p) => s + p.onOriginal, 0) / usable.length;
      estimates[name] = { apparent: null, optimism: null, corrected: test, limit: true, ci: null, replicates: usable.length, undefined: undefinedCount };
      notes[name] =
        "the refit's predictions separate its training patients (apparent value infinite), as each bootstrap refit's do on its sample: the corrected value is the limit of the correction, the bootstrap refits' mean on the original patients";
    } else {
      estimates[name] = null;
      notes[name] = 'undefined for the model fitted on all patients';
    }
  }
  return { estimates, notes, replicates: samples.length, redrawn };
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
  const result = optimismCorrected(labels, learner, { auc }, { ...options, maxUndefinedShare: 0 });
  const estimate = result.estimates.auc;
  if (!estimate || estimate.apparent === null || estimate.optimism === null) throw new ModelInputError(result.notes.auc, 'labels');
  return { apparent: estimate.apparent, optimism: estimate.optimism, corrected: estimate.corrected, replicates: result.replicates, redrawn: result.redrawn };
}
