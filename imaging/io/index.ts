// Image I/O entry point: one call reads a NRRD, NIfTI file or a DICOM series folder into an LPS Volume; a DICOM CR/DX
// file (or a folder holding just one) as a 2D radiograph; readImageAsync adds PNG and JPEG radiographs (sharp is async).
import { existsSync, statSync } from 'node:fs';
import type { Geometry, Volume } from '../image';
import { RadiomicsInputError } from '../errors';
import { assertFiniteMask } from '../mask';
import { readNrrd } from './nrrd';
import { readNifti } from './nifti';
import { readDicomSeries, type DicomSeriesOptions } from './dicom';
import type { ReadLimits } from './limits';
import { folderRadiograph, isRasterFile, readDicomRadiograph, readRaster, RASTER_SUFFIXES, type PixelSpacing2D } from '../raster';

export { readNrrd, parseNrrdHeader } from './nrrd';
export { readNifti, writeNifti, type NiftiWriteOptions } from './nifti';
export { readDicomSeries, type DicomSeriesOptions, type DicomSeriesVolume } from './dicom';
export { DEFAULT_MAX_VOXELS, MAX_NON_VOXEL_BYTES, type ReadLimits } from './limits';
export { assertFiniteMask } from '../mask';
export { readRaster, readDicomRadiograph, parseSpacing, type RadiographVolume, type PixelSpacing2D } from '../raster';

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
  { suffix: '.dcm', read: readDicomRadiograph },
];

/**
 * Reads an image: `.nrrd`/`.nhdr` → NRRD, `.nii`/`.nii.gz` → NIfTI, `.dcm` → one DICOM CR/DX radiograph, a directory
 * → DICOM series, or the radiograph when it holds a single CR/DX file (`dicom` options apply to series folders only).
 * `maxVoxels` bounds what a header may declare (DEFAULT_MAX_VOXELS). PNG and JPEG need readImageAsync.
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
    const radiograph = folderRadiograph(file);
    volume = radiograph ? readDicomRadiograph(radiograph, limits) : readDicomSeries(file, { ...limits, ...options.dicom });
  } else if (reader) {
    volume = reader.read(file, limits);
  } else if (isRasterFile(file)) {
    throw new RadiomicsInputError('PNG and JPEG are decoded asynchronously', {
      file,
      field: 'extension',
      expected: 'readImageAsync (with the pixel spacing) for a PNG or JPEG radiograph',
    });
  } else {
    throw new RadiomicsInputError('unknown image format', {
      file,
      field: 'extension',
      expected: `${[...READERS.map((r) => r.suffix), ...RASTER_SUFFIXES].join(', ')} or a DICOM folder`,
    });
  }
  if (options.mask) assertFiniteMask(volume, file);
  return volume;
}

export interface ReadImageAsyncOptions extends ReadImageOptions {
  /** Pixel spacing in mm, [x, y], for a PNG or JPEG radiograph (they carry none that can be trusted). */
  spacing?: PixelSpacing2D;
  /** For a PNG mask: the image's geometry (sizes must match; the spacing comes from it). */
  grid?: Geometry;
}

/**
 * readImage plus PNG and JPEG radiographs (decoded by sharp, asynchronously). A PNG mask (`mask: true`) has label 1
 * wherever the file is non-zero and takes its spacing from `grid` (the image) or `spacing`.
 */
export async function readImageAsync(file: string, options: ReadImageAsyncOptions = {}): Promise<Volume> {
  if (!isRasterFile(file) || (existsSync(file) && statSync(file).isDirectory())) return readImage(file, options);
  return readRaster(file, { maxVoxels: options.maxVoxels, spacing: options.spacing, mask: options.mask, grid: options.grid });
}
