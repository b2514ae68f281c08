// NIfTI-1 / NIfTI-2 reader and writer (.nii, .nii.gz). Written by hand rather than with nifti-reader-js:
// the header is a fixed struct, and this way we get NIfTI-2, the writer, ITK's geometry rules and zero-copy voxels.
import { writeFileSync } from 'node:fs';
import type { Geometry, Mat3, Vec3, Volume, VoxelArray } from '../image';
import { RadiomicsInputError } from '../errors';
import { deflateGzip, inflate, inflatePrefix, isGzip } from './compression';
import { checkVoxelCount, MAX_NON_VOXEL_BYTES, maxVoxelsOf, readRange, regularFileSize, type ReadLimits } from './limits';
import {
  NIFTI1_HEADER_BYTES,
  NIFTI2_HEADER_BYTES,
  NIFTI_DATATYPES,
  OFFSETS,
  niftiGeometry,
  parseNiftiHeader,
  spatialSize,
  voxelTypeOfHeader,
  type NiftiHeader,
  type NiftiVersion,
} from './niftiHeader';
import { BYTES_PER_VOXEL, decodeVoxels, voxelTypeOf, HOST_IS_LITTLE_ENDIAN, type VoxelType } from './voxelTypes';

/** Bytes of the stored file read first: a plain header (540 + 4), or the start of a gzip stream to inflate it from. */
const HEAD_BYTES = 2 ** 20;
/** NIfTI-2's header and extension flag: enough inflated bytes to parse either version's header. */
const HEADER_PREFIX = NIFTI2_HEADER_BYTES + 4;

interface NiftiLayout {
  header: NiftiHeader;
  geometry: Geometry;
  type: VoxelType;
  /** x, y, z (and the frame count of a series). */
  size: number[];
  count: number;
  offset: number;
  needed: number;
}

/**
 * A 4D image: `frames` volumes on one 3D grid (diffusion b-values, dynamic time points), voxel index
 * x + size[0]·(y + size[1]·z) + frame·(size[0]·size[1]·size[2]) — each frame is a Volume's data, back to back.
 */
export interface VolumeSeries<T extends VoxelArray = VoxelArray> {
  geometry: Geometry;
  frames: number;
  data: T;
  /** Where it came from (a path), for error messages. */
  source?: string;
}

/** Spatial size and frame count of a 3D or 4D header: dims past the fourth must be 1 (a multi-component image is refused). */
function seriesSize(h: NiftiHeader, file: string): { size: Vec3; frames: number } {
  const n = h.dim[0];
  if (n <= 3) return { size: spatialSize(h, file), frames: 1 };
  for (let i = 5; i <= Math.min(n, 7); i++) {
    if (h.dim[i] !== 1) {
      throw new RadiomicsInputError(`${h.dim[i]}: a multi-component image is not supported`, {
        file,
        field: `dim[${i}]`,
        expected: `a 3D or 4D image (dim[${i}] = 1)`,
      });
    }
  }
  const frames = h.dim[4];
  if (!(Number.isSafeInteger(frames) && frames >= 1))
    throw new RadiomicsInputError(`${frames}`, { file, field: 'dim[4]', expected: 'a positive number of volumes' });
  return { size: spatialSize({ ...h, dim: [3, h.dim[1], h.dim[2], h.dim[3], 1, 1, 1, 1] }, file), frames };
}

/** Header, voxel type and size, geometry, vox_offset and the voxel bytes needed: all checked before any voxel is read. */
function layoutOf(bytes: Uint8Array, file: string, maxVoxels: number, series = false): NiftiLayout {
  const header = parseNiftiHeader(bytes, file);
  const type = voxelTypeOfHeader(header, file);
  const { size: spatial, frames } = series ? seriesSize(header, file) : { size: spatialSize(header, file), frames: 1 };
  const size = series ? [...spatial, frames] : spatial;
  const count = spatial[0] * spatial[1] * spatial[2] * frames;
  checkVoxelCount(count, maxVoxels, { file, field: 'dim', sizes: size.join('×') });
  const minOffset = header.version === 1 ? NIFTI1_HEADER_BYTES + 4 : NIFTI2_HEADER_BYTES + 4;
  const offset = header.voxOffset;
  if (!Number.isInteger(offset) || offset < minOffset || offset > MAX_NON_VOXEL_BYTES) {
    throw new RadiomicsInputError(`vox_offset ${offset}`, { file, field: 'vox_offset', expected: `an integer from ${minOffset} to ${MAX_NON_VOXEL_BYTES}` });
  }
  const geometry = niftiGeometry(header, spatial, file);
  return { header, geometry, type, size, count, offset, needed: count * BYTES_PER_VOXEL[type] };
}

function truncated(file: string, held: number, l: NiftiLayout): never {
  throw new RadiomicsInputError(`file holds ${Math.max(0, held)} bytes of voxel data, the header describes ${l.needed} (${l.size.join('×')} ${l.type})`, {
    file,
    field: 'dim',
    expected: `${l.needed} bytes after vox_offset ${l.offset}`,
  });
}

/**
 * Reads a .nii or .nii.gz (gzip detected from the bytes, not the name). The header is read (or inflated) first; the
 * voxels are then read, or inflated with the output capped at vox_offset + the bytes the header declares.
 */
export function readNifti(file: string, limits: ReadLimits = {}): Volume {
  const { geometry, data } = readVoxels(file, limits, false);
  return { geometry, data, source: file };
}

/**
 * Reads a 3D or 4D .nii / .nii.gz as a series of volumes on one grid (a 3D file is a series of one); the 4th
 * dimension is the frame (b-value, time point). The voxel limit applies to all frames together.
 */
export function readNiftiSeries(file: string, limits: ReadLimits = {}): VolumeSeries {
  const { geometry, data, layout } = readVoxels(file, limits, true);
  return { geometry, frames: layout.size[3], data, source: file };
}

function readVoxels(file: string, limits: ReadLimits, series: boolean): { geometry: Geometry; data: VoxelArray; layout: NiftiLayout } {
  const maxVoxels = maxVoxelsOf(limits, file);
  const stored = regularFileSize(file, { field: 'path', expected: 'an existing NIfTI file' });
  const head = readRange(file, 0, Math.min(stored, HEAD_BYTES), { field: 'header' });
  let layout: NiftiLayout;
  let bytes: Uint8Array;
  let start = 0;
  if (isGzip(head)) {
    const where = { file, field: 'data', sizeField: 'dim', declared: 'a NIfTI header needs' };
    layout = layoutOf(
      inflatePrefix(head, HEAD_BYTES, (out) => out.length >= HEADER_PREFIX, where),
      file,
      maxVoxels,
      series,
    );
    const total = layout.offset + layout.needed;
    // gzip never grows data by more than a fraction of a percent: a larger file holds more than the header declares.
    const most = total + Math.ceil(total / 256) + HEAD_BYTES;
    regularFileSize(file, { field: 'dim', expected: `at most ${most} bytes of gzip data for the ${total} bytes the header declares` }, most);
    const whole = stored <= head.length ? head : readRange(file, 0, stored, { field: 'data' });
    bytes = inflate(whole, total, { ...where, declared: `the header declares (vox_offset ${layout.offset} + ${layout.size.join('×')} ${layout.type})` });
    if (bytes.length - layout.offset < layout.needed) truncated(file, bytes.length - layout.offset, layout);
    start = layout.offset;
  } else {
    layout = layoutOf(head, file, maxVoxels, series);
    // Trailing bytes after the voxels are tolerated, as ITK and nibabel do (and never read); missing ones are not.
    if (stored - layout.offset < layout.needed) truncated(file, stored - layout.offset, layout);
    bytes = readRange(file, layout.offset, layout.needed, { field: 'dim' });
  }
  const { header, geometry, type, count } = layout;
  const raw = decodeVoxels(bytes, start, type, count, header.littleEndian, true);
  return { geometry, data: applyScaling(raw, header.sclSlope, header.sclInter), layout };
}

/**
 * Applies scl_slope / scl_inter (NIfTI: slope 0 or NaN means no scaling). Scaled values are Float32 for types
 * that float32 holds exactly (≤ 16-bit integers, float32), Float64 otherwise.
 */
function applyScaling(raw: VoxelArray, slope: number, inter: number): VoxelArray {
  if (!Number.isFinite(slope) || slope === 0) return raw;
  if (!Number.isFinite(inter)) inter = 0;
  if (slope === 1 && inter === 0) return raw;
  const narrow =
    raw instanceof Int8Array || raw instanceof Uint8Array || raw instanceof Int16Array || raw instanceof Uint16Array || raw instanceof Float32Array;
  const out = narrow ? new Float32Array(raw.length) : new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw[i] * slope + inter;
  return out;
}

export interface NiftiWriteOptions {
  /** 1 (default) or 2; version 2 is chosen automatically when a size exceeds NIfTI-1's 32767. */
  version?: NiftiVersion;
  description?: string;
}

/** NIfTI quaternion (b, c, d) and qfac of a rotation (nifti1_io mat44_to_quatern; R proper after the qfac flip). */
export function rotationToQuaternion(r: number[][]): { b: number; c: number; d: number; qfac: 1 | -1 } {
  const det =
    r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
  const qfac: 1 | -1 = det < 0 ? -1 : 1;
  const m = r.map((row) => [row[0], row[1], row[2] * qfac]);
  const [[r11, r12, r13], [r21, r22, r23], [r31, r32, r33]] = m;
  let a = r11 + r22 + r33 + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac };
}

/**
 * Writes a volume as a single-file NIfTI (.nii, or gzip when the name ends in .gz) with sform and qform
 * (both NIFTI_XFORM_SCANNER_ANAT, as ITK writes) from the LPS geometry, converted to NIfTI's RAS.
 */
export function writeNifti(file: string, volume: Volume, options: NiftiWriteOptions = {}): void {
  writeFrames(file, volume.geometry, volume.data, 1, options);
}

/** Writes a series as a 4D NIfTI (dim[4] = frames; a series of one frame is written as a 3D image), as writeNifti. */
export function writeNiftiSeries(file: string, series: VolumeSeries, options: NiftiWriteOptions = {}): void {
  if (!(Number.isSafeInteger(series.frames) && series.frames >= 1)) {
    throw new RadiomicsInputError(`${series.frames} frames`, { file, field: 'frames', expected: 'a positive integer' });
  }
  writeFrames(file, series.geometry, series.data, series.frames, options);
}

function writeFrames(file: string, geometry: Geometry, data: VoxelArray, frames: number, options: NiftiWriteOptions): void {
  const type = voxelTypeOf(data);
  const datatype = Number(Object.keys(NIFTI_DATATYPES).find((k) => NIFTI_DATATYPES[Number(k)] === type));
  const count = geometry.size[0] * geometry.size[1] * geometry.size[2] * frames;
  if (data.length !== count) {
    const grid = frames === 1 ? geometry.size.join('×') : `${geometry.size.join('×')}×${frames}`;
    throw new RadiomicsInputError(`data holds ${data.length} voxels, the geometry ${grid}`, {
      file,
      field: 'data',
      expected: `${count} voxels`,
    });
  }
  const version: NiftiVersion = options.version ?? (geometry.size.some((s) => s > 32767) ? 2 : 1);
  if (version === 1 && geometry.size.some((s) => s > 32767)) {
    throw new RadiomicsInputError(`size ${geometry.size.join('×')} exceeds NIfTI-1`, { file, field: 'dim', expected: 'sizes ≤ 32767, or version 2' });
  }
  const headerBytes = version === 1 ? NIFTI1_HEADER_BYTES : NIFTI2_HEADER_BYTES;
  const voxOffset = headerBytes + 4; // + the 4-byte extension flag (all zero: no extensions)
  const width = BYTES_PER_VOXEL[type];
  const out = Buffer.alloc(voxOffset + count * width);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const le = HOST_IS_LITTLE_ENDIAN;
  const v = version - 1;
  const realWidth = version === 1 ? 4 : 8;
  const putReal = (o: number, x: number) => (version === 1 ? view.setFloat32(o, x, le) : view.setFloat64(o, x, le));
  const putInt = (o: number, x: number) => (version === 1 ? view.setInt16(o, x, le) : view.setBigInt64(o, BigInt(x), le));
  const putCode = (o: number, x: number) => (version === 1 ? view.setInt16(o, x, le) : view.setInt32(o, x, le));

  view.setInt32(0, headerBytes, le);
  out.write(version === 1 ? 'n+1\0' : 'n+2\0\r\n\x1a\n', OFFSETS.magic[v], 'latin1');
  const dim = frames === 1 ? [3, ...geometry.size, 1, 1, 1, 1] : [4, ...geometry.size, frames, 1, 1, 1];
  dim.forEach((x, i) => putInt(OFFSETS.dim[v] + i * (version === 1 ? 2 : 8), x));
  view.setInt16(OFFSETS.datatype[v], datatype, le);
  view.setInt16(OFFSETS.bitpix[v], width * 8, le);

  // RAS matrix = flip · direction · diag(spacing); flip = diag(-1, -1, 1) turns ITK's LPS into NIfTI's RAS.
  const d: Mat3 = geometry.direction;
  const rot = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i < 2 ? -d[3 * i + j] : d[3 * i + j])));
  const origin: Vec3 = [-geometry.origin[0], -geometry.origin[1], geometry.origin[2]];
  const q = rotationToQuaternion(rot);
  const pixdim = [q.qfac, ...geometry.spacing, 1, 1, 1, 1];
  pixdim.forEach((x, i) => putReal(OFFSETS.pixdim[v] + i * realWidth, x));
  if (version === 1) view.setFloat32(OFFSETS.voxOffset[v], voxOffset, le);
  else view.setBigInt64(OFFSETS.voxOffset[v], BigInt(voxOffset), le);
  putReal(OFFSETS.sclSlope[v], 1);
  putReal(OFFSETS.sclInter[v], 0);
  if (version === 1)
    view.setUint8(OFFSETS.xyztUnits[v], 2); // NIFTI_UNITS_MM
  else view.setInt32(OFFSETS.xyztUnits[v], 2, le);
  out.write((options.description ?? 'osteoflow').slice(0, 79), OFFSETS.descrip[v], 'latin1');
  putCode(OFFSETS.qformCode[v], 1);
  putCode(OFFSETS.sformCode[v], 1);
  [q.b, q.c, q.d].forEach((x, i) => putReal(OFFSETS.quatern[v] + i * realWidth, x));
  origin.forEach((x, i) => putReal(OFFSETS.qoffset[v] + i * realWidth, x));
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) putReal(OFFSETS.srow[v] + (4 * i + j) * realWidth, rot[i][j] * geometry.spacing[j]);
    putReal(OFFSETS.srow[v] + (4 * i + 3) * realWidth, origin[i]);
  }
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), voxOffset);
  writeFileSync(file, file.toLowerCase().endsWith('.gz') ? deflateGzip(out) : out);
}
