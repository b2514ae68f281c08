// The report's files and content: the model card's numbers are the candidate's (checked against values worked out
// here), the TRIPOD+AI checklist lists every item with an honest status, the RQS totals by hand; an intercept-only
// candidate and a never-evaluated one still get a report that says what is missing; bad input is refused with the
// field named.
import { ModelInputError } from '../../../../models/stats/errors';
import { modelReport, reportData } from '../../../../models/report';
import { eventsPerVariable } from '../../../../models/report/modelCard';
import { rqsItems } from '../../../../models/report/rqs';
import { tripodItems } from '../../../../models/report/tripod';
import { candidate, interceptOnly, LABELS, unevaluated } from './fixture';

const PARAMS = { holdout_patients: '2', robustness_patients: '12', icc_threshold: '0.75' };
const file = (files: { path: string; content: string }[], path: string) => {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path}`);
  return f.content;
};

describe('modelReport', () => {
  const files = modelReport(candidate(), { labels: LABELS, modelName: 'os-response', params: PARAMS, generatedAt: '2026-12-01T00:00:00Z' });
  const card = file(files, 'report/model-card.md');

  it('writes the three plots, the model card and both checklists under report/', () => {
    expect(files.map((f) => f.path)).toEqual([
      'report/roc.svg',
      'report/calibration.svg',
      'report/decision-curve.svg',
      'report/model-card.md',
      'report/tripod-ai.md',
      'report/rqs.md',
    ]);
  });

  it("puts the candidate's data and model in the card", () => {
    expect(card).toContain('# Model card: os-response — delta model');
    expect(card).toContain('Generated 2026-12-01');
    expect(card).toContain('| training patients | 6 |');
    expect(card).toContain('| good responders (events) | 3 |');
    expect(card).toContain('| poor responders | 3 |');
    expect(card).toContain('| predicts at | mid |');
    expect(card).toContain('| locked hold-out | 2 patients kept out of training (evaluated by the promotion gate, not here) |');
    expect(card).toContain('ICC(1,1) > 0.75 over eroded / original / dilated masks of 12 patients');
    expect(card).toContain('elastic-net penalty (α = 1, the LASSO)');
    expect(card).toContain('λ = 0.0421 chosen by 3-fold inner cross-validation (largest λ within one standard error of the best loss)');
    expect(card).toContain('3 outer × 3 inner folds, 5 repeats, seed 7');
    // Only the non-zero coefficient is a kept predictor; the zero one is counted.
    expect(card).toContain('| `delta:mid:named:volumeChangePct` | -0.7500 | -0.0375 | -12.5 | 20 | -60 to 40 |');
    expect(card).not.toContain('| `delta:mid:ADC:original_firstorder_Mean`');
    expect(card).toContain('1 further selected feature entered the fit with coefficient 0.');
    expect(card).toContain('timepoints used: baseline, mid');
  });

  it('gives performance with intervals, calibration, and the decision curve from the candidate', () => {
    expect(card).toContain('| AUC, nested-CV out-of-fold (95 % CI, DeLong) | 0.778 (0.400 to 1.000) |');
    expect(card).toContain(
      '| AUC of the deployed refit, optimism-corrected (bootstrap) | 0.790 (95 % CI 0.550 to 1.000) (apparent 0.860, optimism 0.070, 200 replicates) |',
    );
    // Every comparator named as a clinician reads it, the clinical model first.
    expect(card).toContain('| clinical model (out-of-fold) | 0.778 | 0.556 | 0.222 (-0.300 to 0.750) | 0.400 |');
    expect(card).toContain('| tumour volume change (%), shrinkage = good | 0.778 | 0.700 | 0.078 (-0.200 to 0.350) | 0.610 |');
    expect(card).toContain('| calibration-in-the-large | -0.100 (apparent 0.000, optimism 0.100, 200 replicates) | -1.700 to 1.500 | 0 |');
    expect(card).toContain('| calibration slope | 0.800 (apparent 1.000, optimism 0.200, 198 replicates) | -0.400 to 2.000 | 1 |');
    expect(card).toContain('Hosmer–Lemeshow: not reported — 6 patients in 3 risk groups are too few');
    // Risk groups of the six patients (defaultGroups(6) = 1): all six, 3 good, mean prediction 3.6/6 = 0.6.
    expect(card).toContain('| 1 | 6 | 0.600 | 3 | 0.500 (');
    expect(card).toContain('| 0.3 | 0.190 | 0.286 | 0 | treat all |');
    expect(card).toContain('| 0.5 | 0.333 | 0.000 | 0 | model |');
    expect(card).toContain('at thresholds 0.5 of P(poor response), and not at 0.3');
    expect(card).toContain('**Locked hold-out**: 2 patients, not evaluated at registration');
    expect(card).toContain('**Prospective (prediction ledger)**: none yet');
  });

  it('states the limitations with the events per variable worked out here', () => {
    // Smaller class 3, 4 features offered → 0.75; 1 kept predictor → 3.
    expect(eventsPerVariable(reportData(candidate()))).toEqual({ limiting: 3, offered: 4, epv: 0.75, selected: 1, epvSelected: 3 });
    expect(card).toContain('Events per candidate variable 0.75 (3 in the smaller class / 4 features offered), 3.00 per kept predictor (1): below the 10');
    expect(card).toContain('**Single site, internal validation only**');
    expect(card).toContain('**Data origin not recorded**');
    expect(card).toContain('## Ethical considerations');
    expect(card).toContain('| dataset fingerprint | ' + 'b'.repeat(64) + ' |');
  });

  it('marks a synthetic study as such', () => {
    const synthetic = candidate({ artifact: { ...candidate().artifact, studyId: 'SYNTH-20261201' } });
    const text = file(modelReport(synthetic, { labels: LABELS }), 'report/model-card.md');
    expect(text).toContain('> **Synthetic data.**');
    expect(text).toContain('- **Synthetic data**: the patients are simulated');
  });

  it('reports the hold-out and prospective evidence when given', () => {
    const text = file(
      modelReport(candidate(), {
        labels: LABELS,
        holdout: { patients: 8, events: 4, auc: 0.75, aucCi: [0.4, 1] },
        prospective: { patients: 22, events: 10, auc: 0.81, aucCi: [0.62, 0.99] },
      }),
      'report/model-card.md',
    );
    expect(text).toContain('- **Locked hold-out**: 8 patients (4 good, 4 poor responders); AUC 0.750 (95 % CI 0.400 to 1.000).');
    expect(text).toContain('- **Prospective (prediction ledger)**: 22 patients (10 good, 12 poor responders); AUC 0.810 (95 % CI 0.620 to 0.990).');
  });
});

describe('TRIPOD+AI checklist', () => {
  const data = reportData(candidate(), { labels: LABELS, params: PARAMS });
  const items = tripodItems(data);

  it('lists every item and part of the published checklist, 1 to 27c', () => {
    // prettier-ignore
    expect(items.map((x) => x.item)).toEqual([
      '1', '2', '3a', '3b', '3c', '4', '5a', '5b', '6a', '6b', '6c', '7', '8a', '8b', '8c', '9a', '9b', '9c', '10', '11',
      '12a', '12b', '12c', '12d', '12e', '12f', '12g', '13', '14', '15', '16', '17', '18a', '18b', '18c', '18d', '18e', '18f',
      '19', '20a', '20b', '20c', '21', '22', '23a', '23b', '24', '25', '26', '27a', '27b', '27c',
    ]);
    for (const x of items) expect(x.where.length).toBeGreaterThan(10);
  });

  // prettier-ignore
  it('keeps the published numbering, topics and applicability of each item (Collins et al. 2024, BMJ 385:e078378, Table 1)', () => {
    // Read off the published checklist: topic per item, and the items concerning development (D) or evaluation (E) only.
    const topics: Record<string, string> = {
      '1': 'Title', '2': 'Abstract', '3a': 'Background', '3b': 'Background', '3c': 'Background', '4': 'Objectives',
      '5a': 'Data', '5b': 'Data', '6a': 'Participants', '6b': 'Participants', '6c': 'Participants', '7': 'Data preparation',
      '8a': 'Outcome', '8b': 'Outcome', '8c': 'Outcome', '9a': 'Predictors', '9b': 'Predictors', '9c': 'Predictors',
      '10': 'Sample size', '11': 'Missing data', '12a': 'Analytical methods', '12b': 'Analytical methods',
      '12c': 'Analytical methods', '12d': 'Analytical methods', '12e': 'Analytical methods', '12f': 'Analytical methods',
      '12g': 'Analytical methods', '13': 'Class imbalance', '14': 'Fairness', '15': 'Model output',
      '16': 'Training versus evaluation', '17': 'Ethical approval', '18a': 'Funding', '18b': 'Conflicts of interest',
      '18c': 'Protocol', '18d': 'Registration', '18e': 'Data sharing', '18f': 'Code sharing',
      '19': 'Patient and public involvement', '20a': 'Participants', '20b': 'Participants', '20c': 'Participants',
      '21': 'Model development', '22': 'Model specification', '23a': 'Model performance', '23b': 'Model performance',
      '24': 'Model updating', '25': 'Interpretation', '26': 'Limitations',
      '27a': 'Usability of the model in the context of current care', '27b': 'Usability of the model in the context of current care',
      '27c': 'Usability of the model in the context of current care',
    };
    const developmentOnly = ['9a', '12a', '12b', '12c', '15', '22', '27a', '27b'];
    const evaluationOnly = ['12f', '12g', '20c', '24'];
    expect(Object.fromEntries(items.map((x) => [x.item, x.topic]))).toEqual(topics);
    for (const x of items) {
      expect(x.applies).toBe(developmentOnly.includes(x.item) ? 'D' : evaluationOnly.includes(x.item) ? 'E' : 'D;E');
    }
    expect(items.filter((x) => x.section === 'Open science').map((x) => x.item)).toEqual(['18a', '18b', '18c', '18d', '18e', '18f']);
    expect(items.find((x) => x.item === '12e')!.asks).toMatch(/performance measures/i);
  });

  it('is honest: study-conduct items are not reported, performance only partly (no subgroups)', () => {
    const status = (item: string) => items.find((x) => x.item === item)!.status;
    expect(status('17')).toBe('not reported');
    expect(status('14')).toBe('not reported');
    expect(status('20b')).toBe('not reported');
    expect(status('23a')).toBe('partly');
    expect(status('12e')).toBe('reported');
    expect(status('18d')).toBe('not reported');
    expect(status('18d')).not.toBe(tripodItems(reportData(candidate(), { trialRegistration: 'ISRCTN00000000' })).find((x) => x.item === '18d')!.status);
    const text = file(modelReport(candidate(), { labels: LABELS }), 'report/tripod-ai.md');
    const counts = ['reported', 'partly', 'not reported'].map((s) => items.filter((x) => x.status === s).length);
    expect(text).toContain(`Of 52 items and parts: **${counts[0]} reported**, ${counts[1]} partly, ${counts[2]} not reported.`);
    expect(counts[2]).toBeGreaterThan(10);
    expect(text).toContain('BMJ 2024;385:e078378');
  });
});

describe('Radiomics Quality Score', () => {
  it('totals the points the pipeline earns, worked out item by item', () => {
    const items = rqsItems(reportData(candidate(), { labels: LABELS, params: PARAMS }));
    expect(items.map((x) => x.item)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    // 2 robustness screen 1, 5 feature reduction 3, 8 cut-off 1, 9 discrimination 2, 10 calibration 2 (intervals and
    // resampling), 12 validation −5 (none beyond nested CV), 13 comparison 2, 14 decision curve 2; the others 0 → 8.
    expect(items.map((x) => x.points)).toEqual([0, 1, 0, 0, 3, 0, 0, 1, 2, 2, 0, -5, 2, 2, 0, 0]);
    const text = file(modelReport(candidate(), { labels: LABELS, params: PARAMS }), 'report/rqs.md');
    expect(text).toContain('**Total: 8 of 36 (22.2 %).**');
    // Without intervals only the resampling point is earned.
    const base = candidate();
    const cal = base.metrics.optimismCorrectedCalibration!;
    const noIntervals = candidate({
      metrics: { ...base.metrics, optimismCorrectedCalibration: { intercept: { ...cal.intercept!, ci: null }, slope: { ...cal.slope!, ci: null } } },
    });
    expect(rqsItems(reportData(noIntervals, { params: PARAMS })).find((x) => x.item === 10)!.points).toBe(1);
    // A refit whose slope cannot be estimated (it separates its patients) still earns both with calibration-in-the-large
    // and its interval, and says which statistic it is.
    const noSlope = candidate({ metrics: { ...base.metrics, optimismCorrectedCalibration: { intercept: cal.intercept, slope: null } } });
    const item10 = rqsItems(reportData(noSlope, { params: PARAMS })).find((x) => x.item === 10)!;
    expect(item10.points).toBe(2);
    expect(item10.why).toBe(
      'calibration-in-the-large of the deployed refit with 95 % bootstrap intervals (+1), bootstrap optimism-corrected (+1 resampling) (slope not estimable, see the card)',
    );
    expect(text).toContain('Nat Rev Clin Oncol 2017;14:749–762');
  });

  it('earns validation and the prospective item only on that evidence, and item 6 only for a combined model', () => {
    const prospective = { patients: 22, events: 10, auc: 0.81, aucCi: [0.62, 0.99] as [number, number] };
    const withLedger = rqsItems(reportData(candidate(), { params: PARAMS, prospective }));
    expect(withLedger.find((x) => x.item === 11)!.points).toBe(0); // no trial registration
    expect(withLedger.find((x) => x.item === 12)!.points).toBe(2);
    const registered = rqsItems(reportData(candidate(), { params: PARAMS, prospective, trialRegistration: 'ISRCTN00000000' }));
    // 8 − (−5) + 2 + 7 = 22.
    expect(registered.reduce((s, x) => s + x.points, 0)).toBe(22);
    const combined = rqsItems(reportData(candidate({ kind: 'combined', artifact: { ...candidate().artifact, kind: 'combined' } }), { params: PARAMS }));
    expect(combined.find((x) => x.item === 6)!.points).toBe(1);
    const noScreen = rqsItems(reportData(candidate()));
    expect(noScreen.find((x) => x.item === 2)!.points).toBe(0);
  });
});

describe('a candidate whose refit kept no predictor', () => {
  const files = modelReport(interceptOnly(), { labels: LABELS, params: PARAMS });
  const card = file(files, 'report/model-card.md');

  it('still gets every file, and the card says the model gives everyone the same probability', () => {
    expect(files).toHaveLength(6);
    expect(card).toContain(
      '**No predictor kept**: at the chosen λ every coefficient is 0, so the deployed model gives every patient the same probability of good response, 0.500',
    );
    expect(card).toContain('There is no nomogram (the model kept no predictor (every coefficient is 0 at the chosen λ): there is no nomogram to draw).');
    expect(card).toContain('**Every out-of-fold probability is the same**');
    expect(card).toContain('| AUC, nested-CV out-of-fold (95 % CI, DeLong) | 0.500 (0.500 to 0.500) |');
    expect(card).toContain('Calibration plot: 1 distinct prediction: no smoothed curve (at least 3 needed).');
    expect(card).toContain('| calibration slope | not available | none | 1 |');
    expect(card).toContain('At none of the thresholds does acting on the model give more net benefit');
  });

  it('draws the diagonal ROC and one risk group with notes in the plots', () => {
    expect(file(files, 'report/roc.svg')).toContain('Every prediction is the same:');
    const calibration = file(files, 'report/calibration.svg');
    expect(calibration).toContain('Risk groups (1, 6 patients each)');
    expect(calibration).not.toContain('class="smooth"');
    expect(calibration).not.toContain('Lowess smoother');
  });
});

describe('a model registered without evaluation', () => {
  it('gets a report that says there is nothing to report', () => {
    const files = modelReport(unevaluated());
    const card = file(files, 'report/model-card.md');
    expect(card).toContain('> **Not evaluated.** This model was registered without a dataset');
    expect(card).toContain('a fixed model, not trained');
    expect(file(files, 'report/decision-curve.svg')).toContain('No decision curve');
    expect(rqsItems(reportData(unevaluated())).find((x) => x.item === 9)!.points).toBe(0);
  });
});

describe('bad input', () => {
  const refused = (fn: () => unknown, field: string, message: RegExp) => {
    let error: unknown;
    try {
      fn();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ModelInputError);
    expect((error as ModelInputError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
  };

  it('refuses empty, short, non-binary or foreign labels, naming labels', () => {
    refused(
      () => modelReport(candidate(), { labels: [] }),
      'labels',
      /^labels: empty \(expected one outcome, 1 = good response or 0 = poor, for each of the 6/,
    );
    refused(() => modelReport(candidate(), { labels: [1, 0, 1] }), 'labels', /has 3 outcomes but outOfFold has 6 probabilities/);
    refused(() => modelReport(candidate(), { labels: [1, 0, 2, 1, 0, 0] }), 'labels', /value at index 2 is 2 \(expected 0 or 1\)/);
    refused(() => modelReport(candidate(), { labels: [1, 1, 1, 1, 0, 0] }), 'labels', /hold 4 good responses but artifact.dataset.events is 3/);
    // Same counts, other patients: the AUC gives them away (0.9, 0.8, 0.2 good → 6/9 ≠ 7/9).
    refused(() => modelReport(candidate(), { labels: [1, 1, 0, 0, 0, 1] }), 'labels', /AUC of 0.666.* but metrics.auc is 0.777/);
  });

  it('refuses probabilities outside [0, 1] or of the wrong count, naming outOfFold', () => {
    refused(
      () => modelReport(candidate({ outOfFold: [0.9, 0.8, 1.2, 0.6, 0.4, 0.2] })),
      'outOfFold',
      /value at index 2 is 1.2 \(expected a probability in \[0, 1\]\)/,
    );
    refused(() => modelReport(candidate({ outOfFold: [0.9, 0.8, -0.1, 0.6, 0.4, 0.2] })), 'outOfFold', /value at index 2 is -0.1/);
    refused(() => modelReport(candidate({ outOfFold: [0.9, 0.8, Number.NaN, 0.6, 0.4, 0.2] })), 'outOfFold', /value at index 2 is NaN/);
    refused(() => modelReport(candidate({ outOfFold: [0.9, 0.8] })), 'outOfFold', /has 2 probabilities but artifact.dataset.patients is 6/);
    refused(() => modelReport(candidate({ outOfFold: [] })), 'outOfFold', /empty, but the candidate's dataset has 6 patients/);
  });

  it('refuses malformed decision-curve points and evidence, naming them', () => {
    const c = candidate();
    refused(
      () => modelReport({ ...c, metrics: { ...c.metrics, netBenefit: [{ threshold: 1.5, model: 0, treatAll: 0, treatNone: 0 }] } }),
      'metrics.netBenefit',
      /threshold 1.5 at index 0/,
    );
    refused(() => modelReport(c, { holdout: { patients: 4, events: 5, auc: 0.7, aucCi: null } }), 'holdout', /4 patients with 5 events/);
    refused(() => modelReport(c, { generatedAt: 'yesterday' }), 'generatedAt', /expected an ISO date/);
  });
});
