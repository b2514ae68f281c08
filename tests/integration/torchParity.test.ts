/** @jest-environment ./tests/unit/segmentation/onnxEnvironment.js */
// The Python worker (workers/torch: TorchScript, PyTorch's sliding window) against the TypeScript worker (ONNX,
// onnxruntime-node) on the held-out synthetic visits of seed 4242, both on the CPU, through the same contract input:
// Dice against the generator's truth within 0.01 of each other, and masks that agree on ≥ 99.5 % of voxels.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSegmentationActivities } from '../../activities/segmentation/activities';
import { SEGMENT_CONTRACT_VERSION, type SegmentTumourInput, type SegmentTumourResult } from '../../contracts/segmentation';
import { loadConfig } from '../../config';
import { DEFAULT_MODEL_DIR, dice } from '../../models/segmentation';
import { ensureTorchVenv, torchWorkerEnv, TORCH_WORKER_DIR } from '../../ops/torchWorker';
import { readImage, writeNifti } from '../../imaging/io';
import { renderVisit } from '../../synthetic';
import { TIMEPOINTS } from '../../synthetic/manifest';
import { OnnxModelServer } from '../../workers/gpu/models';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

jest.setTimeout(600000);

const HELD_OUT_SEED = 4242;
const PATIENTS = 3;

interface Case {
  id: string;
  input: SegmentTumourInput;
  truth: string;
}

function writeCases(root: string): Case[] {
  const cases: Case[] = [];
  for (let p = 1; p <= PATIENTS; p++) {
    const pseudonym = `SYN-00${p}`;
    for (const timepoint of TIMEPOINTS) {
      const visit = renderVisit({ seed: HELD_OUT_SEED, patients: PATIENTS }, pseudonym, timepoint);
      const dir = path.join(root, pseudonym, timepoint);
      mkdirSync(dir, { recursive: true });
      const file = (name: string) => path.join(dir, `${name}.nii.gz`);
      writeNifti(file('T1CE'), visit.images.T1CE);
      writeNifti(file('T2'), visit.images.T2);
      writeNifti(file('truth'), visit.mask);
      const images = ['T1CE', 'T2'].map((modality) => ({ modality, path: file(modality), sha256: '0'.repeat(64) }));
      const input = (worker: string): SegmentTumourInput => ({
        contractVersion: SEGMENT_CONTRACT_VERSION,
        studyId: 'PARITY',
        pseudonym,
        timepoint,
        images,
        outDir: path.join(dir, worker),
      });
      cases.push({ id: `${pseudonym}/${timepoint}`, input: input('ts'), truth: file('truth') });
      writeFileSync(path.join(dir, 'python-input.json'), JSON.stringify(input('python')));
    }
  }
  return cases;
}

let cases: Case[];
let root: string;
const tsResults = new Map<string, SegmentTumourResult>();
const pyResults = new Map<string, SegmentTumourResult>();

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-parity-'));
  cases = writeCases(root);
  // The TypeScript worker's activity, on the CPU provider, through Temporal's activity test environment.
  const models = await OnnxModelServer.open([DEFAULT_MODEL_DIR], { providers: ['cpu'], cpuThreads: 2 });
  try {
    const activities = createSegmentationActivities({ models });
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('WARN') });
    for (const c of cases) tsResults.set(c.id, await env.run(activities.segmentTumour, c.input));
  } finally {
    await models.close();
  }
  // The Python worker's activity body on the same inputs, one process, the model loaded once.
  const cfg = loadConfig();
  const python = await ensureTorchVenv(cfg);
  const inputs = cases.map((c) => path.join(path.dirname(c.truth), 'python-input.json'));
  const run = spawnSync(python, ['-m', 'osteoflow_torch', 'segment', ...inputs], {
    cwd: TORCH_WORKER_DIR,
    // The inputs name absolute paths (used as they are); the masks also go into a blob folder under the test's own folder.
    env: torchWorkerEnv({ ...cfg, dataDir: path.join(root, 'data'), store: {} }, 'unused:7233', 'unused', {
      OSTEOFLOW_TORCH_DEVICE: 'cpu',
      OSTEOFLOW_TORCH_THREADS: '2',
      OSTEOFLOW_LOG_LEVEL: 'WARNING',
    }),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`python -m osteoflow_torch segment exited ${run.status}:\n${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  expect(lines).toHaveLength(cases.length);
  cases.forEach((c, i) => pyResults.set(c.id, JSON.parse(lines[i]) as SegmentTumourResult));
});

describe(`held-out synthetic visits (seed ${HELD_OUT_SEED}): Python worker vs TypeScript worker on the CPU`, () => {
  const rows: string[] = [];
  afterAll(() => console.log(`visit: Dice TS / Dice Python / voxel agreement\n${rows.join('\n')}`));

  it.each(Array.from({ length: PATIENTS * TIMEPOINTS.length }, (_, i) => i))('visit %i: same Dice within 0.01, ≥ 99.5 % voxels agree', (i) => {
    const c = cases[i];
    const ts = tsResults.get(c.id)!;
    const py = pyResults.get(c.id)!;
    expect(py).toMatchObject({ model: ts.model, device: 'cpu', precision: 'fp32', windows: ts.windows, passes: ts.passes });
    expect(py.runtime).toMatch(/^torch 2\.13\.0/);
    const truth = readImage(c.truth);
    const tsMask = readImage(ts.mask.path);
    const pyMask = readImage(py.mask.path);
    // The Python mask is written by SimpleITK; the TypeScript reader must see the same grid.
    expect(pyMask.geometry.size).toEqual(truth.geometry.size);
    pyMask.geometry.spacing.forEach((s, k) => expect(s).toBeCloseTo(truth.geometry.spacing[k], 5));
    pyMask.geometry.origin.forEach((o, k) => expect(o).toBeCloseTo(truth.geometry.origin[k], 4));
    const diceTs = dice(tsMask.data, truth.data);
    const dicePy = dice(pyMask.data, truth.data);
    let same = 0;
    for (let v = 0; v < tsMask.data.length; v++) if ((tsMask.data[v] !== 0) === (pyMask.data[v] !== 0)) same++;
    const agreement = same / tsMask.data.length;
    rows.push(`${c.id}: ${diceTs.toFixed(4)} / ${dicePy.toFixed(4)} / ${(agreement * 100).toFixed(3)} %`);
    expect(diceTs).toBeGreaterThanOrEqual(0.85);
    expect(Math.abs(dicePy - diceTs)).toBeLessThanOrEqual(0.01);
    expect(agreement).toBeGreaterThanOrEqual(0.995);
    expect(py.tumourVoxels).toBeGreaterThan(0);
  });
});
