// The PatientTimeline's messages, declared once with their types.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { OverrideQcInput, RecordPathologyInput, RegisterScanInput, TimelineView, TimepointProgress, WithdrawInput } from '../../contracts/timeline';

export const registerScanUpdate = defineUpdate<TimelineView, [RegisterScanInput]>('registerScan');
export const overrideQcUpdate = defineUpdate<TimelineView, [OverrideQcInput]>('overrideQc');
export const recordPathologyUpdate = defineUpdate<TimelineView, [RecordPathologyInput]>('recordPathology');
export const withdrawUpdate = defineUpdate<TimelineView, [WithdrawInput]>('withdraw');
export const timelineQuery = defineQuery<TimelineView>('timeline');
/** Sent by the Timepoint child as it moves through its steps. */
export const timepointProgressSignal = defineSignal<[TimepointProgress]>('timepointProgress');
