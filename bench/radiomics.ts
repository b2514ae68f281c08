// `npm run bench:radiomics`: wall time and peak RSS of osteoflow's extractor against PyRadiomics 3.1 on brain1,
// brain2, breast1 and a synthetic 256×256×120 volume with a 60,000-voxel ROI, every 3D class, the same parameter
// file for both, in two tables: the original image (params/all-classes.yaml), and the original plus LoG at 1, 3 and
// 5 mm plus the 8 wavelet sub-bands (params/filters.yaml). Each case runs in a fresh child process per engine (peak
// RSS is that process's). Options: --runs N (extractions per process, default 10), --tables original,filters,
// --no-pyradiomics, --cases brain1,synthetic.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readImage } from '../imaging/io';
import { ensurePyRadiomics } from './pyradiomicsVenv';
import { writeSyntheticCase } from './syntheticCase';

const ROOT = path.resolve(__dirname, '..');
const TABLES = {
  original: { params: path.join(__dirname, 'params', 'all-classes.yaml'), title: 'original image' },
  filters: { params: path.join(__dirname, 'params', 'filters.yaml'), title: 'original + LoG (σ = 1, 3, 5 mm) + wavelet (8 sub-bands)' },
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

interface Options {
  runs: number;
  pyradiomics: boolean;
  cases: string[] | null;
  tables: TableName[];
}

function parseOptions(argv: string[]): Options {
  const options: Options = { runs: 10, pyradiomics: true, cases: null, tables: ['original', 'filters'] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') options.runs = Math.max(1, Number(argv[++i]));
    else if (argv[i] === '--no-pyradiomics') options.pyradiomics = false;
    else if (argv[i] === '--cases') options.cases = argv[++i].split(',');
    else if (argv[i] === '--tables') options.tables = argv[++i].split(',').filter((t): t is TableName => t in TABLES);
    else throw new Error(`unknown option ${argv[i]} (expected --runs N, --tables original,filters, --no-pyradiomics, --cases a,b)`);
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

function main(): void {
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
    log('writing the synthetic case');
    const synthetic = writeSyntheticCase(tmp);
    const all: Case[] = [
      ...['brain1', 'brain2', 'breast1'].map((name) => ({
        name,
        image: path.join(REFERENCE, `${name}_image.nrrd`),
        mask: path.join(REFERENCE, `${name}_label.nrrd`),
      })),
      { name: 'synthetic', ...synthetic },
    ];
    const cases = options.cases ? all.filter((c) => options.cases!.includes(c.name)) : all;

    for (const table of options.tables) process.stdout.write(benchTable(table, cases, options.runs, python, log));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
