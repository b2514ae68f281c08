/** @jest-environment ./tests/unit/segmentation/onnxEnvironment.js */
// The segmentTumour activity on the shipped model (CPU): images fetched by address, the mask put into the blob store, a result that conforms
// to the contract; bad input fails non-retryably with its reason; a mask without tumour is a failed QC.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSegmentationActivities, type ModelServer } from '../../../activities/segmentation/activities';
import type { SegmentTumourInput, SegmentTumourResult } from '../../../contracts/segmentation';
import { contractProblems } from '../../../activities/segmentation/contractCheck';
import { DEFAULT_MODEL_DIR, dice, loadModelPackage, type ModelSession } from '../../../models/segmentation';
import { readImage, writeNifti } from '../../../imaging/io';
import { renderVisit } from '../../../synthetic';
import { OnnxModelServer } from '../../../workers/gpu/models';
import { LocalFolderBlobStore } from '../../../store/blobs';
import { StudyFiles } from '../../../study/storedFiles';

jest.setTimeout(120000);

const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-segact-'));
let server: OnnxModelServer;
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A held-out visit (seed 4242 was never used in training) written as NIfTI files; returns the contract's images. */
function writeVisit(name: string, options: { size?: [number, number, number] } = {}) {
  const visit = renderVisit(
    { seed: 4242, patients: 2, ...(options.size ? { size: options.size, spacing: [1.5, 1.5, 3] as [number, number, number] } : {}) },
    'SYN-002',
    'mid',
  );
  const folder = path.join(dir, name);
  mkdirSync(folder, { recursive: true });
  const images = (['T1CE', 'T2', 'ADC'] as const).map((modality) => {
    const file = path.join(folder, `${modality}.nii.gz`);
    writeNifti(file, visit.images[modality]);
    return { modality, path: file, sha256: sha(file) };
  });
  const truth = path.join(folder, 'truth.nii.gz');
  writeNifti(truth, visit.mask);
  return { folder, images, truth };
}

const inputFor = (visit: ReturnType<typeof writeVisit>, extra: Partial<SegmentTumourInput> = {}): SegmentTumourInput => ({
  contractVersion: 1,
  studyId: 'OS-UNIT',
  pseudonym: 'SYN-002',
  timepoint: 'mid',
  images: visit.images,
  outDir: visit.folder,
  ...extra,
});

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected the activity to fail');
}

beforeAll(async () => {
  server = await OnnxModelServer.open([DEFAULT_MODEL_DIR], { providers: ['cpu'] });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('segments a held-out visit fetched by address, puts the mask into the blob store and reports what ran, with heartbeats', async () => {
  const visit = writeVisit('ok');
  // Another host's study: its images reach this worker only through the blob store.
  const blobs = new LocalFolderBlobStore(path.join(dir, 'blobs'));
  for (const image of visit.images) expect((await blobs.put(image.path)).sha256).toBe(image.sha256);
  const files = new StudyFiles(blobs, path.join(dir, 'worker-studies'));
  const images = visit.images.map((image) => ({ ...image, path: `SYN-002/mid/${path.basename(image.path)}` }));
  const env = new MockActivityEnvironment();
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const { segmentTumour } = createSegmentationActivities({ models: server, workerId: 'unit', files });
  const result: SegmentTumourResult = await env.run(segmentTumour, inputFor(visit, { images, outDir: 'SYN-002/mid' }));
  expect(contractProblems('result', result)).toBe('');
  expect(result).toMatchObject({
    model: { name: 'osteoflow-tumour-unet3d', version: '1.0.0' },
    device: 'cpu',
    precision: 'fp32',
    runtime: 'onnxruntime-node 1.30.0',
    tta: false,
    worker: 'unit',
  });
  // Named relative to the study's folder, with its address in the name; the blob store holds those bytes.
  expect(result.mask.path).toBe(`SYN-002/mid/mask.auto.osteoflow-tumour-unet3d-1.0.0-${result.mask.sha256.slice(0, 12)}.nii.gz`);
  const fetched = await blobs.fetch(result.mask.sha256);
  expect(sha(fetched)).toBe(result.mask.sha256);
  const mask = readImage(path.join(dir, 'worker-studies', 'OS-UNIT', result.mask.path));
  expect(dice(mask.data, readImage(visit.truth).data)).toBeGreaterThan(0.85);
  expect(beats).toContainEqual({ stage: 'reading' });
  expect(beats).toContainEqual({ stage: 'inference', done: result.passes, total: result.passes });
  // No partial file is left behind.
  expect(readdirSync(path.join(dir, 'worker-studies', 'OS-UNIT', 'SYN-002', 'mid')).filter((f) => f.includes('partial'))).toEqual([]);
});

it('reads and writes absolute paths as an earlier version scheduled them', async () => {
  const visit = writeVisit('absolute');
  const files = new StudyFiles(new LocalFolderBlobStore(path.join(dir, 'blobs')), path.join(dir, 'worker-studies'));
  const { segmentTumour } = createSegmentationActivities({ models: server, files });
  const result: SegmentTumourResult = await new MockActivityEnvironment().run(segmentTumour, inputFor(visit));
  expect(path.dirname(result.mask.path)).toBe(visit.folder);
  expect(sha(result.mask.path)).toBe(result.mask.sha256);
});

it('fails non-retryably, naming the modality, when an image the model needs is missing', async () => {
  const visit = writeVisit('missing');
  const { segmentTumour } = createSegmentationActivities({ models: server });
  const failure = await failureOf(
    new MockActivityEnvironment().run(segmentTumour, inputFor(visit, { images: visit.images.filter((i) => i.modality !== 'T2') })),
  );
  expect(failure.type).toBe('SegmentationInputError');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toBe(
    "field 'images': model osteoflow-tumour-unet3d@1.0.0 needs T1CE + T2; the timepoint has no T2 (it has T1CE, ADC) (expected images of T1CE, T2)",
  );
});

it('fails non-retryably when the image is smaller than the patch', async () => {
  const visit = writeVisit('small', { size: [40, 40, 16] });
  const { segmentTumour } = createSegmentationActivities({ models: server });
  const failure = await failureOf(new MockActivityEnvironment().run(segmentTumour, inputFor(visit)));
  expect(failure.type).toBe('SegmentationInputError');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain("is 40×40×16 voxels on the model's 1.5×1.5×3 mm grid, smaller than the 48×48×32 patch along x, y, z");
  expect(existsSync(path.join(visit.folder, 'mask.auto.osteoflow-tumour-unet3d-1.0.0.nii.gz'))).toBe(false);
});

it('fails non-retryably for a model the worker does not serve and for input off the contract', async () => {
  const visit = writeVisit('contract');
  const { segmentTumour } = createSegmentationActivities({ models: server });
  const unknown = await failureOf(new MockActivityEnvironment().run(segmentTumour, inputFor(visit, { model: 'other-model@2.0.0' })));
  expect(unknown.type).toBe('SegmentationModelError');
  expect(unknown.nonRetryable).toBe(true);
  expect(unknown.message).toBe("field 'model': this worker does not serve model other-model@2.0.0 (expected one of osteoflow-tumour-unet3d@1.0.0)");
  const bad = await failureOf(new MockActivityEnvironment().run(segmentTumour, { ...inputFor(visit), contractVersion: 2 } as unknown as SegmentTumourInput));
  expect(bad.type).toBe('SegmentationInputError');
  expect(bad.message).toBe("segmentTumour input does not match the contract: 'contractVersion' must be 1, got 2");
});

it('turns a mask without tumour into a failed QC that asks for a manual mask', async () => {
  const visit = writeVisit('empty');
  const pkg = loadModelPackage(DEFAULT_MODEL_DIR);
  const [px, py, pz] = pkg.sidecar.input.patchSize;
  // A network that sees background everywhere.
  const background = {
    provider: 'cpu',
    fallbackReason: undefined,
    run: async (_batch: Float32Array, count: number) => {
      const out = new Float32Array(count * 2 * px * py * pz);
      for (let b = 0; b < count; b++) out.fill(1, b * 2 * px * py * pz, (b * 2 + 1) * px * py * pz);
      return out;
    },
  } as unknown as ModelSession;
  const models: ModelServer = { runtime: 'test', resolve: () => ({ pkg, session: background }) };
  const failure = await failureOf(new MockActivityEnvironment().run(createSegmentationActivities({ models }).segmentTumour, inputFor(visit)));
  expect(failure.type).toBe('QcFailed');
  expect(failure.nonRetryable).toBe(true);
  expect(failure.details).toEqual([
    { passed: false, reasons: ['automatic segmentation (osteoflow-tumour-unet3d@1.0.0) found no tumour: register a manual mask'] },
  ]);
});
