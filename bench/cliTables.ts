// The benchmark's whole-process tables: `osteoflow extract` (the built CLI, started as bin/osteoflow.js starts it, its
// allocator setting included) against the `pyradiomics` command line, each run as its own process, timed with its peak
// RSS by GNU time, repeated (median time, largest peak RSS, mean load), the two tools' runs interleaved so that both
// see the same machine. Parity (PyRadiomics' 3 % rule) is checked on the outputs of the same runs. `sts`: the sarcoma
// cases of ../shared/data/sts one by one, then a batch of six in one process per tool (each tool's own batch mode;
// PyRadiomics with its default of one job). `cli`: breast1 with default parameters and `osteoflow --help` (beside a
// bare `node -e 0` for the machine's own start-up time).
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, freshBundle } from '../ops/build.cjs';
import { parseCsv } from '../radiomics';
import { VENV } from './pyradiomicsVenv';
import { featuresOf, parity, summarize, timeProcess, type Parity, type ProcessRun, type Summary } from './wholeProcess';

const ROOT = path.resolve(__dirname, '..');
const DATA = path.resolve(ROOT, process.env.OSTEOFLOW_REFERENCE_DATA ?? path.join('..', 'shared', 'data'));
export const STS_PARAMS = path.join(__dirname, 'params', 'sts-full.yaml');
/** A private copy of the built CLI, so that an edit elsewhere in the tree during a run cannot send it to tsx. */
const SNAPSHOT = path.join(ROOT, '.osteoflow', 'bench-dist');
const BIN = path.join(ROOT, 'bin', 'osteoflow.js');
const MODALITIES = ['CT', 'MR_T1', 'PET'] as const;

export interface CliOptions {
  repeats: number;
  /** Repeats of the batch row (it takes several minutes per run under load); null: `repeats`. */
  batchRepeats: number | null;
  stsPatients: string[];
  batch: boolean;
}

interface Tool {
  name: string;
  run(args: string[], stdoutFile: string): ProcessRun;
}

/**
 * An executable beside the snapshot that starts the way bin/osteoflow.js does — its opening shell line, which sets the
 * allocator's environment and replaces itself with node, then the freshness check — and runs the snapshot's bundle.
 */
function snapshotLauncher(): string {
  const lines = readFileSync(BIN, 'utf8').split('\n');
  const prologue = lines[0] === '#!/bin/sh' ? lines.slice(0, 2) : ['#!/usr/bin/env node'];
  const launcher = path.join(SNAPSHOT, 'osteoflow-launcher.js');
  writeFileSync(
    launcher,
    [
      ...prologue,
      `require(${JSON.stringify(path.join(ROOT, 'ops', 'build.cjs'))}).freshBundle('osteoflow', { outDir: ${JSON.stringify(SNAPSHOT)} });`,
      `require(${JSON.stringify(path.join(SNAPSHOT, 'osteoflow.cjs'))}).main(process.argv.slice(2)).then((c) => { process.exitCode = c; });`,
      '',
    ].join('\n'),
  );
  chmodSync(launcher, 0o755);
  return launcher;
}

/** Builds the CLI's bundles into the snapshot folder (the install step's build, elsewhere) and returns its runner. */
async function osteoflowTool(log: (line: string) => void): Promise<Tool & { launcher: string }> {
  log(`building the CLI into ${path.relative(ROOT, SNAPSHOT)}/`);
  await build({ outDir: SNAPSHOT, web: false });
  const launcher = snapshotLauncher();
  return { name: 'osteoflow', launcher, run: (args, out) => timeProcess(launcher, args, { stdoutFile: out }) };
}

function pyradiomicsTool(): Tool {
  // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set on these machines for old OpenBLAS builds and slow a current numpy.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const cli = path.join(VENV, 'bin', 'pyradiomics');
  return { name: 'PyRadiomics', run: (args, out) => timeProcess(cli, args, { env, stdoutFile: out }) };
}

/** Rows of a JSON array / object / JSON-lines file, or of a CSV file, as key → value records. */
function readRows(file: string): Record<string, unknown>[] {
  const text = readFileSync(file, 'utf8').trim();
  if (text.startsWith('[')) return JSON.parse(text) as Record<string, unknown>[];
  if (text.startsWith('{')) {
    try {
      return [JSON.parse(text) as Record<string, unknown>];
    } catch {
      return text.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    }
  }
  const { header, rows } = parseCsv(text, file);
  return rows.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

/** Parity of every row pair (same order in both outputs), summed. */
function rowsParity(ours: string, theirs: string): Parity {
  const a = readRows(ours);
  const b = readRows(theirs);
  if (a.length !== b.length) return { compared: 0, outside: [`${a.length} rows vs ${b.length}`] };
  const each = b.map((row, i) => parity(featuresOf(a[i]), featuresOf(row)));
  return { compared: each.reduce((n, p) => n + p.compared, 0), outside: each.flatMap((p) => p.outside) };
}

interface Row {
  name: string;
  ours: Summary;
  theirs: Summary | null;
  parity: Parity | null;
  /** The goal for the speed-up (PyRadiomics' time / osteoflow's), e.g. 4 for ≥ 4×. */
  goal: number;
}

/** Runs one row: `repeats` interleaved runs of both tools, parity on the first pair of outputs. */
function measure(
  name: string,
  goal: number,
  tools: { ours: Tool; theirs: Tool | null },
  args: { ours: string[]; theirs: (out: string) => string[] },
  repeats: number,
  tmp: string,
  log: (line: string) => void,
): Row {
  const ours: ProcessRun[] = [];
  const theirs: ProcessRun[] = [];
  const slug = name.replace(/[^A-Za-z0-9]+/g, '-');
  const oursOut = path.join(tmp, `${slug}.osteoflow.out`);
  const theirsOut = path.join(tmp, `${slug}.pyradiomics.out`);
  let checked: Parity | null = null;
  for (let k = 0; k < repeats; k++) {
    log(`${name}: run ${k + 1} of ${repeats}`);
    ours.push(tools.ours.run(args.ours, oursOut));
    if (tools.theirs) {
      theirs.push(tools.theirs.run(args.theirs(theirsOut), path.join(tmp, `${slug}.pyradiomics.log`)));
      if (checked === null) {
        checked = rowsParity(oursOut, theirsOut);
        if (checked.outside.length > 0) log(`  ${checked.outside.length} feature(s) outside 3 %: ${checked.outside.slice(0, 5).join('; ')}`);
      }
    }
  }
  return { name, ours: summarize(ours), theirs: theirs.length > 0 ? summarize(theirs) : null, parity: checked, goal };
}

const seconds = (s: Summary) => (s.seconds < 1 ? `${(s.seconds * 1000).toFixed(0)} ms` : `${s.seconds.toFixed(2)} s`);
const mb = (s: Summary) => `${(s.maxRssKb / 1024).toFixed(0)} MB`;
const cpu = (s: Summary) => `CPU ${s.cpuSeconds.toFixed(2)} s`;

function table(title: string, rows: Row[], repeats: number | string): string {
  const lines = rows.map((r) => {
    const ratio = r.theirs ? r.theirs.seconds / r.ours.seconds : null;
    const load = r.theirs ? (r.ours.load + r.theirs.load) / 2 : r.ours.load;
    return [
      r.name,
      `${seconds(r.ours)} (${cpu(r.ours)}), ${mb(r.ours)}`,
      r.theirs ? `${seconds(r.theirs)} (${cpu(r.theirs)}), ${mb(r.theirs)}` : '–',
      ratio === null ? '–' : `${ratio.toFixed(2)}× ${ratio >= r.goal ? '≥' : '<'} ${r.goal}×`,
      r.theirs ? (r.ours.maxRssKb <= r.theirs.maxRssKb ? '≤' : '>') : '–',
      r.parity ? `${r.parity.compared - r.parity.outside.length}/${r.parity.compared} within 3 %` : '–',
      load.toFixed(1),
    ].join(' | ');
  });
  return [
    `${title}: median of ${repeats} whole-process run(s) per tool, interleaved; CPU = user + system of all threads, median; peak RSS the largest (GNU time)`,
    'case | osteoflow (time (CPU), peak RSS) | PyRadiomics 3.1 (time (CPU), peak RSS) | speed-up vs goal | RSS ≤ PyRadiomics | parity | load (1 min)',
    '---|---|---|---|---|---|---',
    ...lines,
    '',
    '',
  ].join('\n');
}

const EXTRACT_JSON = (image: string, mask: string, params?: string) => ['extract', '--image', image, '--mask', mask, ...(params ? ['--params', params] : [])];
const PYRADIOMICS_JSON = (image: string, mask: string, params?: string) => (out: string) => [
  image,
  mask,
  ...(params ? ['--param', params] : []),
  '--format',
  'json',
  '--out',
  out,
];

/** The sarcoma rows: each case alone, then the batch of six (the cases of the first patient, twice). */
export async function benchSts(options: CliOptions, python: string | null, tmp: string, log: (line: string) => void): Promise<string> {
  const ours = await osteoflowTool(log);
  const theirs = python ? pyradiomicsTool() : null;
  const cases = options.stsPatients.flatMap((patient) =>
    MODALITIES.map((m) => ({
      name: `${patient} ${m}`,
      image: path.join(DATA, 'sts', 'nifti', patient, `${m}_image.nii.gz`),
      mask: path.join(DATA, 'sts', 'nifti', patient, `${m}_mask.nii.gz`),
    })),
  );
  const rows = cases.map((c) =>
    measure(
      c.name,
      4,
      { ours, theirs },
      { ours: EXTRACT_JSON(c.image, c.mask, STS_PARAMS), theirs: PYRADIOMICS_JSON(c.image, c.mask, STS_PARAMS) },
      options.repeats,
      tmp,
      log,
    ),
  );
  if (options.batch) {
    const six = [...cases.slice(0, 3), ...cases.slice(0, 3)];
    const csv = path.join(tmp, 'sts-batch.csv');
    writeFileSync(csv, ['ID,Image,Mask', ...six.map((c, i) => `${c.name.replace(' ', '-')}-${i + 1},${c.image},${c.mask}`)].join('\n') + '\n');
    rows.push(
      measure(
        'batch of 6 (CT, MR, PET twice)',
        5,
        { ours, theirs },
        {
          ours: ['extract', '--batch', csv, '--params', STS_PARAMS, '--format', 'csv'],
          theirs: (out) => [csv, '--param', STS_PARAMS, '--format', 'csv', '--out', out],
        },
        options.batchRepeats ?? options.repeats,
        tmp,
        log,
      ),
    );
  }
  const batchNote = options.batch && options.batchRepeats !== null ? ` (the batch row: ${options.batchRepeats})` : '';
  return table(`${path.basename(STS_PARAMS)} (1 mm B-spline resampling, LoG σ 1/3/5 mm, wavelet; 1,130 features)`, rows, `${options.repeats}${batchNote}`);
}

/** breast1 with PyRadiomics' default parameters, and the CLI's start-up (`osteoflow --help` through bin/). */
export async function benchCli(options: CliOptions, python: string | null, tmp: string, log: (line: string) => void): Promise<string> {
  const ours = await osteoflowTool(log);
  const theirs = python ? pyradiomicsTool() : null;
  const image = path.join(DATA, 'pyradiomics', 'breast1_image.nrrd');
  const mask = path.join(DATA, 'pyradiomics', 'breast1_label.nrrd');
  const rows = [
    measure(
      'breast1, default parameters',
      1,
      { ours, theirs },
      { ours: EXTRACT_JSON(image, mask), theirs: PYRADIOMICS_JSON(image, mask) },
      options.repeats,
      tmp,
      log,
    ),
  ];
  // --help: through bin/osteoflow.js run as a program (which runs dist/ while it is fresh, the sources through tsx
  // otherwise), and through the snapshot's launcher (bin's shell line, the same freshness check, then the bundle), which
  // an edit elsewhere in the tree cannot turn into a run from source. A bare `node -e 0` shows the machine's own start-up.
  if (freshBundle('osteoflow') === null) {
    log('dist/ is stale: building it (the install step)');
    await build({ web: false });
  }
  const help = 10;
  const helpOut = { stdoutFile: path.join(tmp, 'help.out') };
  const node = (args: string[]) => timeProcess(process.execPath, args, helpOut);
  const viaBin: ProcessRun[] = [];
  const viaSnapshot: ProcessRun[] = [];
  const bare: ProcessRun[] = [];
  let staleRuns = 0;
  for (let k = 0; k < help; k++) {
    if (freshBundle('osteoflow') === null) staleRuns++;
    viaBin.push(timeProcess(BIN, ['--help'], helpOut));
    viaSnapshot.push(timeProcess(ours.launcher, ['--help'], helpOut));
    bare.push(node(['-e', '0']));
  }
  const h = summarize(viaSnapshot);
  const stale = staleRuns > 0 ? ` (dist/ was stale before ${staleRuns} of them — an edit elsewhere — so those ran from source)` : '';
  const helpLine =
    `osteoflow --help, built CLI: median ${seconds(h)} over ${help} runs, goal < 150 ms ${h.seconds < 0.15 ? 'met' : 'missed'}; ` +
    `through bin/osteoflow.js ${seconds(summarize(viaBin))}${stale}; bare \`node -e 0\` ${seconds(summarize(bare))}; load ${h.load.toFixed(1)}`;
  return [table('breast1, PyRadiomics defaults (original image, every class)', rows, options.repeats), helpLine, '', ''].join('\n');
}
