// What a model report is built from — a trained candidate, the outcomes of its dataset and what the training run knew
// besides (hold-out size, robustness screen, later evidence) — checked before anything is drawn: every number in the
// report comes from here, and input that cannot be the candidate's own is refused with the field named.
import { assertBinaryOutcome, assertFinite, assertProbabilities } from '../stats/checks';
import { ModelInputError } from '../stats/errors';
import { auc } from '../stats/roc';
import type { Candidate } from '../../contracts/models';

/** Performance of the model on patients it was not trained on (the locked hold-out, or the ledger's prospective set). */
export interface ExternalEvidence {
  patients: number;
  /** Good responders among them. */
  events: number;
  auc: number | null;
  aucCi: [number, number] | null;
}

export interface ReportOptions {
  /** The registered model's name (the version number is given by the registry once the run is registered). */
  modelName?: string;
  /** Outcome of every dataset row in outOfFold's order (1 = good response); without them no ROC or calibration curve. */
  labels?: readonly number[];
  /** The training run's extra params: `holdout_patients`, `robustness_patients`, `icc_threshold` are read. */
  params?: Readonly<Record<string, string>>;
  /** The locked hold-out's evaluation, when the promotion gate has scored it. */
  holdout?: ExternalEvidence;
  /** The prediction ledger's prospective performance of this version, when pathology has met frozen predictions. */
  prospective?: ExternalEvidence;
  /** Where the images came from; by default 'synthetic' for a study id with the main job's `SYNTH-` prefix, else unknown. */
  dataOrigin?: 'synthetic' | 'clinical';
  /** A trial-register id of a prospective study of this model (RQS item 11), when there is one. */
  trialRegistration?: string;
  /** Date printed on the report (ISO); default now. */
  generatedAt?: string;
}

export interface ReportData {
  candidate: Candidate;
  /** Out-of-fold probabilities of good response. */
  probabilities: number[];
  labels: number[] | null;
  /** False for a model that was never evaluated (no patients, no out-of-fold predictions). */
  evaluated: boolean;
  /** Every out-of-fold probability the same (e.g. an intercept-only model in every fold). */
  constant: boolean;
  options: ReportOptions;
  dataOrigin: 'synthetic' | 'clinical' | 'unknown';
  /** An integer param of the training run, or null when absent. */
  param(name: string): number | null;
}

/** A candidate that carries its dataset's outcomes (`labels`, in outOfFold's order) needs none passed. */
function labelsCarried(candidate: Candidate): readonly number[] | undefined {
  return candidate.labels;
}

function checkEvidence(e: ExternalEvidence | undefined, field: string): void {
  if (!e) return;
  if (!(Number.isInteger(e.patients) && e.patients > 0 && Number.isInteger(e.events) && e.events >= 0 && e.events <= e.patients))
    throw new ModelInputError(`${e.patients} patients with ${e.events} events (expected a positive count and 0 ≤ events ≤ patients)`, field);
  if (e.auc !== null && !(e.auc >= 0 && e.auc <= 1)) throw new ModelInputError(`auc ${e.auc} (expected a number in [0, 1])`, field);
  if (e.aucCi) assertFinite(e.aucCi, `${field}.aucCi`);
}

/** Checks the candidate and options together; the error names the field that cannot be right. */
export function reportData(candidate: Candidate, options: ReportOptions = {}): ReportData {
  const { artifact, metrics } = candidate;
  const n = artifact.dataset.patients;
  if (!Array.isArray(candidate.outOfFold)) throw new ModelInputError('expected a list of probabilities', 'outOfFold');
  const probabilities = [...candidate.outOfFold];
  const evaluated = !(n === 0 && probabilities.length === 0);
  if (evaluated && probabilities.length === 0)
    throw new ModelInputError(`empty, but the candidate's dataset has ${n} patients (expected one probability per patient)`, 'outOfFold');
  if (probabilities.length !== n)
    throw new ModelInputError(`has ${probabilities.length} probabilities but artifact.dataset.patients is ${n} (expected one per patient)`, 'outOfFold');
  assertProbabilities(probabilities, 'outOfFold');
  if (evaluated) {
    assertFinite([metrics.auc, ...metrics.aucCi], 'metrics.auc');
    for (const [i, p] of metrics.netBenefit.entries()) {
      if (!(p.threshold > 0 && p.threshold < 1))
        throw new ModelInputError(`threshold ${p.threshold} at index ${i} (expected 0 < threshold < 1)`, 'metrics.netBenefit');
      assertFinite([p.model, p.treatAll], `metrics.netBenefit[${i}]`);
    }
  }

  const given = options.labels ?? labelsCarried(candidate);
  let labels: number[] | null = null;
  if (given !== undefined) {
    if (!Array.isArray(given)) throw new ModelInputError('expected a list of outcomes (0 or 1)', 'labels');
    if (given.length === 0)
      throw new ModelInputError(
        `empty (expected one outcome, 1 = good response or 0 = poor, for each of the ${probabilities.length} out-of-fold predictions)`,
        'labels',
      );
    if (given.length !== probabilities.length)
      throw new ModelInputError(
        `has ${given.length} outcomes but outOfFold has ${probabilities.length} probabilities (expected one outcome per prediction)`,
        'labels',
      );
    const { positives } = assertBinaryOutcome(given, 'labels');
    if (positives !== artifact.dataset.events)
      throw new ModelInputError(
        `hold ${positives} good responses but artifact.dataset.events is ${artifact.dataset.events}: not this candidate's outcomes`,
        'labels',
      );
    const recomputed = auc(probabilities, given);
    if (Math.abs(recomputed - metrics.auc) > 1e-9)
      throw new ModelInputError(
        `give the out-of-fold predictions an AUC of ${recomputed} but metrics.auc is ${metrics.auc}: not this candidate's outcomes`,
        'labels',
      );
    labels = [...given];
  }
  checkEvidence(options.holdout, 'holdout');
  checkEvidence(options.prospective, 'prospective');
  if (options.generatedAt !== undefined && Number.isNaN(Date.parse(options.generatedAt)))
    throw new ModelInputError(`${JSON.stringify(options.generatedAt)} (expected an ISO date)`, 'generatedAt');

  const params = options.params ?? {};
  return {
    candidate,
    probabilities,
    labels,
    evaluated,
    constant: probabilities.length > 0 && probabilities.every((p) => p === probabilities[0]),
    options,
    dataOrigin: options.dataOrigin ?? (artifact.studyId.startsWith('SYNTH-') ? 'synthetic' : 'unknown'),
    param(name) {
      const v = params[name];
      if (v === undefined || v.trim() === '') return null;
      const x = Number(v);
      return Number.isFinite(x) ? x : null;
    },
  };
}
