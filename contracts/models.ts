// The model contracts: the kinds of response model, the registry aliases, and the signatures and plain data of the
// training and promotion activities and workflows. Plain data only (no imports outside contracts/), so workflows,
// activities, clients and the CLI share one declaration.
import type { StudyProtocol } from './study';

/**
 * Every kind of response model, with the feature families it is trained on and whether it may become `challenger`.
 * Declaring a new kind is a change of this table plus the kind's own feature code.
 */
export const MODEL_KIND_SPECS = {
  clinical: { families: ['clinical'], challenger: false },
  baseline: { families: ['baseline'], challenger: false },
  delta: { families: ['delta'], challenger: true },
  combined: { families: ['clinical', 'baseline', 'delta'], challenger: true },
} as const satisfies Record<string, { families: readonly FeatureFamily[]; challenger: boolean }>;

export type ModelKind = keyof typeof MODEL_KIND_SPECS;
/** The kinds in the order they are trained and listed. */
export const MODEL_KINDS = Object.keys(MODEL_KIND_SPECS) as ModelKind[];
/** Kinds eligible for alias `challenger` when training options name none. */
export const CHALLENGER_KINDS = MODEL_KINDS.filter((kind) => MODEL_KIND_SPECS[kind].challenger);

/** Feature families of the model rows: `clinical:…`, `baseline:…`, `delta:…`. */
export type FeatureFamily = 'clinical' | 'baseline' | 'delta';

/** Registry aliases: training points `challenger` at its best eligible version; promotion moves `champion`. */
export const CHAMPION_ALIAS = 'champion';
export const CHALLENGER_ALIAS = 'challenger';

/** A Temporal duration: milliseconds, or a string such as '14 days'. */
export type Duration = number | string;

/**
 * One point of the decision curve for the decision the model informs: acting on a predicted poor responder. The
 * threshold is on P(poor response) = 1 − P(good); the event is poor response (necrosis < 90 %).
 */
export interface NetBenefitPoint {
  threshold: number;
  /** TP/n − FP/n · pt/(1 − pt), a patient acted on when P(poor) ≥ pt. */
  model: number;
  /** prevalence − (1 − prevalence) · pt/(1 − pt). */
  treatAll: number;
  treatNone: 0;
}

export interface NomogramAxis {
  name: string;
  coefficient: number;
  /** The value scoring 0 points (the minimum for β > 0, the maximum for β < 0). */
  reference: number;
  ticks: { value: number; points: number }[];
}

export interface Nomogram {
  axes: NomogramAxis[];
  /** Points per unit of the linear predictor: 100 / the widest |β|·range. */
  pointsPerUnit: number;
  /** Linear predictor when every predictor scores 0 points. */
  baseLinearPredictor: number;
  maxTotalPoints: number;
  /** Total points at which the predicted probability reaches each requested value. */
  probabilityAxis: { probability: number; totalPoints: number }[];
}

export const ARTIFACT_FORMAT = 'osteoflow-logistic/1';

export interface ModelArtifact {
  format: typeof ARTIFACT_FORMAT;
  kind: ModelKind;
  /** The timepoint whose data the model needs (it predicts from that timepoint on). */
  predictAt: string;
  /** Timepoints in protocol order (the baseline first), for reading the patient's data. */
  timepoints: string[];
  studyId: string;
  engine: { name: string; version: string; paramHash: string };
  /**
   * The training data: `trainingPatients` are the pseudonyms the model was fitted on (absent in artifacts written before
   * it was recorded), so that a prediction for one of them is flagged in-sample.
   */
  dataset: { fingerprint: string; patients: number; events: number; trainingPatients?: string[] };
  /** Input features in coefficient order. */
  features: string[];
  scaler: { means: number[]; scales: number[] };
  /** On the standardised scale. */
  intercept: number;
  coefficients: number[];
  /** The same model per unit of each raw feature. */
  original: { intercept: number; coefficients: Record<string, number> };
  ranges: Record<string, [number, number]>;
  youdenCutoff: number;
  training: { alpha: number; lambda: number; lambdaRule: '1se' | 'min'; outerFolds: number; innerFolds: number; repeats: number; seed: number };
  trainedAt: string;
}

/** A paired DeLong comparison of a model's out-of-fold predictions with another score on the same patients. */
export interface ModelComparison {
  /**
   * What the model is compared with: 'clinical' (the clinical model's out-of-fold predictions), 'baseline' (the
   * baseline-radiomics model's), or a criterion a clinician reads directly: 'criterion:volumeChangePct' (tumour volume
   * change, shrinkage scoring good response), 'criterion:deltaAdcMean' (ΔADC mean, a rise scoring good response).
   */
  versus: string;
  /** AUC of this model and of the comparator. */
  auc: number;
  versusAuc: number;
  /** auc − versusAuc, with DeLong's 95 % interval and two-sided p. */
  difference: number;
  ci: [number, number];
  p: number;
}

/** Optimism-corrected performance of the deployed refit (Harrell's bootstrap), per statistic. */
export interface OptimismCorrectedStatistic {
  /**
   * Null where infinite: a calibration slope of a refit whose predictions separate its training patients. The
   * corrected value is then the limit of the correction (the bootstrap refits' mean on the original patients; see notes).
   */
  apparent: number | null;
  optimism: number | null;
  corrected: number;
  /**
   * 95 % interval of the corrected value: corrected ± 1.96·SE, SE the bootstrap standard deviation of the deployed
   * refit's statistic on the resamples (models/stats/bootstrap.ts). Null where undefined (see notes); absent in
   * candidates trained before intervals were computed.
   */
  ci?: [number, number] | null;
  /** Replicates in which the statistic was defined on both sides. */
  replicates: number;
}

export interface ModelMetrics {
  /** AUC of the nested-CV out-of-fold predictions (mean over repeats), with DeLong's 95 % CI. */
  auc: number;
  aucCi: [number, number];
  aucSe: number;
  meanFoldAuc: number;
  brier: number;
  /** Calibration-in-the-large of the deployed refit, optimism-corrected by the bootstrap (0 is ideal). */
  calibrationIntercept: number | null;
  /** Calibration slope of the deployed refit, optimism-corrected by the bootstrap (1 is ideal). */
  calibrationSlope: number | null;
  /** Null where the sample is too small for its χ² approximation (the reason in notes.hosmerLemeshow). */
  hosmerLemeshow: { statistic: number; degreesOfFreedom: number; p: number } | null;
  sensitivity: number;
  specificity: number;
  accuracy: number;
  /** The deployed refit's AUC, apparent and optimism-corrected, with the interval as in OptimismCorrectedStatistic. */
  optimismCorrectedAuc: { apparent: number; optimism: number; corrected: number; ci?: [number, number] | null; replicates: number } | null;
  /** The deployed refit's calibration-in-the-large and slope, apparent and optimism-corrected. */
  optimismCorrectedCalibration?: { intercept: OptimismCorrectedStatistic | null; slope: OptimismCorrectedStatistic | null } | null;
  /** Decision curve for acting on predicted poor responders (thresholds of P(poor)). */
  netBenefit: NetBenefitPoint[];
  /** Against the clinical model and against the simple criteria (and the baseline model), on the same patients. */
  comparisons?: ModelComparison[];
  /** Why a statistic could not be computed (e.g. perfect separation), by statistic. */
  notes: Record<string, string>;
}

export interface Candidate {
  kind: ModelKind;
  artifact: ModelArtifact;
  metrics: ModelMetrics;
  /** Out-of-fold probability of every dataset row (nested CV, mean over repeats). */
  outOfFold: number[];
  /** The outcome of every dataset row, in outOfFold's order (1 = good response), for the report's ROC and calibration plots. */
  labels?: number[];
  /** Features offered to the model (after the robustness screen). */
  offered: number;
  /** Null when the refit kept no predictor (an intercept-only model); the reason is in metrics.notes.nomogram. */
  nomogram: Nomogram | null;
}

/**
 * The promotion gate's pre-specified rule (models/README.md, "The promotion gate", justifies each number). Fields
 * after the first three are optional: an absent one takes DEFAULT_GATE's value (registry/promotionPolicy.ts).
 */
export interface GatePolicy {
  /** Non-inferiority margin on the AUC scale: the lower bound of AUC(challenger) − AUC(champion) must exceed −margin. */
  aucMargin: number;
  /** One-sided level of every bound the gate reads (the lower limits are 1 − alpha confidence bounds). */
  alpha: number;
  /** Tolerated calibration slopes: the slope's profile-likelihood interval must meet this range. */
  calibrationSlope: [number, number];
  /** Tolerated calibration-in-the-large (logit scale): its profile-likelihood interval must meet this range. */
  calibrationInTheLarge?: [number, number];
  /** Fewest events (good responses) and non-events the evaluation set must hold before anything is judged. */
  minEvents?: number;
  minNonEvents?: number;
  /** The AUC the challenger's lower bound must exceed (0.5: better than chance). */
  aucFloor?: number;
}

export type GateCheckName = 'evidence' | 'completeness' | 'discrimination' | 'non-inferiority' | 'calibration-in-the-large' | 'calibration-slope';

export interface GateCheck {
  name: GateCheckName;
  passed: boolean;
  detail: string;
}

/** Where the gate's patients came from: the ledger's prospective predictions, or the study's locked hold-out. */
export type EvaluationSource = 'prospective' | 'holdout';

export interface EvaluationSetSummary {
  source: EvaluationSource;
  patients: number;
  /** Good responses and poor responses among them. */
  events: number;
  nonEvents: number;
  /** Why this set was chosen over the other. */
  reason: string;
}

export interface GateResult {
  /** True only for verdict 'pass'. */
  passed: boolean;
  /** 'insufficient-evidence': the evaluation set is too small to show anything, which is not a pass. */
  verdict: 'pass' | 'fail' | 'insufficient-evidence';
  checks: GateCheck[];
  evaluationSet: EvaluationSetSummary;
  challengerAuc: number | null;
  /** DeLong two-sided (1 − 2·alpha) interval: its lower limit is the one-sided bound the gate reads. */
  challengerAucCi: [number, number] | null;
  championAuc: number | null;
  aucDifference: number | null;
  aucDifferenceCi: [number, number] | null;
  calibrationInTheLarge: number | null;
  calibrationInTheLargeCi: [number, number] | null;
  /** Null where it is not assessed or runs to infinity (the evaluation set perfectly separated; the detail says so). */
  calibrationSlope: number | null;
  /** Profile-likelihood interval; an end is null where the interval is unbounded on that side. */
  calibrationSlopeCi: [number | null, number | null] | null;
}

export interface RegisteredCandidate {
  name: string;
  version: string;
  runId: string;
  kind: Candidate['kind'];
  auc: number;
  aucCi: [number, number];
  /** The model's DeLong comparisons with the clinical model and the simple criteria (metrics.comparisons). */
  comparisons?: ModelComparison[];
}

export interface TrainingOptions {
  /** Who started the training (a console user, or the main job): tagged `trained_by` on each version, for four eyes. */
  trainedBy?: string;
  /** The timepoint the models predict at (default: the protocol's last). */
  predictAt?: string;
  kinds?: ModelKind[];
  /** Kinds eligible for alias `challenger` (the best of them by nested-CV AUC; default delta and combined). */
  challengerKinds?: ModelKind[];
  outerFolds?: number;
  innerFolds?: number;
  /** Nested CV repeats with different fold assignments (default 5). */
  cvRepeats?: number;
  seed?: number;
  bootstrapReplicates?: number;
  /** Patients whose segmentation is perturbed for the ICC screen (a seeded subset; default 12). */
  robustnessPatients?: number;
  iccThreshold?: number;
  /** Share of each outcome class locked away as the promotion hold-out, the first time a study trains (default 0.25). */
  holdoutFraction?: number;
  experimentName?: string;
}

export interface TrainingInput {
  protocol: StudyProtocol;
  options?: TrainingOptions;
}

export interface DatasetRef {
  protocol: StudyProtocol;
  predictAt: string;
  fingerprint: string;
  holdout: string[];
}

export interface DatasetSummary {
  fingerprint: string;
  predictAt: string;
  patients: number;
  events: number;
  features: number;
  /** Labelled patients left out of training, with why (the hold-out is listed in `holdout`). */
  excluded: { pseudonym: string; reason: string }[];
  holdout: string[];
  incompleteFeatures: number;
}

export interface RobustnessSummary {
  patients: string[];
  threshold: number;
  /**
   * Features with ICC(1,1) above the threshold over the perturbed segmentations: baseline features
   * (`baseline:<modality>:<feature>`) and delta features (`delta:<timepoint>:<modality>:<feature>`,
   * `delta:<timepoint>:named:<name>`), each judged on its own values.
   */
  robust: string[];
  dropped: number;
  skipped: { pseudonym: string; reason: string }[];
}

export interface TrainedCandidates {
  candidates: Candidate[];
  /** DeLong's paired test of each kind against the baseline-radiomics model on the same out-of-fold patients. */
  versusBaseline: Partial<Record<ModelKind, { difference: number; p: number }>>;
  /** Every radiomics kind against the clinical model and the simple criteria (also in each candidate's metrics). */
  comparisons: Partial<Record<ModelKind, ModelComparison[]>>;
}

export interface TrainingResult {
  dataset: DatasetSummary;
  robustness: RobustnessSummary;
  models: (RegisteredCandidate & { aliases: string[] })[];
  /** The version given alias `challenger`, if any kind was eligible. */
  challenger: string | null;
}

export interface VersionInfo {
  name: string;
  version: string;
  kind: string;
  aliases: string[];
}

export interface HoldoutEvaluation extends GateResult {
  /** The patients of the evaluation set the gate used (the locked hold-out, or the prospective set), and their outcomes. */
  patients: string[];
  labels: number[];
}

/** One decision of the promotion workflow, as written to the registry. */
export interface Decision {
  action: 'gate-passed' | 'gate-failed' | 'approved' | 'rejected' | 'approval-timed-out' | 'promoted' | 'rolled-back';
  version: string;
  by: string;
  reason: string;
  at: string;
  workflowId: string;
  detail?: string;
}

export interface RescoreSummary {
  model: string;
  /** Running timelines asked to predict again (they store their own prediction). */
  signalled: string[];
  /** Patients without a running timeline, scored here and stored. */
  scored: { pseudonym: string; timepoint: string; probability: number }[];
  skipped: { pseudonym: string; reason: string }[];
}

export interface ModelActivities {
  prepareTrainingSet(input: { protocol: StudyProtocol; predictAt: string; holdoutFraction?: number; seed?: number }): Promise<DatasetSummary>;
  screenRobustness(input: DatasetRef & { patients?: number; threshold?: number; seed?: number }): Promise<RobustnessSummary>;
  trainCandidates(input: DatasetRef & { kinds: ModelKind[]; robust: string[]; options: TrainingOptions }): Promise<TrainedCandidates>;
  registerCandidate(input: {
    modelName: string;
    candidate: Candidate;
    experimentName: string;
    params: Record<string, string>;
    metrics: Record<string, number>;
    /** Who started the training: the version's `trained_by` tag. */
    trainedBy?: string;
  }): Promise<RegisteredCandidate>;
  setAlias(input: { modelName: string; alias: string; version: string }): Promise<void>;

  /** A version number or an alias; null when the alias is not set (or the version does not exist). */
  resolveVersion(input: { modelName: string; ref: string }): Promise<VersionInfo | null>;
  evaluateOnHoldout(input: {
    protocol: StudyProtocol;
    modelName: string;
    challenger: string;
    champion?: string;
    policy?: GatePolicy;
  }): Promise<HoldoutEvaluation>;
  recordDecision(input: { modelName: string; decision: Decision }): Promise<void>;
  /** Moves alias `champion` to the version and appends it to the registered model's champion history. */
  moveChampion(input: { modelName: string; version: string }): Promise<void>;
  /** Points `champion` back at `previous` (or removes it when there was none). */
  restoreChampion(input: { modelName: string; previous: string | null }): Promise<void>;
  rescoreStudy(input: { protocol: StudyProtocol; modelName: string; version: string }): Promise<RescoreSummary>;
}

export interface PromotionInput {
  protocol: StudyProtocol;
  /** Default: the protocol's registered model. */
  modelName?: string;
  /** A version number or alias (default 'challenger'). */
  challenger?: string;
  policy?: GatePolicy;
  /** How long an approval is awaited (default 14 days). */
  approvalTimeout?: Duration;
  /** How long after promotion a rollback is accepted (default 30 days). */
  rollbackWindow?: Duration;
}

export type PromotionPhase =
  'evaluating' | 'gate-failed' | 'awaiting-approval' | 'rejected' | 'approval-timed-out' | 'promoting' | 'promoted' | 'rolling-back' | 'rolled-back' | 'closed';

export interface PromotionView {
  modelName: string;
  phase: PromotionPhase;
  challenger?: VersionInfo;
  /** The champion when the promotion started (restored by a rollback); null when there was none. */
  previousChampion?: VersionInfo | null;
  gate?: GateResult & { patients: string[] };
  decisions: Decision[];
  rescore?: RescoreSummary;
}

/** An ML engineer's decision: who (an identity the audit trail can name) and why. */
export interface ApprovalInput {
  identity: string;
  reason: string;
}

/** Names of the Promotion workflow's updates and query (workflows/models/messages.ts defines them from these). */
export const PROMOTION_MESSAGES = { approve: 'approve', reject: 'reject', rollback: 'rollback', status: 'promotion' } as const;
