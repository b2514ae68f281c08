// `osteoflow mask convert`: an RT Structure Set or a DICOM Segmentation → a NIfTI mask on the grid of its DICOM image
// series, or a mask (NIfTI, NRRD, RTSTRUCT, SEG) → a binary DICOM SEG of that series.
// Exit codes: 0 success, 1 bad input (the message names the file and field; nothing is written), 2 bad arguments.
import { renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isHelp, parseFlags, UsageError, type FlagSpec, type ParsedFlags } from './args';
import { parseArguments, type Command } from './command';
import { isDicomFile, readDicomMask, readReferenceSeries, writeSeg, type ReferenceSeries } from '../imaging/contours';
import { readImage, writeNifti } from '../imaging/io';
import { ENGINE_VERSION, RadiomicsInputError, type Volume } from '../radiomics';

const USAGE = `usage: osteoflow mask convert --from RS.dcm|SEG.dcm --image SERIES_DIR [--roi NAME] [--threshold F] --out MASK.nii.gz
       osteoflow mask convert --from MASK.nii.gz|MASK.nrrd|RS.dcm|SEG.dcm --image SERIES_DIR [--roi NAME] [--label N] --out SEG.dcm

  --from FILE      an RT Structure Set (RTSTRUCT) or DICOM Segmentation (SEG); to write a SEG, also a NIfTI or NRRD mask
  --image DIR      the DICOM series folder the contours or segments were drawn on; the mask comes out on its grid
                   (a folder of several series: the one the RTSTRUCT or SEG names)
  --roi NAME       the ROI (RTSTRUCT) or segment label (SEG) to convert, needed when the file holds several;
                   from a NIfTI or NRRD mask, the label of the SEG's segment (default ROI)
  --threshold F    fractional SEG: voxels whose fraction is at least F are inside (default 0.5)
  --label N        from a NIfTI or NRRD mask: the label to write (default every non-zero voxel)
  --out FILE       .nii or .nii.gz: a uint8 mask, 1 inside; .dcm: a binary SEG with one segment and new UIDs
  -h, --help       this text

Contours are filled at voxel centres by the even-odd rule over all contours of a slice (holes and several contours
per slice work). Contours partly outside the image are clipped to it with a warning on stderr; an ROI entirely
outside the image, another frame of reference or another series than the image's is an error.
Prints one line: what was converted and how many voxels are inside.`;

const FLAGS = {
  from: { kind: 'string', required: true },
  image: { kind: 'string', required: 'the DICOM series folder' },
  roi: { kind: 'string' },
  threshold: { kind: 'number', min: 0.001, max: 1 },
  label: { kind: 'positive-int' },
  out: { kind: 'string', required: true },
} as const satisfies FlagSpec;

export type MaskConvertArgs = ParsedFlags<typeof FLAGS>;

const NIFTI = /\.nii(\.gz)?$/i;
const SEG = /\.dcm$/i;

export function parseMaskConvertArgs(argv: readonly string[]): MaskConvertArgs {
  const args = parseFlags(argv, FLAGS);
  if (args.help) return args;
  if (!NIFTI.test(args.out!) && !SEG.test(args.out!)) throw new UsageError(`--out must end in .nii, .nii.gz (a mask) or .dcm (a SEG), got '${args.out}'`);
  if (NIFTI.test(args.out!) && args.label !== undefined) throw new UsageError('--label applies to writing a SEG from a NIfTI or NRRD mask (--out ….dcm)');
  return args;
}

/** Writes through a partial file renamed into place, so that a failed write leaves nothing at `file`. */
function writeWhole(file: string, write: (partial: string) => void): void {
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial${NIFTI.test(file) ? path.extname(file) : ''}`);
  try {
    write(partial);
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    if (err instanceof RadiomicsInputError) throw err;
    throw new RadiomicsInputError(`cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      file,
      field: 'path',
      expected: 'a writable file in an existing folder',
    });
  }
}

async function convert(args: MaskConvertArgs): Promise<number> {
  const from = args.from!;
  const out = args.out!;
  const toSeg = SEG.test(out);
  let mask: Volume;
  let series: ReferenceSeries;
  let what: string;
  let segmentLabel = args.roi ?? 'ROI';
  if (!toSeg || isDicomFile(from)) {
    const read = readDicomMask(from, args.image!, { roi: args.roi, threshold: args.threshold });
    for (const w of read.warnings) console.error(`osteoflow mask convert: warning: ${w}`);
    mask = read.mask;
    series = read.series;
    segmentLabel = read.name || segmentLabel;
    what = `${read.kind === 'RTSTRUCT' ? 'ROI' : 'segment'} '${read.name}' (${read.kind})`;
  } else {
    mask = readImage(from, { mask: true });
    series = readReferenceSeries(args.image!);
    what = `mask ${path.basename(from)}${args.label !== undefined ? ` label ${args.label}` : ''}`;
  }
  let inside = 0;
  for (let i = 0; i < mask.data.length; i++) if (args.label === undefined ? mask.data[i] !== 0 : mask.data[i] === args.label) inside++;
  if (toSeg) {
    const options = { label: args.label, segmentLabel, softwareVersions: ENGINE_VERSION, seriesDescription: `Segmentation: ${segmentLabel}` };
    writeWhole(out, (partial) => writeSeg(partial, mask, series, options));
  } else {
    writeWhole(out, (partial) => writeNifti(partial, mask, { description: 'osteoflow mask convert' }));
  }
  console.log(`${what} on ${series.dir} (${series.volume.geometry.size.join('×')}): ${inside} voxels inside → ${out}`);
  return 0;
}

export const maskCommand: Command = {
  summary: 'RTSTRUCT or SEG → NIfTI mask on the DICOM series grid; mask → SEG',
  async run(argv: string[]): Promise<number> {
    const [action, ...rest] = argv;
    if (isHelp(action)) {
      console.log(USAGE);
      return 0;
    }
    if (action !== 'convert') {
      console.error(`osteoflow mask: ${action === undefined ? 'an action is required' : `unknown action '${action}'`} (expected convert)\n${USAGE}`);
      return 2;
    }
    const parsed = parseArguments('osteoflow mask convert', USAGE, () => parseMaskConvertArgs(rest));
    if (typeof parsed === 'number') return parsed;
    try {
      return await convert(parsed);
    } catch (err) {
      if (!(err instanceof RadiomicsInputError)) throw err;
      console.error(`osteoflow mask convert: ${err.message}`);
      return 1;
    }
  },
};
