// ROC analysis of a score against a binary outcome: AUC, the ROC points, the Youden cut-off and the
// classification it gives. Convention throughout: higher scores mean "event" (label 1); a case is called positive
// when score ≥ cut-off (scikit-learn's roc_curve convention).
import { assertFinite, assertScored, type Numbers } from './checks';
import { ModelInputError } from './errors';
import { midranks } from './ranks';

/** AUC as the Mann–Whitney statistic U / (n₁ n₀) from mid-ranks, ties counting ½ (Hanley & McNeil 1982, eq. 1). */
export function auc(scores: Numbers, labels: Numbers): number {
  const { positives, negatives } = assertScored(scores, labels);
  const ranks = midranks(scores);
  let rankSum = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) rankSum += ranks[i];
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface RocPoint {
  /** Called positive when score ≥ threshold; the first point has threshold +∞ (nobody positive). */
  threshold: number;
  truePositiveRate: number;
  falsePositiveRate: number;
}

/** Every distinct score as a threshold, from the highest down (scikit-learn roc_curve with drop_intermediate=False). */
export function rocCurve(scores: Numbers, labels: Numbers): RocPoint[] {
  const { positives, negatives } = assertScored(scores, labels);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const points: RocPoint[] = [{ threshold: Infinity, truePositiveRate: 0, falsePositiveRate: 0 }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (labels[i] === 1) tp++;
    else fp++;
    const last = k + 1 === order.length || scores[order[k + 1]] !== scores[i];
    if (last) points.push({ threshold: scores[i], truePositiveRate: tp / positives, falsePositiveRate: fp / negatives });
  }
  return points;
}

export interface YoudenCutoff {
  cutoff: number;
  /** J = sensitivity + specificity − 1 at the cut-off. */
  youdenIndex: number;
  sensitivity: number;
  specificity: number;
}

/**
 * The threshold maximising Youden's J = TPR − FPR (Youden 1950), chosen on training data; among equal maxima the
 * highest threshold wins (scikit-learn: argmax over roc_curve's decreasing thresholds).
 */
export function youdenCutoff(scores: Numbers, labels: Numbers): YoudenCutoff {
  let best: RocPoint | undefined;
  for (const point of rocCurve(scores, labels)) {
    if (!Number.isFinite(point.threshold)) continue;
    if (!best || point.truePositiveRate - point.falsePositiveRate > best.truePositiveRate - best.falsePositiveRate) best = point;
  }
  const chosen = best as RocPoint;
  return {
    cutoff: chosen.threshold,
    youdenIndex: chosen.truePositiveRate - chosen.falsePositiveRate,
    sensitivity: chosen.truePositiveRate,
    specificity: 1 - chosen.falsePositiveRate,
  };
}

export interface Classification {
  cutoff: number;
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  /** TP / (TP + FN). */
  sensitivity: number;
  /** TN / (TN + FP). */
  specificity: number;
  /** (TP + TN) / n. */
  accuracy: number;
}

/** The 2×2 table at a fixed cut-off (positive when score ≥ cut-off), e.g. the Youden cut-off from training data. */
export function classifyAt(scores: Numbers, labels: Numbers, cutoff: number): Classification {
  assertScored(scores, labels);
  assertFinite([cutoff], 'cutoff');
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const positive = scores[i] >= cutoff;
    if (labels[i] === 1) positive ? tp++ : fn++;
    else positive ? fp++ : tn++;
  }
  if (tp + fn === 0 || tn + fp === 0) throw new ModelInputError('both outcomes are needed', 'labels');
  return {
    cutoff,
    truePositives: tp,
    falsePositives: fp,
    trueNegatives: tn,
    falseNegatives: fn,
    sensitivity: tp / (tp + fn),
    specificity: tn / (tn + fp),
    accuracy: (tp + tn) / scores.length,
  };
}
