// Timepoint: the pipeline for one complete scan set — acquire → derive maps (where the study names any) → QC →
// segmentation → features (stored). Where the study exports masks, an automatic mask goes back to the PACS as a DICOM
// SEG beside extraction; the export's outcome is recorded and never fails the timepoint.
// A failed QC ends it with the non-retryable QcFailed failure; the parent turns that into 'qc-failed/awaiting-rescan'.
// Any other failure (segmentation, extraction, a full store, a lost worker) ends it with TimepointStepFailed, which
// names the step and carries the QC verdict; the parent turns that into 'needs-attention'.
import { ActivityFailure, ApplicationFailure, getExternalWorkflowHandle, isCancellation, patched, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { IntakeActivities } from '../contracts/intake';
import type { AcquiredScan, MapActivities, PipelineActivities } from '../contracts/pipeline';
import { SEGMENT_CONTRACT_VERSION, type SegmentTumourInput, type SegmentTumourResult, type SegmentationActivities } from '../contracts/segmentation';
import { DEFAULT_SEGMENTATION_WORKER_WAIT_MS, derivedMapsOf } from '../contracts/study';
import { ACQUISITION_FAILED, QC_FAILED, STORAGE_FULL, TIMEPOINT_STEP_FAILED } from '../contracts/errors';
import { TASK_QUEUES } from '../contracts/taskQueues';
import { POLICIES } from './policies';
import { timepointProgressSignal } from './timeline/messages';
import { failureTypeOf, isQcLikeFailure, NEEDS_ATTENTION_PATCH, rootMessage, type StepFailureDetails } from './timeline/attention';
import type { MaskRecord, QcVerdict, SegmentationRecord, TimepointProgress, TimepointRunInput, TimepointRunResult } from '../contracts/timeline';

const { acquireScan } = proxyActivities<PipelineActivities>(POLICIES.acquire);
const { checkQuality } = proxyActivities<PipelineActivities>(POLICIES.qc);
const { extractFeatures } = proxyActivities<PipelineActivities>(POLICIES.features);
// Fitting maps is long work that heartbeats, as extraction is.
const { deriveMaps } = proxyActivities<MapActivities>(POLICIES.features);
const { exportMask } = proxyActivities<IntakeActivities>(POLICIES.maskExport);

export async function timepointWorkflow(input: TimepointRunInput): Promise<TimepointRunResult> {
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const progress = (status: TimepointProgress['status']) => parent.signal(timepointProgressSignal, { timepoint: input.timepoint, status });
  const ref = { protocol: input.protocol, pseudonym: input.pseudonym, timepoint: input.timepoint };

  await progress('acquiring');
  let acquired: AcquiredScan[];
  let perSeries = false;
  try {
    if (patched(MASK_PER_SERIES_PATCH)) {
      // Images first, then the masks with them: an RTSTRUCT or SEG mask is converted on the image it is for.
      perSeries = true;
      const images = await Promise.all(input.scans.filter((s) => s.modality !== 'mask').map((scan) => acquireScan({ ...ref, scan })));
      const masks = await Promise.all(input.scans.filter((s) => s.modality === 'mask').map((scan) => acquireScan({ ...ref, scan, images })));
      acquired = [...images, ...masks];
    } else {
      acquired = await Promise.all(input.scans.map((scan) => acquireScan({ ...ref, scan })));
    }
  } catch (err) {
    // A full store is no fault of the source: space must be freed, then the timepoint retried on the same scans.
    if (failureTypeOf(err) === STORAGE_FULL && patched(NEEDS_ATTENTION_PATCH)) throw stepFailure('acquiring', undefined, err);
    // The source stayed unavailable through every retry: a person must register the scan again.
    const reason = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    throw ApplicationFailure.create({
      type: ACQUISITION_FAILED,
      nonRetryable: true,
      message: reason,
      details: [{ passed: false, reasons: [`scan could not be acquired: ${reason}`] }],
    });
  }
  if (derivedMapsOf(input.protocol, input.timepoint).length > 0 && patched(DERIVED_MAPS_PATCH)) {
    // Maps join the scan set before QC, so that one verdict covers the scans and the maps (a map that could not be
    // computed is QC's finding). Any other failure (a full store, a lost worker) needs a person.
    try {
      acquired = [...acquired, ...(await deriveMaps({ ...ref, acquired }))];
    } catch (err) {
      throw stepFailure('acquiring', undefined, err);
    }
  }
  const qc = await checkQuality({ ...ref, acquired, override: input.override });

  let step: StepFailureDetails['step'] = 'segmenting';
  try {
    // A manual mask wins; automatic segmentation (the GPU task queue) takes over where the study allows it.
    await progress('segmenting');
    let segmentation: SegmentationRecord | undefined;
    let exported: Promise<SegmentationRecord['pacsExport']> | undefined;
    if (!acquired.some((a) => a.role === 'mask') && input.protocol.segmentation.mode === 'automatic-allowed') {
      const automatic = await segmentAutomatically(input, acquired, () => progress('waiting-for-worker'));
      if (input.protocol.segmentation.exportToPacs && patched(MASK_EXPORT_PATCH)) exported = exportToPacs(input, acquired, automatic);
      acquired = [...acquired, automatic.mask];
      segmentation = automatic.record;
    }
    step = 'extracting';
    await progress('extracting');
    const featureSet = await extractFeatures({ ...ref, acquired });
    // The export ran beside extraction; its outcome joins the segmentation record, whatever it was.
    if (segmentation && exported) segmentation = { ...segmentation, pacsExport: await exported };
    return { qc, featureSet, ...(segmentation ? { segmentation } : {}), ...(perSeries ? { masks: maskRecords(acquired) } : {}) };
  } catch (err) {
    // Past QC, a failure that is not a QC verdict goes to the parent with its step and the verdict the run passed with.
    // A cancelled run (a manual mask replaced the automatic one it waited for) stays cancelled.
    if (isQcLikeFailure(err) || isCancellation(err) || !patched(NEEDS_ATTENTION_PATCH)) throw err;
    throw stepFailure(step, qc, err);
  }
}

/**
 * segmentTumour on the study's segmentation task queue. When no worker takes it within the study's worker wait, the
 * parent hears of it (the timepoint needs attention) and the step is scheduled again with no limit: it goes on as soon
 * as a worker comes. A schedule-to-start timeout is never retried by the retry policy, hence the second schedule.
 */
async function segmentWaitingForWorker(
  input: TimepointRunInput,
  reportNoWorker: () => Promise<void>,
  request: SegmentTumourInput,
): Promise<SegmentTumourResult> {
  const taskQueue = input.protocol.segmentation.taskQueue ?? TASK_QUEUES.segmentation;
  const { segmentTumour } = proxyActivities<SegmentationActivities>({ ...POLICIES.segmentation, taskQueue });
  if (!patched(SEGMENTATION_WORKER_WAIT_PATCH)) return segmentTumour(request);
  const waitMs = input.protocol.segmentation.workerWaitMs ?? DEFAULT_SEGMENTATION_WORKER_WAIT_MS;
  const { segmentTumour: segmentInTime } = proxyActivities<SegmentationActivities>({ ...POLICIES.segmentation, taskQueue, scheduleToStartTimeout: waitMs });
  try {
    return await segmentInTime(request);
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (!(cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START')) throw err;
  }
  await reportNoWorker();
  return segmentTumour(request);
}

/**
 * Masks are acquired after the images, each with them (an RTSTRUCT or SEG is converted on its image's grid). Runs from
 * before that acquired every scan at once.
 */
const MASK_PER_SERIES_PATCH = 'mask-per-series';

/** What each mask of the run was: the image it is for, the file kind (or automatic) and the ROI. */
function maskRecords(acquired: AcquiredScan[]): MaskRecord[] {
  return acquired
    .filter((a) => a.role === 'mask')
    .map((m) => ({
      ...(m.for ? { for: m.for } : {}),
      kind: m.maskSource?.kind ?? 'automatic',
      ...(m.maskSource?.roi ? { roi: m.maskSource.roi } : {}),
      sha256: m.sha256,
    }));
}

/** Automatic masks stored back in the PACS as SEG. Only studies that export masks (`segmentation.exportToPacs`) mark it. */
const MASK_EXPORT_PATCH = 'mask-export';

/**
 * Stores the automatic mask in the PACS as a SEG of its original image series, beside extraction. Never fails the
 * timepoint: what no retry fixed (the PACS down for long, no identifier map key) is recorded as a failed export.
 */
function exportToPacs(
  input: TimepointRunInput,
  acquired: AcquiredScan[],
  automatic: { mask: AcquiredScan; record: SegmentationRecord },
): Promise<SegmentationRecord['pacsExport']> {
  const listed: string[] = input.protocol.timepoints.find((t) => t.name === input.timepoint)?.modalities ?? [];
  const rank = (modality: string) => (listed.includes(modality) ? listed.indexOf(modality) : listed.length);
  return exportMask({
    studyId: input.protocol.studyId,
    pseudonym: input.pseudonym,
    timepoint: input.timepoint,
    mask: { path: automatic.mask.path, sha256: automatic.mask.sha256 },
    // In the order the study lists the timepoint's modalities: where co-registered series share the mask's grid, the
    // SEG references the first.
    images: acquired
      .filter((a) => a.role === 'image')
      .map(({ modality, path, sha256 }) => ({ modality, path, sha256 }))
      .sort((a, b) => rank(a.modality) - rank(b.modality)),
    algorithm: automatic.record.model,
  }).catch((err: unknown) => ({ status: 'failed' as const, reason: rootMessage(err) }));
}

/** Parameter maps derived from the timepoint's DWI/DCE series before QC. Only studies that derive maps mark it. */
const DERIVED_MAPS_PATCH = 'derived-maps';

/** Runs from before the worker wait existed waited for a segmentation worker without a limit. */
const SEGMENTATION_WORKER_WAIT_PATCH = 'segmentation-worker-wait';

/** The failure that tells the parent which step failed, with the QC verdict and the original failure as its cause. */
function stepFailure(step: StepFailureDetails['step'], qc: QcVerdict | undefined, cause: unknown): ApplicationFailure {
  const details: StepFailureDetails = { step, ...(qc ? { qc } : {}) };
  return ApplicationFailure.create({
    type: TIMEPOINT_STEP_FAILED,
    nonRetryable: true,
    message: `${step}: ${rootMessage(cause)}`,
    details: [details],
    cause: cause instanceof Error ? cause : undefined,
  });
}

/**
 * The automatic mask as an acquired scan. A QC verdict on the mask stays a failed QC; any other failure no retry fixed
 * makes the timepoint need attention (a person registers a manual mask, or retries once the worker is fixed). Runs from
 * before that existed turned every failure into a failed QC.
 */
async function segmentAutomatically(
  input: TimepointRunInput,
  acquired: AcquiredScan[],
  reportNoWorker: () => Promise<void>,
): Promise<{ mask: AcquiredScan; record: SegmentationRecord }> {
  try {
    const result = await segmentWaitingForWorker(input, reportNoWorker, {
      contractVersion: SEGMENT_CONTRACT_VERSION,
      studyId: input.protocol.studyId,
      pseudonym: input.pseudonym,
      timepoint: input.timepoint,
      images: acquired.filter((a) => a.role === 'image').map(({ modality, path, sha256 }) => ({ modality, path, sha256 })),
      // Relative to the study's folder on the worker's host: the mask comes back by its address, not by a path of ours.
      outDir: [input.pseudonym, input.timepoint].join('/'),
    });
    const source = `automatic:${result.model.name}@${result.model.version} on ${result.device}${result.fallback ? ` (fallback: ${result.fallback})` : ''}`;
    const record: SegmentationRecord = {
      model: `${result.model.name}@${result.model.version}`,
      device: result.device,
      precision: result.precision,
      runtime: result.runtime,
      worker: result.worker,
      ...(result.fallback ? { fallback: result.fallback } : {}),
      tta: result.tta ?? false,
      windows: result.windows,
      passes: result.passes,
      totalMs: result.timings.totalMs,
      inferenceMs: result.timings.inferenceMs,
      tumourMl: result.tumourMl,
    };
    return { mask: { modality: 'mask', role: 'mask', path: result.mask.path, sha256: result.mask.sha256, source }, record };
  } catch (err) {
    const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
    if (cause instanceof ApplicationFailure && cause.type === QC_FAILED) {
      throw ApplicationFailure.create({ type: QC_FAILED, nonRetryable: true, message: cause.message, details: cause.details ? [...cause.details] : undefined });
    }
    if (patched(NEEDS_ATTENTION_PATCH)) throw err;
    const reason = `automatic segmentation failed: ${cause instanceof Error ? cause.message : String(cause)}`;
    throw ApplicationFailure.create({ type: QC_FAILED, nonRetryable: true, message: reason, details: [{ passed: false, reasons: [reason] }] });
  }
}
