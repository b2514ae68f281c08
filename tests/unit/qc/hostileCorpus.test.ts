// Every case of the hostile-input corpus as a coordinator's scan: acquisition (the source policy and the streamed,
// capped copy into the study store) and then QC on what was stored. Each case ends refused, either by acquisition or
// by a failing QC verdict, with one-line messages that quote nothing of the planted secret, within a time bound and,
// for the bombs, without memory growth. A valid scan set beside them still passes both.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runQc } from '../../../qc/runQc';
import { storeScan } from '../../../study/scanStore';
import type { SourcePolicy } from '../../../study/sourcePolicy';
import { buildNifti } from '../imaging/io/support/niftiBuilder';
import { makeCorpus, SECRET } from '../imaging/hostile/makeCorpus';

const root = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-hostile-qc-'));
const corpus = makeCorpus(root);
const store = path.join(root, 'store');
const policy: SourcePolicy = { importRoots: [path.join(root, 'corpus')], allowedHosts: [], allowHttp: false, allowPrivateAddresses: false };
const profile = { minSlices: 1, maxSpacingMm: 10, tumourVolumeMl: [0, 1e9] as [number, number] };

/** Wall-clock bound per case (acquisition and QC together). */
const CASE_BOUND_MS = 5000;
/** A bomb may not raise this process's peak RSS by more than this. */
const BOMB_PEAK_GROWTH_KIB = 256 * 1024;

// Cases that only exist with a voxel limit given per call (readImage's option): acquisition and QC use the configured one.
const cases = corpus.cases.filter((c) => c.options?.maxVoxels === undefined);

beforeAll(() => {
  corpus.write();
  // A valid 2×3×2 image and mask inside the import root, to pair with each hostile file.
  writeFileSync(
    path.join(root, 'corpus', 'valid-image.nii'),
    buildNifti({ datatype: 4, bitpix: 16, dim: [3, 2, 3, 2, 1, 1, 1, 1] }, Buffer.from(Int16Array.from({ length: 12 }, (_, i) => i * 10).buffer)),
  );
  const mask = Buffer.from(Int16Array.from([0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]).buffer);
  writeFileSync(path.join(root, 'corpus', 'valid-mask.nii'), buildNifti({ datatype: 4, bitpix: 16, dim: [3, 2, 3, 2, 1, 1, 1, 1] }, mask));
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Acquires `source` as `modality` into a fresh timepoint folder; the error message when acquisition refuses it. */
async function acquire(source: string, modality: string, dir: string): Promise<{ path: string; sha256: string } | { refused: string }> {
  try {
    return await storeScan(source, dir, modality, { policy, maxFileBytes: 64 * 2 ** 20 });
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

function expectClean(message: string): void {
  expect(message).not.toMatch(/[\r\n]/);
  expect(message).not.toContain('root:x:0:0');
  expect(message).not.toContain(SECRET.slice(11));
}

it('covers at least 30 cases', () => {
  expect(cases.length).toBeGreaterThanOrEqual(30);
});

it('a valid image and mask pass acquisition and QC', async () => {
  const dir = path.join(store, 'valid');
  const image = await acquire(path.join(root, 'corpus', 'valid-image.nii'), 'T1', dir);
  const mask = await acquire(path.join(root, 'corpus', 'valid-mask.nii'), 'mask', dir);
  if ('refused' in image || 'refused' in mask) throw new Error('the valid files were refused');
  const result = runQc({ images: [{ modality: 'T1', ...image }], mask: { path: mask.path }, requiredModalities: ['T1'], profile });
  expect(result).toEqual({ passed: true, reasons: [], findings: [] });
});

it.each(cases.map((c) => [c.name, c] as const))(
  '%s',
  async (_name, c) => {
    const asMask = c.options?.mask === true;
    const dir = path.join(store, c.name.replace(/[^\w.-]+/g, '_'));
    const peakBefore = process.resourceUsage().maxRSS;
    const start = performance.now();
    const hostile = await acquire(c.input, asMask ? 'mask' : 'T1', dir);
    let outcome: { step: 'acquisition' | 'qc'; messages: string[]; codes: string[] };
    if ('refused' in hostile) {
      outcome = { step: 'acquisition', messages: [hostile.refused], codes: [] };
    } else {
      const other = await acquire(path.join(root, 'corpus', asMask ? 'valid-image.nii' : 'valid-mask.nii'), asMask ? 'T1' : 'mask', dir);
      if ('refused' in other) throw new Error(`the valid pair was refused: ${other.refused}`);
      const image = asMask ? other : hostile;
      const mask = asMask ? hostile : other;
      const result = runQc({ images: [{ modality: 'T1', ...image }], mask: { path: mask.path }, requiredModalities: ['T1'], profile });
      expect(result.passed).toBe(false);
      outcome = { step: 'qc', messages: result.reasons, codes: result.findings.map((f) => f.code) };
      expect(outcome.codes).toContain(asMask ? 'mask-unreadable' : 'unreadable');
    }
    const elapsed = performance.now() - start;
    expect(outcome.messages.length).toBeGreaterThan(0);
    for (const message of outcome.messages) expectClean(message);
    expect(elapsed).toBeLessThan(CASE_BOUND_MS);
    if (c.bomb) expect(process.resourceUsage().maxRSS - peakBefore).toBeLessThan(BOMB_PEAK_GROWTH_KIB);
  },
  30_000,
);
