// Decisions of the PatientTimeline workflow on its plain state (no commands), unit-tested on their own. A timepoint's
// status changes only through timeline/transitions.ts.
import { MASK_MODALITIES, requiredScans, type StudyProtocol } from '../../contracts/study';
import type {
  HuvosGrade,
  PredictionRetry,
  RecordPathologyInput,
  RegisterScanInput,
  RetryTimepointInput,
  TimelineState,
  TimepointState,
  TimelineView,
} from '../../contracts/timeline';
import { applyTimepointEvent } from './transitions';

export function initialState(protocol: StudyProtocol, enrolledAtMs: number): TimelineState {
  return {
    enrolledAt: new Date(enrolledAtMs).toISOString(),
    stage: protocol.timepoints[0].name,
    enrolmentRecorded: false,
    timepoints: protocol.timepoints.map((tp) => ({
      name: tp.name,
      status: 'pending',
      dueAt: new Date(enrolledAtMs + tp.dueAfterMs).toISOString(),
      windowEndsAt: new Date(enrolledAtMs + tp.dueAfterMs + tp.windowMs).toISOString(),
      scans: [],
      runs: 0,
      scanVersion: 0,
      processedScanVersion: 0,
      notifiedOverdue: false,
    })),
  };
}

export const TERMINAL: ReadonlySet<string> = new Set(['done', 'missed']);
const WAITING: ReadonlySet<string> = new Set(['pending', 'overdue', 'qc-failed/awaiting-rescan', 'needs-attention']);

/** The key a registration replaces an earlier one by: the modality, and for a mask the image it is for. */
const scanSlot = (scan: { modality: string; for?: string }) => (scan.for === undefined ? scan.modality : `${scan.modality} for ${scan.for}`);

/** The latest registration of each modality, and of each image's mask (a re-scan replaces the earlier one). */
export function latestScans(tp: TimepointState): TimepointState['scans'] {
  const bySlot = new Map<string, TimepointState['scans'][number]>();
  for (const scan of tp.scans) bySlot.set(scanSlot(scan), scan);
  return [...bySlot.values()];
}

/**
 * Every required modality is there (and a mask, where masks are manual). Once a mask is registered for one image and
 * there is no shared mask, the other images wait for theirs too: a run would only fail QC for want of them.
 */
export function isComplete(protocol: StudyProtocol, tp: TimepointState): boolean {
  const have = new Set(tp.scans.map((s) => s.modality));
  if (!requiredScans(protocol, tp.name).every((m) => have.has(m))) return false;
  const masks = tp.scans.filter((s) => s.modality === 'mask');
  if (masks.length === 0 || masks.some((m) => m.for === undefined)) return true;
  const contoured = new Set(masks.map((m) => m.for));
  // Masks registered as scans of their own (an arterial ROI, a bone mask) need no contour.
  return (protocol.timepoints.find((t) => t.name === tp.name)?.modalities ?? []).every((m) => contoured.has(m) || MASK_MODALITIES.includes(m));
}

/**
 * A timepoint is ready to run when it waits, has its full scan set, and something new arrived after a failed run (a
 * scan, an override, or — for one that needs attention — a coordinator's retry).
 */
export function isReady(protocol: StudyProtocol, tp: TimepointState): boolean {
  if (!WAITING.has(tp.status) || !isComplete(protocol, tp)) return false;
  if (tp.status === 'qc-failed/awaiting-rescan') return tp.scanVersion > tp.processedScanVersion || tp.pendingOverride !== undefined;
  if (tp.status === 'needs-attention') return tp.scanVersion > tp.processedScanVersion || tp.pendingOverride !== undefined || tp.pendingRetry !== undefined;
  return true;
}

/**
 * Next instant at which a waiting timepoint changes by the clock alone (overdue, then missed), or undefined. A
 * timepoint that needs attention waits for a person and has no deadline.
 */
export function nextDeadline(protocol: StudyProtocol, state: TimelineState): number | undefined {
  let next: number | undefined;
  for (const tp of state.timepoints) {
    const windowEnd = Date.parse(tp.windowEndsAt);
    const candidate =
      tp.status === 'pending'
        ? windowEnd
        : tp.status === 'overdue' || tp.status === 'qc-failed/awaiting-rescan'
          ? windowEnd + protocol.missedAfterMs
          : undefined;
    if (candidate !== undefined && (next === undefined || candidate < next)) next = candidate;
  }
  return next;
}

/** First wait before a prediction is tried again, where the study file sets none (`model.retryAfter`). */
export const DEFAULT_PREDICTION_RETRY_MS = 5 * 60_000;
/** The longest wait between two tries: the registry is tried at least four times a day for as long as it is down. */
export const MAX_PREDICTION_RETRY_MS = 6 * 3_600_000;

/** The wait after the `attempts`-th failed try: retryAfter × 3^(attempts − 1), at most 6 h. */
export function predictionRetryDelayMs(protocol: StudyProtocol, attempts: number): number {
  const first = protocol.model.retryAfterMs ?? DEFAULT_PREDICTION_RETRY_MS;
  return Math.min(MAX_PREDICTION_RETRY_MS, first * 3 ** Math.max(0, attempts - 1));
}

/** Records that the prediction of `timepoint` failed again (or for the first time) and when to try next. */
export function schedulePredictionRetry(protocol: StudyProtocol, state: TimelineState, timepoint: string, nowMs: number): PredictionRetry {
  const attempts = state.predictionRetry?.timepoint === timepoint ? state.predictionRetry.attempts + 1 : 1;
  state.predictionRetry = { timepoint, attempts, dueAt: new Date(nowMs + predictionRetryDelayMs(protocol, attempts)).toISOString() };
  return state.predictionRetry;
}

/** The next instant the timeline must wake by itself: a deadline of the clock or a prediction to try again. */
export function nextWake(protocol: StudyProtocol, state: TimelineState): number | undefined {
  const deadline = nextDeadline(protocol, state);
  const retry = state.predictionRetry ? Date.parse(state.predictionRetry.dueAt) : undefined;
  if (retry === undefined) return deadline;
  return deadline === undefined ? retry : Math.min(deadline, retry);
}

/** Applies the clock: pending past its window → overdue; still waiting missedAfter later → missed. Returns the timepoints that just became overdue. */
export function applyDeadlines(protocol: StudyProtocol, state: TimelineState, nowMs: number): TimepointState[] {
  const becameOverdue: TimepointState[] = [];
  for (const tp of state.timepoints) {
    const windowEnd = Date.parse(tp.windowEndsAt);
    if (tp.status === 'pending' && nowMs >= windowEnd && !isComplete(protocol, tp)) {
      applyTimepointEvent(tp, 'window-ended');
      becameOverdue.push(tp);
    }
    if ((tp.status === 'overdue' || tp.status === 'qc-failed/awaiting-rescan') && nowMs >= windowEnd + protocol.missedAfterMs && !isReady(protocol, tp)) {
      applyTimepointEvent(tp, 'grace-ended');
      tp.note = tp.note ?? `no usable scan set by ${new Date(windowEnd + protocol.missedAfterMs).toISOString()}`;
    }
  }
  return becameOverdue;
}

/** The earliest due date of a timepoint that still waits (for the NextDue search attribute). */
export function nextDue(state: TimelineState): Date | undefined {
  const waiting = state.timepoints.filter((tp) => !TERMINAL.has(tp.status)).map((tp) => Date.parse(tp.dueAt));
  return waiting.length ? new Date(Math.min(...waiting)) : undefined;
}

export function stageOf(state: TimelineState): string {
  if (state.withdrawn) return 'withdrawn';
  const open = state.timepoints.find((tp) => !TERMINAL.has(tp.status));
  if (open) return open.name;
  return state.pathology ? 'labelled' : 'awaiting-pathology';
}

/** 'failed' while any timepoint awaits a re-scan, else 'needs-attention' while one needs a person; otherwise the latest verdict. */
export function qcStatusOf(state: TimelineState): string {
  if (state.timepoints.some((tp) => tp.status === 'qc-failed/awaiting-rescan')) return 'failed';
  if (state.timepoints.some((tp) => tp.status === 'needs-attention')) return 'needs-attention';
  const withQc = state.timepoints.filter((tp) => tp.qc);
  const last = withQc[withQc.length - 1];
  if (!last?.qc) return 'pending';
  return last.qc.override ? 'overridden' : last.qc.passed ? 'passed' : 'failed';
}

export function isFinished(state: TimelineState): boolean {
  return state.withdrawn !== undefined || (state.pathology !== undefined && state.timepoints.every((tp) => TERMINAL.has(tp.status)));
}

export function toView(studyId: string, pseudonym: string, state: TimelineState): TimelineView {
  return {
    studyId,
    pseudonym,
    enrolledAt: state.enrolledAt,
    stage: stageOf(state),
    timepoints: state.timepoints.map(
      ({ scanVersion: _v, processedScanVersion: _p, pendingOverride: _o, pendingRetry: _r, lastOverride: _l, notifiedOverdue: _n, ...view }) => view,
    ),
    pathology: state.pathology,
    withdrawn: state.withdrawn,
    latestPrediction: state.latestPrediction,
  };
}

// ---- validators: each throws an Error whose message tells the coordinator what is wrong ----

export function validateRegisterScan(protocol: StudyProtocol, state: TimelineState, input: RegisterScanInput): void {
  if (state.withdrawn) throw new Error(`the patient was withdrawn (${state.withdrawn.reason}); no scans are accepted`);
  const tp = state.timepoints.find((t) => t.name === input?.timepoint);
  if (!tp) throw new Error(`unknown timepoint ${JSON.stringify(input?.timepoint)} (expected one of ${state.timepoints.map((t) => t.name).join(', ')})`);
  const allowed = [...protocol.timepoints.find((t) => t.name === tp.name)!.modalities, 'mask'];
  if (!allowed.includes(input.modality))
    throw new Error(`modality ${JSON.stringify(input.modality)} is not part of timepoint '${tp.name}' (expected one of ${allowed.join(', ')})`);
  if (typeof input.source !== 'string' || input.source.trim() === '') throw new Error('source must be a non-empty path or URL');
  if (input.for !== undefined) {
    // A map the timepoint derives (ADC from DWI) may have a contour of its own, drawn on the map.
    const images = [...allowed.filter((m) => m !== 'mask'), ...(protocol.timepoints.find((t) => t.name === tp.name)!.derived ?? [])];
    if (input.modality !== 'mask')
      throw new Error(`'for' names the image a mask is drawn on; it is given with modality 'mask', not ${JSON.stringify(input.modality)}`);
    if (typeof input.for !== 'string' || !images.includes(input.for))
      throw new Error(`a mask for ${JSON.stringify(input.for)}: timepoint '${tp.name}' has no such image modality (expected one of ${images.join(', ')})`);
  }
  if (input.roi !== undefined) {
    if (input.modality !== 'mask')
      throw new Error(`'roi' names the ROI of an RTSTRUCT or SEG mask; it is given with modality 'mask', not ${JSON.stringify(input.modality)}`);
    if (typeof input.roi !== 'string' || input.roi.trim() === '') throw new Error('roi must be a non-empty ROI name');
  }
  if (tp.status === 'done') throw new Error(`timepoint '${tp.name}' is already done; its results are kept`);
  if (tp.status === 'missed') throw new Error(`timepoint '${tp.name}' was closed as missed`);
}

/** A run is still going: it needs attention only because its segmentation step waits for a worker. */
export function waitsForSegmentationWorker(tp: TimepointState): boolean {
  return tp.status === 'needs-attention' && tp.attention?.code === 'segmentation-unavailable';
}

/** Whether a timepoint that needs attention has a failed QC verdict that nobody overrode (an override can then let it through). */
function hasFailedVerdict(tp: TimepointState): boolean {
  return tp.qc !== undefined && !tp.qc.passed && tp.qc.override === undefined;
}

export function validateOverrideQc(state: TimelineState, input: { timepoint: string; reason: string; who: string }): void {
  const tp = state.timepoints.find((t) => t.name === input?.timepoint);
  if (!tp) throw new Error(`unknown timepoint ${JSON.stringify(input?.timepoint)}`);
  if (waitsForSegmentationWorker(tp))
    throw new Error(`timepoint '${tp.name}' is still running: its segmentation waits for a worker (start one, or register a manual mask)`);
  if (tp.status === 'needs-attention' && !hasFailedVerdict(tp))
    throw new Error(`timepoint '${tp.name}' needs attention, but QC passed or was overridden; there is no QC verdict to override (retry it instead)`);
  if (tp.status !== 'qc-failed/awaiting-rescan' && tp.status !== 'needs-attention')
    throw new Error(`timepoint '${tp.name}' is ${tp.status}, not awaiting a re-scan; there is no QC verdict to override`);
  if (typeof input.reason !== 'string' || input.reason.trim().length < 3) throw new Error('reason must say why the QC verdict is overridden');
  if (typeof input.who !== 'string' || input.who.trim() === '') throw new Error('who must name the coordinator who overrides');
}

export function validateRetryTimepoint(state: TimelineState, input: RetryTimepointInput): void {
  if (state.withdrawn) throw new Error(`the patient was withdrawn (${state.withdrawn.reason}); nothing is retried`);
  const tp = state.timepoints.find((t) => t.name === input?.timepoint);
  if (!tp) throw new Error(`unknown timepoint ${JSON.stringify(input?.timepoint)} (expected one of ${state.timepoints.map((t) => t.name).join(', ')})`);
  if (tp.status !== 'needs-attention') throw new Error(`timepoint '${tp.name}' is ${tp.status}, not needing attention; there is nothing to retry`);
  if (waitsForSegmentationWorker(tp))
    throw new Error(`timepoint '${tp.name}' is still running: its segmentation waits for a worker (start one, or register a manual mask)`);
  if (typeof input.reason !== 'string' || input.reason.trim().length < 3) throw new Error('reason must say what was fixed before the retry');
  if (typeof input.who !== 'string' || input.who.trim() === '') throw new Error('who must name the coordinator who retries');
}

const HUVOS_RANGE: Record<HuvosGrade, [number, number]> = { I: [0, 50], II: [50, 90], III: [90, 100], IV: [100, 100] };

export function validatePathology(state: TimelineState, input: RecordPathologyInput): void {
  if (state.pathology) {
    throw new Error(
      `pathology is already recorded (necrosis ${state.pathology.necrosisPct} %, Huvos ${state.pathology.huvosGrade}, ${state.pathology.date}); it is recorded once`,
    );
  }
  const pct = input?.necrosisPct;
  if (typeof pct !== 'number' || !Number.isFinite(pct) || pct < 0 || pct > 100)
    throw new Error(`necrosisPct must be a number from 0 to 100, got ${JSON.stringify(pct)}`);
  const range = HUVOS_RANGE[input.huvosGrade];
  if (!range) throw new Error(`huvosGrade must be one of I, II, III, IV, got ${JSON.stringify(input.huvosGrade)}`);
  const [lo, hi] = range;
  const fits = input.huvosGrade === 'IV' ? pct === 100 : input.huvosGrade === 'III' ? pct >= 90 && pct < 100 : pct >= lo && pct < hi;
  if (!fits)
    throw new Error(`Huvos grade ${input.huvosGrade} means necrosis ${input.huvosGrade === 'IV' ? '100 %' : `${lo}–${hi} %`}, but necrosisPct is ${pct}`);
  if (typeof input.date !== 'string' || Number.isNaN(Date.parse(input.date))) throw new Error(`date must be an ISO date, got ${JSON.stringify(input.date)}`);
}

export function validateWithdraw(state: TimelineState, input: { reason: string }): void {
  if (state.withdrawn) throw new Error('the patient is already withdrawn');
  if (typeof input?.reason !== 'string' || input.reason.trim() === '') throw new Error('reason must say why the patient is withdrawn');
}
