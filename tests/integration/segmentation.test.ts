// A timeline without manual masks on the real stack: each timepoint's tumour is segmented by a GPU worker process
// (workers/gpu/main.ts, the shipped model on the CPU provider) polling the study's segmentation task queue. With that
// worker stopped the timepoint waits in 'segmenting'; started again, it finishes. A manual mask still wins, with no
// segmentation worker at all.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { PROJECT_ROOT } from '../../config';
import { dice, volumeMl, countNonZero } from '../../models/segmentation/inference/postprocess';
import { readImage } from '../../imaging/io';
import { resultsStorePath } from '../../store';
import { SqliteResultsStore } from '../../store/sqliteStore';
import { enrolPatient, readTimeline, registerScan } from '../../clients/coordinator';
import type { StudyProtocol } from '../../contracts/study';
import { connectHarness, eventually, makeStudy, type Harness } from './support/pipeline';
import { startWorkerProcess, stopWorkerProcess, type WorkerProcess } from './support/workerProcess';

jest.setTimeout(900000);

let harness: Harness;

beforeAll(async () => {
  harness = await connectHarness();
});
afterAll(async () => {
  await harness?.close();
});

/** A GPU worker process on `taskQueue`, resolved once it polls. */
function startGpuWorker(taskQueue: string): Promise<WorkerProcess> {
  const env = {
    ...process.env,
    OSTEOFLOW_LOG_LEVEL: 'WARN',
    OSTEOFLOW_TASK_QUEUE_SEGMENTATION: taskQueue,
    OSTEOFLOW_SEGMENTATION_PROVIDERS: 'cpu',
    OSTEOFLOW_SEGMENTATION_CPU_THREADS: '2',
  };
  return startWorkerProcess(
    process.execPath,
    ['-r', 'tsx/cjs', path.join(PROJECT_ROOT, 'workers', 'gpu', 'main.ts')],
    { cwd: PROJECT_ROOT, env },
    `gpu worker polling '${taskQueue}'`,
  );
}

it('segments timepoints without manual masks on the segmentation queue, waits without a worker, and lets a manual mask win', async () => {
  const study = makeStudy({ patients: 1, seed: 43 });
  const taskQueue = `it-segmentation-${study.protocol.studyId}`;
  const protocol: StudyProtocol = { ...study.protocol, segmentation: { mode: 'automatic-allowed', taskQueue } };
  const patient = study.manifest.patients[0];
  const scansOf = (i: number, withMask: boolean) => Object.entries(patient.timepoints[i].files).filter(([modality]) => withMask || modality !== 'mask');
  const autoMask = (timepoint: string) => path.join(protocol.storeDir, patient.pseudonym, timepoint, 'mask.auto.osteoflow-tumour-unet3d-1.0.0.nii.gz');
  const store = new SqliteResultsStore(resultsStorePath(harness.cfg));
  const pipeline = await harness.startWorker();
  let gpu = await startGpuWorker(taskQueue);
  try {
    await pipeline.worker.runUntil(async () => {
      const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, protocol, patient.pseudonym, { ...patient.clinical });
      const key = (timepoint: string) => ({ studyId: protocol.studyId, pseudonym: patient.pseudonym, timepoint });
      /** The T1CE feature set's voxel volume must be the mask's: features were extracted in that mask. */
      const expectFeaturesIn = async (timepoint: string, maskFile: string) => {
        const mask = readImage(maskFile);
        const t1ce = (await store.getFeatureSets(key(timepoint))).find((s) => s.modality === 'T1CE')!;
        expect(t1ce.features.original_shape_VoxelVolume).toBeCloseTo(volumeMl(countNonZero(mask.data), mask.geometry.spacing) * 1000, 3);
      };

      // Baseline: no mask registered; the GPU worker segments it and the features are extracted in its mask.
      for (const [modality, file] of scansOf(0, false)) await registerScan(handle, { timepoint: 'baseline', modality, source: study.file(file) });
      const baseline = await eventually(
        () => readTimeline(handle),
        (v) => ['done', 'qc-failed/awaiting-rescan', 'needs-attention'].includes(v.timepoints[0].status),
        300000,
        'baseline done',
      );
      expect(baseline.timepoints[0]).toMatchObject({ status: 'done', qc: { passed: true, reasons: [] } });
      // The timeline records what made the mask: model, device, runtime, worker and time per volume.
      expect(baseline.timepoints[0].segmentation).toMatchObject({
        model: 'osteoflow-tumour-unet3d@1.0.0',
        device: 'cpu',
        precision: 'fp32',
        tta: false,
        windows: 4,
        passes: 4,
        worker: expect.stringMatching(new RegExp(`:${gpu.child.pid}$`)),
      });
      expect(baseline.timepoints[0].segmentation!.runtime).toMatch(/^onnxruntime-node /);
      expect(baseline.timepoints[0].segmentation!.totalMs).toBeGreaterThan(0);
      expect(existsSync(autoMask('baseline'))).toBe(true);
      const truth = readImage(study.file(patient.timepoints[0].files.mask));
      expect(dice(readImage(autoMask('baseline')).data, truth.data)).toBeGreaterThanOrEqual(0.85);
      await expectFeaturesIn('baseline', autoMask('baseline'));

      // Mid: the segmentation worker is stopped; the timepoint waits in 'segmenting' with the activity scheduled.
      await stopWorkerProcess(gpu);
      for (const [modality, file] of scansOf(1, false)) await registerScan(handle, { timepoint: 'mid', modality, source: study.file(file) });
      await eventually(
        () => readTimeline(handle),
        (v) => v.timepoints[1].status === 'segmenting',
        120000,
        'mid segmenting',
      );
      const run = harness.client.workflow.getHandle(`${handle.workflowId}/mid/run-1`);
      const pending = async () => ((await run.describe()).raw.pendingActivities ?? []).filter((a) => a.activityType?.name === 'segmentTumour');
      await eventually(pending, (a) => a.length === 1, 60000, 'segmentTumour scheduled');
      await new Promise((resolve) => setTimeout(resolve, 8000));
      expect((await readTimeline(handle)).timepoints[1].status).toBe('segmenting');
      const waiting = await pending();
      expect(waiting[0].state).toBe(temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED);
      expect(existsSync(autoMask('mid'))).toBe(false);

      // A worker starts polling the queue again: the waiting timepoint finishes.
      gpu = await startGpuWorker(taskQueue);
      const mid = await eventually(
        () => readTimeline(handle),
        (v) => v.timepoints[1].status === 'done',
        300000,
        'mid done after the worker restarted',
      );
      expect(mid.timepoints[1].deltas!.rows).toBeGreaterThan(100);
      expect(existsSync(autoMask('mid'))).toBe(true);
      await expectFeaturesIn('mid', autoMask('mid'));

      // Pre-op with a manual mask and no segmentation worker at all: the manual mask wins. It is registered first:
      // in an automatic-allowed study the timepoint starts as soon as its images are complete.
      await stopWorkerProcess(gpu);
      const preopScans = scansOf(2, true).sort(([a], [b]) => Number(b === 'mask') - Number(a === 'mask'));
      for (const [modality, file] of preopScans) await registerScan(handle, { timepoint: 'preop', modality, source: study.file(file) });
      const preop = await eventually(
        () => readTimeline(handle),
        (v) => v.timepoints[2].status === 'done',
        300000,
        'preop done with its manual mask',
      );
      expect(preop.timepoints[2].qc?.passed).toBe(true);
      expect(preop.timepoints[2].segmentation).toBeUndefined(); // a manual mask: nothing was segmented
      expect(existsSync(autoMask('preop'))).toBe(false);
      await expectFeaturesIn('preop', study.file(patient.timepoints[2].files.mask));
    });
  } finally {
    await stopWorkerProcess(gpu);
    await store.close();
    await pipeline.close();
  }
});
