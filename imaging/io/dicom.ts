// DICOM series reader: a folder of single-frame CT, MR or PET files → one LPS volume, rescaled
// (RescaleSlope/Intercept) and, for PET, read as SUVbw: converted from Bq/ml (Units BQML), or as stored when the
// series is already in SUV (Units GML).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Volume, VoxelArray } from '../image';
import { RadiomicsInputError } from '../errors';
import { readDicomSlice, type DicomSlice, type PixelLayout } from './dicomSlice';
import { stackSlices, type StackOptions } from './dicomStack';
import { suvBodyWeightFactors } from './suv';
import { allocateVoxels, decodeVoxels, type VoxelType } from './voxelTypes';
import { maxVoxelsOf, token, type ReadLimits } from './limits';

export interface DicomSeriesOptions extends StackOptions, ReadLimits {
  /** Which series to read when the folder holds several. */
  seriesInstanceUid?: string;
  /** PET voxel values: 'suvbw' (default; from Units BQML or GML) or 'activity' (as stored, after rescale, in the series' Units). */
  petUnits?: 'suvbw' | 'activity';
}

export interface DicomSeriesVolume extends Volume {
  modality: 'CT' | 'MR' | 'PT';
  seriesInstanceUid: string;
  /** What the voxel values measure: 'HU' (CT), 'SUVbw' or the PET Units tag (PT), '' for MR (arbitrary units). */
  units: string;
}

const MODALITIES = ['CT', 'MR', 'PT'] as const;

/**
 * Lists the DICOM image files of a folder (not recursive; other files, folders, FIFOs and devices are ignored).
 * A series (the chosen one, or any when none is chosen) may hold at most maxVoxels voxels, counted as its files are
 * read; the pixels of series that will not be returned are not kept.
 */
/** The files of a series folder a reader looks at, in name order: regular files, not hidden ones, no dangling links. */
export function seriesFolderFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const file = path.join(dir, name);
    let stats;
    try {
      stats = statSync(file);
    } catch {
      continue; // a dangling link
    }
    if (stats.isFile()) files.push(file);
  }
  return files;
}

/** The image files of a folder as slices, within the voxel limit; pixels only of the chosen (or only) series are kept. */
export function readSlices(dir: string, options: DicomSeriesOptions): DicomSlice[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new RadiomicsInputError('not a folder', { file: dir, field: 'path', expected: 'a folder of DICOM files' });
  }
  const maxVoxels = maxVoxelsOf(options, dir);
  const wanted = options.seriesInstanceUid;
  const voxels = new Map<string, number>();
  const slices: DicomSlice[] = [];
  for (const file of seriesFolderFiles(dir)) {
    const slice = readDicomSlice(file, { maxVoxels });
    if (!slice) continue;
    const uid = slice.seriesInstanceUid;
    if (wanted === undefined || uid === wanted) {
      const count = (voxels.get(uid) ?? 0) + slice.rows * slice.columns;
      if (count > maxVoxels) {
        throw new RadiomicsInputError(`series ${token(uid) || '(no UID)'} holds more than ${maxVoxels} voxels (${slice.rows}×${slice.columns} per slice)`, {
          file: dir,
          field: 'Rows×Columns×slices',
          expected: `at most ${maxVoxels} voxels in one series (the reader's maxVoxels option)`,
        });
      }
      voxels.set(uid, count);
    }
    slices.push(slice);
    // Several series and none chosen ends in an error that lists them: their pixels are not needed.
    if (wanted === undefined ? voxels.size > 1 : uid !== wanted) slice.pixels.bytes = NO_PIXELS;
  }
  if (wanted === undefined && voxels.size > 1) for (const s of slices) s.pixels.bytes = NO_PIXELS;
  return slices;
}

const NO_PIXELS = new Uint8Array(0);
/** Series named in an error at most. */
const MAX_LISTED = 8;

export function selectSeries(dir: string, slices: DicomSlice[], wanted: string | undefined): DicomSlice[] {
  const bySeries = new Map<string, DicomSlice[]>();
  for (const s of slices) bySeries.set(s.seriesInstanceUid, [...(bySeries.get(s.seriesInstanceUid) ?? []), s]);
  const describe = () =>
    [...bySeries.entries()]
      .slice(0, MAX_LISTED)
      .map(
        ([uid, list]) =>
          `${token(uid, 64) || '(no UID)'} (${token(list[0].modality, 16)}${list[0].seriesDescription ? ` '${token(list[0].seriesDescription)}'` : ''}, ${list.length} files)`,
      )
      .join('; ') + (bySeries.size > MAX_LISTED ? `; and ${bySeries.size - MAX_LISTED} more` : '');
  if (wanted !== undefined) {
    const chosen = bySeries.get(wanted);
    if (!chosen)
      throw new RadiomicsInputError(`series ${token(wanted, 64)} is not in the folder, which holds: ${describe()}`, {
        file: dir,
        field: 'SeriesInstanceUID (0020,000E)',
        expected: 'one of the listed UIDs',
      });
    return chosen;
  }
  if (bySeries.size > 1) {
    throw new RadiomicsInputError(`the folder holds ${bySeries.size} series: ${describe()}`, {
      file: dir,
      field: 'SeriesInstanceUID (0020,000E)',
      expected: 'one series, or the seriesInstanceUid option naming one',
    });
  }
  return slices;
}

/** Stored pixel values of one slice as a typed array (unsigned when high bits must be masked or sign-extended). */
function storedPixels(p: PixelLayout, count: number): VoxelArray {
  const partial = p.bitsStored < p.bitsAllocated;
  const type = `${p.signed && !partial ? 'int' : 'uint'}${p.bitsAllocated}` as VoxelType;
  return decodeVoxels(p.bytes, p.offset, type, count, p.littleEndian, true);
}

/**
 * Writes `scale · (slope · stored + intercept)` of every slice into `out`, or, with `out` undefined, returns
 * the [min, max] of `slope · stored + intercept` (for choosing the output type).
 */
export function transferSlices(slices: DicomSlice[], factors: number[] | undefined, out?: VoxelArray): [number, number] {
  const count = slices[0].rows * slices[0].columns;
  let min = Infinity;
  let max = -Infinity;
  slices.forEach((s, z) => {
    const p = s.pixels;
    const stored = storedPixels(p, count);
    const shift = 32 - p.bitsStored;
    const mask = p.bitsStored >= 32 ? -1 : (1 << p.bitsStored) - 1;
    const partial = p.bitsStored < p.bitsAllocated;
    const slope = s.rescaleSlope * (factors ? factors[z] : 1);
    const intercept = s.rescaleIntercept * (factors ? factors[z] : 1);
    const base = z * count;
    if (out && !partial && slope === 1 && intercept === 0 && out.constructor === stored.constructor) {
      out.set(stored, base); // identity rescale into the stored type: a plain copy
      return;
    }
    for (let i = 0; i < count; i++) {
      let v = stored[i];
      // Bits above HighBit may hold overlays: drop them, and sign-extend from BitsStored when signed.
      if (partial) v = p.signed ? (v << shift) >> shift : v & mask;
      const x = slope * v + intercept;
      if (out) out[base + i] = x;
      else {
        if (x < min) min = x;
        if (x > max) max = x;
      }
    }
  });
  return [min, max];
}

/** The stored type when nothing is rescaled; else the smallest type holding every value exactly (integers), else Float32. */
function outputArray(slices: DicomSlice[], count: number, scaled: boolean): VoxelArray {
  const integral = !scaled && slices.every((s) => Number.isInteger(s.rescaleSlope) && Number.isInteger(s.rescaleIntercept));
  if (!integral) return new Float32Array(count);
  const p = slices[0].pixels;
  const identity = slices.every(
    (s) =>
      s.rescaleSlope === 1 &&
      s.rescaleIntercept === 0 &&
      s.pixels.bitsStored === s.pixels.bitsAllocated &&
      s.pixels.signed === p.signed &&
      s.pixels.bitsAllocated === p.bitsAllocated,
  );
  if (identity) return allocateVoxels(`${p.signed ? 'int' : 'uint'}${p.bitsAllocated}` as VoxelType, count);
  const [min, max] = transferSlices(slices, undefined);
  if (min >= -32768 && max <= 32767) return new Int16Array(count);
  if (min >= 0 && max <= 65535) return new Uint16Array(count);
  if (min >= -2147483648 && max <= 2147483647) return new Int32Array(count);
  return new Float64Array(count);
}

/** Reads the one (or the chosen) DICOM series of a folder. */
export function readDicomSeries(dir: string, options: DicomSeriesOptions = {}): DicomSeriesVolume {
  const all = readSlices(dir, options);
  if (all.length === 0)
    throw new RadiomicsInputError('no DICOM image files in the folder', {
      file: dir,
      field: 'files',
      expected: "DICOM Part-10 image files (with the 'DICM' preamble)",
    });
  const series = selectSeries(dir, all, options.seriesInstanceUid);
  const modality = series[0].modality;
  if (!(MODALITIES as readonly string[]).includes(modality)) {
    throw new RadiomicsInputError(`modality '${token(modality, 16)}' is not supported`, {
      file: series[0].file,
      field: 'Modality (0008,0060)',
      expected: MODALITIES.join(', '),
    });
  }
  const { slices, geometry } = stackSlices(series, options);
  const suv = modality === 'PT' && (options.petUnits ?? 'suvbw') === 'suvbw';
  const factors = suv
    ? suvBodyWeightFactors(
        slices.map((s) => s.pet),
        slices.map((s) => s.file),
      )
    : undefined;
  const data = outputArray(slices, geometry.size[0] * geometry.size[1] * geometry.size[2], suv);
  transferSlices(slices, factors, data);
  const units = modality === 'CT' ? 'HU' : modality === 'PT' ? (suv ? 'SUVbw' : (slices[0].pet.units ?? '')) : '';
  return { geometry, data, source: dir, modality: modality as DicomSeriesVolume['modality'], seriesInstanceUid: slices[0].seriesInstanceUid, units };
}
