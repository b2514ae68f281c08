// Stores a registered mask in the study's store. A NIfTI or NRRD mask is stored as it is (storeScan). An RTSTRUCT or
// DICOM SEG is converted to a voxel mask on the grid of the image series it is for (imaging/contours: the named ROI or
// segment, its frame of reference and series checked against that series), and both the registered file and its voxel
// mask are stored. A file that cannot be made into a mask on its image is unusable, with the reason: then nothing
// reaches the store (both are made in a hidden folder first, and moved in only together).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { isDicomFile, readDicomMask } from '../imaging/contours';
import { RadiomicsInputError } from '../imaging/errors';
import { writeNifti } from '../imaging/io';
import type { MaskSource } from '../contracts/pipeline';
import { makeStoreDir, storeScan, type StoredCopy, type StoreScanOptions } from './scanStore';

export interface ContourImage {
  modality: string;
  /** The image's stored copy: a DICOM series folder for an RTSTRUCT or SEG mask. */
  path: string;
}

export interface StoreMaskOptions extends StoreScanOptions {
  /** The image modality the mask is for; absent for the shared mask. */
  for?: string;
  /** The ROI name (RTSTRUCT) or segment label (SEG). */
  roi?: string;
  /** The image the mask is for, as acquired in the same timepoint (needed for an RTSTRUCT or SEG). */
  image?: ContourImage;
  /** Voxel limit for reading the image series. */
  maxVoxels?: number;
}

export type StoredMask = (StoredCopy & { maskSource: MaskSource }) | { unusable: string; maskSource?: MaskSource };

/** The name a mask is stored under: `mask-<sha12>…` for the shared one, `mask-T1-<sha12>…` for T1's. */
const baseNameOf = (forModality: string | undefined) => (forModality ? `mask-${forModality}` : 'mask');

function fileKind(file: string): 'NIfTI' | 'NRRD' {
  return /\.(nrrd|nhdr)$/i.test(file) ? 'NRRD' : 'NIfTI';
}

/** Moves a finished copy from the hidden folder to its name in `dir` (an existing copy of the same content is kept). */
function moveInto(file: string, dir: string): string {
  const target = path.join(dir, path.basename(file));
  if (existsSync(target)) rmSync(file, { recursive: true, force: true });
  else renameSync(file, target);
  return target;
}

function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** An error message with the hidden folder's copy named as the coordinator registered it. */
function asRegistered(message: string, stored: string, source: string): string {
  return message.split(stored).join(source);
}

/**
 * Stores the mask registered as `source` under `dir`. Throws what storeScan throws (a source that does not answer, a
 * refused source, a full store); returns `{ unusable }` when the file is an RTSTRUCT or SEG that gives no mask on its
 * image, with the reason naming the file and the field.
 */
export async function storeMask(source: string, dir: string, options: StoreMaskOptions = {}): Promise<StoredMask> {
  const { for: forModality, roi, image, maxVoxels, ...copyOptions } = options;
  makeStoreDir(dir);
  const staging = path.join(dir, `.mask-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.staging`);
  try {
    const copy = await storeScan(source, staging, baseNameOf(forModality), copyOptions);
    if (!isDicomFile(copy.path)) {
      if (roi !== undefined) {
        return {
          unusable: `${source}: --roi '${roi}' names an ROI, but the file is not an RTSTRUCT or SEG (a ${fileKind(copy.path)} mask has none)`,
          maskSource: { kind: fileKind(copy.path) },
        };
      }
      return { path: moveInto(copy.path, dir), sha256: copy.sha256, maskSource: { kind: fileKind(copy.path) } };
    }
    return convert(copy, source, dir, staging, { forModality, roi, image, maxVoxels });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function convert(
  copy: StoredCopy,
  source: string,
  dir: string,
  staging: string,
  { forModality, roi, image, maxVoxels }: { forModality?: string; roi?: string; image?: ContourImage; maxVoxels?: number },
): StoredMask {
  if (!forModality || !image) {
    return {
      unusable: forModality
        ? `${source}: an RTSTRUCT or SEG mask is drawn on a DICOM series, and this timepoint has no ${forModality} image`
        : `${source}: an RTSTRUCT or SEG mask is drawn on one image series; register it for that image's modality (--for)`,
    };
  }
  if (!statSync(image.path).isDirectory()) {
    return {
      unusable: `${source}: an RTSTRUCT or SEG mask is converted on its image series, and the ${forModality} image of this timepoint is a file (${path.basename(image.path)}), not a DICOM series`,
    };
  }
  let made;
  try {
    made = readDicomMask(copy.path, image.path, { roi, maxVoxels });
  } catch (err) {
    if (!(err instanceof RadiomicsInputError)) throw err;
    return { unusable: asRegistered(err.message, copy.path, source) };
  }
  const maskSource: MaskSource = {
    kind: made.kind,
    roi: made.name,
    seriesInstanceUid: made.series.volume.seriesInstanceUid,
    fileSha256: copy.sha256,
    ...(made.warnings.length ? { warnings: made.warnings.map((w) => asRegistered(w, copy.path, source)) } : {}),
  };
  // NIfTI-2 keeps the series' geometry in double precision, so the mask lies on the image's grid exactly.
  const written = path.join(staging, 'converted.nii.gz');
  writeNifti(written, made.mask, { version: 2, description: `${made.kind} ${made.name}`.slice(0, 79) });
  const sha256 = sha256Of(written);
  const named = path.join(staging, `${baseNameOf(forModality)}-${made.kind.toLowerCase()}-${sha256.slice(0, 12)}.nii.gz`);
  renameSync(written, named);
  // The registered file first: a mask in the store always has its source beside it.
  const file = moveInto(copy.path, dir);
  return { path: moveInto(named, dir), sha256, maskSource: { ...maskSource, file } };
}
