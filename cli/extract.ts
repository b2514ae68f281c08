// `osteoflow extract`: features of one image/mask pair as one JSON object (or a CSV row), or of every row of a
// batch CSV (`Image,Mask[,ID][,Label][,ROI]`, like the pyradiomics CLI) as CSV rows or JSON lines. A mask may be an
// RT Structure Set or a DICOM Segmentation on the DICOM series given as the image (imaging/contours). PNG and JPEG
// radiographs are read asynchronously with the pixel spacing from --spacing; a PNG mask takes the image's grid.
// Exit codes: 0 success, 1 bad input (the message names the file and field), 2 bad arguments (usage printed).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from './command';
import { parseFlags, UsageError, type FlagSpec, type ParsedFlags } from './args';
import {
  csvLine,
  extract,
  extractOnWorkers,
  parseCsv,
  poolPays,
  RadiomicsInputError,
  resolveParams,
  type ExtractionInput,
  type ExtractionParams,
  type ExtractionResult,
  type ExtractOptions,
  sharedExtractionPool,
} from '../radiomics';
import { isDicomFile, readDicomMask } from '../imaging/contours';
import { readImageAsync } from '../imaging/io';
import { isRasterFile, parseSpacing, type PixelSpacing2D } from '../imaging/raster';
import { extractVoxelBased, writeVoxelMaps } from '../radiomics';

const USAGE = `usage: osteoflow extract --image IMG --mask MASK [--roi NAME] [--params FILE.yaml] [--label N] [--format json|csv] [--spacing X,Y]
       osteoflow extract --batch CASES.csv [--params FILE.yaml] [--format csv|json] [--spacing X,Y]
       osteoflow extract --voxel-based --image IMG --mask MASK --out-dir DIR [--params FILE.yaml] [--label N] [--roi NAME] [--spacing X,Y]

  --image IMG     image: NRRD (.nrrd/.nhdr), NIfTI (.nii/.nii.gz), a DICOM series folder, a DICOM CR/DX radiograph
                  (.dcm, or a folder holding one), or a PNG/JPEG radiograph (needs --spacing)
  --mask MASK     label map on the image's grid (or any grid with setting correctMask: true), or an RTSTRUCT or
                  DICOM SEG file drawn on the DICOM series folder given as --image (its mask has label 1), or a
                  PNG of the radiograph's size (non-zero = label 1)
  --spacing X,Y   pixel spacing in mm of PNG/JPEG radiographs (X between columns, Y between rows; one number for
                  square pixels): those files carry none that can be trusted; other images keep their own
  --roi NAME      RTSTRUCT ROI name or SEG segment label, needed when the file holds several
  --params FILE   PyRadiomics parameter file (YAML); PyRadiomics' defaults without it
  --label N       label to extract (overrides setting.label)
  --format F      json (default for one case: one object; for a batch: one object per line) or csv
  --batch CSV     cases with columns Image, Mask and optionally ID, Label, ROI; paths relative to the CSV
  --voxel-based   feature maps instead of one value per feature (PyRadiomics voxelBased=True): every enabled class
                  but shape in a kernel around each ROI voxel, with the parameter file's voxelSetting (kernelRadius 1,
                  maskedKernel true, initValue 0, voxelBatch by default); on worker threads
  --out-dir DIR   with --voxel-based: one NIfTI map per feature (DIR/original_glcm_Contrast.nii.gz, …) on the ROI's
                  box padded by kernelRadius (PyRadiomics' cropped grid), DIR/roi.nii.gz and DIR/diagnostics.csv
  -h, --help      this text

Output: "<imageType>_<class>_<Feature>": value, plus "diagnostics_*" entries (engine version, parameter hash,
image and mask hashes, settings, image and mask facts). NaN features are written as null in JSON, nan in CSV.
Hashes are sha256: of the validated parameters (canonical JSON, defaults filled in), and of each volume's voxel
values and geometry, so the same image stored as NRRD or NIfTI hashes the same. A voxelSetting section is
used by --voxel-based only; segment-based extraction ignores it (diagnostics_Configuration_Ignored says so).`;

const FLAGS = {
  image: { kind: 'string' },
  mask: { kind: 'string' },
  params: { kind: 'string' },
  label: { kind: 'positive-int' },
  format: { kind: 'enum', values: ['json', 'csv'] },
  batch: { kind: 'string' },
  roi: { kind: 'string' },
  spacing: { kind: 'string' },
  'voxel-based': { kind: 'boolean' },
  'out-dir': { kind: 'string' },
} as const satisfies FlagSpec;

export type ExtractArgs = ParsedFlags<typeof FLAGS>;

export function parseExtractArgs(argv: readonly string[]): ExtractArgs {
  const args = parseFlags(argv, FLAGS);
  if (args.help) return args;
  if (args['voxel-based']) {
    if (args.batch !== undefined) throw new UsageError('--voxel-based takes one case: --image and --mask, not --batch');
    if (args['out-dir'] === undefined) throw new UsageError('--voxel-based needs --out-dir DIR for the feature maps');
    if (args.format !== undefined) throw new UsageError('--voxel-based writes NIfTI maps and diagnostics.csv; --format does not apply');
  } else if (args['out-dir'] !== undefined) {
    throw new UsageError('--out-dir is for --voxel-based maps');
  }
  if (args.batch !== undefined) {
    if (args.image !== undefined || args.mask !== undefined || args.label !== undefined) {
      throw new UsageError('--batch takes images, masks and labels from the CSV; do not combine it with --image, --mask or --label');
    }
    if (args.roi !== undefined) throw new UsageError("--batch takes ROIs from the CSV's ROI column; do not combine it with --roi");
  } else if (args.image === undefined || args.mask === undefined) {
    throw new UsageError('--image and --mask are required (or --batch)');
  }
  return args;
}

/** A feature row as flat key → value: features first, then diagnostics; NaN → null (JSON has no NaN). */
export function toJsonRow(result: ExtractionResult, leading: Record<string, string | number> = {}): Record<string, unknown> {
  const row: Record<string, unknown> = { ...leading };
  for (const [k, v] of Object.entries(result.diagnostics)) row[k] = v;
  for (const [k, v] of Object.entries(result.features)) row[k] = Number.isNaN(v) ? null : v;
  return row;
}

function csvValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isNaN(v) ? 'nan' : String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function toCsv(rows: Record<string, unknown>[]): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const k of Object.keys(row)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  return [csvLine(columns), ...rows.map((r) => csvLine(columns.map((c) => csvValue(r[c]))))].join('\n') + '\n';
}

interface BatchCase {
  id: string;
  image: string;
  mask: string;
  label?: number;
  roi?: string;
  /** The CSV's own columns, echoed first in the output row as the pyradiomics CLI does. */
  columns: Record<string, string>;
}

export function readBatch(file: string): BatchCase[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RadiomicsInputError(`cannot read batch file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      file,
      field: 'batch',
      expected: 'a readable CSV file',
    });
  }
  const { header, rows } = parseCsv(text, file);
  for (const required of ['Image', 'Mask']) {
    if (!header.includes(required)) {
      throw new RadiomicsInputError(`missing column ${required}`, { file, field: 'header', expected: 'columns Image, Mask (and optionally ID, Label)' });
    }
  }
  const dir = path.dirname(path.resolve(file));
  return rows.map((cells, k) => {
    const columns = Object.fromEntries(header.map((h, i) => [h, cells[i]]));
    const line = k + 2;
    for (const required of ['Image', 'Mask']) {
      if (!columns[required])
        throw new RadiomicsInputError(`empty ${required} (line ${line})`, { file, field: `${required} (line ${line})`, expected: 'a path' });
    }
    let label: number | undefined;
    if (columns.Label !== undefined && columns.Label !== '') {
      if (!/^[1-9]\d*$/.test(columns.Label)) {
        throw new RadiomicsInputError(`Label '${columns.Label}' (line ${line})`, { file, field: `Label (line ${line})`, expected: 'a positive integer' });
      }
      label = Number(columns.Label);
    }
    return {
      id: columns.ID || `case ${k + 1}`,
      image: path.resolve(dir, columns.Image),
      mask: path.resolve(dir, columns.Mask),
      label,
      roi: columns.ROI || undefined,
      columns,
    };
  });
}

/**
 * The image and mask of one case: paths for readImage, or, for an RTSTRUCT or SEG mask, the DICOM series and the
 * mask made on its grid (warnings about clipped contours go to stderr).
 */
export function caseInputs(image: string, mask: string, roi: string | undefined): { image: ExtractionInput; mask: ExtractionInput } {
  if (!isDicomFile(mask)) {
    if (roi !== undefined) {
      throw new RadiomicsInputError('an ROI was named but the mask is not a DICOM file', {
        file: mask,
        field: 'mask',
        expected: 'an RTSTRUCT or SEG file (the ROI name applies to those only)',
      });
    }
    return { image, mask };
  }
  const read = readDicomMask(mask, image, { roi });
  for (const w of read.warnings) process.stderr.write(`osteoflow extract: warning: ${w}\n`);
  return { image: read.series.volume, mask: read.mask };
}

/** Reads PNG/JPEG radiographs and PNG masks (asynchronous decoding); other inputs are left to the extractor. */
export async function withRadiographs(
  inputs: { image: ExtractionInput; mask: ExtractionInput },
  spacing: PixelSpacing2D | undefined,
): Promise<{ image: ExtractionInput; mask: ExtractionInput }> {
  let { image, mask } = inputs;
  const rasterMask = typeof mask === 'string' && isRasterFile(mask);
  if (typeof image === 'string' && (isRasterFile(image) || rasterMask)) image = await readImageAsync(image, { spacing });
  if (rasterMask && typeof image !== 'string') mask = await readImageAsync(mask as string, { mask: true, grid: image.geometry });
  return { image, mask };
}

function spacingOf(args: ExtractArgs): PixelSpacing2D | undefined {
  return args.spacing === undefined ? undefined : parseSpacing(args.spacing, { file: '--spacing', field: 'spacing' });
}

/**
 * One case's features: where filters make several derived images, those are computed in parallel on the extraction
 * pool's worker threads (one per core); a lone original image stays on this thread (a worker's start-up would cost
 * more than it saves). The features are the same either way.
 */
function extractCase(image: ExtractionInput, mask: ExtractionInput, params: ExtractionParams, options: ExtractOptions): Promise<ExtractionResult> {
  return poolPays(params) ? extractOnWorkers(image, mask, params, options) : extract(image, mask, params, options);
}

async function runSingle(args: ExtractArgs, params: ExtractionParams): Promise<number> {
  const inputs = await withRadiographs(caseInputs(args.image!, args.mask!, args.roi), spacingOf(args));
  const result = await extractCase(inputs.image, inputs.mask, params, { label: args.label });
  const row = toJsonRow(result);
  process.stdout.write(args.format === 'csv' ? toCsv([row]) : `${JSON.stringify(row, null, 2)}\n`);
  return 0;
}

async function runVoxelBased(args: ExtractArgs, params: ExtractionParams): Promise<number> {
  const inputs = await withRadiographs(caseInputs(args.image!, args.mask!, args.roi), spacingOf(args));
  const result = await extractVoxelBased(inputs.image, inputs.mask, params, { label: args.label });
  const files = writeVoxelMaps(result, args['out-dir']!);
  process.stdout.write(`${Object.keys(result.maps).length} feature maps, roi.nii.gz and diagnostics.csv → ${args['out-dir']} (${files.length} files)\n`);
  return 0;
}

async function runBatch(args: ExtractArgs, params: ExtractionParams): Promise<number> {
  const cases = readBatch(args.batch!);
  const spacing = spacingOf(args);
  const rows: Record<string, unknown>[] = [];
  let failed = 0;
  // With the pool, as many cases are in flight as it has workers, so that the last derived image of one case does not
  // leave the other cores idle; rows still come out in the CSV's order. Each outcome holds its error rather than
  // rejecting, so that a later case's failure waits for its turn.
  const inFlight = poolPays(params) ? sharedExtractionPool().size : 1;
  const start = (c: BatchCase): Promise<{ row: Record<string, unknown> } | { error: unknown }> =>
    Promise.resolve()
      .then(() => withRadiographs(caseInputs(c.image, c.mask, c.roi), spacing))
      .then((inputs) => extractCase(inputs.image, inputs.mask, params, { label: c.label }))
      .then(
        (result) => ({ row: toJsonRow(result, c.columns) }),
        (error: unknown) => ({ error }),
      );
  const outcomes: Promise<{ row: Record<string, unknown> } | { error: unknown }>[] = [];
  for (let k = 0; k < cases.length; k++) {
    for (let next = outcomes.length; next < Math.min(cases.length, k + inFlight); next++) outcomes.push(start(cases[next]));
    const outcome = await outcomes[k];
    if ('row' in outcome) {
      if (args.format === 'csv') rows.push(outcome.row);
      else process.stdout.write(`${JSON.stringify(outcome.row)}\n`);
      continue;
    }
    if (!(outcome.error instanceof RadiomicsInputError)) throw outcome.error;
    failed++;
    // Like the pyradiomics CLI: report the case and go on with the others.
    process.stderr.write(`osteoflow extract: ${cases[k].id}: ${outcome.error.message}\n`);
  }
  if (args.format === 'csv') process.stdout.write(toCsv(rows));
  if (failed > 0) process.stderr.write(`osteoflow extract: ${failed} of ${cases.length} case(s) failed\n`);
  return failed > 0 ? 1 : 0;
}

export const extractCommand: Command = {
  summary: 'radiomics features of an image and mask (PyRadiomics-compatible parameter files)',
  async run(argv: string[]): Promise<number> {
    let args: ExtractArgs;
    try {
      args = parseExtractArgs(argv);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`osteoflow extract: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (args.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    try {
      const params = resolveParams(args.params);
      if (args['voxel-based']) return await runVoxelBased(args, params);
      return args.batch !== undefined ? await runBatch(args, params) : await runSingle(args, params);
    } catch (err) {
      if (!(err instanceof RadiomicsInputError)) throw err;
      process.stderr.write(`osteoflow extract: ${err.message}\n`);
      return 1;
    }
  },
};
