// DeLong's non-parametric variance of the AUC, its confidence interval and the paired test of two correlated AUCs
// (DeLong, DeLong & Clarke-Pearson 1988), with placements from mid-ranks (Sun & Xu 2014, IEEE SPL 21:1389).
import { assertFinite, assertSameLength, assertScored, type Numbers } from './checks';
import { ModelInputError } from './errors';
import { midranks } from './ranks';
import { normalQuantile, normalSf } from './special';

interface Placements {
  auc: number;
  /** V10: for each event, the share of non-events it outranks (ties ½). */
  cases: Float64Array;
  /** V01: for each non-event, the share of events that outrank it (ties ½). */
  controls: Float64Array;
}

function placements(scores: Numbers, labels: Numbers): Placements {
  const { positives: m, negatives: n } = assertScored(scores, labels);
  if (m < 2 || n < 2) {
    throw new ModelInputError(`DeLong's variance needs at least 2 events and 2 non-events (got ${m} and ${n})`, 'labels');
  }
  const caseScores = new Float64Array(m);
  const controlScores = new Float64Array(n);
  for (let i = 0, a = 0, b = 0; i < labels.length; i++) {
    if (labels[i] === 1) caseScores[a++] = scores[i];
    else controlScores[b++] = scores[i];
  }
  const all = midranks(scores);
  const withinCases = midranks(caseScores);
  const withinControls = midranks(controlScores);
  const cases = new Float64Array(m);
  const controls = new Float64Array(n);
  let sum = 0;
  for (let i = 0, a = 0, b = 0; i < labels.length; i++) {
    if (labels[i] === 1) {
      cases[a] = (all[i] - withinCases[a]) / n; // Sun & Xu 2014, eq. (8)
      sum += cases[a++];
    } else {
      controls[b] = 1 - (all[i] - withinControls[b]) / m;
      b++;
    }
  }
  return { auc: sum / m, cases, controls };
}

function covariance(a: Placements, b: Placements): number {
  const m = a.cases.length;
  const n = a.controls.length;
  let s10 = 0;
  let s01 = 0;
  for (let i = 0; i < m; i++) s10 += (a.cases[i] - a.auc) * (b.cases[i] - b.auc);
  for (let j = 0; j < n; j++) s01 += (a.controls[j] - a.auc) * (b.controls[j] - b.auc);
  return s10 / (m - 1) / m + s01 / (n - 1) / n; // DeLong et al. 1988, S = S10/m + S01/n
}

export interface AucWithCi {
  auc: number;
  variance: number;
  standardError: number;
  /** Wald interval on the AUC scale, auc ± z·SE, clipped to [0, 1] — as pROC's ci.auc(method = "delong"). */
  ci: [number, number];
  confLevel: number;
}

export function delongAuc(scores: Numbers, labels: Numbers, confLevel = 0.95): AucWithCi {
  if (!(confLevel > 0 && confLevel < 1)) throw new ModelInputError(`${confLevel} (expected 0 < level < 1)`, 'confLevel');
  const p = placements(scores, labels);
  const variance = covariance(p, p);
  const se = Math.sqrt(variance);
  const z = normalQuantile(1 - (1 - confLevel) / 2);
  return {
    auc: p.auc,
    variance,
    standardError: se,
    ci: [Math.max(0, p.auc - z * se), Math.min(1, p.auc + z * se)],
    confLevel,
  };
}

export interface DelongTest {
  aucA: number;
  aucB: number;
  /** aucA − aucB. */
  difference: number;
  /** Var(aucA − aucB) = Var A + Var B − 2 Cov(A, B). */
  variance: number;
  covariance: number;
  z: number;
  /** Two-sided p-value, 2·(1 − Φ(|z|)). */
  p: number;
}

/** DeLong's paired test: two models scored on the same patients (DeLong et al. 1988; pROC roc.test, method "delong"). */
export function delongTest(scoresA: Numbers, scoresB: Numbers, labels: Numbers): DelongTest {
  assertSameLength(scoresA, scoresB, 'scoresA', 'scoresB');
  assertFinite(scoresB, 'scoresB');
  const a = placements(scoresA, labels);
  const b = placements(scoresB, labels);
  const varA = covariance(a, a);
  const varB = covariance(b, b);
  const cov = covariance(a, b);
  const variance = varA + varB - 2 * cov;
  const difference = a.auc - b.auc;
  if (!(variance > 0)) {
    throw new ModelInputError('the two models rank the patients identically: the difference has no variance', 'scoresB');
  }
  const z = difference / Math.sqrt(variance);
  return { aucA: a.auc, aucB: b.auc, difference, variance, covariance: cov, z, p: 2 * normalSf(Math.abs(z)) };
}

export interface AucDifference {
  aucA: number;
  aucB: number;
  /** aucA − aucB. */
  difference: number;
  /** DeLong's SE of the difference; 0 when the two scores rank the patients identically. */
  standardError: number;
  /** Wald interval difference ± z·SE (DeLong et al. 1988; the interval pROC's roc.test reports for paired ROC curves). */
  ci: [number, number];
  confLevel: number;
  /** Two-sided p-value of H0: no difference (1 when the rankings are identical). */
  p: number;
}

/**
 * The paired AUC difference of two models scored on the same patients with DeLong's interval. Unlike delongTest it
 * answers for identical rankings too (difference 0, SE 0), which a promotion rule must be able to read.
 */
export function delongDifference(scoresA: Numbers, scoresB: Numbers, labels: Numbers, confLevel = 0.95): AucDifference {
  if (!(confLevel > 0 && confLevel < 1)) throw new ModelInputError(`${confLevel} (expected 0 < level < 1)`, 'confLevel');
  assertSameLength(scoresA, scoresB, 'scoresA', 'scoresB');
  assertFinite(scoresB, 'scoresB');
  const a = placements(scoresA, labels);
  const b = placements(scoresB, labels);
  const variance = Math.max(0, covariance(a, a) + covariance(b, b) - 2 * covariance(a, b)); // Var A + Var B − 2 Cov(A, B)
  const difference = a.auc - b.auc;
  const se = Math.sqrt(variance);
  const z = normalQuantile(1 - (1 - confLevel) / 2);
  const p = se > 0 ? 2 * normalSf(Math.abs(difference / se)) : difference === 0 ? 1 : 0;
  return { aucA: a.auc, aucB: b.auc, difference, standardError: se, ci: [difference - z * se, difference + z * se], confLevel, p };
}
