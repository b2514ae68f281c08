// DICOM series reader: a folder of single-frame CT, MR or PET files → one LPS volume, rescaled
// (RescaleSlope/Intercept) and, for PET, converted to SUVbw.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Volume, VoxelArray } from '../image';
import { RadiomicsInputError } from '../errors';
import { readDicomSlice, type DicomSlice, type PixelLayout } from './dicomSlice';
import { stackSlices, type StackOptions } from './dicomStack';
import { suvBodyWeightFactors } from './suv';
import { allocateVoxels, decodeVoxels, type VoxelType } from './voxelTypes';

export interface DicomSeriesOptions extends StackOptions {
  /** Which series to read when the folder holds several. */
  seriesInstanceUid?: string;
  /** PET voxel values: 'suvbw' (default) or 'activity' (Bq/ml as stored, after rescale). */
  petUnits?: 'suvbw' | 'activity';
}

export interface DicomSeriesVolume extends Volume {
  modality: 'CT' | 'MR' | 'PT';
  seriesInstanceUid: string;
  /** What the voxel values measure: 'HU' (CT), 'SUVbw' or the PET Units tag (PT), '' for MR (arbitrary units). */
  units: string;
}

const MODALITIES = ['CT', 'MR', 'PT'] as const;

/** Lists the DICOM image files of a folder (not recursive; other files are ignored). */
function readSlices(dir: string): DicomSlice[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new RadiomicsInputError('not a folder', { file: dir, field: 'path', expected: 'a folder of DICOM files' });
  }
  const slices: DicomSlice[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const file = path.join(dir, name);
    if (!statSync(file).isFile()) continue;
    const slice = readDicomSlice(file);
    if (slice) slices.push(slice);
  }
  return slices;
}

function selectSeries(dir: string, slices: DicomSlice[], wanted: string | undefined): DicomSlice[] {
  const bySeries = new Map<string, DicomSlice[]>();
  for (const s of slices) bySeries.set(s.seriesInstanceUid, [...(bySeries.get(s.seriesInstanceUid) ?? []), s]);
  const describe = () =>
    [...bySeries.entries()]
      .map(
        ([uid, list]) =>
          `${uid || '(no UID)'} (${list[0].modality}${list[0].seriesDescription ? ` '${list[0].seriesDescription}'` : ''}, ${list.length} files)`,
      )
      .join('; ');
  if (wanted !== undefined) {
    const chosen = bySeries.get(wanted);
    if (!chosen)
      throw new RadiomicsInputError(`series ${wanted} is not in the folder, which holds: ${describe()}`, {
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
function transferSlices(slices: DicomSlice[], factors: number[] | undefined, out?: VoxelArray): [number, number] {
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
  const all = readSlices(dir);
  if (all.length === 0)
    throw new RadiomicsInputError('no DICOM image files in the folder', {
      file: dir,
      field: 'files',
      expected: "DICOM Part-10 image files (with the 'DICM' preamble)",
    });
  const series = selectSeries(dir, all, options.seriesInstanceUid);
  const modality = series[0].modality;
  if (!(MODALITIES as readonly string[]).includes(modality)) {
    throw new RadiomicsInputError(`modality '${modality}' is not supported`, {
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
