// A timepoint's status changes, in one table: (from-status, event) → to-status. Every status change of the
// PatientTimeline goes through `applyTimepointEvent`; the callers decide when an event happens (the clock, a scan set
// complete, the Timepoint child's report), this table what it does to the status. A timepoint starts 'pending'
// (timeline/state.ts, initialState).
import { inWorkflowContext, log } from '@temporalio/workflow';
import type { TimepointProgress, TimepointStatus } from '../../contracts/timeline';

export type TimepointEvent =
  /** The timeline starts a Timepoint child on the complete scan set. */
  | 'run-started'
  /** The Timepoint child reports the step it is at. */
  | `progress:${Exclude<TimepointProgress['status'], 'waiting-for-worker'>}`
  /** No worker took the run's segmentation step within the study's wait; the run keeps waiting for one. */
  | 'worker-missing'
  /** The waiting run's segmentation step was done after all (a worker came). */
  | 'worker-found'
  /** The run ended with its results, but a scan was registered while it ran: the timepoint runs again on the latest scans. */
  | 'late-scan'
  /**
   * The child failed QC or could not acquire a scan (or, in runs that began before 'needs-attention' existed, could not
   * segment): a new scan or an override is awaited.
   */
  | 'qc-failed'
  /** The child failed in any other way (extraction, segmentation, the store, the worker): a person must act. */
  | 'child-failed'
  /** The child's features are stored and the timepoint's deltas and prediction are in. */
  | 'results-in'
  /** The window ended without a complete scan set. */
  | 'window-ended'
  /** `missedAfter` past the window, still without a usable scan set. */
  | 'grace-ended';

export interface TimepointTransition {
  from: TimepointStatus;
  event: TimepointEvent;
  to: TimepointStatus;
}

const row = (from: TimepointStatus, event: TimepointEvent, to: TimepointStatus): TimepointTransition => ({ from, event, to });

export const TIMEPOINT_TRANSITIONS: readonly TimepointTransition[] = [
  // Waiting for a complete scan set (or, after a failed QC, for a new scan or an override).
  row('pending', 'run-started', 'acquiring'),
  row('pending', 'window-ended', 'overdue'),
  row('overdue', 'run-started', 'acquiring'),
  row('overdue', 'grace-ended', 'missed'),
  row('qc-failed/awaiting-rescan', 'run-started', 'acquiring'),
  row('qc-failed/awaiting-rescan', 'grace-ended', 'missed'),
  // A timepoint that needs attention reruns when a person acts: a new scan or mask registered, a QC override (where
  // its verdict failed) or a retry on the same scans. It waits for that person: the clock never closes it as missed,
  // and a stray progress report does not move it.
  row('needs-attention', 'run-started', 'acquiring'),
  // A run whose segmentation step waits for a worker needs attention while it waits, and goes on when one comes.
  row('segmenting', 'worker-missing', 'needs-attention'),
  row('needs-attention', 'worker-found', 'segmenting'),
  // The waiting run can still end badly once a worker took it (segmentation failed, or its mask failed QC).
  row('needs-attention', 'child-failed', 'needs-attention'),
  row('needs-attention', 'qc-failed', 'qc-failed/awaiting-rescan'),
  // The child's reports move a timepoint that is not closed to the step reported.
  row('pending', 'progress:acquiring', 'acquiring'),
  row('pending', 'progress:segmenting', 'segmenting'),
  row('pending', 'progress:extracting', 'extracting'),
  row('overdue', 'progress:acquiring', 'acquiring'),
  row('overdue', 'progress:segmenting', 'segmenting'),
  row('overdue', 'progress:extracting', 'extracting'),
  row('qc-failed/awaiting-rescan', 'progress:acquiring', 'acquiring'),
  row('qc-failed/awaiting-rescan', 'progress:segmenting', 'segmenting'),
  row('qc-failed/awaiting-rescan', 'progress:extracting', 'extracting'),
  row('acquiring', 'progress:acquiring', 'acquiring'),
  row('acquiring', 'progress:segmenting', 'segmenting'),
  row('acquiring', 'progress:extracting', 'extracting'),
  row('segmenting', 'progress:acquiring', 'acquiring'),
  row('segmenting', 'progress:segmenting', 'segmenting'),
  row('segmenting', 'progress:extracting', 'extracting'),
  row('extracting', 'progress:acquiring', 'acquiring'),
  row('extracting', 'progress:segmenting', 'segmenting'),
  row('extracting', 'progress:extracting', 'extracting'),
  // A run ends in a failed QC or with its results in, at whichever step the child last reported.
  row('acquiring', 'qc-failed', 'qc-failed/awaiting-rescan'),
  row('segmenting', 'qc-failed', 'qc-failed/awaiting-rescan'),
  row('extracting', 'qc-failed', 'qc-failed/awaiting-rescan'),
  row('acquiring', 'results-in', 'done'),
  row('segmenting', 'results-in', 'done'),
  row('extracting', 'results-in', 'done'),
  // A scan registered during a run is not dropped: the timepoint runs again on the latest scans.
  row('acquiring', 'late-scan', 'acquiring'),
  row('segmenting', 'late-scan', 'acquiring'),
  row('extracting', 'late-scan', 'acquiring'),
  // A run that fails in any other way waits for a person instead of ending the timeline.
  row('acquiring', 'child-failed', 'needs-attention'),
  row('segmenting', 'child-failed', 'needs-attention'),
  row('extracting', 'child-failed', 'needs-attention'),
  // 'done' and 'missed' are closed: no event leaves them.
];

const TABLE: ReadonlyMap<string, TimepointStatus> = new Map(TIMEPOINT_TRANSITIONS.map((t) => [`${t.from} ${t.event}`, t.to]));

/** The status `event` moves a timepoint in `from` to; undefined when the table has no row for the pair. */
export function nextStatus(from: TimepointStatus, event: TimepointEvent): TimepointStatus | undefined {
  return TABLE.get(`${from} ${event}`);
}

/** The event of the Timepoint child's progress report. */
export function progressEvent(step: Exclude<TimepointProgress['status'], 'waiting-for-worker'>): TimepointEvent {
  return `progress:${step}`;
}

/**
 * Applies `event` to the timepoint's status by the table and returns whether it had a row. An event with no row for
 * the timepoint's status (a late report about a closed timepoint, say) leaves the status as it is and is logged as a
 * warning: it never throws, since a throw in workflow code fails the workflow task and leaves a running timeline
 * retrying it.
 */
export function applyTimepointEvent(tp: { name: string; status: TimepointStatus }, event: TimepointEvent): boolean {
  const to = nextStatus(tp.status, event);
  if (to === undefined) {
    if (inWorkflowContext()) log.warn('timepoint event ignored: no transition from its status', { timepoint: tp.name, status: tp.status, event });
    return false;
  }
  tp.status = to;
  return true;
}
