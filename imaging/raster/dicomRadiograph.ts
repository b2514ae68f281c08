// DICOM CR and DX single-frame files → a 2D RadiographVolume. PS3.3: spacing from Pixel Spacing (0028,0030), else
// Imager Pixel Spacing (0018,1164) measured at the detector (C.8.11.4, 10.7.1.3); stored values masked to Bits Stored
// (C.7.6.3.1.1), rescaled (C.11.1.1.2), MONOCHROME1 inverted to MONOCHROME2 (C.7.6.3.1.2).
// Presentation LUT Shape (2050,0020) in the image itself (DX Image Module C.8.11.7, General Image Module C.7.6.1)
// states the same polarity as the Photometric Interpretation: INVERSE goes with MONOCHROME1, IDENTITY with
// MONOCHROME2, so MONOCHROME1 + INVERSE is inverted once, not twice. (A presentation state's shape, which overrides
// the pipeline, PS3.4 N.2.1.4, is another object and not read here.) Where the two disagree, the image is inverted
// when either asks for it (the minimum shown white), and a note says so.
import { parseDicom, type DataSet } from 'dicom-parser';
import { RadiomicsInputError } from '../errors';
import type { VoxelArray } from '../image';
import { readDicomSlice, hasDicomPreamble, type DicomSlice } from '../io/dicomSlice';
import { seriesFolderFiles } from '../io/dicom';
import { decodeVoxels, type VoxelType } from '../io/voxelTypes';
import { readRange, regularFileSize, token, type ReadLimits } from '../io/limits';
import { radiographGeometry, type PixelSpacing2D, type RadiographVolume, type SpacingSource } from './radiograph';

export const RADIOGRAPH_MODALITIES = ['CR', 'DX'] as const;
/** Bytes read to find a file's Modality when sorting folders: group 0008 sits at the start of a data set. */
const PEEK_BYTES = 64 * 1024;

/** The first values of a multi-valued decimal string; undefined when absent or empty. */
function decimals(ds: DataSet, tag: string, count: number): number[] | undefined {
  const element = ds.elements[tag];
  if (!element || element.length === 0) return undefined;
  return Array.from({ length: count }, (_, i) => ds.floatString(tag, i) ?? NaN);
}

/** The attributes readDicomSlice does not keep: parsed from the data set up to Pixel Data. */
function radiographTags(file: string, size: number): { photometric: string; imagerPixelSpacing: number[] | undefined; lutShape: string | undefined } {
  const bytes = readRange(file, 0, size, { field: 'dataset' });
  let ds: DataSet;
  try {
    ds = parseDicom(bytes, { untilTag: 'x7fe00010' });
  } catch (err) {
    const partial = (err as { dataSet?: DataSet }).dataSet;
    if (!partial) throw new RadiomicsInputError('cannot parse DICOM', { file, field: 'dataset', expected: 'a complete DICOM Part-10 file' });
    ds = partial;
  }
  return { photometric: ds.string('x00280004') ?? '', imagerPixelSpacing: decimals(ds, 'x00181164', 2), lutShape: ds.string('x20500020')?.trim() || undefined };
}

/**
 * Whether the stored values are to be mirrored so that a higher value is brighter: MONOCHROME1, or Presentation LUT
 * Shape INVERSE; a note when the two attributes disagree (a non-conformant pair).
 */
export function polarity(photometric: string, lutShape: string | undefined, file: string): { inverted: boolean; note?: string } {
  if (lutShape !== undefined && lutShape !== 'IDENTITY' && lutShape !== 'INVERSE') {
    throw new RadiomicsInputError(`'${token(lutShape, 16)}'`, {
      file,
      field: 'PresentationLUTShape (2050,0020)',
      expected: 'IDENTITY or INVERSE (or absent) for a softcopy radiograph',
    });
  }
  const monochrome1 = photometric === 'MONOCHROME1';
  const inverse = lutShape === 'INVERSE';
  if (lutShape === undefined || monochrome1 === inverse) return { inverted: monochrome1 };
  const note = monochrome1
    ? 'Presentation LUT Shape IDENTITY with MONOCHROME1 (they should agree): inverted as MONOCHROME1, the minimum shown white'
    : 'Presentation LUT Shape INVERSE with MONOCHROME2 (they should agree): inverted as INVERSE, the minimum shown white';
  return { inverted: true, note };
}

/** [x, y] spacing and its source: Pixel Spacing when present, else Imager Pixel Spacing; either is (row\column). */
function spacingOf(slice: DicomSlice, imager: number[] | undefined, file: string): { spacing: PixelSpacing2D; source: SpacingSource } {
  const check = (values: number[], field: string): PixelSpacing2D => {
    if (!values.every((v) => Number.isFinite(v) && v > 0)) {
      throw new RadiomicsInputError(`'${values.map(String).join('\\')}'`, { file, field, expected: 'two positive decimals (mm): row spacing\\column spacing' });
    }
    // DICOM lists the spacing between rows first (y), then between columns (x).
    return [values[1], values[0]];
  };
  if (slice.pixelSpacing) return { spacing: check(slice.pixelSpacing, 'PixelSpacing (0028,0030)'), source: 'PixelSpacing' };
  if (imager) return { spacing: check(imager, 'ImagerPixelSpacing (0018,1164)'), source: 'ImagerPixelSpacing' };
  throw new RadiomicsInputError('neither Pixel Spacing nor Imager Pixel Spacing is present', {
    file,
    field: 'PixelSpacing (0028,0030) / ImagerPixelSpacing (0018,1164)',
    expected: 'one of them, so that features in mm can be computed',
  });
}

/**
 * Stored values masked to Bits Stored (bits above High Bit may hold overlays) and sign-extended when signed,
 * MONOCHROME1 mirrored over the stored range ((2^bits − 1) − v unsigned, −1 − v signed), then rescaled.
 */
function pixelValues(slice: DicomSlice, invert: boolean): VoxelArray {
  const p = slice.pixels;
  const count = slice.rows * slice.columns;
  const partial = p.bitsStored < p.bitsAllocated;
  const type = `${p.signed && !partial ? 'int' : 'uint'}${p.bitsAllocated}` as VoxelType;
  const stored = decodeVoxels(p.bytes, p.offset, type, count, p.littleEndian, true);
  const shift = 32 - p.bitsStored;
  const mask = p.bitsStored >= 32 ? -1 : 2 ** p.bitsStored - 1;
  const top = p.signed ? -1 : mask;
  const slope = slice.rescaleSlope;
  const intercept = slice.rescaleIntercept;
  const integral = Number.isInteger(slope) && Number.isInteger(intercept);
  const out = integral ? new Float64Array(count) : new Float32Array(count);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    let v = stored[i];
    if (partial) v = p.signed ? (v << shift) >> shift : (v & mask) >>> 0;
    if (invert) v = top - v;
    const x = slope * v + intercept;
    out[i] = x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (!integral) return out;
  // Integers: the smallest type that holds them all exactly.
  if (min >= 0 && max <= 65535) return Uint16Array.from(out);
  if (min >= -32768 && max <= 32767) return Int16Array.from(out);
  if (min >= -2147483648 && max <= 2147483647) return Int32Array.from(out);
  return out;
}

/** Reads one DICOM CR or DX file (single frame, uncompressed or deflated) as a 2D radiograph. */
export function readDicomRadiograph(file: string, limits: ReadLimits = {}): RadiographVolume {
  const slice = readDicomSlice(file, limits);
  if (!slice) {
    throw new RadiomicsInputError('not a DICOM image', {
      file,
      field: 'PixelData (7FE0,0010)',
      expected: "a DICOM Part-10 CR or DX image (with the 'DICM' preamble)",
    });
  }
  if (!(RADIOGRAPH_MODALITIES as readonly string[]).includes(slice.modality)) {
    throw new RadiomicsInputError(`modality '${token(slice.modality, 16)}' is not a radiograph`, {
      file,
      field: 'Modality (0008,0060)',
      expected: 'CR or DX for a single file (CT, MR and PT are read from their series folder)',
    });
  }
  const tags = radiographTags(file, regularFileSize(file, { field: 'path', expected: 'a DICOM file' }));
  const { spacing, source } = spacingOf(slice, tags.imagerPixelSpacing, file);
  const { inverted, note } = polarity(tags.photometric, tags.lutShape, file);
  const notes =
    source === 'ImagerPixelSpacing'
      ? ['spacing from Imager Pixel Spacing (0018,1164): measured at the detector, not corrected for geometric magnification']
      : [];
  if (note) notes.push(note);
  return {
    geometry: radiographGeometry(slice.columns, slice.rows, spacing),
    data: pixelValues(slice, inverted),
    source: file,
    format: 'dicom',
    modality: slice.modality,
    spacingSource: source,
    bitsStored: slice.pixels.bitsStored,
    inverted,
    notes,
  };
}

/** The Modality of a DICOM file from its first bytes, or undefined when it is not DICOM or the tag is not there. */
export function peekModality(file: string): string | undefined {
  let size: number;
  try {
    size = regularFileSize(file, { field: 'path', expected: 'a file' });
  } catch {
    return undefined;
  }
  if (size < 132) return undefined;
  const bytes = readRange(file, 0, Math.min(size, PEEK_BYTES), { field: 'preamble' });
  if (!hasDicomPreamble(bytes)) return undefined;
  let ds: DataSet | undefined;
  try {
    ds = parseDicom(bytes, { untilTag: 'x00080060' });
  } catch (err) {
    ds = (err as { dataSet?: DataSet }).dataSet;
  }
  return ds?.string('x00080060');
}

/** The one CR or DX file of a folder, or undefined when the folder holds anything else (a series, say). */
export function folderRadiograph(dir: string): string | undefined {
  let found: string | undefined;
  for (const f of seriesFolderFiles(dir)) {
    const size = regularFileSize(f, { field: 'path', expected: 'a file' });
    if (size < 132 || !hasDicomPreamble(readRange(f, 0, 132, { field: 'preamble' }))) continue;
    // A second DICOM file makes it a series: stop looking.
    if (found) return undefined;
    found = f;
  }
  if (!found) return undefined;
  const modality = peekModality(found);
  return modality !== undefined && (RADIOGRAPH_MODALITIES as readonly string[]).includes(modality) ? found : undefined;
}
