// `osteoflow segment`: the tumour mask of one scan set through a segmentation model package, as a NIfTI file.
// Exit codes: 0 success, 1 bad input (the message names the file and field), 2 bad arguments (usage printed).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from './command';
import { parseFlags, UsageError, type FlagSpec } from './args';
import { readImage, writeNifti } from '../imaging/io';
import type { Volume } from '../imaging/image';
import {
  DEFAULT_MODEL_DIR,
  ModelSession,
  SegmentationInputError,
  countNonZero,
  dice,
  loadModelPackage,
  parseProviders,
  segmentVolumes,
  volumeMl,
  type ExecutionProvider,
  type ModelPackage,
} from '../models/segmentation';

const USAGE = `usage: osteoflow segment --image IMG [--image IMG2 …] --out MASK.nii.gz [--model DIR] [--reference MASK]
                        [--tta] [--providers cpu|webgpu,cpu|cuda,webgpu,cpu] [--batch N] [--overlap F] [--threads N] [--json]

  --image IMG       an image per model channel, in the sidecar's channel order, or MODALITY=IMG in any order
                    (NIfTI, NRRD or a DICOM folder); the mask comes out on the first channel's grid
  --model DIR       a model package folder (model.json + ONNX); default: the shipped ${path.basename(DEFAULT_MODEL_DIR)}
  --out FILE        the mask to write (.nii.gz), uint8, label values from the sidecar
  --reference MASK  a reference mask on the same grid: prints the Dice coefficient
  --tta             mirroring test-time augmentation (2^axes passes per window)
  --providers LIST  execution providers in order of preference (default cpu); the CPU is always the last resort
  --batch N         windows per network run (default: the sidecar's)
  --overlap F       window overlap 0–0.9 (default: the sidecar's, 0.5 as nnU-Net)
  --threads N       CPU provider threads (default: one per core)
  --json            one JSON object instead of text
  -h, --help        this text`;

const FLAGS = {
  image: { kind: 'list', required: 'one per model channel' },
  model: { kind: 'string' },
  out: { kind: 'string', required: true },
  reference: { kind: 'string' },
  tta: { kind: 'boolean' },
  providers: { kind: 'string' },
  batch: { kind: 'int', min: 1, max: 256 },
  overlap: { kind: 'number', min: 0, max: 0.9 },
  threads: { kind: 'int', min: 1, max: 1024 },
  json: { kind: 'boolean' },
} as const satisfies FlagSpec;

export interface SegmentArgs {
  images: string[];
  model: string;
  out: string;
  reference?: string;
  tta: boolean;
  providers: ExecutionProvider[];
  batch?: number;
  overlap?: number;
  threads?: number;
  json: boolean;
  help?: boolean;
}

export function parseSegmentArgs(argv: readonly string[]): SegmentArgs {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help) return { help: true } as SegmentArgs;
  let providers: ExecutionProvider[] = ['cpu'];
  if (flags.providers !== undefined) {
    try {
      providers = parseProviders(flags.providers);
    } catch (err) {
      throw new UsageError(`--providers: ${(err as Error).message}`);
    }
  }
  return {
    images: flags.image!,
    model: flags.model ?? DEFAULT_MODEL_DIR,
    out: flags.out!,
    reference: flags.reference,
    tta: flags.tta === true,
    providers,
    batch: flags.batch,
    overlap: flags.overlap,
    threads: flags.threads,
    json: flags.json === true,
  };
}

/** The images in the sidecar's channel order: plain paths as given, MODALITY=PATH by modality. */
export function orderImages(specs: string[], pkg: ModelPackage): string[] {
  const channels = pkg.sidecar.input.channels.map((c) => c.modality);
  const named = specs.map((s) => /^([A-Z0-9]+)=(.+)$/.exec(s)).filter((m) => m && channels.includes(m[1]));
  if (named.length === 0) return specs;
  if (named.length !== specs.length) throw new SegmentationInputError('give every --image as MODALITY=PATH or none', { field: '--image' });
  const byModality = new Map(named.map((m) => [m![1], m![2]]));
  const missing = channels.filter((c) => !byModality.has(c));
  if (missing.length) {
    throw new SegmentationInputError(`the model needs ${channels.join(' + ')}; no image given for ${missing.join(', ')}`, {
      field: '--image',
      expected: channels.map((c) => `${c}=PATH`).join(' '),
    });
  }
  return channels.map((c) => byModality.get(c)!);
}

async function run(argv: string[]): Promise<number> {
  let args: SegmentArgs;
  try {
    args = parseSegmentArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`osteoflow segment: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  let session: ModelSession | undefined;
  try {
    const pkg = loadModelPackage(args.model);
    const volumes: Volume[] = orderImages(args.images, pkg).map((file) => readImage(file));
    const reference = args.reference !== undefined ? readImage(args.reference) : undefined;
    if (reference && reference.data.length !== volumes[0].data.length) {
      throw new SegmentationInputError(`reference mask has ${reference.geometry.size.join('×')} voxels, the image ${volumes[0].geometry.size.join('×')}`, {
        file: args.reference,
        expected: "a mask on the first image's grid",
      });
    }
    session = await ModelSession.open(pkg, { providers: args.providers, cpuThreads: args.threads });
    const result = await segmentVolumes(volumes, pkg, session, { tta: args.tta, batchSize: args.batch, overlap: args.overlap });
    if (existsSync(path.dirname(path.resolve(args.out))) === false) throw new SegmentationInputError('the output folder does not exist', { file: args.out });
    writeNifti(args.out, result.mask, { description: `osteoflow ${pkg.ref} automatic mask` });
    const diceValue = reference ? dice(result.mask.data, reference.data) : undefined;
    const summary = {
      mask: path.resolve(args.out),
      model: pkg.ref,
      provider: session.provider,
      ...(session.fallbackReason ? { fallback: session.fallbackReason } : {}),
      tumourVoxels: result.tumourVoxels,
      tumourMl: Number(result.tumourMl.toFixed(3)),
      ...(reference
        ? { referenceMl: Number(volumeMl(countNonZero(reference.data), reference.geometry.spacing).toFixed(3)), dice: Number(diceValue!.toFixed(4)) }
        : {}),
      windows: result.windows,
      passes: result.passes,
      modelGrid: result.modelGrid,
      ms: Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [k.replace(/Ms$/, ''), Math.round(v)])),
    };
    if (args.json) console.log(JSON.stringify(summary));
    else {
      console.log(`tumour volume: ${summary.tumourMl} ml (${summary.tumourVoxels} voxels) → ${summary.mask}`);
      if (diceValue !== undefined) console.log(`Dice vs ${args.reference}: ${diceValue.toFixed(4)} (reference ${summary.referenceMl} ml)`);
      console.log(
        `${pkg.ref} on ${session.provider}${session.fallbackReason ? ` (fallback: ${session.fallbackReason})` : ''}: ${result.windows} windows, ${result.passes} passes, ${Math.round(result.timings.totalMs)} ms`,
      );
    }
    return 0;
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (['SegmentationInputError', 'SegmentationModelError', 'RadiomicsInputError'].includes(name)) {
      console.error(`osteoflow segment: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  } finally {
    await session?.release();
  }
}

export const segmentCommand: Command = { summary: 'segment the tumour of a scan set with a model package (ONNX)', run };
