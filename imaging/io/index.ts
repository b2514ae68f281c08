// Image I/O entry point: one call reads a NRRD, NIfTI file or a DICOM series folder into an LPS Volume.
import { existsSync, statSync } from 'node:fs';
import type { Volume } from '../image';
import { RadiomicsInputError } from '../errors';
import { assertFiniteMask } from '../mask';
import { readNrrd } from './nrrd';
import { readNifti } from './nifti';
import { readDicomSeries, type DicomSeriesOptions } from './dicom';
import type { ReadLimits } from './limits';

export { readNrrd, parseNrrdHeader } from './nrrd';
export { readNifti, writeNifti, type NiftiWriteOptions } from './nifti';
export { readDicomSeries, type DicomSeriesOptions, type DicomSeriesVolume } from './dicom';
export { DEFAULT_MAX_VOXELS, MAX_NON_VOXEL_BYTES, type ReadLimits } from './limits';
export { assertFiniteMask } from '../mask';

export interface ReadImageOptions extends ReadLimits {
  /** Options for DICOM folders (their own maxVoxels, if given, wins over the one above). */
  dicom?: DicomSeriesOptions;
  /** The image is a mask (label map): NaN or infinite voxels are refused (assertFiniteMask). */
  mask?: boolean;
}

const READERS: { suffix: string; read: (file: string, limits: ReadLimits) => Volume }[] = [
  { suffix: '.nrrd', read: readNrrd },
  { suffix: '.nhdr', read: readNrrd },
  { suffix: '.nii', read: readNifti },
  { suffix: '.nii.gz', read: readNifti },
];

/**
 * Reads an image: `.nrrd`/`.nhdr` → NRRD, `.nii`/`.nii.gz` → NIfTI, a directory → DICOM series
 * (`dicom` options apply to folders only). `maxVoxels` bounds what a header may declare (DEFAULT_MAX_VOXELS).
 */
export function readImage(file: string, options: ReadImageOptions = {}): Volume {
  if (!existsSync(file)) throw new RadiomicsInputError('not found', { file, field: 'path', expected: 'an existing image file or DICOM folder' });
  const lower = file.toLowerCase();
  const reader = READERS.find((r) => lower.endsWith(r.suffix));
  const limits: ReadLimits = { maxVoxels: options.maxVoxels };
  let volume: Volume;
  if (statSync(file).isDirectory()) {
    // A folder named like an image file was meant as one, not as a DICOM series.
    if (reader) throw new RadiomicsInputError('a folder, not a regular file', { file, field: 'path', expected: `a ${reader.suffix} file` });
    volume = readDicomSeries(file, { ...limits, ...options.dicom });
  } else if (reader) {
    volume = reader.read(file, limits);
  } else {
    throw new RadiomicsInputError('unknown image format', {
      file,
      field: 'extension',
      expected: `${READERS.map((r) => r.suffix).join(', ')} or a DICOM folder`,
    });
  }
  if (options.mask) assertFiniteMask(volume, file);
  return volume;
}
