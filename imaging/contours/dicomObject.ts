// One DICOM Part-10 file parsed whole with dicom-parser (an RT Structure Set, a Segmentation, or the attributes of an
// image before its Pixel Data), with the readers' limits: a regular file of bounded size, a deflated data set that
// inflates to a bounded size, and errors that name the file and the field without quoting the file's content.
import { parseDicom, type DataSet } from 'dicom-parser';
import { RadiomicsInputError } from '../errors';
import { hasDicomPreamble } from '../io/dicomSlice';
import { inflate } from '../io/compression';
import { MAX_NON_VOXEL_BYTES, maxVoxelsOf, readRange, regularFileSize, token, type ReadLimits } from '../io/limits';

export type { DataSet } from 'dicom-parser';

/** SOP classes (PS3.4 B.5, Standard SOP Classes). */
export const SOP_CLASS = {
  rtStructureSet: '1.2.840.10008.5.1.4.1.1.481.3',
  segmentation: '1.2.840.10008.5.1.4.1.1.66.4',
} as const;

const PIXEL_DATA = 'x7fe00010';

export interface DicomObject {
  file: string;
  dataSet: DataSet;
  /** SOPClassUID (0008,0016), or the meta header's MediaStorageSOPClassUID (0002,0002) when the data set lacks it. */
  sopClassUid: string;
  transferSyntaxUid: string;
}

export interface ObjectReadOptions extends ReadLimits {
  /** What the caller expected the file to be, for errors ("an RTSTRUCT or SEG file"). */
  expected: string;
  /** Stop before Pixel Data (image headers): its bytes are neither needed nor checked. */
  headerOnly?: boolean;
}

/**
 * The most bytes an object file may hold: maxVoxels one-byte voxels (a fractional SEG of that many voxels, or about
 * as many contour coordinates as text) plus MAX_NON_VOXEL_BYTES of other attributes.
 */
export function maxObjectBytes(limits: ReadLimits, file: string): number {
  return maxVoxelsOf(limits, file) * 4 + MAX_NON_VOXEL_BYTES;
}

function reasonOf(err: unknown): string {
  const f = err as { exception?: unknown; message?: string };
  const raw =
    typeof err === 'string' ? err : typeof f.exception === 'string' ? f.exception : ((f.exception as Error | undefined)?.message ?? f.message ?? 'error');
  return token(String(raw), 80);
}

/** Reads and parses a DICOM Part-10 file; a file without the preamble is a RadiomicsInputError naming `expected`. */
export function readDicomObject(file: string, options: ObjectReadOptions): DicomObject {
  const most = maxObjectBytes(options, file);
  const size = regularFileSize(file, { field: 'path', expected: options.expected }, most);
  if (size < 132 || !hasDicomPreamble(readRange(file, 0, 132, { field: 'preamble' }))) {
    throw new RadiomicsInputError('not a DICOM Part-10 file (no DICM preamble)', { file, field: 'preamble (PS3.10 7.1)', expected: options.expected });
  }
  const bytes = readRange(file, 0, size, { field: 'dataset' });
  let dataSet: DataSet;
  try {
    dataSet = parseDicom(bytes, {
      ...(options.headerOnly ? { untilTag: PIXEL_DATA } : {}),
      // Deflated data sets (PS3.5 A.5) inflate to at most the bytes a file of this kind may hold; dicom-parser parses
      // the inflater's bytes from their start, so it gets the data set alone.
      inflater: ((arr: Uint8Array, position: number) =>
        inflate(
          arr.subarray(position),
          most,
          { file, field: 'dataset', sizeField: 'dataset', declared: 'a file of this kind may hold' },
          'raw',
        )) as unknown as (arr: Uint8Array, position: number) => void,
    });
  } catch (err) {
    if (err instanceof RadiomicsInputError) throw err;
    const inner = (err as { exception?: unknown }).exception;
    if (inner instanceof RadiomicsInputError) throw inner;
    throw new RadiomicsInputError(`cannot parse DICOM (${reasonOf(err)})`, { file, field: 'dataset', expected: 'a complete DICOM Part-10 file' });
  }
  const transferSyntaxUid = dataSet.string('x00020010') ?? '1.2.840.10008.1.2';
  const sopClassUid = dataSet.string('x00080016') ?? dataSet.string('x00020002') ?? '';
  return { file, dataSet, sopClassUid, transferSyntaxUid };
}

/** The data sets of a sequence's items (none when the sequence is absent or empty). */
export function items(ds: DataSet | undefined, tag: string): DataSet[] {
  const element = ds?.elements[tag];
  return (element?.items ?? []).map((i) => i.dataSet).filter((d): d is DataSet => d !== undefined);
}

/** A string attribute, trimmed; '' when absent or empty. */
export function text(ds: DataSet | undefined, tag: string): string {
  return ds?.string(tag) ?? '';
}

/** A multi-valued decimal string (DS) as numbers (NaN where unreadable); undefined when absent or empty. */
export function decimals(ds: DataSet | undefined, tag: string): number[] | undefined {
  const raw = ds?.string(tag);
  if (raw === undefined || raw === '') return undefined;
  return raw.split('\\').map((v) => (v.trim() === '' ? NaN : Number(v)));
}

/** An integer string (IS) or US value: undefined when absent or unreadable. */
export function integer(ds: DataSet | undefined, tag: string, vr: 'IS' | 'US' = 'IS'): number | undefined {
  if (!ds?.elements[tag] || ds.elements[tag].length === 0) return undefined;
  const v = vr === 'US' ? ds.uint16(tag) : Number(ds.string(tag));
  return v !== undefined && Number.isInteger(v) ? v : undefined;
}
