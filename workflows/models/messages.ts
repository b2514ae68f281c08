// Messages of the model workflows, defined once from the names and types in contracts/: the Promotion workflow's
// approval, rejection and rollback updates and its status query, and the signal that asks a running PatientTimeline
// to predict again.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { PROMOTION_MESSAGES, type ApprovalInput, type PromotionView } from '../../contracts/models';
import { TIMELINE_MESSAGES, type RescoreInput } from '../../contracts/timeline';

export const approvePromotionUpdate = defineUpdate<PromotionView, [ApprovalInput]>(PROMOTION_MESSAGES.approve);
export const rejectPromotionUpdate = defineUpdate<PromotionView, [ApprovalInput]>(PROMOTION_MESSAGES.reject);
export const rollbackUpdate = defineUpdate<PromotionView, [ApprovalInput]>(PROMOTION_MESSAGES.rollback);
export const promotionQuery = defineQuery<PromotionView>(PROMOTION_MESSAGES.status);

/** Sent to a running PatientTimeline after its study's champion changed: predict again with `model` (name@version). */
export const rescoreSignal = defineSignal<[RescoreInput]>(TIMELINE_MESSAGES.rescore);
