// The pipeline activities' signatures: what workflows call (they import these types only) and workers implement.
import type { StudyProtocol } from './study';
import type { DeltaSummary, FeatureSetRef, PredictionRef, QcVerdict, RecordPathologyInput, RegisteredScan } from './timeline';

export interface AcquiredScan {
  modality: string;
  role: 'image' | 'mask';
  /** The copy inside the study's store. */
  path: string;
  sha256: string;
  source: string;
}

export interface TimepointRef {
  protocol: StudyProtocol;
  pseudonym: string;
  timepoint: string;
}

export interface Notification {
  kind: 'overdue' | 'qc-failed' | 'missed' | 'acquisition-failed' | 'needs-attention';
  studyId: string;
  pseudonym: string;
  timepoint: string;
  message: string;
}

export interface PipelineActivities {
  recordEnrolment(input: { studyId: string; pseudonym: string; enrolledAt: string; clinical: Record<string, number | string> }): Promise<void>;
  /** One scan per activity, so that a source that fails is retried on its own. */
  acquireScan(input: TimepointRef & { scan: RegisteredScan }): Promise<AcquiredScan>;
  /** Returns the verdict when QC passes (or is overridden); throws the non-retryable `QcFailed` with the verdict as details otherwise. */
  checkQuality(input: TimepointRef & { acquired: AcquiredScan[]; override?: { reason: string; who: string } }): Promise<QcVerdict>;
  extractFeatures(input: TimepointRef & { acquired: AcquiredScan[] }): Promise<FeatureSetRef>;
  computeDeltas(input: TimepointRef & { baseline: string; previous?: string }): Promise<DeltaSummary>;
  /** `rescore`: asked by a promotion (the study re-scored with a new champion); the ledger flags the entry so. */
  predictResponse(input: TimepointRef & { rescore?: boolean }): Promise<{ prediction: PredictionRef | null; note?: string }>;
  recordPathology(input: { studyId: string; pseudonym: string } & RecordPathologyInput): Promise<void>;
  notify(notification: Notification): Promise<void>;
}
