// The failures of a Timepoint run as the PatientTimeline receives them, and the attention code each one gets.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import { ATTENTION_CODES, type QcVerdict } from '../../../contracts/timeline';
import { attentionOf, failureTypeOf, isQcLikeFailure, isRetryableFailure, NEEDS_ATTENTION_PATCH } from '../../../workflows/timeline/attention';

const child = (cause: Error) =>
  new ChildWorkflowFailure('osteoflow', { workflowId: 'S/P/mid/run-1', runId: 'r' }, 'timepointWorkflow', 'NON_RETRYABLE_FAILURE', cause);
const activity = (activityType: string, cause: Error) => new ActivityFailure('Activity task failed', activityType, '7', 'MAXIMUM_ATTEMPTS_REACHED', 'w', cause);
const app = (type: string, message: string, details?: unknown[]) => ApplicationFailure.create({ type, message, details });
const passed: QcVerdict = { passed: true, reasons: [] };
/** What the Timepoint throws past QC: the step, the verdict, and the activity's failure as the cause. */
const step = (name: 'acquiring' | 'segmenting' | 'extracting', cause: Error, qc?: QcVerdict) =>
  ApplicationFailure.create({ type: 'TimepointStepFailed', message: `${name}: …`, details: [{ step: name, ...(qc ? { qc } : {}) }], cause });

describe('attention codes', () => {
  it('are a stable list', () => {
    expect(ATTENTION_CODES).toEqual([
      'parameters-changed',
      'extraction-failed',
      'segmentation-failed',
      'storage-full',
      'store-locked',
      'worker-lost',
      'activity-failed',
      'timepoint-failed',
      'segmentation-unavailable',
      'storage-denied',
    ]);
    expect(NEEDS_ATTENTION_PATCH).toBe('timepoint-needs-attention');
  });

  it.each([
    [
      'a changed parameter file',
      child(
        step(
          'extracting',
          activity('extractFeatures', app('ParametersChangedError', 'the parameter file /p.yaml changed since the study was enrolled')),
          passed,
        ),
      ),
      'parameters-changed',
      'extractFeatures: the parameter file /p.yaml changed since the study was enrolled',
    ],
    [
      'a mask extraction refuses (flipped direction)',
      child(step('extracting', activity('extractFeatures', app('RadiomicsInputError', 'mask geometry does not match the image')), passed)),
      'extraction-failed',
      'extractFeatures: mask geometry does not match the image',
    ],
    [
      'extraction failing through its retries',
      child(step('extracting', activity('extractFeatures', app('Error', 'out of range')))),
      'extraction-failed',
      'extractFeatures: out of range',
    ],
    [
      'a segmentation model that cannot be served',
      child(step('segmenting', activity('segmentTumour', app('SegmentationModelError', 'no such model package')), passed)),
      'segmentation-failed',
      'segmentTumour: no such model package',
    ],
    [
      'a full scan store while acquiring',
      child(step('acquiring', activity('acquireScan', app('StorageFullError', 'the study store /s is full (ENOSPC)')))),
      'storage-full',
      'acquireScan: the study store /s is full (ENOSPC)',
    ],
    [
      'a full results database',
      child(step('extracting', activity('extractFeatures', app('SqliteError', 'database or disk is full')))),
      'storage-full',
      'extractFeatures: database or disk is full',
    ],
    [
      'a full disk while writing a mask',
      child(step('segmenting', activity('segmentTumour', app('Error', 'ENOSPC: no space left on device, write')))),
      'storage-full',
      'segmentTumour: ENOSPC: no space left on device, write',
    ],
    [
      'a results database locked through the retries',
      child(step('extracting', activity('extractFeatures', app('SqliteError', 'database is locked')))),
      'store-locked',
      'extractFeatures: database is locked',
    ],
    [
      'a mask folder the worker may not write',
      child(step('segmenting', activity('segmentTumour', app('Error', "EPERM: operation not permitted, open '/store/S/P/mask.nii.gz'")))),
      'storage-denied',
      "segmentTumour: EPERM: operation not permitted, open '/store/S/P/mask.nii.gz'",
    ],
    [
      'a results database on a read-only file system',
      child(step('extracting', activity('extractFeatures', app('SqliteError', 'attempt to write a readonly database')))),
      'storage-denied',
      'extractFeatures: attempt to write a readonly database',
    ],
    [
      'a worker killed at every attempt',
      child(step('extracting', activity('extractFeatures', new TimeoutFailure('activity Heartbeat timeout', undefined, 'HEARTBEAT')))),
      'worker-lost',
      'extractFeatures: its worker stopped answering (heartbeat timeout) through every retry',
    ],
    [
      'a failure of a Timepoint started before the step was carried',
      child(activity('extractFeatures', app('RadiomicsInputError', 'bad mask'))),
      'extraction-failed',
      'extractFeatures: bad mask',
    ],
    ['another activity', child(activity('checkQuality', app('Error', 'EIO: i/o error'))), 'activity-failed', 'checkQuality: EIO: i/o error'],
    ['a terminated run', child(new TerminatedFailure('terminated by ops')), 'timepoint-failed', 'the timepoint run was terminated: terminated by ops'],
    [
      'a run that timed out',
      child(new TimeoutFailure(undefined, undefined, 'START_TO_CLOSE')),
      'timepoint-failed',
      'the timepoint run timed out (start-to-close)',
    ],
    ['anything else', new Error('boom'), 'timepoint-failed', 'the timepoint run failed: boom'],
  ])('%s → %s', (_what, failure, code, message) => {
    expect(attentionOf(failure)).toMatchObject({ code, message });
  });

  it('carries the step and the QC verdict the run passed with', () => {
    const overridden: QcVerdict = { passed: false, reasons: ['x'], override: { reason: 'checked', who: 'c1' } };
    expect(attentionOf(child(step('extracting', activity('extractFeatures', app('RadiomicsInputError', 'bad')), overridden)))).toEqual({
      code: 'extraction-failed',
      message: 'extractFeatures: bad',
      step: 'extracting',
      qc: overridden,
    });
    expect(attentionOf(child(activity('extractFeatures', app('RadiomicsInputError', 'bad'))))).toEqual({
      code: 'extraction-failed',
      message: 'extractFeatures: bad',
    });
  });

  it('keeps a message short enough to show', () => {
    const { message } = attentionOf(child(activity('extractFeatures', app('Error', 'x'.repeat(5000)))));
    expect(message.length).toBe(1000);
    expect(message.endsWith('…')).toBe(true);
  });

  it('tells a failed QC and an unavailable source (a re-scan or an override) from the rest', () => {
    expect(isQcLikeFailure(child(activity('checkQuality', app('QcFailed', 'missing slice'))))).toBe(true);
    expect(isQcLikeFailure(child(app('AcquisitionFailed', 'PACS down')))).toBe(true);
    expect(isQcLikeFailure(child(step('extracting', activity('extractFeatures', app('RadiomicsInputError', 'bad')))))).toBe(false);
    expect(isQcLikeFailure(child(new TerminatedFailure('x')))).toBe(false);
    expect(failureTypeOf(activity('acquireScan', app('StorageFullError', 'full')))).toBe('StorageFullError');
    expect(failureTypeOf(new Error('x'))).toBeUndefined();
  });

  it('tells a failure that a later try may get past from one no retry can fix', () => {
    // The registry unreachable through the activity's retries, or the activity timing out: worth trying again later.
    expect(isRetryableFailure(activity('predictResponse', app('MlflowError', 'NETWORK_ERROR: connect ECONNREFUSED')))).toBe(true);
    expect(isRetryableFailure(activity('predictResponse', new TimeoutFailure('timed out', undefined, 'START_TO_CLOSE')))).toBe(true);
    // A model that cannot score this patient (a missing feature), or any failure marked non-retryable: not.
    expect(isRetryableFailure(activity('predictResponse', app('ModelInputError', "feature 'x' is missing")))).toBe(false);
    expect(isRetryableFailure(activity('predictResponse', ApplicationFailure.create({ type: 'Error', message: 'no', nonRetryable: true })))).toBe(false);
  });
});
