// The built CLI (ops/build.cjs: esbuild bundles, as the install step makes them in dist/) against the TypeScript sources
// run through tsx: `--help`, a real `osteoflow extract` on volumes written here (IBSI mode with every family, and
// PyRadiomics mode with LoG and wavelet images), a bad parameter file and an unknown command give the same stdout,
// stderr and exit code, and the built extraction worker computes what extractSync does. The bundles are built into a
// temporary folder under dist/, so the project's own bundles are left alone. And the choice between bundle and
// sources: a bundle is used only while every input of the build is unchanged, and not with OSTEOFLOW_FROM_SOURCE=1.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, freshBundle, nodeArguments, staleBundles } from '../../../ops/build.cjs';
import { PROJECT_ROOT } from '../../../config';
import { readImage, writeNifti } from '../../../imaging/io';
import { extractOnWorkers, extractSync, ExtractionPool } from '../../../radiomics';
import { grid, volumeOf } from '../radiomics/extractor/support';
import { trainCandidate } from '../../../models/training/candidate';
import { trainCandidateOffThread } from '../../../models/training/candidateThread';
import type { TrainingDataset } from '../../../models/dataset';

jest.setTimeout(180000);

let dir: string;
let outDir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'osteoflow-built-cli-'));
  // inside the project, as dist/ is: the bundle loads its packages from the project's node_modules
  mkdirSync(path.join(PROJECT_ROOT, 'dist'), { recursive: true });
  outDir = mkdtempSync(path.join(PROJECT_ROOT, 'dist', 'test-'));
  const g = grid([24, 22, 12], [0.9, 0.9, 2]);
  writeNifti(
    path.join(dir, 'image.nii.gz'),
    volumeOf(Int16Array, g, (x, y, z) => 40 * x - 7 * y + 100 * Math.sin(z) + ((x * 31 + y * 17 + z * 7) % 23)),
  );
  writeNifti(
    path.join(dir, 'mask.nii.gz'),
    volumeOf(Uint8Array, g, (x, y, z) => ((x - 12) ** 2 + (y - 11) ** 2 + 4 * (z - 6) ** 2 <= 64 ? 1 : 0)),
  );
  writeFileSync(
    path.join(dir, 'filters.yaml'),
    'imageType:\n  Original: {}\n  LoG:\n    sigma: [1.0, 2.0]\n  Wavelet: {}\nsetting:\n  binWidth: 25\n  voxelArrayShift: 2000\n',
  );
  writeFileSync(path.join(dir, 'bad.yaml'), 'setting:\n  binWidth: wide\n');
  await build({ outDir });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The bundle, as bin/osteoflow.js runs it. */
function built(...argv: string[]): Outcome {
  const runner = 'require(process.argv[1]).main(process.argv.slice(2)).then((code) => { process.exitCode = code; })';
  const r = spawnSync(process.execPath, ['-e', runner, path.join(outDir, 'osteoflow.cjs'), ...argv], { cwd: dir, encoding: 'utf8', timeout: 120000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The sources through tsx: the bin as it runs without a fresh build. */
function fromSource(...argv: string[]): Outcome {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'osteoflow.js'), ...argv], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120000,
    env: { ...process.env, OSTEOFLOW_FROM_SOURCE: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// First, while the build is seconds old (in a shared working tree an input may change later).
describe('bundle or sources', () => {
  it('the fresh bundle, unless OSTEOFLOW_FROM_SOURCE is set', () => {
    expect(staleBundles(outDir)).toEqual([]);
    expect(freshBundle('osteoflow', { env: {}, outDir })).toBe(path.join(outDir, 'osteoflow.cjs'));
    expect(freshBundle('osteoflow', { env: { OSTEOFLOW_FROM_SOURCE: '1' }, outDir })).toBeNull();
    expect(freshBundle('osteoflow', { env: { OSTEOFLOW_FROM_SOURCE: '0' }, outDir })).not.toBeNull();
    expect(nodeArguments('pipeline-worker', { OSTEOFLOW_FROM_SOURCE: '1' })).toEqual([
      '--require',
      require.resolve('tsx/cjs'),
      path.join(PROJECT_ROOT, 'workers', 'pipeline', 'main.ts'),
    ]);
  });

  it('a build whose input changed is stale until rebuilt', () => {
    const manifest = JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as {
      outputs: Record<string, string>;
      inputs: Record<string, [number, number]>;
    };
    expect(manifest.outputs).toEqual({
      osteoflow: 'osteoflow.cjs',
      'pipeline-worker': 'pipeline-worker.cjs',
      'radiomics-worker': 'radiomics-worker.cjs',
      'training-worker': 'training-worker.cjs',
      'radiomics-voxel-worker': 'radiomics-voxel-worker.cjs',
    });
    expect(Object.keys(manifest.inputs)).toEqual(
      expect.arrayContaining(['cli/main.ts', 'workers/pipeline/main.ts', 'radiomics/extraction/poolWorker.ts', 'radiomics/extractor.ts', 'ops/build.cjs']),
    );
    // a copy of the build whose record has cli/main.ts one millisecond older than it is
    const { size, mtimeMs } = statSync(path.join(PROJECT_ROOT, 'cli', 'main.ts'));
    manifest.inputs['cli/main.ts'] = [size, mtimeMs - 1];
    const edited = path.join(dir, 'edited');
    cpSync(outDir, edited, { recursive: true });
    writeFileSync(path.join(edited, 'manifest.json'), JSON.stringify(manifest));
    // the bundles are built together and go stale together
    expect(staleBundles(edited)).toEqual(['osteoflow', 'pipeline-worker', 'radiomics-worker', 'training-worker', 'radiomics-voxel-worker']);
    expect(freshBundle('pipeline-worker', { env: {}, outDir: edited })).toBeNull();
  });
});

describe('the built CLI answers as the sources do', () => {
  it('--help', () => {
    const want = fromSource('--help');
    expect(want.status).toBe(0);
    expect(want.stdout).toMatch(/^usage: osteoflow <command>/);
    expect(built('--help')).toEqual(want);
  });

  it.each([
    ['IBSI mode, every family', ['--params', path.join(PROJECT_ROOT, 'radiomics', 'params', 'ibsi1-digital-phantom.yaml')]],
    ['PyRadiomics mode with LoG and wavelet images', ['--params', 'filters.yaml']],
  ])('osteoflow extract: %s', (_name, params) => {
    const argv = ['extract', '--image', 'image.nii.gz', '--mask', 'mask.nii.gz', ...params];
    const want = fromSource(...argv);
    expect(want.status).toBe(0);
    expect(Object.keys(JSON.parse(want.stdout) as object).length).toBeGreaterThan(100);
    expect(built(...argv)).toEqual(want);
  });

  it('a bad parameter file: the same message, exit 1', () => {
    const argv = ['extract', '--image', 'image.nii.gz', '--mask', 'mask.nii.gz', '--params', 'bad.yaml'];
    const want = fromSource(...argv);
    expect(want.status).toBe(1);
    expect(want.stderr).toMatch(/binWidth/);
    expect(built(...argv)).toEqual(want);
  });

  it('an unknown command: exit 2', () => {
    const want = fromSource('extrakt');
    expect(want.status).toBe(2);
    expect(built('extrakt')).toEqual(want);
  });
});

describe('the built extraction worker', () => {
  it('computes on its threads what extractSync computes', async () => {
    const pool = new ExtractionPool(2, { file: path.join(outDir, 'radiomics-worker.cjs'), execArgv: [] });
    try {
      const [image, mask] = [readImage(path.join(dir, 'image.nii.gz')), readImage(path.join(dir, 'mask.nii.gz'))];
      const params = path.join(dir, 'filters.yaml');
      expect(await extractOnWorkers(image, mask, params, { pool })).toEqual(extractSync(image, mask, params));
    } finally {
      await pool.close();
    }
  });
});

describe('the built training worker', () => {
  it('trains on its thread the candidate trainCandidate trains', async () => {
    const labels = Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const dataset: TrainingDataset = {
      studyId: 'S',
      paramHash: 'h',
      timepoints: ['baseline', 'preop'],
      predictAt: 'preop',
      patients: labels.map((_, i) => `P${i}`),
      labels,
      features: ['baseline:T1CE:a', 'delta:preop:T1CE:b'],
      rows: labels.map((y, i) => [Math.sin(i), y + Math.cos(3 * i)]),
      excluded: [],
      incompleteFeatures: [],
      fingerprint: 'b'.repeat(64),
    };
    const options = { outerFolds: 3, innerFolds: 3, repeats: 1, bootstrapReplicates: 200, seed: 1 };
    const built = await trainCandidateOffThread({ dataset, kind: 'delta', allowed: undefined, options }, undefined, {
      file: path.join(outDir, 'training-worker.cjs'),
      execArgv: [],
    });
    const here = trainCandidate(dataset, 'delta', undefined, options);
    expect(built.outOfFold).toEqual(here.outOfFold);
    expect(built.metrics).toEqual(here.metrics);
  });
});
