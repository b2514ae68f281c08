// PatientTimeline: one durable workflow per patient (id <study>/<pseudonym>) that follows the imaging timeline for
// months. It waits on updates and timers, runs a Timepoint child per complete scan set, computes deltas and
// predictions after each, and ends when pathology is recorded (or the patient is withdrawn). No failure of a
// Timepoint child ends it: a failed QC waits for a re-scan or an override, any other failure for a person
// ('needs-attention': a new scan or mask, an override where QC failed, or a retry).
//
// Patching discipline: running timelines replay this code for months. Any change to the order or kind of commands
// goes behind `patched('<change-id>')` (old path kept until no history needs it, then `deprecatePatch`), and
// tests/unit/workflows/replay.test.ts replays recorded histories through the current code.
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import type { PipelineActivities } from '../contracts/pipeline';
import { DEFAULT_SEGMENTATION_WORKER_WAIT_MS } from '../contracts/study';
import { TASK_QUEUES } from '../contracts/taskQueues';
import { rescoreSignal } from './models/messages';
import { POLICIES } from './policies';
import { ModelVersion, NextDue, QcStatus, Stage, StudyId } from './searchAttributes';
import {
  overrideQcUpdate,
  recordPathologyUpdate,
  registerScanUpdate,
  retryTimepointUpdate,
  timelineQuery,
  timepointProgressSignal,
  withdrawUpdate,
} from './timeline/messages';
import { attentionOf, isRetryableFailure, NEEDS_ATTENTION_PATCH, qcFailureOf, rootMessage } from './timeline/attention';
import {
  applyDeadlines,
  initialState,
  isFinished,
  isReady,
  latestScans,
  nextDeadline,
  nextDue,
  nextWake,
  qcStatusOf,
  schedulePredictionRetry,
  stageOf,
  toView,
  validateOverrideQc,
  validatePathology,
  validateRegisterScan,
  validateRetryTimepoint,
  validateWithdraw,
  waitsForSegmentationWorker,
} from './timeline/state';
import { applyTimepointEvent, progressEvent } from './timeline/transitions';
import { TIMELINE_VIEW_MEMO, type TimelineInput, type TimelineView, type TimepointState } from '../contracts/timeline';
import { timepointWorkflow } from './timepoint';

const { recordEnrolment, recordPathology } = proxyActivities<PipelineActivities>(POLICIES.store);
const { notify } = proxyActivities<PipelineActivities>(POLICIES.notify);
const { computeDeltas } = proxyActivities<PipelineActivities>(POLICIES.features);
const { predictResponse } = proxyActivities<PipelineActivities>(POLICIES.predict);

/** The patch behind which a prediction the registry could not give is tried again on a durable timer. */
export const PREDICTION_RETRY_PATCH = 'prediction-retry';

/** Writes the timeline's view into the workflow's memo at every change. */
const VIEW_MEMO_PATCH = 'timeline-view-memo';
/** Runs again when a scan arrived during a successful run (it used to be accepted and then ignored). */
const LATE_SCAN_PATCH = 'rerun-after-late-scan';
/** Applies the other timepoints' deadlines while a run goes on (they used to wait for the run to end). */
const CLOCK_DURING_RUN_PATCH = 'clock-during-run';
const SEGMENTATION_UNAVAILABLE = 'segmentation-unavailable';

/** 30 minutes, 45 seconds: a wait as a coordinator reads it. */
function formatWait(ms = DEFAULT_SEGMENTATION_WORKER_WAIT_MS): string {
  return ms % 60000 === 0 ? `${ms / 60000} minutes` : `${Math.round(ms / 1000)} seconds`;
}

export async function patientTimelineWorkflow(input: TimelineInput): Promise<TimelineView> {
  const { protocol, pseudonym } = input;
  const studyId = protocol.studyId;
  const state = input.state ?? initialState(protocol, workflowInfo().startTime.getTime());
  let dirty = false; // set by every handler: something to look at
  // The Timepoint child now running; a manual mask registered while its segmentation waits for a worker cancels it.
  let running: { tp: TimepointState; scope: CancellationScope; superseded: boolean } | undefined;
  const find = (name: string) => state.timepoints.find((t) => t.name === name)!;
  const view = () => toView(studyId, pseudonym, state);

  function publish(): void {
    state.stage = stageOf(state);
    const due = nextDue(state);
    upsertSearchAttributes([
      { key: StudyId, value: studyId },
      { key: Stage, value: state.stage },
      { key: QcStatus, value: qcStatusOf(state) },
      { key: NextDue, value: due ?? null },
      ...(state.latestPrediction ? [{ key: ModelVersion, value: state.latestPrediction.model }] : []),
    ]);
    // The view in the memo lets a reader see the timeline without a worker (a query needs one).
    if (patched(VIEW_MEMO_PATCH)) upsertMemo({ [TIMELINE_VIEW_MEMO]: view() });
  }
  /** Publishes a handler's change at once (runs from before the memo existed published only from the main loop). */
  function refresh(): void {
    if (patched(VIEW_MEMO_PATCH)) publish();
  }

  setHandler(timelineQuery, view);
  setHandler(rescoreSignal, () => {
    // Kept in the state: a promotion's re-score survives continue-as-new.
    state.rescoreRequested = true;
  });
  setHandler(timepointProgressSignal, async ({ timepoint, status }) => {
    const tp = state.timepoints.find((t) => t.name === timepoint);
    if (!tp) return;
    if (status === 'waiting-for-worker') {
      await segmentationWorkerMissing(tp);
      return;
    }
    if (waitsForSegmentationWorker(tp)) {
      // The run that waited for a segmentation worker got one: it goes on from segmenting.
      applyTimepointEvent(tp, 'worker-found');
      tp.attention = undefined;
    }
    applyTimepointEvent(tp, progressEvent(status));
    refresh();
  });
  setHandler(
    registerScanUpdate,
    (scan) => {
      const tp = find(scan.timepoint);
      tp.scans.push({
        modality: scan.modality,
        source: scan.source,
        registeredAt: new Date().toISOString(),
        ...(scan.for !== undefined ? { for: scan.for } : {}),
        ...(scan.roi !== undefined ? { roi: scan.roi } : {}),
      });
      tp.scanVersion += 1;
      if (running?.tp === tp && waitsForSegmentationWorker(tp) && scan.modality === 'mask') {
        // The run waits for a segmentation worker that does not come: the manual mask takes its place.
        running.superseded = true;
        running.scope.cancel();
      }
      dirty = true;
      refresh();
      return view();
    },
    { validator: (scan) => validateRegisterScan(protocol, state, scan) },
  );
  setHandler(
    overrideQcUpdate,
    ({ timepoint, reason, who }) => {
      find(timepoint).pendingOverride = { reason, who };
      dirty = true;
      refresh();
      return view();
    },
    { validator: (o) => validateOverrideQc(state, o) },
  );
  setHandler(
    retryTimepointUpdate,
    ({ timepoint, reason, who }) => {
      find(timepoint).pendingRetry = { reason, who };
      dirty = true;
      refresh();
      return view();
    },
    { validator: (r) => validateRetryTimepoint(state, r) },
  );
  setHandler(
    recordPathologyUpdate,
    async (pathology) => {
      // Stored before the state says so, so that a patient shown as labelled always has its pathology row.
      await recordPathology({ studyId, pseudonym, ...pathology });
      state.pathology = pathology;
      dirty = true;
      refresh();
      return view();
    },
    { validator: (p) => validatePathology(state, p) },
  );
  setHandler(
    withdrawUpdate,
    ({ reason }) => {
      state.withdrawn = { reason, at: new Date().toISOString() };
      dirty = true;
      refresh();
      return view();
    },
    { validator: (w) => validateWithdraw(state, w) },
  );

  if (!state.enrolmentRecorded) {
    await recordEnrolment({ studyId, pseudonym, enrolledAt: state.enrolledAt, clinical: input.clinical ?? {} });
    state.enrolmentRecorded = true;
  }
  publish();

  while (!isFinished(state)) {
    const ready = state.timepoints.find((tp) => isReady(protocol, tp));
    if (ready) {
      await runTimepoint(ready);
      publish();
      continue;
    }
    // A pending prediction retry exists only where PREDICTION_RETRY_PATCH made it: older histories wait as before.
    const deadline = nextWake(protocol, state);
    dirty = false;
    const waitMs = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
    const woken = () => dirty || state.rescoreRequested === true;
    if (waitMs === undefined) await condition(woken);
    else await condition(woken, waitMs);
    if (state.rescoreRequested && patched('rescore-on-promotion')) await rescore();
    if (state.predictionRetry && Date.now() >= Date.parse(state.predictionRetry.dueAt)) await retryPrediction();
    await applyClock();
    publish();
    if (workflowInfo().continueAsNewSuggested) {
      // Let running update handlers finish before the state is handed to the next run.
      await condition(allHandlersFinished);
      await continueAsNew<typeof patientTimelineWorkflow>({ ...input, state });
    }
  }
  await condition(allHandlersFinished);
  publish();
  return view();

  /** Other timepoints become overdue or missed by the clock, and a person hears of a newly overdue one. */
  async function applyClock(): Promise<void> {
    for (const tp of applyDeadlines(protocol, state, Date.now())) {
      if (!tp.notifiedOverdue) {
        tp.notifiedOverdue = true;
        await notify({
          kind: 'overdue',
          studyId,
          pseudonym,
          timepoint: tp.name,
          message: `timepoint '${tp.name}' was due by ${tp.windowEndsAt} and has no complete scan set`,
        }).catch((err) => log.warn('overdue notification failed', { timepoint: tp.name, error: String(err) }));
      }
    }
  }

  /**
   * Keeps the clock going for the other timepoints while `work` runs (a run may wait hours for a segmentation worker),
   * so that their deadlines and notifications are not held up by it.
   */
  async function withClock<T>(work: () => Promise<T>): Promise<T> {
    if (!patched(CLOCK_DURING_RUN_PATCH)) return work();
    const clockScope = new CancellationScope();
    const clock = clockScope
      .run(async () => {
        for (;;) {
          const deadline = nextDeadline(protocol, state);
          if (deadline === undefined) await condition(() => false);
          else await sleep(Math.max(1, deadline - Date.now()));
          await applyClock();
          publish();
        }
      })
      .catch((err: unknown) => {
        if (!isCancellation(err)) throw err;
      });
    try {
      return await work();
    } finally {
      clockScope.cancel();
      await clock;
    }
  }

  /** Runs the timepoint, and again while scans arrived during the run (a late scan is never dropped). */
  async function runTimepoint(tp: TimepointState): Promise<void> {
    let succeeded = await runTimepointOnce(tp, 'run-started');
    while (succeeded && tp.scanVersion > tp.processedScanVersion && patched(LATE_SCAN_PATCH)) {
      log.info('timepoint runs again: a scan was registered during its run', { timepoint: tp.name });
      succeeded = await runTimepointOnce(tp, 'late-scan');
    }
    if (!succeeded) return;
    await updateDeltasAndPrediction(tp);
    // 'done' only once the timepoint's deltas and prediction are in, so a reader never sees a half-finished timepoint.
    applyTimepointEvent(tp, 'results-in');
  }

  /** One Timepoint child on the latest scans; true when it ended with its results (the timepoint is not done yet). */
  async function runTimepointOnce(tp: TimepointState, startEvent: 'run-started' | 'late-scan'): Promise<boolean> {
    const retry = tp.pendingRetry;
    // A retry on the same scans goes with the override the failed run had; new scans are checked afresh.
    const override = tp.pendingOverride ?? (retry && tp.scanVersion === tp.processedScanVersion ? tp.lastOverride : undefined);
    tp.pendingOverride = undefined;
    tp.pendingRetry = undefined;
    tp.lastOverride = override;
    if (retry) tp.retried = { ...retry, at: new Date().toISOString() };
    tp.processedScanVersion = tp.scanVersion;
    tp.runs += 1;
    applyTimepointEvent(tp, startEvent);
    tp.note = undefined;
    tp.attention = undefined;
    const scope = new CancellationScope();
    const run = { tp, scope, superseded: false };
    running = run;
    try {
      const result = await withClock(() =>
        scope.run(() =>
          executeChild(timepointWorkflow, {
            workflowId: `${workflowInfo().workflowId}/${tp.name}/run-${tp.runs}`,
            args: [{ protocol, pseudonym, timepoint: tp.name, scans: latestScans(tp), override, parentWorkflowId: workflowInfo().workflowId }],
          }),
        ),
      );
      tp.qc = result.qc;
      tp.featureSet = result.featureSet;
      tp.segmentation = result.segmentation;
      tp.masks = result.masks;
      return true;
    } catch (err) {
      if (run.superseded && isCancellation(err)) {
        // Still 'needs-attention', with a newer scan set: the main loop runs the timepoint again on the manual mask.
        tp.attention = undefined;
        tp.note = 'the run waiting for a segmentation worker gave way to a manual mask';
        return false;
      }
      const verdict = qcFailureOf(err);
      if (!verdict) {
        if (!patched(NEEDS_ATTENTION_PATCH)) throw err;
        await needsAttention(tp, err);
        return false;
      }
      tp.qc = verdict;
      applyTimepointEvent(tp, 'qc-failed');
      tp.note = verdict.reasons.join('; ');
      await notify({ kind: 'qc-failed', studyId, pseudonym, timepoint: tp.name, message: `QC failed: ${tp.note}` }).catch((e) =>
        log.warn('QC notification failed', { timepoint: tp.name, error: String(e) }),
      );
      return false;
    } finally {
      running = undefined;
    }
  }

  /** The run's segmentation step found no worker within the study's wait: a person hears of it; the run keeps waiting. */
  async function segmentationWorkerMissing(tp: TimepointState): Promise<void> {
    if (!applyTimepointEvent(tp, 'worker-missing')) return;
    const queue = protocol.segmentation.taskQueue ?? TASK_QUEUES.segmentation;
    const message = `no worker took automatic segmentation on task queue '${queue}' within ${formatWait(protocol.segmentation.workerWaitMs)}; start a segmentation worker (the run goes on by itself) or register a manual mask`;
    tp.attention = { code: SEGMENTATION_UNAVAILABLE, message, at: new Date().toISOString() };
    publish();
    log.warn('timepoint needs attention', { timepoint: tp.name, code: SEGMENTATION_UNAVAILABLE });
    await notify({
      kind: 'needs-attention',
      studyId,
      pseudonym,
      timepoint: tp.name,
      message: `timepoint '${tp.name}' needs attention (${SEGMENTATION_UNAVAILABLE}): ${message}`,
    }).catch((e) => log.warn('needs-attention notification failed', { timepoint: tp.name, error: String(e) }));
  }

  /** Any failure of the run but a failed QC: the timepoint waits for a person; the rest of the timeline goes on. */
  async function needsAttention(tp: TimepointState, err: unknown): Promise<void> {
    const { code, message, qc } = attentionOf(err);
    if (qc) tp.qc = qc;
    applyTimepointEvent(tp, 'child-failed');
    tp.attention = { code, message, at: new Date().toISOString() };
    log.warn('timepoint needs attention', { timepoint: tp.name, code, message });
    await notify({
      kind: 'needs-attention',
      studyId,
      pseudonym,
      timepoint: tp.name,
      message: `timepoint '${tp.name}' needs attention (${code}): ${message}`,
    }).catch((e) => log.warn('needs-attention notification failed', { timepoint: tp.name, error: String(e) }));
  }

  async function updateDeltasAndPrediction(tp: TimepointState): Promise<void> {
    const hasFeatures = (t: TimepointState) => t === tp || t.status === 'done';
    const baseline = state.timepoints[0];
    if (hasFeatures(baseline)) {
      // A late baseline makes the deltas of every timepoint already done computable.
      const targets = tp === baseline ? state.timepoints.filter((t) => t !== baseline && t.status === 'done') : [tp];
      for (const target of targets) {
        const index = state.timepoints.indexOf(target);
        const previous = state.timepoints.slice(0, index).reverse().find(hasFeatures);
        try {
          target.deltas = await computeDeltas({ protocol, pseudonym, timepoint: target.name, baseline: baseline.name, previous: previous?.name });
        } catch (err) {
          // Stored features stay; the deltas can be recomputed later. The timeline must not break over them.
          target.note = `delta features not computed: ${rootMessage(err)}`;
        }
      }
    }
    await predict(tp);
  }

  /** After a promotion: the latest done timepoint predicted again with the new champion. */
  async function rescore(): Promise<void> {
    state.rescoreRequested = false;
    const latest = [...state.timepoints].reverse().find((t) => t.status === 'done');
    if (latest) await predict(latest, true);
  }

  async function predict(tp: TimepointState, rescore = false): Promise<void> {
    try {
      const { prediction, note } = await predictResponse({ protocol, pseudonym, timepoint: tp.name, ...(rescore ? { rescore } : {}) });
      tp.prediction = prediction;
      tp.note = note;
      if (prediction) state.latestPrediction = prediction;
      // The latest prediction is in: an older one still waiting to be tried again is not needed any more.
      state.predictionRetry = undefined;
    } catch (err) {
      // The registry stayed unreachable through the activity's retries (about a minute): the timeline goes on, and a
      // durable timer tries again later, for as long as the outage lasts. A failure no retry can fix is only noted.
      tp.prediction = null;
      tp.note = `prediction not available: ${rootMessage(err)}`;
      if (isRetryableFailure(err) && patched(PREDICTION_RETRY_PATCH)) {
        const retry = schedulePredictionRetry(protocol, state, tp.name, Date.now());
        tp.note += ` (try ${retry.attempts}; trying again at ${retry.dueAt})`;
        log.warn('prediction not available; trying again later', { timepoint: tp.name, attempts: retry.attempts, dueAt: retry.dueAt });
      }
    }
  }

  /** A prediction the registry could not give earlier, tried again; one for a timepoint no longer done is dropped. */
  async function retryPrediction(): Promise<void> {
    const tp = state.timepoints.find((t) => t.name === state.predictionRetry?.timepoint);
    if (!tp || tp.status !== 'done') {
      state.predictionRetry = undefined;
      return;
    }
    await predict(tp);
  }
}
