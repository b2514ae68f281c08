// Why a failed Timepoint run needs a person: the failure, as the PatientTimeline receives it from its child, mapped to
// a stable attention code (contracts/timeline.ts, ATTENTION_CODES) and a message. Plain functions over Temporal's
// failure classes (no commands), unit-tested on their own.
import { ActivityFailure, ApplicationFailure, CancelledFailure, ChildWorkflowFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/workflow';
import { ACQUISITION_FAILED, NON_RETRYABLE_ERRORS, PARAMETERS_CHANGED, QC_FAILED, STORAGE_FULL, TIMEPOINT_STEP_FAILED } from '../../contracts/errors';
import type { AttentionCode, QcVerdict, TimepointProgress } from '../../contracts/timeline';

/**
 * The patch behind which a Timepoint run's failure other than a failed QC makes its timepoint 'needs-attention' (the
 * PatientTimeline) and is carried to the parent with its step and QC verdict (the Timepoint). Histories recorded
 * before it replay the older behaviour: the timeline failed with the child.
 */
export const NEEDS_ATTENTION_PATCH = 'timepoint-needs-attention';

/** The details of a TimepointStepFailed failure: the step the run failed in, and the QC verdict it had passed with. */
export interface StepFailureDetails {
  step: TimepointProgress['status'];
  qc?: QcVerdict;
}

export interface AttentionReason {
  code: AttentionCode;
  message: string;
  /** The step the run failed in, where the child said so. */
  step?: TimepointProgress['status'];
  /** The QC verdict of the failed run, where the child carried it (the run got past QC). */
  qc?: QcVerdict;
}

/** Messages of a full disk or quota (Node's ENOSPC/EDQUOT, SQLite's SQLITE_FULL). */
const STORAGE_FULL_MESSAGE = /\b(ENOSPC|EDQUOT|SQLITE_FULL)\b|no space left on device|disk quota exceeded|database or disk is full/i;
/** Messages of a database that stayed locked (SQLite's SQLITE_BUSY/SQLITE_LOCKED). */
const STORE_LOCKED_MESSAGE = /\b(SQLITE_BUSY|SQLITE_LOCKED)\b|database is locked|database table is locked/i;
/** Messages of a store that refuses writes (Node's EACCES/EPERM/EROFS, SQLite's SQLITE_READONLY/SQLITE_PERM). */
const STORAGE_DENIED_MESSAGE =
  /\b(EACCES|EPERM|EROFS|SQLITE_READONLY|SQLITE_PERM)\b|permission denied|operation not permitted|read-only file system|attempt to write a readonly database/i;
const MAX_MESSAGE = 1000;

/** The failure behind any child-workflow and activity failures that wrap it. */
function innermostFailure(err: unknown): unknown {
  let cause: unknown = err;
  while (cause instanceof ChildWorkflowFailure || cause instanceof ActivityFailure) cause = cause.cause;
  return cause;
}

/** The type of the innermost application failure behind a child or activity failure, if there is one. */
export function failureTypeOf(err: unknown): string | undefined {
  const cause = innermostFailure(err);
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/**
 * Whether trying the same step again later may succeed: not where the innermost failure is an application failure
 * marked non-retryable or of a non-retryable type (bad input, a missing feature); a timeout, a lost worker or an
 * unreachable server may pass.
 */
export function isRetryableFailure(err: unknown): boolean {
  const cause = innermostFailure(err);
  return !(cause instanceof ApplicationFailure && (cause.nonRetryable || (NON_RETRYABLE_ERRORS as readonly string[]).includes(cause.type ?? '')));
}

/** The QC verdict carried by a failed QC or an unavailable source (QcFailed, AcquisitionFailed), if that is what failed. */
export function qcFailureOf(err: unknown): QcVerdict | undefined {
  const cause = innermostFailure(err);
  if (cause instanceof ApplicationFailure && (cause.type === QC_FAILED || cause.type === ACQUISITION_FAILED)) {
    return (cause.details?.[0] as QcVerdict | undefined) ?? { passed: false, reasons: [cause.message] };
  }
  return undefined;
}

/** Whether the failure is a failed QC or an unavailable source: those wait for a re-scan or an override, not attention. */
export function isQcLikeFailure(err: unknown): boolean {
  return qcFailureOf(err) !== undefined;
}

/** The message of the deepest cause of an error. */
export function rootMessage(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof Error && cause.cause) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The attention code and message of a failed Timepoint run (any failure but a failed QC or an unavailable source). */
export function attentionOf(err: unknown): AttentionReason {
  let step: StepFailureDetails['step'] | undefined;
  let qc: QcVerdict | undefined;
  let activity: string | undefined;
  let root: unknown = err;
  for (;;) {
    if (root instanceof ChildWorkflowFailure && root.cause) root = root.cause;
    else if (root instanceof ApplicationFailure && root.type === TIMEPOINT_STEP_FAILED) {
      const details = root.details?.[0] as Partial<StepFailureDetails> | undefined;
      step = details?.step ?? step;
      qc = details?.qc ?? qc;
      if (!root.cause) break;
      root = root.cause;
    } else if (root instanceof ActivityFailure) {
      activity = root.activityType;
      if (!root.cause) break;
      root = root.cause;
    } else break;
  }
  const type = root instanceof ApplicationFailure ? (root.type ?? '') : root instanceof Error ? root.name : '';
  const said = (root instanceof Error ? root.message : String(root)) || type || 'failed';
  const where = activity ? `${activity}: ` : '';
  const reason = (code: AttentionCode, message: string): AttentionReason => ({
    code,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
    ...(step ? { step } : {}),
    ...(qc ? { qc } : {}),
  });

  if (type === PARAMETERS_CHANGED) return reason('parameters-changed', `${where}${said}`);
  if (type === STORAGE_FULL || STORAGE_FULL_MESSAGE.test(said)) return reason('storage-full', `${where}${said}`);
  if (STORE_LOCKED_MESSAGE.test(said)) return reason('store-locked', `${where}${said}`);
  if (STORAGE_DENIED_MESSAGE.test(said)) return reason('storage-denied', `${where}${said}`);
  if (root instanceof TimeoutFailure && activity) {
    return reason('worker-lost', `${where}its worker stopped answering (${timeoutName(root)} timeout) through every retry`);
  }
  if (activity === 'segmentTumour' || (!activity && step === 'segmenting')) return reason('segmentation-failed', `${where}${said}`);
  if (activity === 'extractFeatures' || (!activity && step === 'extracting')) return reason('extraction-failed', `${where}${said}`);
  if (activity) return reason('activity-failed', `${where}${said}`);
  if (root instanceof TerminatedFailure) return reason('timepoint-failed', `the timepoint run was terminated: ${said}`);
  if (root instanceof CancelledFailure) return reason('timepoint-failed', `the timepoint run was cancelled: ${said}`);
  if (root instanceof TimeoutFailure) return reason('timepoint-failed', `the timepoint run timed out (${timeoutName(root)})`);
  return reason('timepoint-failed', `the timepoint run failed: ${said}`);
}

/** `HEARTBEAT` → `heartbeat`, `START_TO_CLOSE` → `start-to-close`. */
function timeoutName(failure: TimeoutFailure): string {
  return String(failure.timeoutType ?? 'unknown')
    .toLowerCase()
    .replace(/_/g, '-');
}
