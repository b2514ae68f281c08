// The model card (after Mitchell et al. 2019, "Model Cards for Model Reporting", FAT* '19): intended and out-of-scope
// use, data, model, performance with intervals, calibration, the decision curve, limitations, ethical considerations
// and versioning, in Markdown. Every number is the candidate's (or the report options', named as such); a number the
// candidate does not hold is written as not available, with why, never estimated here.
import { MODEL_KIND_SPECS, type NetBenefitPoint, type OptimismCorrectedStatistic } from '../../contracts/models';
import { GOOD_RESPONSE_NECROSIS_PCT } from '../dataset';
import { sigmoid } from '../stats/logistic';
import type { RiskGroup } from './calibrationPlot';
import type { ExternalEvidence, ReportData } from './input';

/** A number for the card: `digits` significant decimals, '—' for null. */
export const f3 = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits).replace(/^-(0\.?0*)$/, '$1');
const ci = (c: readonly [number, number] | null | undefined, digits = 3) => (c ? `${f3(c[0], digits)} to ${f3(c[1], digits)}` : '—');

/** A comparator as a clinician names it ('criterion:volumeChangePct' → the criterion with its direction). */
function comparatorLabel(versus: string): string {
  const labels: Record<string, string> = {
    clinical: 'clinical model (out-of-fold)',
    baseline: 'baseline radiomics model (out-of-fold)',
    'criterion:volumeChangePct': 'tumour volume change (%), shrinkage = good',
    'criterion:deltaAdcMean': 'ΔADC mean, rise = good',
  };
  return labels[versus] ?? versus;
}
const sig = (v: number) => String(Number(v.toPrecision(4)));
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** The files of the report, relative to the run's artifact root, as the card lists them. */
export const REPORT_FILES = {
  card: 'report/model-card.md',
  tripod: 'report/tripod-ai.md',
  rqs: 'report/rqs.md',
  roc: 'report/roc.svg',
  calibration: 'report/calibration.svg',
  decisionCurve: 'report/decision-curve.svg',
} as const;

export interface CardExtras {
  groups: RiskGroup[];
  calibrationNotes: string[];
  modelBest: number[];
}

/** Events per candidate predictor: the smaller outcome class over the features offered (Peduzzi et al. 1996). */
export function eventsPerVariable(data: ReportData): { limiting: number; offered: number; epv: number | null; selected: number; epvSelected: number | null } {
  const { dataset } = data.candidate.artifact;
  const limiting = Math.min(dataset.events, dataset.patients - dataset.events);
  const offered = data.candidate.offered;
  const selected = data.candidate.artifact.coefficients.filter((b) => b !== 0).length;
  return { limiting, offered, epv: offered > 0 ? limiting / offered : null, selected, epvSelected: selected > 0 ? limiting / selected : null };
}

function evidenceLine(name: string, e: ExternalEvidence | undefined, missing: string): string {
  if (!e) return `- **${name}**: ${missing}`;
  return `- **${name}**: ${e.patients} patients (${e.events} good, ${e.patients - e.events} poor responders); AUC ${f3(e.auc)} (95 % CI ${ci(e.aucCi)}).`;
}

function decisionSummary(points: readonly NetBenefitPoint[], best: readonly number[]): string {
  if (points.length === 0) return 'The candidate holds no decision curve.';
  if (best.length === 0)
    return 'At none of the thresholds does acting on the model give more net benefit than flagging every patient or no patient: on these data the model adds no clinical utility for this decision.';
  return `The model gives more net benefit than flagging every patient or no patient at thresholds ${best.join(', ')} of P(poor response)${
    best.length < points.length
      ? `, and not at ${points
          .filter((p) => !best.includes(p.threshold))
          .map((p) => p.threshold)
          .join(', ')}`
      : ''
  }.`;
}

export function modelCard(data: ReportData, extras: CardExtras): string {
  const { candidate, options } = data;
  const { artifact, metrics, kind } = candidate;
  const { dataset, training } = artifact;
  const name = options.modelName ?? `${artifact.studyId} response model`;
  const poor = dataset.patients - dataset.events;
  const families = MODEL_KIND_SPECS[kind].families.join(', ');
  const kept = artifact.features.map((feature, j) => ({ feature, beta: artifact.coefficients[j], j })).filter((c) => c.beta !== 0);
  const epv = eventsPerVariable(data);
  const holdoutPatients = data.param('holdout_patients');
  const robustnessPatients = data.param('robustness_patients');
  const iccThreshold = data.param('icc_threshold');
  const out: string[] = [];
  const line = (s = '') => out.push(s);

  line(`# Model card: ${name} — ${kind} model`);
  line();
  line(
    `Generated ${(options.generatedAt ?? new Date().toISOString()).slice(0, 10)} from the training run's candidate (model trained ${artifact.trainedAt.slice(0, 10)}). ` +
      `Figures: [ROC](roc.svg), [calibration](calibration.svg), [decision curve](decision-curve.svg) (PNG beside each); checklists: [TRIPOD+AI](tripod-ai.md), [RQS](rqs.md).`,
  );
  if (!data.evaluated) {
    line();
    line(
      `> **Not evaluated.** This model was registered without a dataset (0 patients, no out-of-fold predictions): there is no performance to report. ${Object.values(metrics.notes).join(' ')}`,
    );
  }
  if (data.dataOrigin === 'synthetic') {
    line();
    line(
      '> **Synthetic data.** The study is a synthetic one (study id with the `SYNTH-` prefix of the main job, or declared so): every number below describes simulated patients and says nothing about real osteosarcoma.',
    );
  }

  line();
  line('## Intended use');
  line(
    `- Predicts the probability of a **good histological response** to neoadjuvant chemotherapy in osteosarcoma — necrosis ≥ ${GOOD_RESPONSE_NECROSIS_PCT} % of the resected tumour (Huvos grade III/IV) — ` +
      `from data available at timepoint **${artifact.predictAt}** (timepoints used: ${artifact.timepoints.slice(0, artifact.timepoints.indexOf(artifact.predictAt) + 1).join(', ')}), before surgery.`,
  );
  line(
    '- Intended decision: flagging likely **poor responders** (necrosis below the cut-off) for discussion by the treating team; the decision curve below is framed on that decision.',
  );
  line(
    "- Intended users: the study's clinicians and researchers, in research use inside osteoflow (predictions are written to the hash-chained prediction ledger; a version becomes `champion` only through the promotion gate and a named person's approval).",
  );
  line();
  line('## Out-of-scope use');
  line('- Replacing the pathological response assessment: the outcome is histology after resection; the model only anticipates it.');
  line('- Deciding treatment on its own, or any use as a medical device: it is not validated or cleared for clinical decisions.');
  line(
    `- Patients outside study ${artifact.studyId}'s protocol: features from another parameter file (hash ${artifact.engine.paramHash.slice(0, 12)}…) or another engine version are refused by the pipeline; other tumours, ages, chemotherapy regimens or scanners are untested.`,
  );
  line(`- Predicting before timepoint ${artifact.predictAt}: the model needs that timepoint's data.`);

  line();
  line('## Data');
  line(
    table(
      ['item', 'value'],
      [
        ['study', artifact.studyId],
        ['data origin', data.dataOrigin === 'unknown' ? 'not recorded in the candidate (state whether the images are clinical or synthetic)' : data.dataOrigin],
        ['training patients', String(dataset.patients)],
        ['good responders (events)', String(dataset.events)],
        ['poor responders', String(poor)],
        ['timepoints (protocol order)', artifact.timepoints.join(', ')],
        ['predicts at', artifact.predictAt],
        ['feature families', families],
        ['features offered to the model (after the robustness screen)', String(candidate.offered)],
        [
          'robustness screen',
          robustnessPatients === null
            ? 'not recorded in this run'
            : `ICC(1,1) > ${iccThreshold ?? '—'} over eroded / original / dilated masks of ${robustnessPatients} patients`,
        ],
        [
          'locked hold-out',
          holdoutPatients === null
            ? 'not recorded in this run'
            : `${holdoutPatients} patients kept out of training (evaluated by the promotion gate, not here)`,
        ],
        ['feature engine', `${artifact.engine.name} ${artifact.engine.version}, parameter hash ${artifact.engine.paramHash}`],
        ['dataset fingerprint (SHA-256)', dataset.fingerprint],
      ],
    ),
  );

  line();
  line('## Model');
  line(
    `Logistic regression with an elastic-net penalty (α = ${training.alpha}${training.alpha === 1 ? ', the LASSO' : ''}) on standardised features; λ = ${sig(training.lambda)} chosen by ` +
      `${training.innerFolds}-fold inner cross-validation (${training.lambdaRule === '1se' ? 'largest λ within one standard error of the best loss' : 'the best loss'}), ` +
      `after a Spearman redundancy filter and mRMR ranking rerun inside every fold. Nested cross-validation: ${training.outerFolds} outer × ${training.innerFolds} inner folds, ` +
      `${training.repeats} repeats, seed ${training.seed}. Youden cut-off of the deployed refit: ${f3(artifact.youdenCutoff)}.`,
  );
  line();
  if (kept.length === 0) {
    line(
      `**No predictor kept**: at the chosen λ every coefficient is 0, so the deployed model gives every patient the same probability of good response, ` +
        `${f3(sigmoid(artifact.intercept))} (intercept ${f3(artifact.intercept)} on the logit scale). There is no nomogram${metrics.notes.nomogram ? ` (${metrics.notes.nomogram})` : ''}.`,
    );
  } else {
    line(
      `Intercept (standardised scale) ${f3(artifact.intercept, 4)}; per raw unit ${f3(artifact.original.intercept, 4)}. Coefficients of the kept predictors:`,
    );
    line();
    line(
      table(
        ['feature', 'β (per SD)', 'β (per raw unit)', 'training mean', 'training SD', 'training range'],
        kept.map((c) => {
          const range = artifact.ranges[c.feature];
          return [
            `\`${c.feature}\``,
            f3(c.beta, 4),
            sig(artifact.original.coefficients[c.feature] ?? 0),
            sig(artifact.scaler.means[c.j]),
            sig(artifact.scaler.scales[c.j]),
            range ? `${sig(range[0])} to ${sig(range[1])}` : '—',
          ];
        }),
      ),
    );
    const zero = artifact.features.length - kept.length;
    if (zero > 0) line(`\n${zero} further selected feature${zero === 1 ? '' : 's'} entered the fit with coefficient 0.`);
  }

  line();
  line('## Performance');
  if (!data.evaluated) line('Not evaluated (no patients).');
  else {
    line(
      "Internal validation by nested cross-validation: every patient's probability comes from models that never saw the patient, " +
        'averaged over the repeats; the whole procedure (selection, λ, fit) ran inside each fold.',
    );
    line();
    const oc = metrics.optimismCorrectedAuc;
    const rows: string[][] = [
      ['AUC, nested-CV out-of-fold (95 % CI, DeLong)', `${f3(metrics.auc)} (${ci(metrics.aucCi)})`],
      ['mean AUC of the outer folds', f3(metrics.meanFoldAuc)],
      [
        'AUC of the deployed refit, optimism-corrected (bootstrap)',
        oc
          ? `${f3(oc.corrected)}${oc.ci ? ` (95 % CI ${ci(oc.ci)})` : ''} (apparent ${f3(oc.apparent)}, optimism ${f3(oc.optimism)}, ${oc.replicates} replicates)`
          : `not available: ${metrics.notes.optimismCorrectedAuc ?? 'not computed'}`,
      ],
      ['Brier score (out-of-fold)', f3(metrics.brier)],
      [
        "sensitivity / specificity / accuracy at each fold's training Youden cut-off",
        `${f3(metrics.sensitivity)} / ${f3(metrics.specificity)} / ${f3(metrics.accuracy)}`,
      ],
    ];
    line(table(['statistic', 'value'], rows));
    const comparisons = metrics.comparisons ?? [];
    if (comparisons.length > 0) {
      line();
      line('Paired DeLong comparisons on the same patients (difference = this model − comparator):');
      line();
      line(
        table(
          ['comparator', 'AUC', 'comparator AUC', 'difference (95 % CI)', 'p'],
          comparisons.map((c) => [comparatorLabel(c.versus), f3(c.auc), f3(c.versusAuc), `${f3(c.difference)} (${ci(c.ci)})`, f3(c.p)]),
        ),
      );
    }
    line();
    line(
      evidenceLine(
        'Locked hold-out',
        options.holdout,
        holdoutPatients === null
          ? 'not recorded in this run.'
          : `${holdoutPatients} patients, not evaluated at registration: the promotion gate scores them (version tags \`gate.*\`).`,
      ),
    );
    line(evidenceLine('Prospective (prediction ledger)', options.prospective, 'none yet: no frozen prediction of this version has met its pathology.'));
  }

  line();
  line('## Calibration');
  if (data.evaluated) {
    const cal = metrics.optimismCorrectedCalibration;
    const stat = (s: OptimismCorrectedStatistic | null | undefined, note: string | undefined) =>
      s
        ? `${f3(s.corrected)} (apparent ${s.apparent === null ? '∞ (separated)' : f3(s.apparent)}, optimism ${f3(s.optimism)}, ${s.replicates} replicates)`
        : `not available${note ? `: ${note}` : ''}`;
    const interval = (s: OptimismCorrectedStatistic | null | undefined, note: string | undefined) => (s?.ci ? ci(s.ci) : `none${note ? `: ${note}` : ''}`);
    line(
      table(
        ['statistic of the deployed refit (optimism-corrected)', 'value', '95 % CI (bootstrap)', 'ideal'],
        [
          [
            'calibration-in-the-large',
            stat(cal?.intercept, metrics.notes.calibrationInTheLarge ?? metrics.notes.optimismCorrectedAuc),
            interval(cal?.intercept, metrics.notes.calibrationInTheLargeCi),
            '0',
          ],
          [
            'calibration slope',
            stat(cal?.slope, metrics.notes.calibrationSlope ?? metrics.notes.optimismCorrectedAuc),
            interval(cal?.slope, metrics.notes.calibrationSlopeCi),
            '1',
          ],
        ],
      ),
    );
    line();
    line(
      "Harrell's bootstrap: the whole procedure refitted on each resample, the mean optimism subtracted from the deployed refit's apparent value. " +
        "Each interval is the corrected value ± 1.96 × the bootstrap standard deviation of the deployed refit's own statistic on the resamples " +
        '(models/README.md, "Training"). An interval that contains the ideal value does not show the model calibrated; on a few dozen patients it is wide. ' +
        (metrics.hosmerLemeshow
          ? `Hosmer–Lemeshow (10 risk groups): χ² ${f3(metrics.hosmerLemeshow.statistic)} on ${metrics.hosmerLemeshow.degreesOfFreedom} df, p = ${f3(metrics.hosmerLemeshow.p)}.`
          : `Hosmer–Lemeshow: not reported — ${metrics.notes.hosmerLemeshow ?? 'not computed'}.`),
    );
    line();
    if (extras.groups.length > 0) {
      line(
        'The [calibration plot](calibration.svg) shows the **nested-CV out-of-fold** probabilities (the mean over repeats of models trained on fewer patients), ' +
          "not the deployed refit's: it pictures the procedure's calibration. Risk groups with 95 % Wilson intervals:",
      );
      line();
      line(
        table(
          ['group', 'patients', 'mean predicted', 'observed good', 'observed share (95 % CI)'],
          extras.groups.map((g, i) => [String(i + 1), String(g.patients), f3(g.meanPredicted), String(g.events), `${f3(g.observed)} (${ci(g.ci)})`]),
        ),
      );
    }
    for (const note of extras.calibrationNotes) line(`\nCalibration plot: ${note}.`);
  } else line('Not evaluated.');

  line();
  line('## Decision curve');
  if (metrics.netBenefit.length > 0) {
    line(
      'Net benefit of flagging a patient as a poor responder when P(poor) = 1 − P(good) reaches the threshold (Vickers & Elkin 2006), on the out-of-fold predictions:',
    );
    line();
    line(
      table(
        ['threshold P(poor)', 'model', 'treat all', 'treat none', 'best'],
        metrics.netBenefit.map((p) => {
          const best = p.model > Math.max(p.treatAll, 0) + 1e-12 ? 'model' : p.treatAll > 1e-12 && p.treatAll >= p.model ? 'treat all' : 'treat none';
          return [String(p.threshold), f3(p.model), f3(p.treatAll), '0', best];
        }),
      ),
    );
    line();
  }
  line(decisionSummary(metrics.netBenefit, extras.modelBest));

  line();
  line('## Limitations');
  line(
    `- **Sample size**: ${dataset.patients} patients, ${dataset.events} good and ${poor} poor responders. ` +
      (epv.epv === null
        ? 'No candidate predictors.'
        : `Events per candidate variable ${f3(epv.epv, 2)} (${epv.limiting} in the smaller class / ${epv.offered} features offered)` +
          `${epv.epvSelected === null ? '' : `, ${f3(epv.epvSelected, 2)} per kept predictor (${epv.selected})`}: ` +
          `${epv.epv < 10 ? 'below' : 'at or above'} the 10 of the old rule of thumb (Peduzzi et al. 1996, J Clin Epidemiol 49:1373), which Riley et al. (2020, BMJ 368:m441) show is often not enough. ` +
          'Expect the estimates above to be imprecise (their intervals say how much) and the selected features to change with a few patients more or less.'),
  );
  line(
    "- **Single site, internal validation only**: osteoflow records no centre per patient; the data are one study's, and nested cross-validation is internal validation. " +
      'Transportability to other hospitals, scanners or protocols is unknown until external or prospective data exist.',
  );
  if (data.dataOrigin === 'synthetic') line('- **Synthetic data**: the patients are simulated; performance on real patients is unknown.');
  if (data.dataOrigin === 'unknown') line('- **Data origin not recorded**: the candidate does not say whether the images are clinical or synthetic.');
  if (data.constant)
    line(
      '- **Every out-of-fold probability is the same**: the models carry no information that separates the patients (AUC 0.5 by construction; no risk ranking).',
    );
  line(
    "- **Calibration**: the deployed refit's calibration is estimated by the bootstrap on the training patients only; on a few dozen patients its uncertainty is large.",
  );
  // Notes the sections above already print are not repeated.
  for (const [key, note] of Object.entries(metrics.notes)) if (key !== 'hosmerLemeshow' && key !== 'nomogram') line(`- Note (${key}): ${note}`);

  line();
  line('## Ethical considerations');
  line(
    '- Patients are identified by pseudonyms only; model.json lists the training pseudonyms so that a prediction for a training patient is flagged in-sample. No names, dates of birth or images leave the pipeline in this report.',
  );
  line(
    '- Fairness: osteoflow records no sociodemographic groups with the outcome, so performance by sex, age group or ethnicity is **not assessed**; it must be before clinical use.',
  );
  line(
    '- Harm: a falsely reassuring "good response" prediction could delay a change of treatment, a false "poor response" could prompt one; the histological assessment stays the reference and the model is research decision support.',
  );
  line(
    "- Oversight: champion changes need the promotion gate and a named person's approval, are audited in registry tags and can be rolled back; every prediction is in the append-only ledger.",
  );

  line();
  line('## Versioning');
  line(
    table(
      ['item', 'value'],
      [
        ['registered model', options.modelName ?? '—'],
        ['model version', "the version whose source is this run's `model/` folder (the registry numbers it at registration)"],
        ['kind', kind],
        ['artifact format', artifact.format],
        ['trained at', artifact.trainedAt],
        ['dataset fingerprint', dataset.fingerprint],
        ['feature engine', `${artifact.engine.name} ${artifact.engine.version}`],
        ['parameter hash', artifact.engine.paramHash],
        ['training seed', String(training.seed)],
      ],
    ),
  );
  return `${out.join('\n')}\n`;
}
