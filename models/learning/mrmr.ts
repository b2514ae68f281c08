// mRMR feature ranking, the F-test/correlation quotient variant ("FCQ", Ding & Peng 2005, J Bioinform Comput Biol
// 3:185; as mrmr-selection's mrmr_classif defaults, Zhao, Anand & Wang 2019): relevance is the ANOVA F-statistic of
// the feature between outcome classes, redundancy the mean |Pearson r| with the features already chosen (floored at
// 0.001), and each step picks the feature with the largest relevance / redundancy. Features with no relevance
// (F = 0 or undefined, e.g. constant) are not ranked.
import { assertBinaryOutcome, assertSameLength, type Numbers } from '../stats/checks';
import type { FeatureMatrix } from './featureMatrix';
import { pearson } from './correlation';

const REDUNDANCY_FLOOR = 0.001;

/** One-way ANOVA F between the outcome classes (as sklearn.feature_selection.f_classif); NaN for a constant feature. */
export function fStatistic(values: Numbers, labels: Numbers): number {
  assertSameLength(values, labels, 'values', 'labels');
  assertBinaryOutcome(labels);
  const n = values.length;
  const sum = [0, 0];
  const count = [0, 0];
  for (let i = 0; i < n; i++) {
    sum[labels[i]] += values[i];
    count[labels[i]]++;
  }
  const mean = (sum[0] + sum[1]) / n;
  const groupMean = [sum[0] / count[0], sum[1] / count[1]];
  let between = 0;
  let within = 0;
  for (let g = 0; g < 2; g++) between += count[g] * (groupMean[g] - mean) ** 2;
  for (let i = 0; i < n; i++) within += (values[i] - groupMean[labels[i]]) ** 2;
  return between / 1 / (within / (n - 2)); // df: (G − 1) = 1 and (n − G)
}

/** F-statistic of every feature, by name. */
export function relevanceScores(data: FeatureMatrix, labels: Numbers): Record<string, number> {
  assertBinaryOutcome(labels);
  return Object.fromEntries(data.names.map((name, j) => [name, fStatistic(data.columns[j], labels)]));
}

export interface MrmrStep {
  feature: string;
  relevance: number;
  /** Mean floored |r| with the features chosen before it (1 for the first). */
  redundancy: number;
  score: number;
}

/** The first k features in mRMR order (all ranked features when k is omitted). */
export function mrmrRanking(data: FeatureMatrix, labels: Numbers, k?: number): MrmrStep[] {
  const relevance = relevanceScores(data, labels);
  const candidates = data.names.map((name, j) => ({ name, j, rel: relevance[name] })).filter((f) => f.rel > 0);
  const limit = Math.min(k ?? candidates.length, candidates.length);
  const redundancySum = new Float64Array(data.names.length);
  const steps: MrmrStep[] = [];
  let remaining = candidates;
  while (steps.length < limit) {
    const chosen = steps.length;
    let best = 0;
    let bestScore = -Infinity;
    let bestRedundancy = 1;
    remaining.forEach((f, idx) => {
      const redundancy = chosen === 0 ? 1 : redundancySum[f.j] / chosen;
      const score = chosen > 0 && redundancy === 1 ? 0 : f.rel / redundancy; // mrmr-selection: a mean of exactly 1 scores 0
      if (score > bestScore) {
        best = idx;
        bestScore = score;
        bestRedundancy = redundancy;
      }
    });
    const pick = remaining[best];
    steps.push({ feature: pick.name, relevance: pick.rel, redundancy: bestRedundancy, score: bestScore });
    remaining = remaining.filter((_, idx) => idx !== best);
    for (const f of remaining) {
      const r = pearson(data.columns[f.j], data.columns[pick.j]);
      redundancySum[f.j] += Math.max(Number.isNaN(r) ? 0 : Math.abs(r), REDUNDANCY_FLOOR);
    }
  }
  return steps;
}
