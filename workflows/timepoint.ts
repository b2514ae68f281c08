// Timepoint: the pipeline for one complete scan set — acquire → QC → segmentation → features (stored).
// A failed QC ends it with the non-retryable QcFailed failure; the parent turns that into 'awaiting-rescan'.
import { ActivityFailure, ApplicationFailure, getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { PipelineActivities } from '../activities/pipeline/contract';
import { POLICIES } from './policies';
import { timepointProgressSignal } from './timeline/messages';
import type { TimepointProgress, TimepointRunInput, TimepointRunResult } from './timeline/types';

const { acquireScan } = proxyActivities<PipelineActivities>(POLICIES.acquire);
const { checkQuality } = proxyActivities<PipelineActivities>(POLICIES.qc);
const { extractFeatures } = proxyActivities<PipelineActivities>(POLICIES.features);

export async function timepointWorkflow(input: TimepointRunInput): Promise<TimepointRunResult> {
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const progress = (status: TimepointProgress['status']) => parent.signal(timepointProgressSignal, { timepoint: input.timepoint, status });
  const ref = { protocol: input.protocol, pseudonym: input.pseudonym, timepoint: input.timepoint };

  await progress('acquiring');
  let acquired;
  try {
    acquired = await Promise.all(input.scans.map((scan) => acquireScan({ ...ref, scan })));
  } catch (err) {
    // The source stayed unavailable through every retry: a person must register the scan again.
    const reason = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    throw ApplicationFailure.create({ type: 'AcquisitionFailed', nonRetryable: true, message: reason, details: [{ passed: false, reasons: [`scan could not be acquired: ${reason}`] }] });
  }
  const qc = await checkQuality({ ...ref, acquired, override: input.override });

  // A manual mask wins; automatic segmentation (the GPU task queue) takes over where the study allows it.
  await progress('segmenting');
  await progress('extracting');
  const featureSet = await extractFeatures({ ...ref, acquired });
  return { qc, featureSet };
}
