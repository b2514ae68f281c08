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
  condition,
  continueAsNew,
  executeChild,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import type { PipelineActivities } from '../contracts/pipeline';
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
import { attentionOf, NEEDS_ATTENTION_PATCH, qcFailureOf, rootMessage } from './timeline/attention';
import {
  applyDeadlines,
  initialState,
  isFinished,
  isReady,
  latestScans,
  nextDeadline,
  nextDue,
  qcStatusOf,
  stageOf,
  toView,
  validateOverrideQc,
  validatePathology,
  validateRegisterScan,
  validateRetryTimepoint,
  validateWithdraw,
} from './timeline/state';
import { applyTimepointEvent, progressEvent } from './timeline/transitions';
import type { TimelineInput, TimelineView, TimepointState } from '../contracts/timeline';
import { timepointWorkflow } from './timepoint';

const { recordEnrolment, recordPathology } = proxyActivities<PipelineActivities>(POLICIES.store);
const { notify } = proxyActivities<PipelineActivities>(POLICIES.notify);
const { computeDeltas } = proxyActivities<PipelineActivities>(POLICIES.features);
const { predictResponse } = proxyActivities<PipelineActivities>(POLICIES.predict);

export async function patientTimelineWorkflow(input: TimelineInput): Promise<TimelineView> {
  const { protocol, pseudonym } = input;
  const studyId = protocol.studyId;
  const state = input.state ?? initialState(protocol, workflowInfo().startTime.getTime());
  let dirty = false; // set by every handler: something to look at
  let rescoreRequested = false; // the study's champion changed: predict again at the latest done timepoint
  const find = (name: string) => state.timepoints.find((t) => t.name === name)!;
  const view = () => toView(studyId, pseudonym, state);

  setHandler(timelineQuery, view);
  setHandler(rescoreSignal, () => {
    rescoreRequested = true;
  });
  setHandler(timepointProgressSignal, ({ timepoint, status }) => {
    const tp = state.timepoints.find((t) => t.name === timepoint);
    if (tp) applyTimepointEvent(tp, progressEvent(status));
  });
  setHandler(
    registerScanUpdate,
    (scan) => {
      const tp = find(scan.timepoint);
      tp.scans.push({ modality: scan.modality, source: scan.source, registeredAt: new Date().toISOString() });
      tp.scanVersion += 1;
      dirty = true;
      return view();
    },
    { validator: (scan) => validateRegisterScan(protocol, state, scan) },
  );
  setHandler(
    overrideQcUpdate,
    ({ timepoint, reason, who }) => {
      find(timepoint).pendingOverride = { reason, who };
      dirty = true;
      return view();
    },
    { validator: (o) => validateOverrideQc(state, o) },
  );
  setHandler(
    retryTimepointUpdate,
    ({ timepoint, reason, who }) => {
      find(timepoint).pendingRetry = { reason, who };
      dirty = true;
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
      return view();
    },
    { validator: (p) => validatePathology(state, p) },
  );
  setHandler(
    withdrawUpdate,
    ({ reason }) => {
      state.withdrawn = { reason, at: new Date().toISOString() };
      dirty = true;
      return view();
    },
    { validator: (w) => validateWithdraw(state, w) },
  );

  const publish = () => {
    state.stage = stageOf(state);
    const due = nextDue(state);
    upsertSearchAttributes([
      { key: StudyId, value: studyId },
      { key: Stage, value: state.stage },
      { key: QcStatus, value: qcStatusOf(state) },
      { key: NextDue, value: due ?? null },
      ...(state.latestPrediction ? [{ key: ModelVersion, value: state.latestPrediction.model }] : []),
    ]);
  };

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
    const deadline = nextDeadline(protocol, state);
    dirty = false;
    const waitMs = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
    if (waitMs === undefined) await condition(() => dirty || rescoreRequested);
    else await condition(() => dirty || rescoreRequested, waitMs);
    if (rescoreRequested && patched('rescore-on-promotion')) await rescore();
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

  async function runTimepoint(tp: TimepointState): Promise<void> {
    const retry = tp.pendingRetry;
    // A retry on the same scans goes with the override the failed run had; new scans are checked afresh.
    const override = tp.pendingOverride ?? (retry && tp.scanVersion === tp.processedScanVersion ? tp.lastOverride : undefined);
    tp.pendingOverride = undefined;
    tp.pendingRetry = undefined;
    tp.lastOverride = override;
    if (retry) tp.retried = { ...retry, at: new Date().toISOString() };
    tp.processedScanVersion = tp.scanVersion;
    tp.runs += 1;
    applyTimepointEvent(tp, 'run-started');
    tp.note = undefined;
    tp.attention = undefined;
    try {
      const result = await executeChild(timepointWorkflow, {
        workflowId: `${workflowInfo().workflowId}/${tp.name}/run-${tp.runs}`,
        args: [{ protocol, pseudonym, timepoint: tp.name, scans: latestScans(tp), override, parentWorkflowId: workflowInfo().workflowId }],
      });
      tp.qc = result.qc;
      tp.featureSet = result.featureSet;
      tp.segmentation = result.segmentation;
    } catch (err) {
      const verdict = qcFailureOf(err);
      if (!verdict) {
        if (!patched(NEEDS_ATTENTION_PATCH)) throw err;
        await needsAttention(tp, err);
        return;
      }
      tp.qc = verdict;
      applyTimepointEvent(tp, 'qc-failed');
      tp.note = verdict.reasons.join('; ');
      await notify({ kind: 'qc-failed', studyId, pseudonym, timepoint: tp.name, message: `QC failed: ${tp.note}` }).catch((e) =>
        log.warn('QC notification failed', { timepoint: tp.name, error: String(e) }),
      );
      return;
    }
    await updateDeltasAndPrediction(tp);
    // 'done' only once the timepoint's deltas and prediction are in, so a reader never sees a half-finished timepoint.
    applyTimepointEvent(tp, 'results-in');
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
    rescoreRequested = false;
    const latest = [...state.timepoints].reverse().find((t) => t.status === 'done');
    if (latest) await predict(latest);
  }

  async function predict(tp: TimepointState): Promise<void> {
    try {
      const { prediction, note } = await predictResponse({ protocol, pseudonym, timepoint: tp.name });
      tp.prediction = prediction;
      tp.note = note;
      if (prediction) state.latestPrediction = prediction;
    } catch (err) {
      // The registry stayed unreachable through the retries: the timeline goes on and the next timepoint tries again.
      tp.prediction = null;
      tp.note = `prediction not available: ${rootMessage(err)}`;
    }
  }
}
