// The Python segmentation worker (workers/torch, PyTorch on the CPU) on the real stack and its blob store. Given
// store-relative image names whose files exist only as blobs (put by this test through the TypeScript store), it lays
// them out in its own study folder, writes the mask there, puts it into the blob store and returns its store-relative
// name and address; an absolute-path input (scheduled by an earlier version) is used as it is. On a timeline whose study
// routes segmentation to its queue it segments each timepoint and the timeline records what ran it; killed (SIGKILL)
// mid-segmentation and started again, it completes the timepoint; stopped (SIGTERM) mid-segmentation, it hands the
// activity back and the next worker completes it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { countNonZero, dice, volumeMl } from '../../models/segmentation/inference/postprocess';
import { ensureTorchVenv, torchWorkerEnv, TORCH_WORKER_ARGS, TORCH_WORKER_DIR } from '../../ops/torchWorker';
import { readImage, writeNifti } from '../../imaging/io';
import { resultsStorePath } from '../../store';
import { LocalFolderBlobStore, openBlobStore, PostgresBlobStore, type BlobStore } from '../../store/blobs';
import { startPostgres } from '../../ops/postgresServer';
import type { OsteoflowConfig } from '../../config';
import { SqliteResultsStore } from '../../store/sqliteStore';
import { enrolPatient, readTimeline, registerScan } from '../../clients/coordinator';
import { SEGMENT_CONTRACT_VERSION, type SegmentTumourInput, type SegmentTumourResult } from '../../contracts/segmentation';
import type { StudyProtocol } from '../../contracts/study';
import { renderVisit } from '../../synthetic';
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

const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const MASK_NAME = (sha256: string) => `mask.auto.osteoflow-tumour-unet3d-1.0.0-${sha256.slice(0, 12)}.nii.gz`;

/** `python -m osteoflow_torch segment` on the given contract inputs: the activity without Temporal, one result a line. */
async function segmentWithoutTemporal(env: NodeJS.ProcessEnv, inputs: string[]): Promise<SegmentTumourResult[]> {
  const child = spawn(python, ['-m', 'osteoflow_torch', 'segment', ...inputs], { cwd: TORCH_WORKER_DIR, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (status !== 0) throw new Error(`python -m osteoflow_torch segment exited ${status}:\n${stderr}`);
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as SegmentTumourResult);
}

/** A held-out synthetic visit (seed 4242, as tests/integration/torchParity.test.ts) at the default 64×64×32 grid, as files. */
function writeVisit(folder: string) {
  const visit = renderVisit({ seed: 4242, patients: 3 }, 'SYN-001', 'baseline');
  mkdirSync(folder, { recursive: true });
  const file = (name: string) => path.join(folder, `${name}.nii.gz`);
  writeNifti(file('T1CE'), visit.images.T1CE);
  writeNifti(file('T2'), visit.images.T2);
  writeNifti(file('truth'), visit.mask);
  return { file, size: visit.mask.geometry.size };
}

const BASE = { contractVersion: SEGMENT_CONTRACT_VERSION, pseudonym: 'SYN-001', timepoint: 'baseline' } as const;
const WORKER_SETTINGS = { OSTEOFLOW_TORCH_DEVICE: 'cpu', OSTEOFLOW_TORCH_THREADS: '2', OSTEOFLOW_LOG_LEVEL: 'WARNING' };

/**
 * Puts the visit's images into `blobs` (nothing of them is in the worker's study folder), has the worker segment them by
 * store-relative name, and checks what it laid out and wrote there and that the mask is in `blobs` under its address.
 */
async function segmentFromBlobs(cfg: OsteoflowConfig, blobs: BlobStore, studyId: string, inputFile: string) {
  const visit = writeVisit(path.join(path.dirname(inputFile), 'sources'));
  const input: SegmentTumourInput = { ...BASE, studyId, images: [], outDir: 'SYN-001/baseline' };
  for (const modality of ['T1CE', 'T2']) {
    const ref = await blobs.put(visit.file(modality));
    input.images.push({ modality, path: `SYN-001/baseline/${modality}-${ref.sha256.slice(0, 12)}.nii.gz`, sha256: ref.sha256 });
  }
  writeFileSync(inputFile, JSON.stringify(input));
  const [result] = await segmentWithoutTemporal(torchWorkerEnv(cfg, 'unused:7233', 'unused', WORKER_SETTINGS), [inputFile]);

  // The images laid out under the worker's study folder from their blobs, the mask beside them.
  const studyFolder = path.join(cfg.dataDir, 'studies', studyId);
  for (const image of input.images) expect(sha256Of(path.join(studyFolder, image.path))).toBe(image.sha256);
  expect(result.mask.path).toBe(`SYN-001/baseline/${MASK_NAME(result.mask.sha256)}`);
  const written = path.join(studyFolder, result.mask.path);
  expect(sha256Of(written)).toBe(result.mask.sha256);
  // In the blob store under its address, as the TypeScript store reads it.
  expect(sha256Of(await blobs.fetch(result.mask.sha256))).toBe(result.mask.sha256);
  const mask = readImage(written);
  expect(mask.geometry.size).toEqual(visit.size);
  expect(countNonZero(mask.data)).toBe(result.tumourVoxels);
  expect(dice(mask.data, readImage(visit.file('truth')).data)).toBeGreaterThanOrEqual(0.85);
  // Only finished files: nothing half-written or temporary is left in the timepoint's folder.
  expect(readdirSync(path.dirname(written)).sort()).toEqual([...input.images.map((i) => path.basename(i.path)), MASK_NAME(result.mask.sha256)].sort());
  return { visit, result };
}

describe('the Python worker and the blob store', () => {
  let dataDir: string;
  beforeEach(() => {
    // A data folder of the test's own: torchWorkerEnv points the worker at <dataDir>/studies and the configured store.
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-torch-blobs-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lays out store-relative images from the blob folder, puts the mask there, and uses absolute paths as they are', async () => {
    const cfg: OsteoflowConfig = { ...harness.cfg, dataDir, store: {} };
    const env = torchWorkerEnv(cfg, 'unused:7233', 'unused');
    expect([env.OSTEOFLOW_STUDY_ROOT, env.OSTEOFLOW_BLOB_DIR, env.OSTEOFLOW_STORE_URL]).toEqual([
      path.join(dataDir, 'studies'),
      path.join(dataDir, 'blobs'),
      undefined,
    ]);
    const blobs = openBlobStore(cfg);
    expect(blobs).toBeInstanceOf(LocalFolderBlobStore);
    try {
      const { visit, result } = await segmentFromBlobs(cfg, blobs, 'TORCH-BLOBS', path.join(dataDir, 'relative.json'));
      // Absolute paths (an earlier version's input): read and written where they say; the mask goes into the blob store
      // too, and it is the same mask byte for byte (same images, model and device).
      const legacyDir = path.join(dataDir, 'legacy-store', 'SYN-001', 'baseline');
      const legacy: SegmentTumourInput = {
        ...BASE,
        studyId: 'TORCH-BLOBS',
        images: ['T1CE', 'T2'].map((modality) => ({ modality, path: visit.file(modality), sha256: sha256Of(visit.file(modality)) })),
        outDir: legacyDir,
      };
      writeFileSync(path.join(dataDir, 'legacy.json'), JSON.stringify(legacy));
      const [fromPaths] = await segmentWithoutTemporal(torchWorkerEnv(cfg, 'unused:7233', 'unused', WORKER_SETTINGS), [path.join(dataDir, 'legacy.json')]);
      expect(fromPaths.mask).toEqual({ path: path.join(legacyDir, MASK_NAME(result.mask.sha256)), sha256: result.mask.sha256 });
      expect(sha256Of(fromPaths.mask.path)).toBe(result.mask.sha256);
      expect(await blobs.has(result.mask.sha256)).toBe(true);
    } finally {
      await blobs.close();
    }
  });

  it('fetches from and stores into PostgreSQL large objects when the configuration names a PostgreSQL store', async () => {
    // A folder of its own (mkdtemp), which startPostgres lets the postgres user reach when the test runs as root.
    const clusterDir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-torch-pg-'));
    const server = await startPostgres(clusterDir, { ephemeral: true });
    try {
      const cfg: OsteoflowConfig = { ...harness.cfg, dataDir, store: { url: server.url } };
      const env = torchWorkerEnv(cfg, 'unused:7233', 'unused');
      expect([env.OSTEOFLOW_STORE_URL, env.OSTEOFLOW_BLOB_CACHE, env.OSTEOFLOW_BLOB_DIR]).toEqual([server.url, path.join(dataDir, 'blob-cache'), undefined]);
      // The TypeScript store creates the tables; the test's puts and fetches go through it, the worker's through psycopg.
      const blobs = openBlobStore({ ...cfg, dataDir: path.join(dataDir, 'pipeline-host') });
      expect(blobs).toBeInstanceOf(PostgresBlobStore);
      try {
        const { result } = await segmentFromBlobs(cfg, blobs, 'TORCH-PG', path.join(dataDir, 'relative.json'));
        // The worker kept its fetched images in its own cache, checked against their addresses.
        const cached = readdirSync(path.join(dataDir, 'blob-cache'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
        expect(cached).toHaveLength(2);
        for (const entry of cached) expect(sha256Of(path.join(entry.parentPath, entry.name))).toBe(entry.name);
        expect(await blobs.has(result.mask.sha256)).toBe(true);
      } finally {
        await blobs.close();
      }
    } finally {
      await server.stop();
      rmSync(clusterDir, { recursive: true, force: true });
    }
  });
});

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
  const blobs = openBlobStore(harness.cfg);
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
        // The mask the timepoint used: put into the blob store by the worker under its address, and written in the
        // worker's own study folder (<dataDir>/studies/<studyId>/<pseudonym>/<timepoint>/).
        const automatic = view.masks?.find((m) => m.kind === 'automatic');
        expect(automatic).toBeDefined();
        const sha256 = automatic!.sha256;
        expect(sha256Of(await blobs.fetch(sha256))).toBe(sha256);
        const maskFile = path.join(harness.cfg.dataDir, 'studies', protocol.studyId, patient.pseudonym, name, MASK_NAME(sha256));
        expect(sha256Of(maskFile)).toBe(sha256);
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
    await blobs.close();
    await pipeline.close();
  }
});
