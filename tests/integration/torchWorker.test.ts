// A timeline whose study routes segmentation to the Python worker's queue, on the real stack: the Python worker
// (workers/torch, PyTorch on the CPU) segments each timepoint and the timeline records what ran it. Killed (SIGKILL)
// in the middle of a segmentation and started again, it completes the timepoint; stopped (SIGTERM) mid-segmentation,
// it hands the activity back and the next worker completes it.
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { countNonZero, dice, volumeMl } from '../../models/segmentation/inference/postprocess';
import { ensureTorchVenv, torchWorkerEnv, TORCH_WORKER_ARGS, TORCH_WORKER_DIR } from '../../ops/torchWorker';
import { readImage } from '../../imaging/io';
import { resultsStorePath } from '../../store';
import { SqliteResultsStore } from '../../store/sqliteStore';
import { enrolPatient, readTimeline, registerScan } from '../../clients/coordinator';
import type { StudyProtocol } from '../../contracts/study';
import { connectHarness, eventually, makeStudy, type Harness } from './support/pipeline';
import { startWorkerProcess, stopWorkerProcess, type WorkerProcess } from './support/workerProcess';

jest.setTimeout(900000);

let harness: Harness;
let python: string;

beforeAll(async () => {
  harness = await connectHarness();
  python = await ensureTorchVenv(harness.cfg);
});
afterAll(async () => {
  await harness?.close();
});

/** A Python worker process on `taskQueue`, resolved once it polls. */
function startTorchWorker(taskQueue: string, extra: Record<string, string> = {}): Promise<WorkerProcess> {
  const env = torchWorkerEnv(harness.cfg, harness.endpoints.temporal.address, taskQueue, {
    OSTEOFLOW_TORCH_DEVICE: 'cpu',
    OSTEOFLOW_TORCH_THREADS: '2',
    OSTEOFLOW_LOG_LEVEL: 'WARNING',
    ...extra,
  });
  return startWorkerProcess(python, TORCH_WORKER_ARGS, { cwd: TORCH_WORKER_DIR, env }, `torch worker polling '${taskQueue}'`);
}

// Workers that are to be stopped mid-segmentation run mirroring TTA (144 network passes, about ten seconds here), so
// the stop surely lands inside the activity; the workers that finish the job run without it (18 passes).
const SLOW = { OSTEOFLOW_TORCH_TTA: '1' };

it('routes a timeline to the Python worker, which survives a kill and hands back on a stop', async () => {
  // 96×96×48 voxels at the model's 1.5 × 1.5 × 3 mm: 3 × 3 × 2 = 18 windows.
  const study = makeStudy({ patients: 1, seed: 47, size: [96, 96, 48], spacing: [1.5, 1.5, 3] });
  const taskQueue = `it-torch-${study.protocol.studyId}`;
  const pipelineQueue = `it-torch-pipeline-${study.protocol.studyId}`;
  const protocol: StudyProtocol = { ...study.protocol, segmentation: { mode: 'automatic-allowed', taskQueue } };
  const patient = study.manifest.patients[0];
  const imagesOf = (i: number) => Object.entries(patient.timepoints[i].files).filter(([modality]) => modality !== 'mask');
  const store = new SqliteResultsStore(resultsStorePath(harness.cfg));
  const pipeline = await harness.startWorker({ taskQueues: { ...harness.cfg.taskQueues, pipeline: pipelineQueue } });
  let torch = await startTorchWorker(taskQueue);
  try {
    await pipeline.worker.runUntil(async () => {
      const handle = await enrolPatient(harness.client, pipelineQueue, protocol, patient.pseudonym, { ...patient.clinical });
      const pendingSegmentation = async (timepoint: string) => {
        // The timepoint's child workflow starts once its scans are registered: until then there is nothing pending.
        const description = await harness.client.workflow
          .getHandle(`${handle.workflowId}/${timepoint}/run-1`)
          .describe()
          .catch((err: unknown) => (err instanceof WorkflowNotFoundError ? undefined : Promise.reject(err)));
        return (description?.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'segmentTumour');
      };
      /** The activity has started on the worker and heartbeated: it is running. */
      const running = async (timepoint: string) => {
        const started = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
        await eventually(
          () => pendingSegmentation(timepoint),
          (a) => a?.state === started && Boolean(a.heartbeatDetails?.payloads?.length),
          300000,
          `${timepoint} segmentation running`,
          100,
        );
        await new Promise((resolve) => setTimeout(resolve, 1500)); // into the network passes
      };
      const done = (i: number, what: string) =>
        eventually(
          () => readTimeline(handle),
          (v) => ['done', 'qc-failed/awaiting-rescan', 'needs-attention'].includes(v.timepoints[i].status),
          400000,
          what,
        );
      const checkTimepoint = async (i: number, pid: number) => {
        const name = patient.timepoints[i].name;
        const view = (await readTimeline(handle)).timepoints[i];
        expect(view).toMatchObject({ status: 'done', qc: { passed: true } });
        const record = view.segmentation!;
        expect(record).toMatchObject({ model: 'osteoflow-tumour-unet3d@1.0.0', device: 'cpu', precision: 'fp32', tta: false, windows: 18, passes: 18 });
        expect(record.runtime).toMatch(/^torch 2\.13\.0/);
        expect(record.worker).toMatch(new RegExp(`:${pid}$`));
        expect(record.totalMs).toBeGreaterThan(record.inferenceMs);
        const maskFile = path.join(protocol.storeDir, patient.pseudonym, name, 'mask.auto.osteoflow-tumour-unet3d-1.0.0.nii.gz');
        const mask = readImage(maskFile);
        expect(record.tumourMl).toBeCloseTo(volumeMl(countNonZero(mask.data), mask.geometry.spacing), 6);
        expect(dice(mask.data, readImage(study.file(patient.timepoints[i].files.mask)).data)).toBeGreaterThanOrEqual(0.85);
        // Features were extracted in the Python worker's mask.
        const t1ce = (await store.getFeatureSets({ studyId: protocol.studyId, pseudonym: patient.pseudonym, timepoint: name })).find(
          (s) => s.modality === 'T1CE',
        )!;
        expect(t1ce.features.original_shape_VoxelVolume).toBeCloseTo(record.tumourMl * 1000, 3);
      };

      // Baseline: segmented by the Python worker end to end.
      for (const [modality, file] of imagesOf(0)) await registerScan(handle, { timepoint: 'baseline', modality, source: study.file(file) });
      await done(0, 'baseline done');
      await checkTimepoint(0, torch.child.pid!);
      expect(await stopWorkerProcess(torch)).toBe(0); // idle: a clean exit

      // Mid: SIGKILL while the segmentation runs. The activity stays pending (no heartbeat reaches the server any
      // more); after the heartbeat timeout a freshly started worker runs it again, to completion.
      const killed = await startTorchWorker(taskQueue, SLOW);
      for (const [modality, file] of imagesOf(1)) await registerScan(handle, { timepoint: 'mid', modality, source: study.file(file) });
      await running('mid');
      killed.child.kill('SIGKILL');
      expect(await killed.exited).toBeNull();
      expect((await readTimeline(handle)).timepoints[1].status).toBe('segmenting');
      torch = await startTorchWorker(taskQueue);
      await done(1, 'mid done after the kill');
      await checkTimepoint(1, torch.child.pid!);
      expect(await pendingSegmentation('mid')).toBeUndefined();
      expect(await stopWorkerProcess(torch)).toBe(0);

      // Pre-op: SIGTERM mid-segmentation with no grace period. The worker hands the activity back (a retryable
      // failure: attempt 2 is scheduled at once, not after the heartbeat timeout) and exits cleanly; the next
      // worker finishes it.
      const stopping = await startTorchWorker(taskQueue, { ...SLOW, OSTEOFLOW_TORCH_SHUTDOWN_GRACE_S: '0' });
      for (const [modality, file] of imagesOf(2)) await registerScan(handle, { timepoint: 'preop', modality, source: study.file(file) });
      await running('preop');
      const stoppedAt = Date.now();
      expect(await stopWorkerProcess(stopping)).toBe(0);
      expect(stopping.output()).toMatch(/handing back segmentTumour/);
      const handedBack = await eventually(
        () => pendingSegmentation('preop'),
        (a) => (a?.attempt ?? 0) >= 2,
        30000,
        'attempt 2 scheduled',
      );
      expect(Date.now() - stoppedAt).toBeLessThan(30000); // well inside the one-minute heartbeat timeout
      expect(handedBack!.lastFailure?.message).toMatch(/shut down mid-segmentation/);
      torch = await startTorchWorker(taskQueue);
      await done(2, 'preop done after the hand-back');
      await checkTimepoint(2, torch.child.pid!);
    });
  } finally {
    await stopWorkerProcess(torch);
    await store.close();
    await pipeline.close();
  }
});
