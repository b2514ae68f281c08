/** @jest-environment ./tests/unit/segmentation/onnxEnvironment.js */
// The shipped model on held-out synthetic visits: seed 4242, which training (seeds in the sidecar) never saw, through
// onnxruntime on the CPU with the full pipeline (model grid, sliding window, argmax, largest component).
import { readFileSync, statSync } from 'node:fs';
import { DEFAULT_MODEL_DIR, ModelSession, dice, loadModelPackage, segmentVolumes } from '../../../models/segmentation';
import { renderVisit } from '../../../synthetic';
import { TIMEPOINTS } from '../../../synthetic/manifest';

jest.setTimeout(300000);

const HELD_OUT_SEED = 4242;
const PATIENTS = 3;
const pkg = loadModelPackage(DEFAULT_MODEL_DIR);
let session: ModelSession;

beforeAll(async () => {
  session = await ModelSession.open(pkg, { providers: ['cpu'] });
});
afterAll(async () => session?.release());

describe('the shipped package', () => {
  it('is small, WebGPU-friendly and was trained without the held-out seed', () => {
    expect(statSync(pkg.onnxPath).size).toBeLessThanOrEqual(10 * 1024 * 1024);
    const onnx = readFileSync(pkg.onnxPath);
    // Operator names are plain strings in the protobuf: upsampling is Resize + Conv, never ConvTranspose.
    expect(onnx.includes('ConvTranspose')).toBe(false);
    expect(onnx.includes('Resize')).toBe(true);
    expect(pkg.torchscriptPath).toBeDefined();
    const data = pkg.sidecar.training!.data as { train: Array<{ seed: number }>; validation: Array<{ seed: number }> };
    const seeds = [...data.train, ...data.validation].map((s) => Number(s.seed));
    expect(seeds.length).toBeGreaterThan(0);
    expect(seeds).not.toContain(HELD_OUT_SEED);
  });
});

describe(`Dice on held-out synthetic visits (seed ${HELD_OUT_SEED}, CPU)`, () => {
  const cases = Array.from({ length: PATIENTS }, (_, p) => `SYN-00${p + 1}`).flatMap((pseudonym) =>
    TIMEPOINTS.map((timepoint) => [pseudonym, timepoint] as const),
  );
  const scores: string[] = [];
  afterAll(() => console.log(`Dice per held-out visit (seed ${HELD_OUT_SEED}): ${scores.join(', ')}`));

  it.each(cases)('%s %s: Dice ≥ 0.85', async (pseudonym, timepoint) => {
    const visit = renderVisit({ seed: HELD_OUT_SEED, patients: PATIENTS }, pseudonym, timepoint);
    const result = await segmentVolumes([visit.images.T1CE, visit.images.T2], pkg, session);
    const score = dice(result.mask.data, visit.mask.data);
    scores.push(`${pseudonym}/${timepoint} ${score.toFixed(3)}`);
    expect(result.windows).toBe(4); // 64×64×32 under a 48×48×32 patch at overlap 0.5: a real sliding window
    expect(score).toBeGreaterThanOrEqual(0.85);
  });

  it('keeps Dice ≥ 0.85 with mirroring test-time augmentation', async () => {
    const visit = renderVisit({ seed: HELD_OUT_SEED, patients: PATIENTS }, 'SYN-003', 'preop');
    const result = await segmentVolumes([visit.images.T1CE, visit.images.T2], pkg, session, { tta: true });
    expect(result.passes).toBe(4 * 8);
    expect(dice(result.mask.data, visit.mask.data)).toBeGreaterThanOrEqual(0.85);
  });
});
