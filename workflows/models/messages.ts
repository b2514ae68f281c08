// Messages of the model workflows, declared once with their types: the Promotion workflow's approval, rejection and
// rollback updates and its status query, and the signal that asks a running PatientTimeline to predict again.
import type { Duration } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GatePolicy, GateResult } from '../../registry/promotionPolicy';
import type { Decision, RescoreSummary, VersionInfo } from '../../contracts/models';
import type { StudyProtocol } from '../../contracts/study';

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
  | 'evaluating'
  | 'gate-failed'
  | 'awaiting-approval'
  | 'rejected'
  | 'approval-timed-out'
  | 'promoting'
  | 'promoted'
  | 'rolling-back'
  | 'rolled-back'
  | 'closed';

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

export const approvePromotionUpdate = defineUpdate<PromotionView, [ApprovalInput]>('approve');
export const rejectPromotionUpdate = defineUpdate<PromotionView, [ApprovalInput]>('reject');
export const rollbackUpdate = defineUpdate<PromotionView, [ApprovalInput]>('rollback');
export const promotionQuery = defineQuery<PromotionView>('promotion');

/** Sent to a running PatientTimeline after its study's champion changed: predict again with `model` (name@version). */
export const rescoreSignal = defineSignal<[{ model: string }]>('rescore');
