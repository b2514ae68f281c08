// Decision-curve analysis (Vickers & Elkin 2006, Med Decis Making 26:565): net benefit of acting on the model at
// threshold probabilities, against treating everyone and treating no one.
import { assertBinaryOutcome, assertProbabilities, assertSameLength, type Numbers } from './checks';
import { ModelInputError } from './errors';
import type { NetBenefitPoint } from '../../contracts/models';

export function netBenefit(probabilities: Numbers, labels: Numbers, thresholds: Numbers): NetBenefitPoint[] {
  assertSameLength(probabilities, labels, 'probabilities', 'labels');
  assertProbabilities(probabilities, 'probabilities');
  assertBinaryOutcome(labels);
  const n = labels.length;
  let events = 0;
  for (let i = 0; i < n; i++) events += labels[i];
  const prevalence = events / n;
  return Array.from(thresholds as ArrayLike<number>, (pt) => {
    if (!(pt > 0 && pt < 1)) throw new ModelInputError(`${pt} (expected a threshold strictly between 0 and 1)`, 'thresholds');
    const odds = pt / (1 - pt);
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < n; i++) {
      if (probabilities[i] >= pt) labels[i] === 1 ? tp++ : fp++;
    }
    return { threshold: pt, model: tp / n - (fp / n) * odds, treatAll: prevalence - (1 - prevalence) * odds, treatNone: 0 as const };
  });
}
