// The model activities' signatures (training and promotion): what the Training and Promotion workflows call and the
// training worker implements. Plain data only, so the workflows can import these types.
import type { ModelKind } from '../models/dataset';
import type { Candidate } from '../models/training/candidate';
import type { GatePolicy, GateResult } from '../registry/promotionPolicy';
import type { RegisteredCandidate } from '../registry/modelPackage';
import type { StudyProtocol } from './study';

export interface TrainingOptions {
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
  /** Baseline features (`baseline:<modality>:<feature>`) with ICC(3,1) above the threshold. */
  robust: string[];
  dropped: number;
  skipped: { pseudonym: string; reason: string }[];
}

export interface TrainedCandidates {
  candidates: Candidate[];
  /** DeLong's paired test of each kind against the baseline-radiomics model on the same out-of-fold patients. */
  versusBaseline: Partial<Record<ModelKind, { difference: number; p: number }>>;
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
  registerCandidate(input: { modelName: string; candidate: Candidate; experimentName: string; params: Record<string, string>; metrics: Record<string, number> }): Promise<RegisteredCandidate>;
  setAlias(input: { modelName: string; alias: string; version: string }): Promise<void>;

  /** A version number or an alias; null when the alias is not set (or the version does not exist). */
  resolveVersion(input: { modelName: string; ref: string }): Promise<VersionInfo | null>;
  evaluateOnHoldout(input: { protocol: StudyProtocol; modelName: string; challenger: string; champion?: string; policy?: GatePolicy }): Promise<HoldoutEvaluation>;
  recordDecision(input: { modelName: string; decision: Decision }): Promise<void>;
  /** Moves alias `champion` to the version and appends it to the registered model's champion history. */
  moveChampion(input: { modelName: string; version: string }): Promise<void>;
  /** Points `champion` back at `previous` (or removes it when there was none). */
  restoreChampion(input: { modelName: string; previous: string | null }): Promise<void>;
  rescoreStudy(input: { protocol: StudyProtocol; modelName: string; version: string }): Promise<RescoreSummary>;
}
