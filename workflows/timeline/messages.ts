// The PatientTimeline's messages, defined once from the names and types in contracts/timeline.ts.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import {
  TIMELINE_MESSAGES,
  type OverrideQcInput,
  type RecordPathologyInput,
  type RegisterScanInput,
  type RetryTimepointInput,
  type TimelineView,
  type TimepointProgress,
  type WithdrawInput,
} from '../../contracts/timeline';

export const registerScanUpdate = defineUpdate<TimelineView, [RegisterScanInput]>(TIMELINE_MESSAGES.registerScan);
export const overrideQcUpdate = defineUpdate<TimelineView, [OverrideQcInput]>(TIMELINE_MESSAGES.overrideQc);
export const retryTimepointUpdate = defineUpdate<TimelineView, [RetryTimepointInput]>(TIMELINE_MESSAGES.retryTimepoint);
export const recordPathologyUpdate = defineUpdate<TimelineView, [RecordPathologyInput]>(TIMELINE_MESSAGES.recordPathology);
export const withdrawUpdate = defineUpdate<TimelineView, [WithdrawInput]>(TIMELINE_MESSAGES.withdraw);
export const timelineQuery = defineQuery<TimelineView>(TIMELINE_MESSAGES.timeline);
/** Sent by the Timepoint child as it moves through its steps. */
export const timepointProgressSignal = defineSignal<[TimepointProgress]>(TIMELINE_MESSAGES.timepointProgress);
