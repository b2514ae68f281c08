// One DICOM Part-10 file → the attributes a volume needs (geometry, pixel layout, rescale, PET tags),
// parsed with dicom-parser. Pixel bytes stay in the file buffer until the volume is assembled.
import { parseDicom, readPart10Header, type DataSet } from 'dicom-parser';
import type { Vec3 } from '../image';
import { RadiomicsInputError } from '../errors';
import type { PetTags } from './suv';
import { frameTags, type FrameTags } from './dicomFrameTags';
import { inflate, inflatePrefix } from './compression';
import { checkVoxelCount, MAX_NON_VOXEL_BYTES, maxVoxelsOf, readRange, regularFileSize, token, type ReadLimits } from './limits';

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
  /** ImagePositionPatient: LPS position of the first transmitted pixel's centre (NaN where a value is unreadable). */
  position: Vec3 | undefined;
  /** ImageOrientationPatient: row direction (along a row, +column index) then column direction. */
  orientation: [Vec3, Vec3] | undefined;
  /** PixelSpacing: [row spacing (between rows, mm), column spacing (between columns, mm)], as written (checked when stacked). */
  pixelSpacing: [number, number] | undefined;
  /** SliceThickness and SpacingBetweenSlices as written (NaN when unreadable), undefined when absent or empty. */
  sliceThickness: number | undefined;
  spacingBetweenSlices: number | undefined;
  rescaleSlope: number;
  rescaleIntercept: number;
  pixels: PixelLayout;
  pet: PetTags;
  /** What tells the frames of a 4D series apart (b-value, temporal position, times, flip angle). */
  frame: FrameTags;
}

const UNCOMPRESSED = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99']);
const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const PIXEL_DATA = 'x7fe00010';
/** Widest pixel: a file of one slice holds at most maxVoxels × 4 bytes of pixels (BitsAllocated ≤ 32). */
const MAX_PIXEL_BYTES = 4;
const DICOMDIR_CLASS = '1.2.840.10008.1.3.10';

/** True when the bytes carry the Part-10 preamble ("DICM" at byte 128). */
export function hasDicomPreamble(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** The values of a multi-valued decimal string (NaN where unreadable); undefined when the element is absent or empty. */
function numbers(ds: DataSet, tag: string, count: number): number[] | undefined {
  const element = ds.elements[tag];
  if (!element || element.length === 0) return undefined;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = ds.floatString(tag, i);
    out.push(v === undefined ? NaN : v);
  }
  return out;
}

/**
 * The pixel bytes as the slice keeps them until the volume is assembled: a view into the file's buffer, or a copy
 * of just the pixels when the file holds much more (so that a series never holds more than its voxels).
 */
function ownPixels(bytes: Uint8Array, offset: number, needed: number): { bytes: Uint8Array; offset: number } {
  if (bytes.byteLength <= 2 * needed + 65536) return { bytes, offset };
  // Uint8Array's slice copies (Buffer's would only view).
  return { bytes: Uint8Array.prototype.slice.call(bytes, offset, offset + needed), offset: 0 };
}

function petTags(ds: DataSet): PetTags {
  const item = ds.elements.x00540016?.items?.[0]?.dataSet;
  return {
    units: ds.string('x00541001'),
    suvType: ds.string('x00541006') || undefined,
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

/** End of the file meta information (group 0002): from its group length when present, else where dicom-parser stops. */
function metaEnd(bytes: Uint8Array): number {
  // (0002,0000) UL, length 4, right after the preamble: 132 + 12 + the group length.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 144 && view.getUint32(132, true) === 0x00000002 && bytes[136] === 0x55 && bytes[137] === 0x4c) {
    const end = 144 + view.getUint32(140, true);
    if (end <= bytes.length) return end;
  }
  return (readPart10Header(bytes) as DataSet & { position: number }).position;
}

/** Rows × Columns × frames and the pixel bytes they take, from a (partial) data set; undefined when a tag is missing. */
function declaredPixels(ds: DataSet): { voxels: number; bytes: number } | undefined {
  const rows = ds.uint16('x00280010');
  const columns = ds.uint16('x00280011');
  const bits = ds.uint16('x00280100');
  if (!rows || !columns || !bits) return undefined;
  const frames = Math.max(1, ds.intString('x00280008') ?? 1);
  const voxels = rows * columns * frames;
  return { voxels, bytes: voxels * Math.ceil(bits / 8) };
}

/** Parses the deflated data set that follows the meta information, from `inflated` (dicom-parser's inflater hook). */
function parseInflated(meta: Uint8Array, inflated: Uint8Array, untilTag?: string): DataSet {
  // dicom-parser parses the inflater's bytes from their start: hand it the data set alone.
  const inflater = (() => inflated) as unknown as (arr: Uint8Array, position: number) => void;
  return parseDicom(meta, { inflater, ...(untilTag ? { untilTag } : {}) });
}

/**
 * The data set of a deflated file (transfer syntax 1.2.840.10008.1.2.1.99). The attributes before Pixel Data are
 * inflated first (at most MAX_NON_VOXEL_BYTES); Rows × Columns × BitsAllocated then cap the whole stream at the
 * pixel bytes they declare plus MAX_NON_VOXEL_BYTES, so a small file cannot inflate into gigabytes.
 */
function parseDeflated(bytes: Uint8Array, metaLength: number, file: string, maxVoxels: number): DataSet {
  const meta = bytes.subarray(0, metaLength);
  const deflated = bytes.subarray(metaLength);
  const where = { file, field: 'dataset', sizeField: 'PixelData (7FE0,0010)', declared: 'the attributes before Pixel Data may take' };
  const reachesPixels = (out: Buffer): boolean => {
    try {
      return parseInflated(meta, out, PIXEL_DATA).elements[PIXEL_DATA] !== undefined;
    } catch (err) {
      return (err as { dataSet?: DataSet }).dataSet?.elements?.[PIXEL_DATA] !== undefined;
    }
  };
  const head = inflatePrefix(deflated, MAX_NON_VOXEL_BYTES, reachesPixels, where, 'raw');
  let headSet: DataSet | undefined;
  try {
    headSet = parseInflated(meta, head, PIXEL_DATA);
  } catch (err) {
    headSet = (err as { dataSet?: DataSet }).dataSet;
  }
  const pixels = headSet && declaredPixels(headSet);
  if (pixels) checkVoxelCount(pixels.voxels, maxVoxels, { file, field: 'Rows×Columns (0028,0010/0011)', sizes: 'Rows × Columns × frames' });
  const cap = (pixels?.bytes ?? 0) + MAX_NON_VOXEL_BYTES;
  const declared = `Rows × Columns × BitsAllocated allow (${pixels?.bytes ?? 0} of pixels, ${MAX_NON_VOXEL_BYTES} of other attributes)`;
  const inflated = inflate(deflated, cap, { ...where, declared }, 'raw');
  return parseInflated(meta, inflated);
}

function failure(err: unknown): { reason: string; dataSet?: DataSet } {
  const f = err as { exception?: unknown; message?: string; dataSet?: DataSet };
  const raw =
    typeof err === 'string' ? err : typeof f.exception === 'string' ? f.exception : ((f.exception as Error | undefined)?.message ?? f.message ?? 'error');
  return { reason: token(String(raw), 80), dataSet: f.dataSet };
}

/**
 * Parses one file. Returns undefined for files that are not DICOM images (no preamble, DICOMDIR, no Pixel Data,
 * e.g. RT structure sets); throws a RadiomicsInputError for DICOM images we cannot read. Only regular files of at
 * most maxVoxels × 4 + MAX_NON_VOXEL_BYTES bytes are read; a deflated data set inflates to at most its declared
 * pixels plus MAX_NON_VOXEL_BYTES.
 */
export function readDicomSlice(file: string, limits: ReadLimits = {}): DicomSlice | undefined {
  const maxVoxels = maxVoxelsOf(limits, file);
  const size = regularFileSize(file, { field: 'path', expected: 'a DICOM file' });
  // Other files beside a series are skipped from their first 132 bytes, whatever their size.
  if (size < 132 || !hasDicomPreamble(readRange(file, 0, 132, { field: 'preamble' }))) return undefined;
  const most = maxVoxels * MAX_PIXEL_BYTES + MAX_NON_VOXEL_BYTES;
  regularFileSize(
    file,
    { field: 'file size', expected: `at most ${most} bytes (maxVoxels × 4 bytes of pixels, ${MAX_NON_VOXEL_BYTES} of other attributes)` },
    most,
  );
  const bytes = readRange(file, 0, size, { field: 'dataset' });
  let ds: DataSet;
  let transferSyntax: string;
  let sopClass: string | undefined;
  try {
    const metaLength = metaEnd(bytes);
    const meta = readPart10Header(bytes.subarray(0, metaLength));
    transferSyntax = meta.string('x00020010') ?? '1.2.840.10008.1.2';
    sopClass = meta.string('x00020002');
    ds = transferSyntax === DEFLATED ? parseDeflated(bytes, metaLength, file, maxVoxels) : parseDicom(bytes);
  } catch (err) {
    if (err instanceof RadiomicsInputError) throw err;
    const { reason, dataSet } = failure(err);
    // dicom-parser hands back what it parsed: a Pixel Data element there means the file ends inside it.
    if (dataSet?.elements?.[PIXEL_DATA]) {
      throw new RadiomicsInputError(`file is truncated inside Pixel Data (${reason})`, {
        file,
        field: 'PixelData (7FE0,0010)',
        expected: 'the full Rows × Columns × BitsAllocated of pixel data',
      });
    }
    throw new RadiomicsInputError(`cannot parse DICOM (${reason})`, { file, field: 'dataset', expected: 'a complete DICOM Part-10 file' });
  }
  if (sopClass === DICOMDIR_CLASS) return undefined;
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
  if (!UNCOMPRESSED.has(transferSyntax) || pixelElement.encapsulatedPixelData) {
    throw new RadiomicsInputError(
      `compressed transfer syntax ${token(transferSyntax, 64)} is not supported`,
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
    throw new RadiomicsInputError(`'${token(photometric)}'`, where('PhotometricInterpretation (0028,0004)', 'MONOCHROME1 or MONOCHROME2'));
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
  checkVoxelCount(rows * columns, maxVoxels, { file, field: 'Rows×Columns (0028,0010/0011)', sizes: `${rows}×${columns}` });
  const needed = rows * columns * (bitsAllocated / 8);
  const data = ds.byteArray as Uint8Array;
  if (pixelElement.length < needed || pixelElement.dataOffset + needed > data.length) {
    throw new RadiomicsInputError(
      `Pixel Data holds ${Math.min(pixelElement.length, data.length - pixelElement.dataOffset)} bytes, ${rows}×${columns}×${bitsAllocated} bits need ${needed}`,
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
    sliceThickness: numbers(ds, 'x00180050', 1)?.[0],
    spacingBetweenSlices: numbers(ds, 'x00180088', 1)?.[0],
    rescaleSlope: slope !== undefined && Number.isFinite(slope) && slope !== 0 ? slope : 1,
    rescaleIntercept: intercept !== undefined && Number.isFinite(intercept) ? intercept : 0,
    pixels: {
      ...ownPixels(data, pixelElement.dataOffset, needed),
      bitsAllocated,
      bitsStored,
      highBit,
      signed: ds.uint16('x00280103') === 1,
      littleEndian: transferSyntax !== BIG_ENDIAN,
    },
    pet: petTags(ds),
    frame: frameTags(ds),
  };
}
