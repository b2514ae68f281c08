/** @jest-environment ./tests/unit/segmentation/onnxEnvironment.js */
// `osteoflow segment`: arguments, the mask it writes, the volume and Dice it prints, and exit codes for bad input.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../cli/main';
import { parseSegmentArgs } from '../../../cli/segment';
import { DEFAULT_MODEL_DIR, dice } from '../../../models/segmentation';
import { readImage, writeNifti } from '../../../imaging/io';
import { renderVisit } from '../../../synthetic';

jest.setTimeout(120000);

const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-segcli-'));
const visit = renderVisit({ seed: 4242, patients: 1 }, 'SYN-001', 'baseline');
const files = { T1CE: path.join(dir, 'T1CE.nii.gz'), T2: path.join(dir, 'T2.nii.gz'), truth: path.join(dir, 'truth.nii.gz') };
writeNifti(files.T1CE, visit.images.T1CE);
writeNifti(files.T2, visit.images.T2);
writeNifti(files.truth, visit.mask);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    const code = await main(['segment', ...argv]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('parseSegmentArgs', () => {
  it('takes repeated --image, defaults the model and the CPU provider', () => {
    expect(parseSegmentArgs(['--image', 'a', '--image=T2=b', '--out', 'm.nii.gz'])).toMatchObject({
      images: ['a', 'T2=b'],
      model: DEFAULT_MODEL_DIR,
      providers: ['cpu'],
      tta: false,
    });
    expect(parseSegmentArgs(['--image', 'a', '--out', 'm', '--providers', 'webgpu,cpu', '--tta', '--batch', '8', '--overlap', '0.25'])).toMatchObject({
      providers: ['webgpu', 'cpu'],
      tta: true,
      batch: 8,
      overlap: 0.25,
    });
  });
});

describe('osteoflow segment', () => {
  it('writes the mask and prints the tumour volume and the Dice coefficient', async () => {
    const out = path.join(dir, 'mask.nii.gz');
    const { code, out: text } = await run(['--image', files.T1CE, '--image', files.T2, '--model', DEFAULT_MODEL_DIR, '--out', out, '--reference', files.truth]);
    expect(code).toBe(0);
    expect(text).toMatch(/^tumour volume: \d+\.\d+ ml \(\d+ voxels\) → /);
    const printed = Number(/Dice vs .*: (\d\.\d{4})/.exec(text)![1]);
    expect(printed).toBeCloseTo(dice(readImage(out).data, visit.mask.data), 4);
    expect(printed).toBeGreaterThan(0.85);
    expect(text).toContain('osteoflow-tumour-unet3d@1.0.0 on cpu: 4 windows, 4 passes');
  });

  it('maps MODALITY=PATH images to the model channels in any order, and prints JSON', async () => {
    const { code, out } = await run([
      '--image',
      `T2=${files.T2}`,
      '--image',
      `T1CE=${files.T1CE}`,
      '--out',
      path.join(dir, 'named.nii.gz'),
      '--reference',
      files.truth,
      '--json',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(out);
    expect(summary).toMatchObject({ model: 'osteoflow-tumour-unet3d@1.0.0', provider: 'cpu', windows: 4, modelGrid: [64, 64, 32] });
    expect(summary.dice).toBeGreaterThan(0.85);
  });

  it('exits 1 with the reason when an image is missing for a channel', async () => {
    const { code, err } = await run(['--image', files.T1CE, '--out', path.join(dir, 'x.nii.gz')]);
    expect(code).toBe(1);
    expect(err).toBe(
      "osteoflow segment: field 'images': the model needs 2 channel(s) (T1CE, T2), 1 image(s) given (expected one image per channel, in the order T1CE, T2)",
    );
    const named = await run(['--image', `T1CE=${files.T1CE}`, '--out', path.join(dir, 'x.nii.gz')]);
    expect(named.err).toBe("osteoflow segment: field '--image': the model needs T1CE + T2; no image given for T2 (expected T1CE=PATH T2=PATH)");
  });

  it('exits 1 for a model folder without a sidecar, 2 for bad arguments', async () => {
    const missing = await run(['--image', files.T1CE, '--image', files.T2, '--model', dir, '--out', path.join(dir, 'x.nii.gz')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`file ${path.join(dir, 'model.json')}: the sidecar model.json is missing`);
    const usage = await run(['--out', 'x.nii.gz']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--image is required (one per model channel)');
    expect((await run(['--image', 'a', '--out', 'b', '--providers', 'gpu'])).err).toContain(
      "--providers: execution provider 'gpu' is not one of cuda, webgpu, cpu",
    );
  });
});
