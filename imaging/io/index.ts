// Image I/O entry point: one call reads a NRRD, NIfTI file or a DICOM series folder into an LPS Volume.
import { existsSync, statSync } from 'node:fs';
import type { Volume } from '../image';
import { RadiomicsInputError } from '../errors';
import { readNrrd } from './nrrd';
import { readNifti } from './nifti';
import { readDicomSeries, type DicomSeriesOptions } from './dicom';

export { readNrrd, parseNrrdHeader } from './nrrd';
export { readNifti, writeNifti, type NiftiWriteOptions } from './nifti';
export { readDicomSeries, type DicomSeriesOptions, type DicomSeriesVolume } from './dicom';

const READERS: { suffix: string; read: (file: string) => Volume }[] = [
  { suffix: '.nrrd', read: readNrrd },
  { suffix: '.nhdr', read: readNrrd },
  { suffix: '.nii', read: readNifti },
  { suffix: '.nii.gz', read: readNifti },
];

/**
 * Reads an image: `.nrrd`/`.nhdr` → NRRD, `.nii`/`.nii.gz` → NIfTI, a directory → DICOM series
 * (`dicom` options apply to folders only).
 */
export function readImage(file: string, options: { dicom?: DicomSeriesOptions } = {}): Volume {
  if (!existsSync(file)) throw new RadiomicsInputError('not found', { file, field: 'path', expected: 'an existing image file or DICOM folder' });
  const lower = file.toLowerCase();
  if (statSync(file).isDirectory()) return readDicomSeries(file, options.dicom);
  const reader = READERS.find((r) => lower.endsWith(r.suffix));
  if (reader) return reader.read(file);
  throw new RadiomicsInputError('unknown image format', {
    file,
    field: 'extension',
    expected: `${READERS.map((r) => r.suffix).join(', ')} or a DICOM folder`,
  });
}
