// NIfTI-1 and NIfTI-2 headers (nifti1.h / nifti2.h field offsets): parsing with byte-order detection,
// and the voxel-to-LPS geometry ITK derives from sform / qform / pixdim.
import type { Geometry, Vec3 } from '../image';
import { RadiomicsInputError } from '../errors';
import type { VoxelType } from './voxelTypes';
import { cross, dot, geometryFromAxes, norm } from './orientation';
import { token } from './limits';

export type NiftiVersion = 1 | 2;

export interface NiftiHeader {
  version: NiftiVersion;
  littleEndian: boolean;
  dim: number[];
  datatype: number;
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: Vec3;
  srow: [number[], number[], number[]];
}

export const NIFTI1_HEADER_BYTES = 348;
export const NIFTI2_HEADER_BYTES = 540;

/** NIfTI datatype codes (nifti1.h DT_*) of the scalar types we read and write. */
export const NIFTI_DATATYPES: Record<number, VoxelType> = {
  2: 'uint8',
  4: 'int16',
  8: 'int32',
  16: 'float32',
  64: 'float64',
  256: 'int8',
  512: 'uint16',
  768: 'uint32',
  1024: 'int64',
  1280: 'uint64',
};
const UNSUPPORTED_DATATYPES: Record<number, string> = {
  1: 'binary',
  32: 'complex64',
  128: 'RGB24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};

/** Byte offsets of each field: [NIfTI-1, NIfTI-2]. */
export const OFFSETS = {
  magic: [344, 4],
  dim: [40, 16],
  datatype: [70, 12],
  bitpix: [72, 14],
  pixdim: [76, 104],
  voxOffset: [108, 168],
  sclSlope: [112, 176],
  sclInter: [116, 184],
  xyztUnits: [123, 500],
  descrip: [148, 240],
  qformCode: [252, 344],
  sformCode: [254, 348],
  quatern: [256, 352],
  qoffset: [268, 376],
  srow: [280, 400],
} as const;

function fail(file: string, field: string, message: string, expected: string): never {
  throw new RadiomicsInputError(message, { file, field, expected });
}

/** Parses the header at the start of `bytes` (an uncompressed .nii). */
export function parseNiftiHeader(bytes: Uint8Array, file: string): NiftiHeader {
  if (bytes.length < 4) fail(file, 'sizeof_hdr', `file holds only ${bytes.length} bytes`, 'a 348- or 540-byte NIfTI header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // sizeof_hdr is 348 (NIfTI-1) or 540 (NIfTI-2) in the file's byte order: it tells both version and endianness.
  const le = view.getInt32(0, true);
  const be = view.getInt32(0, false);
  const sizeOf = [le, be].find((s) => s === NIFTI1_HEADER_BYTES || s === NIFTI2_HEADER_BYTES);
  if (sizeOf === undefined) fail(file, 'sizeof_hdr', `${le} (not a NIfTI file)`, '348 (NIfTI-1) or 540 (NIfTI-2), in either byte order');
  const littleEndian = le === sizeOf;
  const version: NiftiVersion = sizeOf === NIFTI1_HEADER_BYTES ? 1 : 2;
  if (bytes.length < sizeOf) fail(file, 'header', `file is truncated inside the header (${bytes.length} of ${sizeOf} bytes)`, `at least ${sizeOf} bytes`);
  const v = version - 1;

  const magic = Buffer.from(bytes.subarray(OFFSETS.magic[v], OFFSETS.magic[v] + (version === 1 ? 4 : 8))).toString('latin1');
  if (version === 1 && magic === 'ni1\0')
    fail(file, 'magic', "'ni1' (header and data in separate .hdr/.img files) is not supported", "'n+1' (a single .nii file)");
  if (version === 1 && magic !== 'n+1\0') fail(file, 'magic', `'${token(magic)}' (an ANALYZE 7.5 or corrupt header)`, "'n+1'");
  if (version === 2 && magic !== 'n+2\0\r\n\x1a\n') fail(file, 'magic', `'${token(magic)}'`, "'n+2\\0\\r\\n\\032\\n'");

  const f32 = (o: number) => view.getFloat32(o, littleEndian);
  const f64 = (o: number) => view.getFloat64(o, littleEndian);
  const real = version === 1 ? f32 : f64;
  const realWidth = version === 1 ? 4 : 8;
  const int = (o: number) => (version === 1 ? view.getInt16(o, littleEndian) : Number(view.getBigInt64(o, littleEndian)));
  const code = (o: number) => (version === 1 ? view.getInt16(o, littleEndian) : view.getInt32(o, littleEndian));
  const reals = (o: number, n: number) => Array.from({ length: n }, (_, i) => real(o + i * realWidth));

  const dim = Array.from({ length: 8 }, (_, i) => int(OFFSETS.dim[v] + i * (version === 1 ? 2 : 8)));
  const voxOffset = version === 1 ? f32(OFFSETS.voxOffset[v]) : Number(view.getBigInt64(OFFSETS.voxOffset[v], littleEndian));
  const srowAt = (r: number) => reals(OFFSETS.srow[v] + r * 4 * realWidth, 4);
  return {
    version,
    littleEndian,
    dim,
    datatype: view.getInt16(OFFSETS.datatype[v], littleEndian),
    pixdim: reals(OFFSETS.pixdim[v], 8),
    voxOffset,
    sclSlope: real(OFFSETS.sclSlope[v]),
    sclInter: real(OFFSETS.sclInter[v]),
    qformCode: code(OFFSETS.qformCode[v]),
    sformCode: code(OFFSETS.sformCode[v]),
    quatern: reals(OFFSETS.quatern[v], 3) as [number, number, number],
    qoffset: reals(OFFSETS.qoffset[v], 3) as Vec3,
    srow: [srowAt(0), srowAt(1), srowAt(2)],
  };
}

/** The scalar type of the header's datatype, or a RadiomicsInputError naming it. */
export function voxelTypeOfHeader(h: NiftiHeader, file: string): VoxelType {
  const type = NIFTI_DATATYPES[h.datatype];
  if (!type) {
    const name = UNSUPPORTED_DATATYPES[h.datatype];
    fail(
      file,
      'datatype',
      name ? `unsupported datatype ${h.datatype} (${name})` : `unknown datatype ${h.datatype}`,
      'a scalar type: uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64',
    );
  }
  return type;
}

/** Spatial size; dims past the third must be 1 (a 4D file with one volume is accepted). */
export function spatialSize(h: NiftiHeader, file: string): Vec3 {
  const n = h.dim[0];
  if (!(n >= 1 && n <= 7)) fail(file, 'dim[0]', `${n}`, '1 to 7');
  for (let i = 1; i <= n; i++) if (!(h.dim[i] >= 1)) fail(file, `dim[${i}]`, `${h.dim[i]}`, 'a positive size');
  for (let i = 4; i <= n; i++) {
    if (h.dim[i] !== 1)
      fail(
        file,
        `dim[${i}]`,
        `${h.dim[i]}: ${i === 4 ? 'a 4D (time series) image' : 'a multi-component image'} is not supported`,
        `a 3D image (dim[${i}] = 1)`,
      );
  }
  return [h.dim[1], n >= 2 ? h.dim[2] : 1, n >= 3 ? h.dim[3] : 1];
}

/** Rotation matrix of a NIfTI quaternion (b, c, d), a = √(1 − b² − c² − d²) (nifti1_io quatern_to_mat44). */
export function quaternionToRotation(b: number, c: number, d: number): number[][] {
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    // Numerically a 180° rotation: renormalise (b, c, d) as nifti1_io does.
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  return [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
}

/** Columns of the sform's 3×3; a 2D image's empty third column becomes the unit normal of the first two. */
function sformColumns(h: NiftiHeader, size: Vec3): Vec3[] {
  const cols = [0, 1, 2].map((j) => [h.srow[0][j], h.srow[1][j], h.srow[2][j]] as Vec3);
  if (size[2] === 1 && norm(cols[2]) === 0) {
    const n = cross(cols[0], cols[1]);
    const l = norm(n);
    if (l > 0) cols[2] = [n[0] / l, n[1] / l, n[2] / l];
  }
  return cols;
}

/** True when the three columns of the sform's 3×3 are orthogonal (no skew), as ITK requires to use it. */
function withoutSkew(cols: Vec3[]): boolean {
  const n = cols.map(norm);
  if (n.some((x) => !(x > 0) || !Number.isFinite(x))) return false;
  const tol = 1e-4;
  return (
    Math.abs(dot(cols[0], cols[1])) / (n[0] * n[1]) < tol &&
    Math.abs(dot(cols[0], cols[2])) / (n[0] * n[2]) < tol &&
    Math.abs(dot(cols[1], cols[2])) / (n[1] * n[2]) < tol
  );
}

/**
 * Voxel spacing from pixdim[1..3], for the qform and the pixdim-only geometry. A finite pixdim > 0 is the spacing.
 * Otherwise: an axis past dim[0] is not in the file (its pixdim is unused, spacing 1, as nifti1_io sets it); 0 on an
 * axis of one voxel means "no spacing" (1, as nifti1_io and ITK read it). Anything else (NaN, ±Inf, negative, or 0 on
 * an axis of several voxels) has no spacing to give and is an error: nifti1_io would silently take 1 mm.
 */
function pixdimSpacing(h: NiftiHeader, size: Vec3, file: string): Vec3 {
  const spacing: Vec3 = [1, 1, 1];
  for (let j = 0; j < 3; j++) {
    const v = h.pixdim[j + 1];
    if (j + 1 > h.dim[0]) continue;
    if (Number.isFinite(v) && v > 0) spacing[j] = v;
    else if (!(v === 0 && size[j] === 1)) {
      fail(file, `pixdim[${j + 1}]`, `spacing ${v} on an axis of ${size[j]} voxels`, 'a finite spacing > 0 (mm)');
    }
  }
  return spacing;
}

/**
 * Geometry in LPS. The sform is used when sform_code > 0 and it has no skew; else the qform when
 * qform_code > 0; else pixdim with identity direction and zero origin. NIfTI is RAS: ITK's conversion
 * negates the first two rows of the matrix and the first two coordinates of the origin.
 * (ITK prefers the sform in the same cases except sform_code 2–4 with a qform that disagrees, which it resolves by SVD.)
 */
export function niftiGeometry(h: NiftiHeader, size: Vec3, file: string): Geometry {
  let axes: [Vec3, Vec3, Vec3];
  let origin: Vec3;
  let field: string;
  const sform = sformColumns(h, size);
  if (h.sformCode > 0 && withoutSkew(sform)) {
    field = 'srow';
    axes = sform.map((c) => [-c[0], -c[1], c[2]]) as [Vec3, Vec3, Vec3];
    origin = [-h.srow[0][3], -h.srow[1][3], h.srow[2][3]];
  } else if (h.qformCode > 0) {
    field = 'quatern';
    const r = quaternionToRotation(...h.quatern);
    const qfac = h.pixdim[0] < 0 ? -1 : 1;
    const [dx, dy, dz] = pixdimSpacing(h, size, file);
    const steps = [dx, dy, qfac * dz];
    axes = [0, 1, 2].map((j) => [-r[0][j] * steps[j], -r[1][j] * steps[j], r[2][j] * steps[j]]) as [Vec3, Vec3, Vec3];
    origin = [-h.qoffset[0], -h.qoffset[1], h.qoffset[2]];
  } else {
    if (h.sformCode > 0) fail(file, 'srow', 'the sform has skew and there is no qform', 'an sform without skew, or a qform');
    field = 'pixdim';
    const [dx, dy, dz] = pixdimSpacing(h, size, file);
    axes = [
      [dx, 0, 0],
      [0, dy, 0],
      [0, 0, dz],
    ];
    origin = [0, 0, 0];
  }
  return geometryFromAxes(size, axes, origin, { file, field });
}
