// Determinism: recorded histories of real runs replayed through the current workflow code, each through the bundle of
// the worker that runs it. A change to a workflow that would break running executions fails here; such a change needs
// `patched()` (see workflows/patientTimeline.ts).
// Timeline and timepoint histories are recorded from the integration tests with
// OSTEOFLOW_RECORD_HISTORIES=tests/fixtures/histories; training and promotion histories by
// tests/integration/support/recordModelHistories.ts with the same variable.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { installRuntime } from '../../../workers/runtime';

jest.setTimeout(120000);

const dir = path.join(__dirname, '..', '..', 'fixtures', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

/** The workflow entry point of each worker: the pipeline worker's and the training worker's (workers/training/worker.ts). */
const BUNDLES: { prefixes: string[]; workflowsPath: string }[] = [
  { prefixes: ['patientTimeline-', 'timepoint-', 'intake-'], workflowsPath: require.resolve('../../../workflows') },
  { prefixes: ['training-', 'promotion-'], workflowsPath: require.resolve('../../../workflows/models') },
];
const bundleOf = (file: string) => BUNDLES.find((b) => b.prefixes.some((p) => file.startsWith(p)));

beforeAll(() => installRuntime('WARN'));

it('has recorded histories of every workflow, and knows the worker of each', () => {
  for (const prefix of ['patientTimeline-', 'timepoint-', 'intake-', 'training-', 'promotion-']) {
    expect([prefix, files.some((f) => f.startsWith(prefix))]).toEqual([prefix, true]);
  }
  expect(files.filter((f) => !bundleOf(f))).toEqual([]);
});

it('has promotion histories that end rejected, closed and rolled back', () => {
  expect(files.filter((f) => f.startsWith('promotion-')).sort()).toEqual(['promotion-closed.json', 'promotion-rejected.json', 'promotion-rolled-back.json']);
});

it.each(files)('replays %s without non-determinism', async (file) => {
  const { workflowId, history } = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  await Worker.runReplayHistory({ workflowsPath: bundleOf(file)!.workflowsPath }, history, workflowId);
});

// ---- a Timepoint child's failure other than QC: 'needs-attention' behind the patch 'timepoint-needs-attention' ----

interface HistoryEvent {
  eventId: string;
  eventTime: string;
  eventType: string;
  markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads: { data: string }[] }> };
  childWorkflowExecutionFailedEventAttributes?: { failure: unknown };
  [key: string]: unknown;
}
const read = (file: string): { workflowId: string; history: { events: HistoryEvent[] } } => JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
/** The ids of the patches a history recorded. */
const patchesOf = (events: HistoryEvent[]) =>
  events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => JSON.parse(Buffer.from(e.markerRecordedEventAttributes!.details!['patch-data'].payloads[0].data, 'base64').toString('utf8')).id as string);

it('has needs-attention histories recorded with their patch, and the older ones without it', () => {
  const recent = ['patientTimeline-needs-attention-new-mask.json', 'patientTimeline-needs-attention-retried.json', 'timepoint-needs-attention.json'];
  expect(files.filter((f) => f.includes('needs-attention')).sort()).toEqual(recent);
  for (const file of recent) expect([file, patchesOf(read(file).history.events)]).toEqual([file, ['timepoint-needs-attention']]);
  for (const file of ['patientTimeline-full.json', 'patientTimeline-qc-rescan-withdrawn.json', 'timepoint-mid.json', 'timepoint-qc-failed.json']) {
    expect([file, patchesOf(read(file).history.events)]).toEqual([file, []]);
  }
});

it('has a Timepoint history that exported its automatic mask to the PACS, behind its patch', () => {
  const { history } = read('timepoint-mask-export.json');
  expect(patchesOf(history.events)).toContain('mask-export');
  expect(history.events.filter((e) => JSON.stringify(e).includes('"exportMask"'))).not.toEqual([]);
});

it('replays a timeline that failed with its Timepoint child before needs-attention existed', async () => {
  // The recorded needs-attention history as the earlier code wrote it: the workflow task that saw the child fail
  // failed the workflow (no patch marker, no notification).
  const { workflowId, history } = read('patientTimeline-needs-attention-retried.json');
  const failedAt = history.events.findIndex((e) => e.eventType === 'EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED');
  const completedAt = history.events.findIndex((e, i) => i > failedAt && e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED');
  expect([failedAt, completedAt].every((i) => i > 0)).toBe(true);
  const events = history.events.slice(0, completedAt + 1);
  const completed = events[events.length - 1];
  events.push({
    eventId: String(Number(completed.eventId) + 1),
    eventTime: completed.eventTime,
    eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED',
    workflowExecutionFailedEventAttributes: {
      failure: { message: 'Child Workflow execution failed', cause: history.events[failedAt].childWorkflowExecutionFailedEventAttributes!.failure },
      retryState: 'RETRY_STATE_RETRY_POLICY_NOT_SET',
      workflowTaskCompletedEventId: completed.eventId,
    },
  });
  expect(patchesOf(events)).toEqual([]);
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../../../workflows') }, { events }, workflowId);
});

// ---- a late scan rerun, the segmentation worker wait, the clock during a run and the view memo: each behind its patch ----

it('has the late-scan and worker-wait histories recorded with their patches, and the older ones without them', () => {
  const newer = ['clock-during-run', 'rerun-after-late-scan', 'segmentation-worker-wait', 'timeline-view-memo'];
  expect(patchesOf(read('patientTimeline-late-scan.json').history.events)).toEqual(expect.arrayContaining(['rerun-after-late-scan', 'timeline-view-memo']));
  expect(patchesOf(read('patientTimeline-segmentation-worker-wait.json').history.events)).toEqual(
    expect.arrayContaining(['clock-during-run', 'timeline-view-memo']),
  );
  expect(patchesOf(read('timepoint-segmentation-worker-wait.json').history.events)).toEqual(['segmentation-worker-wait']);
  for (const older of ['patientTimeline-full.json', 'patientTimeline-qc-rescan-withdrawn.json', 'timepoint-mid.json']) {
    expect([older, patchesOf(read(older).history.events).filter((p) => newer.includes(p))]).toEqual([older, []]);
  }
});

// ---- a prediction the registry could not give, tried again on a durable timer: behind its patch ----

it('has the prediction-retry history recorded with its patch, and no older history carries it', () => {
  expect(patchesOf(read('patientTimeline-prediction-retry.json').history.events)).toEqual(expect.arrayContaining(['prediction-retry', 'timeline-view-memo']));
  // The retry waited on a timer of the study's model.retryAfter (5 s) after the failed prediction.
  const timers = read('patientTimeline-prediction-retry.json')
    .history.events.filter((e) => e.eventType === 'EVENT_TYPE_TIMER_STARTED')
    .map((e) => (e.timerStartedEventAttributes as { startToFireTimeout: string }).startToFireTimeout);
  expect(timers).toContain('5s');
  for (const older of files.filter((f) => f.startsWith('patientTimeline-') && f !== 'patientTimeline-prediction-retry.json')) {
    expect([older, patchesOf(read(older).history.events).includes('prediction-retry')]).toEqual([older, false]);
  }
});

// ---- masks acquired after the images (an RTSTRUCT or SEG converted on its image) behind 'mask-per-series' ----

it('has a timepoint history with a contour per series recorded with its patch, and older timepoint histories without it', () => {
  const events = read('timepoint-mask-per-series.json').history.events;
  expect(patchesOf(events)).toEqual(['mask-per-series']);
  // The images' three acquisitions are scheduled together, then the three masks' together.
  const scheduled = events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
  const types = scheduled.map((e) => (e.activityTaskScheduledEventAttributes as { activityType: { name: string } }).activityType.name);
  expect(types).toEqual(['acquireScan', 'acquireScan', 'acquireScan', 'acquireScan', 'acquireScan', 'acquireScan', 'checkQuality', 'extractFeatures']);
  const batch = (i: number) => (scheduled[i].activityTaskScheduledEventAttributes as { workflowTaskCompletedEventId: string }).workflowTaskCompletedEventId;
  expect(new Set([0, 1, 2].map(batch)).size).toBe(1);
  expect(new Set([3, 4, 5].map(batch)).size).toBe(1);
  expect(batch(3)).not.toBe(batch(0));
  // Histories recorded since (derived maps, mask export) carry it too.
  const since = ['timepoint-mask-per-series.json', 'timepoint-derived-maps.json', 'timepoint-mask-export.json'];
  for (const file of files.filter((f) => f.startsWith('timepoint-') && !since.includes(f))) {
    expect([file, patchesOf(read(file).history.events).includes('mask-per-series')]).toEqual([file, false]);
  }
});

// ---- parameter maps derived from DWI/DCE series before QC, behind 'derived-maps' ----

it('has a timepoint history with derived maps recorded with its patch, and no other history with it', () => {
  const events = read('timepoint-derived-maps.json').history.events;
  expect(patchesOf(events)).toEqual(['mask-per-series', 'derived-maps']);
  const scheduled = events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
  const types = scheduled.map((e) => (e.activityTaskScheduledEventAttributes as { activityType: { name: string } }).activityType.name);
  // Five images (T1CE, T2, PET, DWI, DCE), the mask, then the maps before QC and extraction.
  expect(types).toEqual([...Array<string>(6).fill('acquireScan'), 'deriveMaps', 'checkQuality', 'extractFeatures']);
  for (const file of files.filter((f) => f !== 'timepoint-derived-maps.json')) {
    expect([file, patchesOf(read(file).history.events).includes('derived-maps')]).toEqual([file, false]);
  }
});

// ---- PACS intake: a history through a PACS outage (attention set after the poll's retries, cleared when it answered) ----

it('has an intake history whose memo needed attention while the PACS was down and cleared once it answered', () => {
  const { history } = read('intake-faults.json');
  const memos = history.events
    .map((e) => (e.workflowPropertiesModifiedEventAttributes as { upsertedMemo?: { fields: Record<string, { data: string }> } } | undefined)?.upsertedMemo)
    .filter((m) => m?.fields.intake)
    .map((m) => JSON.parse(Buffer.from(m!.fields.intake.data, 'base64').toString('utf8')) as { attention?: { reason: string; since: string } });
  const attention = memos.map((m) => m.attention !== undefined);
  const first = attention.indexOf(true);
  expect(first).toBeGreaterThan(0);
  expect(attention.slice(first + 1)).toContain(false);
  expect(memos[first].attention!.reason).toMatch(/^PACS GET \/changes: no answer from /);
});
