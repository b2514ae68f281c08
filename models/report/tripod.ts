// The TRIPOD+AI checklist (Collins et al. 2024, BMJ 385:e078378, Table 1: 27 items, several in parts) filled in
// for one registered model: for each item, whether this report or the code answers it and where, or why it is not
// reported. The item texts are short paraphrases of the published checklist; the checklist itself is the reference.
// Honest by design: much of TRIPOD+AI concerns a study's conduct (ethics, funding, participant flow, fairness),
// which a training pipeline cannot know, and those items say so.
import type { ReportData } from './input';
import { table } from './modelCard';

export type TripodStatus = 'reported' | 'partly' | 'not reported';

/** Which studies an item concerns, as the published checklist marks it: development, evaluation, or both. */
export type TripodApplies = 'D' | 'E' | 'D;E';

export interface TripodItem {
  item: string;
  /** The checklist's section (Title, Methods, Open science, …) and topic (Analytical methods, …), as published. */
  section: string;
  topic: string;
  applies: TripodApplies;
  /** A short paraphrase of what the item asks. */
  asks: string;
  status: TripodStatus;
  where: string;
}

/**
 * Item, section, topic and applicability of the published TRIPOD+AI checklist (Collins et al. 2024, Table 1; checklist
 * version of 11 January 2024): the numbering the report must keep.
 */
export const TRIPOD_AI_ITEMS: readonly (readonly [item: string, section: string, topic: string, applies: TripodApplies])[] = [
  ['1', 'Title', 'Title', 'D;E'],
  ['2', 'Abstract', 'Abstract', 'D;E'],
  ['3a', 'Introduction', 'Background', 'D;E'],
  ['3b', 'Introduction', 'Background', 'D;E'],
  ['3c', 'Introduction', 'Background', 'D;E'],
  ['4', 'Introduction', 'Objectives', 'D;E'],
  ['5a', 'Methods', 'Data', 'D;E'],
  ['5b', 'Methods', 'Data', 'D;E'],
  ['6a', 'Methods', 'Participants', 'D;E'],
  ['6b', 'Methods', 'Participants', 'D;E'],
  ['6c', 'Methods', 'Participants', 'D;E'],
  ['7', 'Methods', 'Data preparation', 'D;E'],
  ['8a', 'Methods', 'Outcome', 'D;E'],
  ['8b', 'Methods', 'Outcome', 'D;E'],
  ['8c', 'Methods', 'Outcome', 'D;E'],
  ['9a', 'Methods', 'Predictors', 'D'],
  ['9b', 'Methods', 'Predictors', 'D;E'],
  ['9c', 'Methods', 'Predictors', 'D;E'],
  ['10', 'Methods', 'Sample size', 'D;E'],
  ['11', 'Methods', 'Missing data', 'D;E'],
  ['12a', 'Methods', 'Analytical methods', 'D'],
  ['12b', 'Methods', 'Analytical methods', 'D'],
  ['12c', 'Methods', 'Analytical methods', 'D'],
  ['12d', 'Methods', 'Analytical methods', 'D;E'],
  ['12e', 'Methods', 'Analytical methods', 'D;E'],
  ['12f', 'Methods', 'Analytical methods', 'E'],
  ['12g', 'Methods', 'Analytical methods', 'E'],
  ['13', 'Methods', 'Class imbalance', 'D;E'],
  ['14', 'Methods', 'Fairness', 'D;E'],
  ['15', 'Methods', 'Model output', 'D'],
  ['16', 'Methods', 'Training versus evaluation', 'D;E'],
  ['17', 'Methods', 'Ethical approval', 'D;E'],
  ['18a', 'Open science', 'Funding', 'D;E'],
  ['18b', 'Open science', 'Conflicts of interest', 'D;E'],
  ['18c', 'Open science', 'Protocol', 'D;E'],
  ['18d', 'Open science', 'Registration', 'D;E'],
  ['18e', 'Open science', 'Data sharing', 'D;E'],
  ['18f', 'Open science', 'Code sharing', 'D;E'],
  ['19', 'Patient and public involvement', 'Patient and public involvement', 'D;E'],
  ['20a', 'Results', 'Participants', 'D;E'],
  ['20b', 'Results', 'Participants', 'D;E'],
  ['20c', 'Results', 'Participants', 'E'],
  ['21', 'Results', 'Model development', 'D;E'],
  ['22', 'Results', 'Model specification', 'D'],
  ['23a', 'Results', 'Model performance', 'D;E'],
  ['23b', 'Results', 'Model performance', 'D;E'],
  ['24', 'Results', 'Model updating', 'E'],
  ['25', 'Discussion', 'Interpretation', 'D;E'],
  ['26', 'Discussion', 'Limitations', 'D;E'],
  ['27a', 'Discussion', 'Usability of the model in the context of current care', 'D'],
  ['27b', 'Discussion', 'Usability of the model in the context of current care', 'D'],
  ['27c', 'Discussion', 'Usability of the model in the context of current care', 'D;E'],
];

const CARD = 'model-card.md';

export function tripodItems(data: ReportData): TripodItem[] {
  const { candidate, options } = data;
  const evaluated = data.evaluated;
  const hasHoldout = options.holdout !== undefined || options.prospective !== undefined;
  const i = (item: string, asks: string, status: TripodStatus, where: string): TripodItem => {
    const published = TRIPOD_AI_ITEMS.find(([id]) => id === item);
    if (!published) throw new Error(`TRIPOD+AI has no item ${item}`);
    const [, section, topic, applies] = published;
    return { item, section, topic, applies, asks, status, where };
  };
  return [
    i(
      '1',
      'Identify development/evaluation of a multivariable prediction model, target population and outcome',
      'reported',
      `${CARD} title and "Intended use"`,
    ),
    i('2', 'Structured abstract (TRIPOD+AI for Abstracts)', 'not reported', 'a model card is not a paper; no abstract is written'),
    i('3a', 'Healthcare context, rationale, existing models', 'partly', `${CARD} "Intended use" (context and decision); existing models are not reviewed`),
    i('3b', 'Target population, intended purpose in the care pathway, intended users', 'reported', `${CARD} "Intended use" and "Out-of-scope use"`),
    i('3c', 'Known health inequalities between sociodemographic groups', 'not reported', 'osteoflow records no sociodemographic groups; not assessed'),
    i('4', 'Development and/or validation, objectives', 'reported', `${CARD} "Performance": development with internal validation (nested CV)`),
    i(
      '5a',
      'Sources of development and evaluation data, rationale, representativeness',
      data.dataOrigin === 'unknown' ? 'partly' : 'reported',
      `${CARD} "Data" (study, origin${data.dataOrigin === 'unknown' ? ' not recorded' : ''}); representativeness is not assessed`,
    ),
    i('5b', 'Dates of accrual and follow-up', 'not reported', 'the candidate holds no accrual dates (the study store keeps scan times, not summarised here)'),
    i('6a', 'Setting, number and location of centres', 'not reported', 'osteoflow records no centre per patient (see "Limitations")'),
    i(
      '6b',
      'Eligibility criteria',
      'partly',
      'models/README.md "Dataset": labelled patients with complete data up to the model\'s timepoint; clinical eligibility is the study\'s',
    ),
    i(
      '6c',
      'Treatments received and how they were handled',
      'partly',
      'neoadjuvant chemotherapy is the setting of the outcome; regimens are not recorded or modelled',
    ),
    i('7', 'Pre-processing and quality checking', 'reported', 'qc/README.md (QC rules), radiomics parameter file (hash in "Data"), models/README.md "Dataset"'),
    i(
      '8a',
      'Outcome definition, time horizon, how and when assessed',
      'reported',
      `${CARD} "Intended use": necrosis ≥ 90 % on the resected tumour (Huvos III/IV), assessed at surgery`,
    ),
    i('8b', 'Qualifications of outcome assessors (if subjective)', 'not reported', "pathologists' qualifications are not recorded by the pipeline"),
    i(
      '8c',
      'Blinding of outcome assessment',
      'not reported',
      'not recorded; the pathology is entered independently of the predictions, which are frozen in the ledger before it',
    ),
    i(
      '9a',
      'Choice of initial predictors and pre-selection',
      'reported',
      'models/README.md "Dataset" and "Training" (feature families, robustness screen, redundancy, mRMR)',
    ),
    i(
      '9b',
      'Definition of all predictors, how and when measured, blinding of their assessment',
      'reported',
      `feature names follow PyRadiomics/IBSI (README.md "The radiomics engine"); ${CARD} "Model" lists the kept ones and their timepoints`,
    ),
    i(
      '9c',
      'Qualifications of predictor assessors (if subjective)',
      'not reported',
      'segmentations are manual or automatic; who drew them is not recorded here',
    ),
    i(
      '10',
      'How the study size was arrived at and why it suffices',
      'partly',
      `${CARD} "Limitations" gives the events per variable; no sample-size calculation was made (the size is the study's)`,
    ),
    i(
      '11',
      'Handling of missing data, reasons for omission',
      'reported',
      'models/README.md "Dataset": incomplete patients excluded with reasons, undefined columns dropped and listed',
    ),
    i('12a', 'How the data were used (partitioning, sample size)', 'reported', `${CARD} "Model" and "Performance" (locked hold-out, nested CV)`),
    i(
      '12b',
      'Handling of predictors (functional form, standardisation)',
      'reported',
      `${CARD} "Model": linear on standardised features (training means and SDs listed)`,
    ),
    i('12c', 'Model type, rationale, model-building steps, tuning, internal validation', 'reported', `${CARD} "Model"; models/README.md "Training"`),
    i('12d', 'Heterogeneity across clusters', 'not reported', 'single study, no clusters recorded'),
    i(
      '12e',
      'Performance measures and plots, rationale, model comparison',
      'reported',
      `${CARD} "Performance", "Calibration", "Decision curve"; roc.svg, calibration.svg, decision-curve.svg`,
    ),
    i('12f', 'Model updating (e.g. recalibration)', 'not reported', 'no updating: a new model is trained and must pass the promotion gate'),
    i(
      '12g',
      'How predictions were calculated (formula, code, API)',
      'reported',
      'model/model.json (formula), model/model.onnx with MLmodel (MLflow pyfunc), models/README.md "Registered models are MLflow models"',
    ),
    i(
      '13',
      'Class-imbalance methods and recalibration',
      'reported',
      'none used: stratified folds only, probabilities not reweighted (models/learning/folds.ts)',
    ),
    i('14', 'Approaches to model fairness', 'not reported', `no fairness analysis: no sociodemographic data (${CARD} "Ethical considerations")`),
    i(
      '15',
      'Output (probability, classification), thresholds and how chosen',
      'reported',
      `${CARD} "Model" (probability of good response; Youden cut-off chosen on training data) and "Decision curve" (thresholds of P(poor))`,
    ),
    i(
      '16',
      'Differences between development and evaluation data',
      hasHoldout ? 'partly' : 'not reported',
      hasHoldout ? 'same study; differences not analysed' : 'no separate evaluation data in this report',
    ),
    i('17', 'Ethics committee, consent', 'not reported', "the study's approval is outside the pipeline; state it with the study"),
    i('18a', 'Source and role of funding', 'not reported', 'not known to the pipeline'),
    i('18b', 'Declarations', 'not reported', 'not known to the pipeline'),
    i('18c', 'Where the protocol can be accessed', 'partly', "the study file (YAML) is the technical protocol; a clinical study protocol is the study's"),
    i(
      '18d',
      'Study registration',
      options.trialRegistration ? 'reported' : 'not reported',
      options.trialRegistration ? `registered: ${options.trialRegistration}` : 'no registration recorded',
    ),
    i('18e', 'Availability of study data', 'not reported', 'not decided by the pipeline'),
    i(
      '18f',
      'Availability of analytical code',
      'partly',
      'the analysis code is the osteoflow repository at the engine version in "Versioning"; its availability is not stated here',
    ),
    i('19', 'PPI in design, conduct, reporting', 'not reported', 'not known to the pipeline'),
    i(
      '20a',
      'Flow of participants, numbers with and without the outcome',
      evaluated ? 'partly' : 'not reported',
      `${CARD} "Data" (patients, events, hold-out); excluded patients are listed by the training, not here`,
    ),
    i('20b', 'Characteristics overall and per source: dates, predictors, treatments, missing data', 'not reported', 'no descriptive table of the cohort'),
    i('20c', 'Comparison of evaluation with development data', 'not reported', 'no separate evaluation data described'),
    i('21', 'Participants and events in each analysis', evaluated ? 'reported' : 'not reported', `${CARD} "Data", "Model" (folds, repeats) and "Performance"`),
    i(
      '22',
      'Full model to allow predictions, access restrictions',
      candidate.artifact.coefficients.length > 0 ? 'reported' : 'partly',
      `${CARD} "Model" (coefficients, means, SDs), model/model.json and model.onnx in the same run`,
    ),
    i(
      '23a',
      'Performance with confidence intervals, including key subgroups',
      evaluated ? 'partly' : 'not reported',
      `${CARD} "Performance" (AUC with DeLong CI, corrected AUC with bootstrap CI, DeLong comparisons) and "Calibration" (corrected intercept and slope with bootstrap CIs); no subgroups`,
    ),
    i('23b', 'Heterogeneity across clusters', 'not reported', 'no clusters'),
    i('24', 'Results of updating', 'not reported', 'no updating'),
    i('25', 'Overall interpretation including fairness', 'partly', `${CARD} "Decision curve" summary and "Limitations"; no fairness interpretation`),
    i('26', 'Limitations: sample, size, overfitting, missing data', 'reported', `${CARD} "Limitations"`),
    i(
      '27a',
      'Handling poor-quality or unavailable input data in use',
      'reported',
      'README.md "The pipeline": QC failures, needs-attention, missing features give a noted non-prediction',
    ),
    i('27b', 'User interaction and expertise required', 'partly', `${CARD} "Intended use"; the required expertise is not specified`),
    i('27c', 'Next steps for research, applicability', 'partly', `${CARD} "Limitations" (external and prospective validation needed)`),
  ];
}

export function tripodChecklist(data: ReportData): string {
  const items = tripodItems(data);
  const count = (s: TripodStatus) => items.filter((x) => x.status === s).length;
  return (
    [
      `# TRIPOD+AI checklist: ${data.options.modelName ?? data.candidate.artifact.studyId} — ${data.candidate.kind} model`,
      '',
      'Item list of TRIPOD+AI (Collins GS, Moons KGM, Dhiman P, et al. TRIPOD+AI statement: updated guidance for reporting clinical prediction models that use regression or machine learning methods. BMJ 2024;385:e078378, Table 1). ' +
        'Items, sections, topics and applicability (D development, E evaluation, D;E both) are the published ones; "what it asks" paraphrases each item — read the published checklist for its full wording.',
      '',
      `Of ${items.length} items and parts: **${count('reported')} reported**, ${count('partly')} partly, ${count('not reported')} not reported. ` +
        'Items about the conduct of the study (ethics, funding, participant flow, fairness) are beyond what a training pipeline knows and belong to the study report.',
      '',
      table(
        ['item', 'section', 'topic', 'applies', 'what it asks (paraphrased)', 'status', 'where answered / why not'],
        items.map((x) => [x.item, x.section, x.topic, x.applies, x.asks, x.status, x.where]),
      ),
    ].join('\n') + '\n'
  );
}
