// `npm run bench:segmentation`: CPU inference time and peak RSS of the shipped segmentation model on a 128×128×64 and
// a 256×256×120 synthetic volume (T1CE + T2 at the model's spacing). Each volume runs in a fresh child process per
// setting (peak RSS is that process's): session open once, then RUNS whole segmentations (read, preprocess, sliding
// window, post-process). Options: --runs N (default 3), --providers LIST (default cpu), --tta, --threads N,
// --batch N, --sizes 128x128x64,256x256x120, --model DIR. The GPU host's version: bench/gpu/.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_MODEL_DIR } from '../models/segmentation';
import type { Vec3 } from '../imaging/image';
import { BENCH_SIZES, writeBenchVolume } from './segmentationVolumes';

interface Options {
  runs: number;
  providers: string;
  tta: boolean;
  threads: number;
  batch: number;
  sizes: Vec3[];
  model: string;
}

interface CaseResult {
  model: string;
  provider: string;
  fallback: string | null;
  openMs: number;
  runs: Array<{ totalMs: number; inferenceMs: number; readMs: number }>;
  windows: number;
  passes: number;
  modelGrid: Vec3;
  tumourMl: number;
  dice: number;
  maxRssKb: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { runs: 3, providers: 'cpu', tta: false, threads: 0, batch: 0, sizes: BENCH_SIZES, model: DEFAULT_MODEL_DIR };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--runs') options.runs = Math.max(1, Number(argv[++i]));
    else if (arg === '--providers') options.providers = argv[++i];
    else if (arg === '--tta') options.tta = true;
    else if (arg === '--threads') options.threads = Number(argv[++i]);
    else if (arg === '--batch') options.batch = Number(argv[++i]);
    else if (arg === '--model') options.model = path.resolve(argv[++i]);
    else if (arg === '--sizes') options.sizes = argv[++i].split(',').map((s) => s.split('x').map(Number) as Vec3);
    else throw new Error(`unknown option ${arg} (expected --runs N, --providers LIST, --tta, --threads N, --batch N, --sizes AxBxC,…, --model DIR)`);
  }
  return options;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const tmp = mkdtempSync(path.join(tmpdir(), 'osteoflow-segbench-'));
  const rows: string[] = [];
  try {
    for (const size of options.sizes) {
      log(`${size.join('×')}: writing the volume`);
      const volume = writeBenchVolume(tmp, size);
      log(`${size.join('×')}: ${options.runs} run(s) on ${options.providers}${options.tta ? ' with mirroring' : ''}`);
      const args = ['--require', require.resolve('tsx/cjs'), path.join(__dirname, 'segmentationCase.ts'), options.model, volume.t1ce, volume.t2, volume.truth];
      args.push(String(options.runs), options.providers, options.tta ? '1' : '0', String(options.threads), String(options.batch));
      const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      if (child.status !== 0) throw new Error(`segmentation case ${size.join('×')} failed:\n${child.stderr.slice(-3000)}`);
      const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as CaseResult;
      if (r.fallback) log(`  fallback: ${r.fallback}`);
      const totals = r.runs.map((x) => x.totalMs);
      const inference = r.runs.map((x) => x.inferenceMs);
      rows.push(
        [
          size.join('×'),
          r.provider,
          `${r.windows} / ${r.passes}`,
          seconds(r.openMs),
          `${seconds(totals[0])} / ${seconds(median(totals))} / ${seconds(Math.min(...totals))}`,
          seconds(median(inference)),
          `${(median(inference) / r.passes) | 0} ms`,
          `${(r.maxRssKb / 1024).toFixed(0)} MB`,
          r.dice.toFixed(3),
        ].join(' | '),
      );
    }
    const threads = options.threads > 0 ? options.threads : cpus().length;
    process.stdout.write(
      [
        `${path.basename(options.model)}; ${options.runs} run(s) per process; ${threads} CPU thread(s)${options.tta ? '; mirroring TTA' : ''}; times: first / median / best whole segmentation`,
        'volume | provider | windows / passes | session open | segmentation | of which network | per pass | peak RSS | Dice',
        '---|---|---|---|---|---|---|---|---',
        ...rows,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
