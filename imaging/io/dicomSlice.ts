// One DICOM Part-10 file → the attributes a volume needs (geometry, pixel layout, rescale, PET tags),
// parsed with dicom-parser. Pixel bytes stay in the file buffer until the volume is assembled.
import { readFileSync } from 'node:fs';
import { parseDicom, type DataSet } from 'dicom-parser';
import type { Vec3 } from '../image';
import { RadiomicsInputError } from '../errors';
import type { PetTags } from './suv';

export interface PixelLayout {
  bytes: Uint8Array;
  offset: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  littleEndian: boolean;
}

export interface DicomSlice {
  file: string;
  seriesInstanceUid: string;
  seriesDescription: string;
  modality: string;
  rows: number;
  columns: number;
  /** ImagePositionPatient: LPS position of the first transmitted pixel's centre. */
  position: Vec3 | undefined;
  /** ImageOrientationPatient: row direction (along a row, +column index) then column direction. */
  orientation: [Vec3, Vec3] | undefined;
  /** PixelSpacing: [row spacing (between rows, mm), column spacing (between columns, mm)]. */
  pixelSpacing: [number, number] | undefined;
  sliceThickness: number | undefined;
  spacingBetweenSlices: number | undefined;
  rescaleSlope: number;
  rescaleIntercept: number;
  pixels: PixelLayout;
  pet: PetTags;
}

const UNCOMPRESSED = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99']);
const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const DICOMDIR_CLASS = '1.2.840.10008.1.3.10';

/** True when the bytes carry the Part-10 preamble ("DICM" at byte 128). */
export function hasDicomPreamble(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

function numbers(ds: DataSet, tag: string, count: number): number[] | undefined {
  if (!ds.elements[tag]) return undefined;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = ds.floatString(tag, i);
    if (v === undefined || !Number.isFinite(v)) return undefined;
    out.push(v);
  }
  return out;
}

function positive(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
}

function petTags(ds: DataSet): PetTags {
  const item = ds.elements.x00540016?.items?.[0]?.dataSet;
  return {
    units: ds.string('x00541001'),
    decayCorrection: ds.string('x00541102'),
    patientWeightKg: ds.floatString('x00101030'),
    totalDoseBq: item?.floatString('x00181074'),
    halfLifeS: item?.floatString('x00181075'),
    startTime: item?.string('x00181072'),
    startDateTime: item?.string('x00181078'),
    seriesDate: ds.string('x00080021'),
    seriesTime: ds.string('x00080031'),
    acquisitionDate: ds.string('x00080022'),
    acquisitionTime: ds.string('x00080032'),
    acquisitionDateTime: ds.string('x0008002a'),
  };
}

/**
 * Parses one file. Returns undefined for files that are not DICOM images (no preamble, DICOMDIR, no Pixel Data,
 * e.g. RT structure sets); throws a RadiomicsInputError for DICOM images we cannot read.
 */
export function readDicomSlice(file: string): DicomSlice | undefined {
  const bytes = readFileSync(file);
  if (!hasDicomPreamble(bytes)) return undefined;
  let ds: DataSet;
  try {
    ds = parseDicom(bytes);
  } catch (err) {
    const failure = err as { exception?: string; message?: string; dataSet?: DataSet };
    const reason = typeof err === 'string' ? err : (failure.exception ?? failure.message);
    // dicom-parser hands back what it parsed: a Pixel Data element there means the file ends inside it.
    if (failure.dataSet?.elements?.x7fe00010) {
      throw new RadiomicsInputError(`file is truncated inside Pixel Data (${reason})`, {
        file,
        field: 'PixelData (7FE0,0010)',
        expected: 'the full Rows × Columns × BitsAllocated of pixel data',
      });
    }
    throw new RadiomicsInputError(`cannot parse DICOM (${reason})`, { file, field: 'dataset', expected: 'a complete DICOM Part-10 file' });
  }
  if (ds.string('x00020002') === DICOMDIR_CLASS) return undefined;
  const pixelElement = ds.elements.x7fe00010;
  if (!pixelElement) {
    if (ds.elements.x7fe00008 || ds.elements.x7fe00009) {
      throw new RadiomicsInputError('float pixel data is not supported', {
        file,
        field: 'FloatPixelData (7FE0,0008)',
        expected: 'integer Pixel Data (7FE0,0010)',
      });
    }
    return undefined;
  }
  const where = (field: string, expected: string) => ({ file, field, expected });
  const transferSyntax = ds.string('x00020010') ?? '1.2.840.10008.1.2';
  if (!UNCOMPRESSED.has(transferSyntax) || pixelElement.encapsulatedPixelData) {
    throw new RadiomicsInputError(
      `compressed transfer syntax ${transferSyntax} is not supported`,
      where('TransferSyntaxUID (0002,0010)', 'an uncompressed syntax: 1.2.840.10008.1.2, .1.2.1, .1.2.2 or deflated .1.2.1.99'),
    );
  }
  const frames = ds.intString('x00280008');
  if (frames !== undefined && frames > 1) {
    throw new RadiomicsInputError(
      `multi-frame image (${frames} frames) is not supported`,
      where('NumberOfFrames (0028,0008)', 'one frame per file (a classic single-frame series)'),
    );
  }
  const samples = ds.uint16('x00280002') ?? 1;
  if (samples !== 1) throw new RadiomicsInputError(`${samples} samples per pixel (colour)`, where('SamplesPerPixel (0028,0002)', '1 (grayscale)'));
  const photometric = ds.string('x00280004');
  if (photometric && photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') {
    throw new RadiomicsInputError(`'${photometric}'`, where('PhotometricInterpretation (0028,0004)', 'MONOCHROME1 or MONOCHROME2'));
  }
  const rows = ds.uint16('x00280010');
  const columns = ds.uint16('x00280011');
  if (!rows || !columns) throw new RadiomicsInputError('missing or zero', where('Rows/Columns (0028,0010/0011)', 'positive image dimensions'));
  const bitsAllocated = ds.uint16('x00280100') ?? 0;
  if (![8, 16, 32].includes(bitsAllocated)) throw new RadiomicsInputError(`${bitsAllocated}`, where('BitsAllocated (0028,0100)', '8, 16 or 32'));
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const highBit = ds.uint16('x00280102') ?? bitsStored - 1;
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit !== bitsStored - 1) {
    throw new RadiomicsInputError(
      `BitsStored ${bitsStored}, HighBit ${highBit}`,
      where('BitsStored/HighBit (0028,0101/0102)', `BitsStored ≤ ${bitsAllocated} and HighBit = BitsStored − 1`),
    );
  }
  const needed = rows * columns * (bitsAllocated / 8);
  if (pixelElement.length < needed || pixelElement.dataOffset + needed > bytes.length) {
    throw new RadiomicsInputError(
      `Pixel Data holds ${Math.min(pixelElement.length, bytes.length - pixelElement.dataOffset)} bytes, ${rows}×${columns}×${bitsAllocated} bits need ${needed}`,
      where('PixelData (7FE0,0010)', `${needed} bytes`),
    );
  }
  const slope = ds.floatString('x00281053');
  const intercept = ds.floatString('x00281052');
  const iop = numbers(ds, 'x00200037', 6);
  const spacing = numbers(ds, 'x00280030', 2);
  return {
    file,
    seriesInstanceUid: ds.string('x0020000e') ?? '',
    seriesDescription: ds.string('x0008103e') ?? '',
    modality: ds.string('x00080060') ?? '',
    rows,
    columns,
    position: numbers(ds, 'x00200032', 3) as Vec3 | undefined,
    orientation: iop ? [iop.slice(0, 3) as Vec3, iop.slice(3, 6) as Vec3] : undefined,
    pixelSpacing: spacing as [number, number] | undefined,
    sliceThickness: positive(ds.floatString('x00180050')),
    spacingBetweenSlices: positive(ds.floatString('x00180088')),
    rescaleSlope: slope !== undefined && Number.isFinite(slope) && slope !== 0 ? slope : 1,
    rescaleIntercept: intercept !== undefined && Number.isFinite(intercept) ? intercept : 0,
    pixels: {
      bytes: ds.byteArray as Uint8Array,
      offset: pixelElement.dataOffset,
      bitsAllocated,
      bitsStored,
      highBit,
      signed: ds.uint16('x00280103') === 1,
      littleEndian: transferSyntax !== BIG_ENDIAN,
    },
    pet: petTags(ds),
  };
}
