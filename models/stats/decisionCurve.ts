// Decision-curve analysis (Vickers & Elkin 2006, Med Decis Making 26:565): net benefit of acting on the model at
// threshold probabilities, against treating everyone and treating no one.
import { assertBinaryOutcome, assertProbabilities, assertSameLength, type Numbers } from './checks';
import { ModelInputError } from './errors';
import type { NetBenefitPoint } from '../../contracts/models';

/** Net benefit of acting on every patient whose probability of the event (label 1) reaches each threshold. */
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
    // Vickers & Elkin 2006, eq. 1: NB = TP/n − FP/n · pt/(1 − pt); treat all: prevalence − (1 − prevalence)·pt/(1 − pt).
    return { threshold: pt, model: tp / n - (fp / n) * odds, treatAll: prevalence - (1 - prevalence) * odds, treatNone: 0 as const };
  });
}

/**
 * The decision the response model informs: a predicted poor responder (necrosis < 90 %) is the patient whose
 * treatment would change. The models give P(good response); the curve is drawn for P(poor) = 1 − P(good), the event
 * being poor response, so that "treated" means "flagged as a poor responder" at each threshold of P(poor).
 */
export function netBenefitOfPoorResponse(goodProbabilities: Numbers, goodLabels: Numbers, poorThresholds: Numbers): NetBenefitPoint[] {
  assertSameLength(goodProbabilities, goodLabels, 'probabilities', 'labels');
  assertProbabilities(goodProbabilities, 'probabilities');
  assertBinaryOutcome(goodLabels);
  return netBenefit(
    Array.from(goodProbabilities as ArrayLike<number>, (p) => 1 - p),
    Array.from(goodLabels as ArrayLike<number>, (y) => 1 - y),
    poorThresholds,
  );
}
