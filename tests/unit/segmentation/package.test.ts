/** @jest-environment ./tests/unit/segmentation/onnxEnvironment.js */
// Model packages that cannot be used fail with the file, the field and what was expected; a GPU provider that cannot
// serve a model leaves the session on the CPU with the reason recorded.
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadModelPackage, ModelSession, SegmentationModelError } from '../../../models/segmentation';
import { FIXTURES, makePackage } from './support';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed sidecar broken on purpose, field by field
type RawSidecar = Record<string, any>;

const CONVTRANSPOSE = path.join(FIXTURES, 'convtranspose3d.onnx');
const made: string[] = [];
const pkg = (...args: Parameters<typeof makePackage>) => {
  const dir = makePackage(...args);
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function loadError(dir: string): SegmentationModelError {
  try {
    loadModelPackage(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(SegmentationModelError);
    return err as SegmentationModelError;
  }
  throw new Error('expected the package to be refused');
}

describe('loadModelPackage', () => {
  it('loads a well-formed package and names it name@version', () => {
    const loaded = loadModelPackage(pkg(CONVTRANSPOSE));
    expect(loaded.ref).toBe('osteoflow-tumour-unet3d@0.0.0');
    expect(loaded.sidecar.input.channels.map((c) => c.modality)).toEqual(['T1CE', 'T2']);
  });

  it('names a missing folder and a missing sidecar', () => {
    expect(loadError('/nonexistent/model').message).toContain('file /nonexistent/model: model package folder not found');
    const empty = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-emptypkg-'));
    made.push(empty);
    expect(loadError(empty).message).toBe(
      `file ${path.join(empty, 'model.json')}: the sidecar model.json is missing (expected the JSON sidecar of models/segmentation/sidecar.schema.json)`,
    );
  });

  it('refuses a sidecar that is not JSON', () => {
    const dir = pkg(CONVTRANSPOSE);
    writeFileSync(path.join(dir, 'model.json'), '{ "format": ');
    expect(loadError(dir).message).toMatch(/model\.json: sidecar is not valid JSON/);
  });

  it.each([
    ['a missing field', (s: RawSidecar) => delete s.input.patchSize, "'input.patchSize' is missing"],
    ['a wrong type', (s: RawSidecar) => (s.input.patchSize = [48, 48, '32']), '\'input.patchSize[2]\' must be an integer, got "32"'],
    ['a patch of two axes', (s: RawSidecar) => (s.input.patchSize = [48, 48]), "'input.patchSize' must have at least 3 item(s), got 2"],
    ['an unknown key', (s: RawSidecar) => (s.input.colour = 'red'), "'input.colour' is not allowed"],
    ['an unknown modality', (s: RawSidecar) => (s.input.channels[1].modality = 'T3'), "'input.channels[1].modality' must be one of"],
    [
      'a CT normalisation without sd',
      (s: RawSidecar) => (s.input.channels[0].normalisation = { scheme: 'clip-and-scale', clip: [-1000, 1000], mean: 0 }),
      "'input.channels[0].normalisation.sd' is missing",
    ],
    ['another format', (s: RawSidecar) => (s.format = 'nnunet'), '\'format\' must be "osteoflow-segmentation-model"'],
    ['a bad version', (s: RawSidecar) => (s.version = 'v1'), "'version' must match"],
    ['no ONNX file entry', (s: RawSidecar) => delete s.files.onnx, "'files.onnx' is missing"],
  ])('names the field of %s', (_what, edit, message) => {
    const error = loadError(pkg(CONVTRANSPOSE, edit));
    expect(error.message).toContain('sidecar does not match the sidecar schema');
    expect(error.message).toContain(message);
  });

  it('checks what a schema cannot: unique modalities, background first, a sane clip range', () => {
    expect(loadError(pkg(CONVTRANSPOSE, (s) => (s.input.channels[1].modality = 'T1CE'))).message).toContain(
      "field 'input.channels[1].modality': T1CE appears twice",
    );
    expect(loadError(pkg(CONVTRANSPOSE, (s) => s.output.classes.reverse())).message).toContain("field 'output.classes[0].label': the first class has label 1");
    expect(
      loadError(pkg(CONVTRANSPOSE, (s) => (s.input.channels[0].normalisation = { scheme: 'clip-and-scale', clip: [500, -500], mean: 0, sd: 1 }))).message,
    ).toContain("field 'input.channels[0].normalisation.clip': [500, -500] is empty");
  });

  it('names a model card the sidecar promises but the folder lacks', () => {
    const dir = pkg(CONVTRANSPOSE, (s) => (s.card = 'MODEL_CARD.md'));
    expect(loadError(dir).message).toBe(`file ${path.join(dir, 'MODEL_CARD.md')}, field 'card': the model card named by the sidecar is missing`);
  });

  it('names a missing network file and one whose hash differs', () => {
    const missing = pkg(CONVTRANSPOSE);
    unlinkSync(path.join(missing, 'model.onnx'));
    expect(loadError(missing).message).toBe(`file ${path.join(missing, 'model.onnx')}, field 'files.onnx.path': the onnx file named by the sidecar is missing`);
    const altered = pkg(CONVTRANSPOSE, (s) => (s.files.onnx.sha256 = 'a'.repeat(64)));
    expect(loadError(altered).message).toMatch(
      /field 'files\.onnx\.sha256': sha256 [0-9a-f]{12}… differs from the sidecar's aaaaaaaaaaaa… \(file altered or sidecar stale\)/,
    );
  });
});

describe('ModelSession', () => {
  it('refuses a network whose input rank does not match the NCDHW layout', async () => {
    const loaded = loadModelPackage(pkg(path.join(FIXTURES, 'rank4.onnx')));
    await expect(ModelSession.open(loaded)).rejects.toThrow(
      `file ${loaded.onnxPath}, field 'input.layout': the network's input 'image' has rank 4 ([N, 2, 48, 48]) where the sidecar's layout NCDHW needs rank 5 (expected [N, 2, 32, 48, 48])`,
    );
  });

  it('refuses a network whose channels disagree with the sidecar', async () => {
    const loaded = loadModelPackage(pkg(path.join(FIXTURES, 'one-channel.onnx')));
    await expect(ModelSession.open(loaded)).rejects.toThrow(
      "field 'input.channels': the network's input 'image' is [N, 1, 32, 48, 48], which disagrees with the sidecar at axis 1 (expected [N, 2, 32, 48, 48])",
    );
  });

  it('refuses a network whose patch disagrees with the sidecar', async () => {
    const loaded = loadModelPackage(pkg(CONVTRANSPOSE, (s) => (s.input.patchSize = [48, 48, 16])));
    await expect(ModelSession.open(loaded)).rejects.toThrow(
      "field 'input.patchSize': the network's input 'image' is [N, 2, 32, 48, 48], which disagrees with the sidecar at axis 2 (expected [N, 2, 16, 48, 48])",
    );
  });

  it('falls back to the CPU when the preferred providers cannot serve the model, and says why', async () => {
    // Here: CUDA is not bundled and no WebGPU adapter exists; on a GPU host WebGPU creates the session and fails
    // at run (onnxruntime's WebGPU provider has no 3D ConvTranspose). Either way the CPU serves it, reasons recorded.
    const session = await ModelSession.open(loadModelPackage(pkg(CONVTRANSPOSE)), { providers: ['cuda', 'webgpu', 'cpu'] });
    try {
      expect(session.provider).toBe('cpu');
      expect(session.failures.map((f) => f.provider)).toEqual(['cuda', 'webgpu']);
      expect(session.fallbackReason).toMatch(/^cuda failed at create: .+; webgpu failed at (create|run): .+/);
      const out = await session.run(new Float32Array(2 * 2 * 32 * 48 * 48), 2);
      expect(out).toHaveLength(2 * 2 * 32 * 48 * 48);
    } finally {
      await session.release();
    }
  });
});
