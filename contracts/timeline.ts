// Messages and views of the PatientTimeline workflow: plain data shared by the workflow, its clients and activities.
import type { QcFinding } from './qc';
import type { StudyProtocol } from './study';

export type TimepointStatus =
  'pending' | 'overdue' | 'acquiring' | 'qc-failed/awaiting-rescan' | 'segmenting' | 'extracting' | 'needs-attention' | 'done' | 'missed';

/**
 * Why a timepoint needs a person (status 'needs-attention'): a stable code per kind of failure, for filters, alerts and
 * the coordinator's tools; the message says the rest.
 */
export const ATTENTION_CODES = [
  /** The study's parameter file changed since enrolment: restore it, then retry. */
  'parameters-changed',
  /** Feature extraction refused its input or kept failing (e.g. a mask that does not fit the image): register a new mask or scan. */
  'extraction-failed',
  /** Automatic segmentation failed: register a manual mask, or retry once the segmentation worker is fixed. */
  'segmentation-failed',
  /** The study's store or the results database has no room: free space, then retry. */
  'storage-full',
  /** The results database stayed locked through the retries: release it, then retry. */
  'store-locked',
  /** The worker running a step stopped answering (killed, out of memory) through the retries: fix the worker, then retry. */
  'worker-lost',
  /** Another step failed through its retries: see the message, then retry. */
  'activity-failed',
  /** The Timepoint run itself ended abnormally (terminated, timed out): retry. */
  'timepoint-failed',
  /**
   * No worker took the segmentation step within the study's `segmentation.workerWait`: start a worker on the study's
   * segmentation queue (the run goes on by itself), or register a manual mask (the waiting run gives way to it).
   */
  'segmentation-unavailable',
  /** The study's store or the results database cannot be written (permissions, a read-only file system): fix them, then retry. */
  'storage-denied',
] as const;

export type AttentionCode = (typeof ATTENTION_CODES)[number];

/** Why a timepoint waits for a person, and since when. */
export interface Attention {
  code: AttentionCode;
  message: string;
  /** ISO time the timepoint started to need attention. */
  at: string;
}

export type HuvosGrade = 'I' | 'II' | 'III' | 'IV';

export interface RegisterScanInput {
  timepoint: string;
  /** A modality of the timepoint, or 'mask' for the manual tumour mask. */
  modality: string;
  /** Where the scan is: a file or folder path, or an http(s) URL. */
  source: string;
  /**
   * A mask only: the image modality of the timepoint it was drawn on (its own contour). Absent: the mask is shared by
   * every image on its grid, as masks always were.
   */
  for?: string;
  /** A mask only: the ROI name (RTSTRUCT) or segment label (SEG) to take, where the file holds several. */
  roi?: string;
}

export interface OverrideQcInput {
  timepoint: string;
  reason: string;
  who: string;
}

/** A coordinator reruns a timepoint that needs attention on the same scans (after the cause was fixed). */
export interface RetryTimepointInput {
  timepoint: string;
  reason: string;
  who: string;
}

export interface RecordPathologyInput {
  necrosisPct: number;
  huvosGrade: HuvosGrade;
  /** ISO date of the pathology report. */
  date: string;
}

export interface WithdrawInput {
  reason: string;
}

export interface RegisteredScan {
  modality: string;
  source: string;
  registeredAt: string;
  /** A mask registered for one image modality (see RegisterScanInput). */
  for?: string;
  roi?: string;
}

/** A mask a timepoint's run used: which image it is for, and what it was registered as. */
export interface MaskRecord {
  /** The image modality; absent for the shared mask. */
  for?: string;
  kind: 'NIfTI' | 'NRRD' | 'RTSTRUCT' | 'SEG' | 'automatic';
  /** RTSTRUCT/SEG: the ROI or segment the mask was made from. */
  roi?: string;
  /** SHA-256 of the voxel mask features were extracted in. */
  sha256: string;
}

export interface QcVerdict {
  passed: boolean;
  reasons: string[];
  /** The reasons with their stable codes, findings[i].message === reasons[i]; absent when there is nothing to report, and in verdicts recorded before codes existed. */
  findings?: QcFinding[];
  override?: { reason: string; who: string };
}

export interface FeatureSetRef {
  paramHash: string;
  modalities: string[];
  featureCount: number;
}

export interface DeltaSummary {
  rows: number;
  /** Literature deltas against baseline (volume %, ΔADC, %ΔSUVmax, ΔMTV, ΔTLG); null where not computable. */
  named: Record<string, number | null>;
}

export interface PredictionRef {
  probability: number;
  /** `name@version` of the registered model. */
  model: string;
}

/** What made a timepoint's automatic mask: the segmentTumour result's record of model, device and time. */
export interface SegmentationRecord {
  /** `name@version` of the segmentation model. */
  model: string;
  /** cpu, webgpu, cuda:0 … */
  device: string;
  precision: 'fp32' | 'fp16' | 'bf16';
  /** e.g. `onnxruntime-node 1.30.0`, `torch 2.13.0+cpu`. */
  runtime: string;
  /** host:pid of the worker that ran it. */
  worker: string;
  fallback?: string;
  tta: boolean;
  windows: number;
  passes: number;
  /** Time for the volume (read to mask) and for its network passes. */
  totalMs: number;
  inferenceMs: number;
  tumourMl: number;
  /** Where the study exports automatic masks to the PACS: what became of this one ('failed': no retry got it there). */
  pacsExport?: { status: 'stored'; modality: string; frames: number } | { status: 'skipped' | 'failed'; reason: string };
}

/** One line on what became of an automatic mask's export to the PACS, for the CLI and the console. */
export function describeMaskExport(e: NonNullable<SegmentationRecord['pacsExport']>): string {
  if (e.status === 'stored') return `stored in the PACS as a SEG of the ${e.modality} series (${e.frames} frames)`;
  return `${e.status === 'skipped' ? 'not exported to the PACS' : 'export to the PACS failed'}: ${e.reason}`;
}

export interface TimepointView {
  name: string;
  status: TimepointStatus;
  dueAt: string;
  windowEndsAt: string;
  scans: RegisteredScan[];
  qc?: QcVerdict;
  featureSet?: FeatureSetRef;
  /** Present when the mask was made by automatic segmentation (absent for a manual mask). */
  segmentation?: SegmentationRecord;
  /** The masks of the latest run that completed (absent in runs from before masks were recorded). */
  masks?: MaskRecord[];
  deltas?: DeltaSummary;
  prediction?: PredictionRef | null;
  /** Why there is no prediction, or the last transient problem (e.g. the registry did not answer). */
  note?: string;
  /** How many times the timepoint pipeline ran. */
  runs: number;
  /** Present while the status is 'needs-attention': why the last run failed. */
  attention?: Attention;
  /** The latest coordinator's retry of the timepoint. */
  retried?: { reason: string; who: string; at: string };
}

export interface TimelineView {
  studyId: string;
  pseudonym: string;
  enrolledAt: string;
  stage: string;
  timepoints: TimepointView[];
  pathology?: RecordPathologyInput;
  withdrawn?: { reason: string; at: string };
  latestPrediction?: PredictionRef | null;
}

/** The memo key under which a PatientTimeline keeps its current view (readable without a worker). */
export const TIMELINE_VIEW_MEMO = 'timeline';

export interface TimelineInput {
  protocol: StudyProtocol;
  pseudonym: string;
  /** Clinical variables recorded at enrolment (age, sex, site, ALP, LDH). */
  clinical?: Record<string, number | string>;
  /** Carried over by continue-as-new. */
  state?: TimelineState;
}

/** The workflow's whole state: plain data, so it can be carried through continue-as-new. */
export interface TimelineState {
  enrolledAt: string;
  stage: string;
  timepoints: TimepointState[];
  pathology?: RecordPathologyInput;
  withdrawn?: { reason: string; at: string };
  latestPrediction?: PredictionRef | null;
  enrolmentRecorded: boolean;
  /** The study's champion changed and the latest done timepoint is to be predicted again (kept through continue-as-new). */
  rescoreRequested?: boolean;
  /** A prediction the registry could not give through the activity's retries, to be tried again at `dueAt` (a durable timer). */
  predictionRetry?: PredictionRetry;
}

export interface PredictionRetry {
  timepoint: string;
  /** Tries made so far, the first included. */
  attempts: number;
  dueAt: string;
}

export interface TimepointState extends TimepointView {
  /** Bumped by each registered scan; the pipeline reruns when it moved past `processedScanVersion`. */
  scanVersion: number;
  processedScanVersion: number;
  pendingOverride?: { reason: string; who: string };
  /** A coordinator's retry not yet acted on. */
  pendingRetry?: { reason: string; who: string };
  /** The override the latest run went with: a retry on the same scans goes with it again. */
  lastOverride?: { reason: string; who: string };
  notifiedOverdue: boolean;
}

export interface TimepointRunInput {
  protocol: StudyProtocol;
  pseudonym: string;
  timepoint: string;
  scans: RegisteredScan[];
  override?: { reason: string; who: string };
  parentWorkflowId: string;
}

export interface TimepointRunResult {
  qc: QcVerdict;
  featureSet: FeatureSetRef;
  segmentation?: SegmentationRecord;
  masks?: MaskRecord[];
}

export interface TimepointProgress {
  timepoint: string;
  /** The step the run is at; 'waiting-for-worker': no segmentation worker took the step within the study's wait. */
  status: 'acquiring' | 'segmenting' | 'extracting' | 'waiting-for-worker';
}

/** Names of the PatientTimeline's updates, query and signals (workflows/timeline/messages.ts defines them from these). */
export const TIMELINE_MESSAGES = {
  registerScan: 'registerScan',
  overrideQc: 'overrideQc',
  /** Rerun a timepoint that needs attention on the same scans. */
  retryTimepoint: 'retryTimepoint',
  recordPathology: 'recordPathology',
  withdraw: 'withdraw',
  timeline: 'timeline',
  timepointProgress: 'timepointProgress',
  /** Predict again with another model version (sent by the promotion's re-score). */
  rescore: 'rescore',
} as const;

export interface RescoreInput {
  /** `name@version` of the model to predict with. */
  model: string;
}
