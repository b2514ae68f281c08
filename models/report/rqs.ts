// The Radiomics Quality Score self-assessment (Lambin P, Leijenaar RTH, Deist TM, et al. Radiomics: the bridge between
// medical imaging and personalized medicine. Nat Rev Clin Oncol 2017;14:749–762, Table 2): the 16 items with the
// points this model earns as the pipeline and this candidate show them, the total out of 36 and its percentage.
// Items are awarded only on evidence the candidate or the run holds; the rest earn 0 (or their penalty) with why.
import { MODEL_KIND_SPECS } from '../../contracts/models';
import type { ReportData } from './input';
import { table } from './modelCard';

export const RQS_MAX = 36;

export interface RqsItem {
  item: number;
  criterion: string;
  /** The points the item allows, as Lambin et al. list them. */
  allowed: string;
  points: number;
  why: string;
}

export function rqsItems(data: ReportData): RqsItem[] {
  const { candidate, options } = data;
  const { metrics, kind } = candidate;
  const families = MODEL_KIND_SPECS[kind].families as readonly string[];
  const radiomics = families.some((f) => f === 'baseline' || f === 'delta');
  const robustnessPatients = data.param('robustness_patients');
  const icc = data.param('icc_threshold');
  const evaluated = data.evaluated;
  const comparisons = metrics.comparisons ?? [];
  const validation = options.prospective ?? options.holdout;
  const items: RqsItem[] = [];
  const add = (item: number, criterion: string, allowed: string, points: number, why: string) => items.push({ item, criterion, allowed, points, why });

  add(
    1,
    'Image protocol quality',
    '+1 documented protocol, +1 public protocol',
    0,
    'the study file records modalities, visit windows and QC limits, not the acquisition protocol (scanner, sequence parameters)',
  );
  add(
    2,
    'Multiple segmentations',
    '+1',
    robustnessPatients !== null && robustnessPatients > 0 ? 1 : 0,
    robustnessPatients !== null && robustnessPatients > 0
      ? `robustness screen: masks eroded and dilated by one voxel on ${robustnessPatients} patients, features kept at ICC(1,1) > ${icc ?? '—'}`
      : 'no robustness screen recorded in this run',
  );
  add(3, 'Phantom study on all scanners', '+1', 0, 'no phantom study');
  add(
    4,
    'Imaging at multiple time points',
    '+1',
    0,
    "patients are imaged at several timepoints, but as the predictor (delta features), not to test the features' robustness to temporal variability (test–retest): not earned",
  );
  add(
    5,
    'Feature reduction or adjustment for multiple testing',
    '−3 if neither, +3 if either',
    3,
    'redundancy filter (|ρ| > 0.9), mRMR top 10 and the LASSO penalty, all inside the cross-validation folds',
  );
  add(
    6,
    'Multivariable analysis with non-radiomics features',
    '+1',
    radiomics && families.includes('clinical') ? 1 : 0,
    !radiomics
      ? 'not a radiomics model (clinical variables only)'
      : families.includes('clinical')
        ? 'clinical variables and radiomics features offered to the same multivariable model'
        : `radiomics features only, not combined with clinical variables${comparisons.some((c) => c.versus === 'clinical') ? ' (compared with the clinical model instead, see the card)' : ''}`,
  );
  add(7, 'Detect and discuss biological correlates', '+1', 0, 'no biological correlates examined');
  add(
    8,
    'Cut-off analyses',
    '+1',
    evaluated ? 1 : 0,
    evaluated ? "continuous probability reported; cut-off (Youden) chosen on each fold's training data and applied to its held-out patients" : 'not evaluated',
  );
  const discrimination = evaluated ? 2 : 0;
  add(
    9,
    'Discrimination statistics',
    '+1 with significance (CI/p), +1 resampling',
    discrimination,
    evaluated
      ? 'AUC with DeLong 95 % CI (+1) on nested cross-validation, repeated, with a bootstrap optimism-corrected AUC of the refit (+1)'
      : 'not evaluated',
  );
  const cal = metrics.optimismCorrectedCalibration;
  // The first point asks for the statistic with its significance: an interval of each reported calibration statistic.
  const reported = [
    { name: 'calibration-in-the-large', s: cal?.intercept },
    { name: 'calibration slope', s: cal?.slope },
  ].filter((x) => !!x.s);
  const withIntervals = reported.length > 0 && reported.every((x) => !!x.s!.ci);
  const names = reported.map((x) => x.name).join(' and ');
  const missing =
    cal && !cal.slope ? ' (slope not estimable, see the card)' : cal && !cal.intercept ? ' (calibration-in-the-large not estimable, see the card)' : '';
  add(
    10,
    'Calibration statistics',
    '+1 with significance (CI/p), +1 resampling',
    reported.length > 0 ? (withIntervals ? 2 : 1) : 0,
    reported.length > 0
      ? withIntervals
        ? `${names} of the deployed refit with 95 % bootstrap intervals (+1), bootstrap optimism-corrected (+1 resampling)${missing}`
        : `${names} of the refit, bootstrap optimism-corrected (+1 resampling)${missing}; no interval is reported for them, so the first point is not earned`
      : `no calibration statistic available${metrics.notes.optimismCorrectedAuc ? `: ${metrics.notes.optimismCorrectedAuc}` : ''}`,
  );
  const prospective = options.prospective;
  add(
    11,
    'Prospective study registered in a trial database',
    '+7',
    prospective && options.trialRegistration ? 7 : 0,
    prospective && options.trialRegistration
      ? `prospective predictions on the ledger (${prospective.patients} patients), study registered as ${options.trialRegistration}`
      : prospective
        ? `the ledger holds prospective predictions (${prospective.patients} patients), but no trial registration is recorded: not earned`
        : 'no prospective evidence on the ledger yet, no trial registration',
  );
  add(
    12,
    'Validation',
    '−5 none, +2 same institute, +3 other institute, +4 two institutes or a published signature, +5 three or more',
    validation ? 2 : -5,
    validation
      ? `${options.prospective ? 'prospective (ledger)' : 'locked hold-out'} patients of the same study: ${validation.patients} patients, AUC ${validation.auc === null ? '—' : validation.auc.toFixed(3)} (same institute, +2)`
      : 'internal validation only (nested cross-validation); the locked hold-out is scored by the promotion gate, not in this report: the penalty applies',
  );
  add(
    13,
    "Comparison to 'gold standard'",
    '+2',
    comparisons.length > 0 ? 2 : 0,
    comparisons.length > 0
      ? `paired DeLong comparison with ${comparisons.map((c) => c.versus).join(', ')} (the criteria read today)`
      : radiomics
        ? 'no comparison with the clinical model or the simple criteria in this candidate'
        : 'the clinical model is itself the comparator of the radiomics models',
  );
  add(
    14,
    'Potential clinical utility',
    '+2',
    metrics.netBenefit.length > 0 ? 2 : 0,
    metrics.netBenefit.length > 0 ? 'decision curve analysis of acting on predicted poor responders' : 'no decision curve',
  );
  add(15, 'Cost-effectiveness analysis', '+1', 0, 'none');
  add(
    16,
    'Open science and data',
    '+1 scans, +1 segmentations, +1 code, +1 features and representative ROIs',
    0,
    'the publication of scans, masks, code and features is decided outside the pipeline; none is recorded as open',
  );
  return items;
}

export function rqsAssessment(data: ReportData): string {
  const items = rqsItems(data);
  const total = items.reduce((s, x) => s + x.points, 0);
  const radiomics = (MODEL_KIND_SPECS[data.candidate.kind].families as readonly string[]).some((f) => f !== 'clinical');
  return (
    [
      `# Radiomics Quality Score: ${data.options.modelName ?? data.candidate.artifact.studyId} — ${data.candidate.kind} model`,
      '',
      'Items and points of the Radiomics Quality Score (Lambin P, Leijenaar RTH, Deist TM, et al. Radiomics: the bridge between medical imaging and personalized medicine. ' +
        'Nat Rev Clin Oncol 2017;14:749–762, Table 2; checklist at radiomics.world). Scores range from −8 to 36.',
      ...(radiomics ? [] : ['', '> This model uses no radiomics features; the score is given for comparison with the radiomics models only.']),
      '',
      `**Total: ${total} of ${RQS_MAX} (${((100 * total) / RQS_MAX).toFixed(1)} %).**`,
      '',
      table(
        ['item', 'criterion', 'points allowed', 'points', 'why'],
        items.map((x) => [String(x.item), x.criterion, x.allowed, String(x.points), x.why]),
      ),
    ].join('\n') + '\n'
  );
}
