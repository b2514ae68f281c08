// `npm run bench:radiomics`: wall time and peak RSS of osteoflow's extractor against PyRadiomics 3.1 on brain1,
// brain2, breast1 and a synthetic 256×256×120 volume with a 60,000-voxel ROI, every 3D class, the same parameter
// file for both, in two tables: the original image (params/all-classes.yaml), and the original plus LoG at 1, 3 and
// 5 mm plus the 8 wavelet sub-bands (params/filters.yaml). Each case runs in a fresh child process per engine (peak
// RSS is that process's). A third table, voxel, times voxel-based extraction (feature maps, every class but shape,
// kernelRadius 1 unless --voxel-radius; PyRadiomics' execute(..., voxelBased=True)) on the voxel fixture crop and on
// brain1: one run per process for PyRadiomics (it takes about half a minute on brain1) and --runs for osteoflow,
// whose maps are compared with PyRadiomics' voxel by voxel.
// Two more tables time both tools as whole processes from the command line (bench/cliTables.ts): `sts`, the three
// sarcoma cases of ../shared/data/sts (CT, MR T1, PET) with 1 mm B-spline resampling, LoG and wavelet
// (params/sts-full.yaml), one by one and as a batch of six in one process per tool; and `cli`, breast1 with default
// parameters and `osteoflow --help`.
// Options: --runs N (extractions per process, default 10), --tables original,filters,voxel,sts,cli, --no-pyradiomics,
// --cases brain1,synthetic, --voxel-cases crop,brain1, --voxel-workers N (default: one per core), --voxel-radius R
// (kernelRadius, default 1), --repeats N (whole-process runs per row of the sts and cli tables, default 3; the median
// is reported), --batch-repeats N (the batch row's, default --repeats), --sts-patients STS_001,STS_002 (default
// STS_001), --no-batch (sts table without the batch row).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { readImage } from '../imaging/io';
import { ensurePyRadiomics } from './pyradiomicsVenv';
import { writeSyntheticCase } from './syntheticCase';
import { benchCli, benchSts, STS_PARAMS, type CliOptions } from './cliTables';

const ROOT = path.resolve(__dirname, '..');
const TABLES = {
  original: { params: path.join(__dirname, 'params', 'all-classes.yaml'), title: 'original image' },
  filters: { params: path.join(__dirname, 'params', 'filters.yaml'), title: 'original + LoG (σ = 1, 3, 5 mm) + wavelet (8 sub-bands)' },
  voxel: { params: '', title: 'voxel-based maps, maskedKernel, every class but shape' },
  sts: { params: STS_PARAMS, title: 'sarcoma cases, full filters, whole processes' },
  cli: { params: '', title: 'breast1 with default parameters and --help, whole processes' },
} as const;
type TableName = keyof typeof TABLES;
const REFERENCE = path.resolve(ROOT, process.env.OSTEOFLOW_REFERENCE_DATA ?? path.join('..', 'shared', 'data'), 'pyradiomics');
const MB = 1024 * 1024;

interface CaseRun {
  seconds: number[];
  maxRssKb: number;
  features: Record<string, number>;
  version: string;
}

interface Case {
  name: string;
  image: string;
  mask: string;
}

interface Options extends CliOptions {
  runs: number;
  pyradiomics: boolean;
  cases: string[] | null;
  tables: TableName[];
  voxelCases: string[];
  voxelWorkers: number | null;
  voxelRadius: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    runs: 10,
    pyradiomics: true,
    cases: null,
    tables: ['original', 'filters', 'voxel'],
    voxelCases: ['crop', 'brain1'],
    voxelWorkers: null,
    voxelRadius: 1,
    repeats: 3,
    batchRepeats: null,
    stsPatients: ['STS_001'],
    batch: true,
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') options.runs = Math.max(1, Number(argv[++i]));
    else if (argv[i] === '--no-pyradiomics') options.pyradiomics = false;
    else if (argv[i] === '--cases') options.cases = argv[++i].split(',');
    else if (argv[i] === '--tables') options.tables = argv[++i].split(',').filter((t): t is TableName => t in TABLES);
    else if (argv[i] === '--voxel-cases') options.voxelCases = argv[++i].split(',');
    else if (argv[i] === '--voxel-workers') options.voxelWorkers = Math.max(0, Number(argv[++i]));
    else if (argv[i] === '--voxel-radius') options.voxelRadius = Math.max(1, Math.floor(Number(argv[++i])));
    else if (argv[i] === '--repeats') options.repeats = Math.max(1, Math.floor(Number(argv[++i])));
    else if (argv[i] === '--sts-patients') options.stsPatients = argv[++i].split(',');
    else if (argv[i] === '--no-batch') options.batch = false;
    else if (argv[i] === '--batch-repeats') options.batchRepeats = Math.max(1, Math.floor(Number(argv[++i])));
    else
      throw new Error(
        `unknown option ${argv[i]} (expected --runs N, --tables original,filters,voxel,sts,cli, --no-pyradiomics, --cases a,b, --voxel-cases crop,brain1, --voxel-workers N, --voxel-radius R, --repeats N, --batch-repeats N, --sts-patients STS_001,…, --no-batch)`,
      );
  }
  return options;
}

function runChild(cmd: string, args: string[], env: NodeJS.ProcessEnv): CaseRun {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 * MB });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.slice(0, 2).join(' ')} failed:\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as CaseRun;
}

function runOsteoflow(c: Case, params: string, runs: number): CaseRun {
  const args = ['--require', require.resolve('tsx/cjs'), path.join(__dirname, 'osteoflowCase.ts'), c.image, c.mask, params, String(runs)];
  return runChild(process.execPath, args, process.env);
}

function runPyRadiomics(python: string, c: Case, params: string, runs: number): CaseRun {
  // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set on these machines for old OpenBLAS builds and slow a current numpy.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return runChild(python, [path.join(__dirname, 'pyradiomics', 'extract.py'), c.image, c.mask, params, String(runs)], env);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
/** Steady state: the runs after the first (the first also pays for JIT compilation / imports' lazy work). */
const later = (r: CaseRun) => (r.seconds.length > 1 ? r.seconds.slice(1) : r.seconds);
const warm = (r: CaseRun) => median(later(r));
/** Best run: on a shared machine the least disturbed one, for both engines alike. */
const best = (r: CaseRun) => Math.min(...r.seconds);
const ms = (s: number) => `${(s * 1000).toFixed(0)}`;
const times = (r: CaseRun) => `${ms(r.seconds[0])} / ${ms(warm(r))} / ${ms(best(r))} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;

/** Features outside PyRadiomics' 3 % rule (exact at 0), to show both engines computed the same thing. */
function disagreements(ours: Record<string, number>, theirs: Record<string, number>): string[] {
  const out: string[] = [];
  for (const [k, b] of Object.entries(theirs)) {
    const v = ours[k];
    const bad = v === undefined || (b === 0 ? v !== 0 : !(Math.abs(1 - v / b) < 0.03));
    if (bad && !(Number.isNaN(b) && Number.isNaN(v))) out.push(`${k}: ${v} vs ${b}`);
  }
  return out;
}

/** One table: every case through both engines with the table's parameter file. */
function benchTable(table: TableName, cases: Case[], runs: number, python: string | null, log: (line: string) => void): string {
  const { params, title } = TABLES[table];
  const rows: string[] = [];
  for (const c of cases) {
    const image = readImage(c.image);
    const imageBytes = image.data.byteLength;
    const budgetKb = (4 * imageBytes + 200 * MB) / 1024;
    log(`${table}, ${c.name}: osteoflow`);
    const ours = runOsteoflow(c, params, runs);
    let theirs: CaseRun | null = null;
    if (python) {
      log(`${table}, ${c.name}: PyRadiomics`);
      theirs = runPyRadiomics(python, c, params, runs);
      const diff = disagreements(ours.features, theirs.features);
      if (diff.length > 0) log(`  ${diff.length} feature(s) differ from PyRadiomics by ≥ 3 %: ${diff.slice(0, 5).join('; ')}`);
    }
    const featureCount = Object.keys(ours.features).length;
    rows.push(
      [
        c.name,
        image.geometry.size.join('×'),
        `${(imageBytes / MB).toFixed(1)} MB`,
        String(featureCount),
        times(ours),
        theirs ? times(theirs) : '–',
        theirs ? `${ratio(theirs.seconds[0], ours.seconds[0])} / ${ratio(warm(theirs), warm(ours))} / ${ratio(best(theirs), best(ours))}` : '–',
        `${(ours.maxRssKb / 1024).toFixed(0)} MB ${ours.maxRssKb <= budgetKb ? '≤' : '>'} ${(budgetKb / 1024).toFixed(0)} MB`,
        theirs ? `${(theirs.maxRssKb / 1024).toFixed(0)} MB` : '–',
      ].join(' | '),
    );
  }
  return [
    `${title}: osteoflow vs PyRadiomics ${python ? '3.1.0' : '(not run)'}; ${runs} extraction(s) per process; times: first run / median of the later runs / best run`,
    'case | size | image | features | osteoflow | PyRadiomics | speed-up | osteoflow peak RSS (budget 4×image+200 MB) | PyRadiomics peak RSS',
    '---|---|---|---|---|---|---|---|---',
    ...rows,
    '',
    '',
  ].join('\n');
}

// --- voxel-based table -------------------------------------------------------------------------------------------

const VOXEL_CLASSES = ['firstorder', 'glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm'];
const VOXEL_PARAMS = {
  setting: { binWidth: 25 },
  voxelSetting: { kernelRadius: 1 },
  imageType: { Original: {} },
  featureClass: Object.fromEntries(VOXEL_CLASSES.map((c) => [c, []])),
};

interface VoxelRun {
  seconds: number[];
  maxRssKb: number;
  /** Feature → values at the ROI voxels in numpy.where order (z, y, x: the engine's linear order). */
  values: Record<string, (number | null)[]>;
}

// PyRadiomics' voxel-based extraction in one child process; maps reduced to their ROI voxels for the comparison.
const PYRADIOMICS_VOXEL = `
import json, logging, resource, sys, time
import numpy, SimpleITK as sitk, radiomics
from radiomics import featureextractor
radiomics.setVerbosity(logging.CRITICAL)
image, mask, params, runs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
extractor = featureextractor.RadiomicsFeatureExtractor(params)
times = []
for _ in range(runs):
    start = time.perf_counter()
    result = extractor.execute(image, mask, voxelBased=True)
    times.append(time.perf_counter() - start)
maps = {k: v for k, v in result.items() if isinstance(v, sitk.Image)}
values = {}
for k, v in maps.items():
    a = sitk.GetArrayFromImage(v)
    lab = sitk.GetArrayFromImage(sitk.ReadImage(mask))
    origin = sitk.ReadImage(mask).TransformPhysicalPointToIndex(v.GetOrigin())
    size = v.GetSize()
    sub = lab[origin[2]:origin[2] + size[2], origin[1]:origin[1] + size[1], origin[0]:origin[0] + size[0]] == 1
    values[k] = [None if numpy.isnan(x) else float(x) for x in a[sub]]
print(json.dumps({"seconds": times, "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "values": values}))
`;

// osteoflow's voxel-based extraction on worker threads in one child process.
const OSTEOFLOW_VOXEL = `
const { extractVoxelBased } = require(${JSON.stringify(path.join(ROOT, 'radiomics', 'voxel', 'pool.ts'))});
(async () => {
  const [image, mask, params, runs, workers] = process.argv.slice(1);
  const seconds = [];
  let result;
  for (let i = 0; i < Number(runs); i++) {
    const start = process.hrtime.bigint();
    result = await extractVoxelBased(image, mask, JSON.parse(params), workers === '' ? {} : { workers: Number(workers) });
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const values = {};
  const roi = result.roi.data;
  for (const [k, map] of Object.entries(result.maps)) values[k] = Array.from(map.data.filter((_, i) => roi[i]), (v) => (Number.isNaN(v) ? null : v));
  process.stdout.write(JSON.stringify({ seconds, maxRssKb: process.resourceUsage().maxRSS, values }) + '\\n');
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exitCode = 1; });
`;

function runVoxelChild(cmd: string, args: string[], env: NodeJS.ProcessEnv): VoxelRun {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 512 * MB });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} voxel-based run failed:\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as VoxelRun;
}

/** Features whose map differs from PyRadiomics' at some ROI voxel by 3 % or more (exact at 0, NaN where NaN). */
function voxelDisagreements(ours: VoxelRun, theirs: VoxelRun): string[] {
  const out: string[] = [];
  for (const [k, refs] of Object.entries(theirs.values)) {
    const vs = ours.values[k];
    const bad =
      !vs ||
      refs.some((b, i) => {
        const v = vs[i];
        if (b === null || v === null) return b !== v;
        if (Math.abs(b) < 1e-12 && Math.abs(v) < 1e-12) return false;
        return b === 0 ? v !== 0 : !(Math.abs(1 - v / b) < 0.03);
      });
    if (bad) out.push(k);
  }
  return out;
}

function benchVoxel(options: Options, python: string | null, log: (line: string) => void): string {
  const fixtures = path.join(ROOT, 'tests', 'fixtures', 'voxel');
  const all: Case[] = [
    { name: 'crop', image: path.join(fixtures, 'brain1_crop_image.nrrd'), mask: path.join(fixtures, 'brain1_crop_label.nrrd') },
    { name: 'brain1', image: path.join(REFERENCE, 'brain1_image.nrrd'), mask: path.join(REFERENCE, 'brain1_label.nrrd') },
  ];
  const params = JSON.stringify({ ...VOXEL_PARAMS, voxelSetting: { kernelRadius: options.voxelRadius } });
  const workers = options.voxelWorkers === null ? '' : String(options.voxelWorkers);
  const rows: string[] = [];
  for (const c of all.filter((x) => options.voxelCases.includes(x.name))) {
    log(`voxel, ${c.name}: osteoflow`);
    const nodeArgs = ['--require', require.resolve('tsx/cjs'), '-e', OSTEOFLOW_VOXEL, c.image, c.mask, params, String(options.runs), workers];
    const ours = runVoxelChild(process.execPath, nodeArgs, process.env);
    let theirs: VoxelRun | null = null;
    if (python) {
      log(`voxel, ${c.name}: PyRadiomics (one run)`);
      const env = { ...process.env };
      delete env.OPENBLAS_CORETYPE;
      delete env.OPENBLAS_L2_SIZE;
      theirs = runVoxelChild(python, ['-c', PYRADIOMICS_VOXEL, c.image, c.mask, params, '1'], env);
      const diff = voxelDisagreements(ours, theirs);
      if (diff.length > 0) log(`  ${diff.length} map(s) differ from PyRadiomics by ≥ 3 % somewhere: ${diff.slice(0, 5).join(', ')}`);
      else log(`  all ${Object.keys(theirs.values).length} maps within 3 % of PyRadiomics at every ROI voxel`);
    }
    const voxels = Object.values(ours.values)[0]?.length ?? 0;
    const t = (r: VoxelRun) => `${r.seconds[0].toFixed(2)} / ${best(r as unknown as CaseRun).toFixed(2)} s`;
    rows.push(
      [
        c.name,
        String(voxels),
        String(Object.keys(ours.values).length),
        t(ours),
        theirs ? `${theirs.seconds[0].toFixed(2)} s` : '–',
        theirs ? `${ratio(theirs.seconds[0], ours.seconds[0])} / ${ratio(theirs.seconds[0], best(ours as unknown as CaseRun))}` : '–',
        `${(ours.maxRssKb / 1024).toFixed(0)} MB`,
        theirs ? `${(theirs.maxRssKb / 1024).toFixed(0)} MB` : '–',
      ].join(' | '),
    );
  }
  return [
    `${TABLES.voxel.title}, kernelRadius ${options.voxelRadius}: osteoflow (${workers === '' ? 'one worker thread per core' : `${workers} worker thread(s)`}) vs PyRadiomics ${python ? '3.1.0' : '(not run)'}; osteoflow times: first run / best of ${options.runs}`,
    'case | ROI voxels | maps | osteoflow | PyRadiomics | speed-up (first / best) | osteoflow peak RSS | PyRadiomics peak RSS',
    '---|---|---|---|---|---|---|---',
    ...rows,
    '',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let python: string | null = null;
  if (options.pyradiomics) {
    try {
      python = ensurePyRadiomics(log);
    } catch (err) {
      log(`PyRadiomics unavailable, timing osteoflow only: ${(err as Error).message}`);
    }
  }

  const tmp = mkdtempSync(path.join(tmpdir(), 'osteoflow-bench-'));
  try {
    const all: Case[] = ['brain1', 'brain2', 'breast1'].map((name) => ({
      name,
      image: path.join(REFERENCE, `${name}_image.nrrd`),
      mask: path.join(REFERENCE, `${name}_label.nrrd`),
    }));
    const wanted = (name: string) => !options.cases || options.cases.includes(name);
    if (wanted('synthetic') && options.tables.some((t) => t === 'original' || t === 'filters')) {
      log('writing the synthetic case');
      all.push({ name: 'synthetic', ...writeSyntheticCase(tmp) });
    }
    const cases = all.filter((c) => wanted(c.name));

    process.stdout.write(
      `machine: ${os.availableParallelism()} cores, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (1, 5, 15 min)\n\n`,
    );
    for (const table of options.tables) {
      if (table === 'voxel') process.stdout.write(benchVoxel(options, python, log));
      else if (table === 'sts') process.stdout.write(await benchSts(options, python, tmp, log));
      else if (table === 'cli') process.stdout.write(await benchCli(options, python, tmp, log));
      else process.stdout.write(benchTable(table, cases, options.runs, python, log));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
