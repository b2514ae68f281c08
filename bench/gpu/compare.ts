// The segmentation benchmark on a GPU host: the same volumes as `npm run bench:segmentation` (128×128×64 and
// 256×256×120 at the model's spacing), through the same sliding window, once on onnxruntime's CPU provider and once on
// its WebGPU provider (and CUDA when asked and installed). Prints per-volume times, the speed-up over the host's CPU,
// the largest difference between the providers' probabilities and how many mask voxels differ.
// Runs bundled (bench/gpu/pack.sh) on a host without Node or npm; see README.md beside it.
// With --save DIR it also writes, per volume, the prepared network input, the truth, each provider's mask (.npy) and
// its times (JSON), for torch_bench.py to run the Python worker's sliding window on the very same input.
//   node compare.js [--runs N] [--providers cpu,webgpu] [--sizes 128x128x64,256x256x120] [--tta] [--batch N] [--model DIR] [--save DIR]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { readImage } from '../../imaging/io';
import type { Vec3 } from '../../imaging/image';
import { BENCH_SIZES, writeBenchVolume } from '../segmentationVolumes';
import { loadModelPackage, ModelSession, parseProviders, dice, type ExecutionProvider } from '../../models/segmentation';
import { prepareInput } from '../../models/segmentation/inference/preprocess';
import { slidingWindow } from '../../models/segmentation/inference/slidingWindow';
import { argmaxLabels, filterComponents } from '../../models/segmentation/inference/postprocess';
import { npyBytes } from '../../models/segmentation/npy';

interface Options {
  runs: number;
  providers: ExecutionProvider[];
  sizes: Vec3[];
  tta: boolean;
  batch?: number;
  model: string;
  save?: string;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { runs: 3, providers: ['cpu', 'webgpu'], sizes: BENCH_SIZES, tta: false, model: process.env.OSTEOFLOW_BENCH_MODEL ?? '' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--runs') options.runs = Math.max(1, Number(argv[++i]));
    else if (arg === '--providers') options.providers = parseProviders(argv[++i]);
    else if (arg === '--sizes') options.sizes = argv[++i].split(',').map((s) => s.split('x').map(Number) as Vec3);
    else if (arg === '--tta') options.tta = true;
    else if (arg === '--batch') options.batch = Number(argv[++i]);
    else if (arg === '--model') options.model = argv[++i];
    else if (arg === '--save') options.save = path.resolve(argv[++i]);
    else throw new Error(`unknown option ${arg}`);
  }
  if (!options.model) throw new Error('--model DIR (a segmentation model package) is required');
  return options;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

interface ProviderRun {
  provider: ExecutionProvider;
  ran: ExecutionProvider;
  fallback?: string;
  openMs: number;
  ms: number[];
  probabilities: Float32Array;
  mask: Uint8Array;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const pkg = loadModelPackage(path.resolve(options.model));
  const { sidecar } = pkg;
  const tmp = mkdtempSync(path.join(tmpdir(), 'osteoflow-gpubench-'));
  const lines: string[] = [];
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    for (const size of options.sizes) {
      const volume = writeBenchVolume(tmp, size);
      const input = prepareInput([readImage(volume.t1ce), readImage(volume.t2)], sidecar);
      const truth = readImage(volume.truth);
      const voxels = input.geometry.size[0] * input.geometry.size[1] * input.geometry.size[2];
      const labels = sidecar.output.classes.map((c) => c.label);
      const runs: ProviderRun[] = [];
      let windows = 0;
      let passes = 0;
      for (const provider of options.providers) {
        const opened = performance.now();
        // Only the provider named (the CPU stays the fallback): `ran` shows whether it really served the model.
        const session = await ModelSession.open(pkg, { providers: [provider] });
        const openMs = performance.now() - opened;
        const ms: number[] = [];
        let probabilities: Float32Array = new Float32Array(0);
        for (let r = 0; r <= options.runs; r++) {
          const start = performance.now();
          const result = await slidingWindow(input.data, input.channels, input.geometry.size, session, {
            patch: sidecar.input.patchSize,
            classes: sidecar.output.classes.length,
            overlap: sidecar.inference.overlap,
            gaussianSigmaScale: sidecar.inference.gaussianSigmaScale,
            mirrorAxes: options.tta ? sidecar.inference.mirrorAxes : [],
            batchSize: options.batch ?? sidecar.inference.batchSize,
          });
          if (r > 0) ms.push(performance.now() - start); // run 0 warms the provider up (shader compilation, arenas)
          probabilities = result.probabilities;
          windows = result.windows;
          passes = result.passes;
        }
        const mask = argmaxLabels(probabilities, sidecar.output.classes.length, voxels, labels);
        filterComponents(mask, input.geometry.size, labels, { keep: 'largest' });
        runs.push({ provider, ran: session.provider, fallback: session.fallbackReason, openMs, ms, probabilities, mask });
        log(
          `${size.join('×')} ${provider}: ran on ${session.provider}${session.fallbackReason ? ` (${session.fallbackReason})` : ''}, median ${median(ms).toFixed(0)} ms`,
        );
        await session.release();
      }
      if (options.save) save(options.save, size, input, truth.data, runs, { windows, passes, tta: options.tta, runs: options.runs });
      const cpu = runs.find((r) => r.provider === 'cpu');
      for (const r of runs) {
        let maxDiff = 0;
        let maskDiff = 0;
        if (cpu && r !== cpu) {
          for (let i = 0; i < r.probabilities.length; i++) maxDiff = Math.max(maxDiff, Math.abs(r.probabilities[i] - cpu.probabilities[i]));
          for (let i = 0; i < r.mask.length; i++) if (r.mask[i] !== cpu.mask[i]) maskDiff++;
        }
        lines.push(
          [
            size.join('×'),
            `${r.provider}${r.ran !== r.provider ? ` → ${r.ran}` : ''}`,
            `${windows} / ${passes}`,
            `${r.openMs.toFixed(0)} ms`,
            `${median(r.ms).toFixed(0)} ms (best ${Math.min(...r.ms).toFixed(0)})`,
            cpu && r !== cpu ? `${(median(cpu.ms) / median(r.ms)).toFixed(1)}×` : '1.0×',
            cpu && r !== cpu ? maxDiff.toExponential(1) : '–',
            cpu && r !== cpu ? `${maskDiff}` : '–',
            dice(r.mask, truth.data.length === r.mask.length ? truth.data : r.mask).toFixed(3),
          ].join(' | '),
        );
        if (r.fallback) lines.push(`  (${r.provider}: ${r.fallback})`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  process.stdout.write(
    [
      `${pkg.ref}; sliding window only (input prepared once), median of ${options.runs} run(s) after a warm-up; ${cpus().length} CPU cores${options.tta ? '; mirroring TTA' : ''}`,
      'volume | provider | windows / passes | session open | time | vs CPU | max |Δp| vs CPU | mask voxels ≠ CPU | Dice',
      '---|---|---|---|---|---|---|---|---',
      ...lines,
      '',
    ].join('\n'),
  );
}

/** The volume's prepared input [C, z, y, x], truth and each provider's mask as .npy, times as JSON: torch_bench.py's input. */
function save(
  dir: string,
  size: Vec3,
  input: { data: Float32Array; channels: number; geometry: { size: Vec3 } },
  truth: ArrayLike<number>,
  runs: ProviderRun[],
  meta: Record<string, unknown>,
): void {
  mkdirSync(dir, { recursive: true });
  const name = size.join('x');
  const [nx, ny, nz] = input.geometry.size;
  writeFileSync(path.join(dir, `${name}_input.npy`), npyBytes(input.data, [input.channels, nz, ny, nx]));
  writeFileSync(path.join(dir, `${name}_truth.npy`), npyBytes(Uint8Array.from(truth), [nz, ny, nx]));
  for (const r of runs) writeFileSync(path.join(dir, `${name}_ts-${r.provider}_mask.npy`), npyBytes(r.mask, [nz, ny, nx]));
  const times = Object.fromEntries(runs.map((r) => [`ts-${r.provider}`, { ran: r.ran, medianMs: median(r.ms), ms: r.ms, fallback: r.fallback ?? null }]));
  writeFileSync(path.join(dir, `${name}_ts.json`), JSON.stringify({ size, ...meta, runtime: 'onnxruntime-node', providers: times }, null, 2));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
