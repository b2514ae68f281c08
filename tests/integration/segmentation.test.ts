// A timeline without manual masks on the real stack: each timepoint's tumour is segmented by a GPU worker process
// (workers/gpu/main.ts, the shipped model on the CPU provider) polling the study's segmentation task queue. With that
// worker stopped the timepoint waits in 'segmenting', then needs attention past the study's worker wait; started
// again, it finishes. With no segmentation worker at all, a manual mask registered meanwhile takes the waiting run's place.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { dice, volumeMl, countNonZero } from '../../models/segmentation/inference/postprocess';
import { readImage } from '../../imaging/io';
import { resultsStorePath } from '../../store';
import { SqliteResultsStore } from '../../store/sqliteStore';
import { enrolPatient, listPatients, readTimeline, registerScan, withdraw } from '../../clients/coordinator';
import type { StudyProtocol } from '../../contracts/study';
import { connectHarness, eventually, makeStudy, recordHistory, type Harness } from './support/pipeline';
import { startGpuWorker, stopWorkerProcess } from './support/workerProcess';

jest.setTimeout(900000);

let harness: Harness;

beforeAll(async () => {
  harness = await connectHarness();
});
afterAll(async () => {
  await harness?.close();
});

it('segments timepoints without manual masks on the segmentation queue, asks for attention while no worker comes, and lets a manual mask win', async () => {
  const study = makeStudy({ patients: 1, seed: 43 });
  const taskQueue = `it-segmentation-${study.protocol.studyId}`;
  // No worker for 10 s: the timepoint needs attention, and its step waits on.
  const protocol: StudyProtocol = { ...study.protocol, segmentation: { mode: 'automatic-allowed', taskQueue, workerWaitMs: 10000 } };
  const patient = study.manifest.patients[0];
  const scansOf = (i: number, withMask: boolean) => Object.entries(patient.timepoints[i].files).filter(([modality]) => withMask || modality !== 'mask');
  // The worker's mask as the pipeline laid it out in the study's folder (its name carries its address's first digits).
  const autoMask = (timepoint: string) => {
    const dir = path.join(protocol.storeDir!, patient.pseudonym, timepoint);
    const found = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('mask.auto.osteoflow-tumour-unet3d-1.0.0-')) : [];
    expect(found.length).toBeLessThanOrEqual(1);
    return path.join(dir, found[0] ?? 'no automatic mask');
  };
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

      // Mid: the segmentation worker is stopped; the timepoint waits in 'segmenting' with the activity scheduled, then,
      // past the study's worker wait, needs attention while the step stays scheduled.
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
      const unattended = await eventually(
        () => readTimeline(handle),
        (v) => v.timepoints[1].status === 'needs-attention',
        60000,
        'mid needs attention',
      );
      expect(unattended.timepoints[1].attention).toEqual({
        code: 'segmentation-unavailable',
        message: `no worker took automatic segmentation on task queue '${taskQueue}' within 10 seconds; start a segmentation worker (the run goes on by itself) or register a manual mask`,
        at: expect.any(String),
      });
      await eventually(
        () => listPatients(harness.client, protocol.studyId, 'QcStatus = "needs-attention"'),
        (ids) => ids.length === 1 && ids[0] === handle.workflowId,
        30000,
        'listed as needing attention',
      );
      const waiting = await eventually(pending, (a) => a.length === 1, 60000, 'segmentTumour scheduled again');
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
      expect(mid.timepoints[1]).toMatchObject({ runs: 1, qc: { passed: true } });
      expect(mid.timepoints[1].attention).toBeUndefined();
      expect(existsSync(autoMask('mid'))).toBe(true);
      await expectFeaturesIn('mid', autoMask('mid'));

      // Pre-op with no segmentation worker at all: the run waits for one until a coordinator registers a manual mask,
      // which the waiting run gives way to.
      await stopWorkerProcess(gpu);
      for (const [modality, file] of scansOf(2, false)) await registerScan(handle, { timepoint: 'preop', modality, source: study.file(file) });
      await eventually(
        () => readTimeline(handle),
        (v) => v.timepoints[2].attention?.code === 'segmentation-unavailable',
        60000,
        'preop waits for a worker',
      );
      await registerScan(handle, { timepoint: 'preop', modality: 'mask', source: study.file(patient.timepoints[2].files.mask) });
      const preop = await eventually(
        () => readTimeline(handle),
        (v) => v.timepoints[2].status === 'done',
        300000,
        'preop done with its manual mask',
      );
      expect(preop.timepoints[2].qc?.passed).toBe(true);
      expect(preop.timepoints[2].runs).toBe(2);
      expect((await harness.client.workflow.getHandle(`${handle.workflowId}/preop/run-1`).describe()).status.name).toBe('CANCELLED');
      expect(preop.timepoints[2].segmentation).toBeUndefined(); // a manual mask: nothing was segmented
      expect(existsSync(autoMask('preop'))).toBe(false);
      await expectFeaturesIn('preop', study.file(patient.timepoints[2].files.mask));
      await withdraw(handle, { reason: 'end of test' });
      await handle.result();
      await recordHistory(harness, handle.workflowId, 'patientTimeline-segmentation-worker-wait');
      await recordHistory(harness, `${handle.workflowId}/mid/run-1`, 'timepoint-segmentation-worker-wait');
    });
  } finally {
    await stopWorkerProcess(gpu);
    await store.close();
    await pipeline.close();
  }
});
