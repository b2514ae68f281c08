// Builds NIfTI-1 / NIfTI-2 files field by field at the offsets of nifti1.h / nifti2.h (kept separate from the
// production writer on purpose, so that reader tests do not depend on it).
export interface NiftiFields {
  version?: 1 | 2;
  littleEndian?: boolean;
  magic?: string;
  dim: number[];
  datatype: number;
  bitpix: number;
  pixdim?: number[];
  voxOffset?: number;
  sclSlope?: number;
  sclInter?: number;
  qformCode?: number;
  sformCode?: number;
  quatern?: [number, number, number];
  qoffset?: [number, number, number];
  srow?: [number[], number[], number[]];
  sizeofHdr?: number;
}

const N1 = {
  magic: 344,
  dim: 40,
  datatype: 70,
  bitpix: 72,
  pixdim: 76,
  voxOffset: 108,
  sclSlope: 112,
  sclInter: 116,
  qformCode: 252,
  sformCode: 254,
  quatern: 256,
  qoffset: 268,
  srow: 280,
};
const N2 = {
  magic: 4,
  dim: 16,
  datatype: 12,
  bitpix: 14,
  pixdim: 104,
  voxOffset: 168,
  sclSlope: 176,
  sclInter: 184,
  qformCode: 344,
  sformCode: 348,
  quatern: 352,
  qoffset: 376,
  srow: 400,
};

/** Header (+ 4 zero extension bytes, + padding to vox_offset) followed by `data`. */
export function buildNifti(f: NiftiFields, data: Uint8Array): Buffer {
  const version = f.version ?? 1;
  const le = f.littleEndian ?? true;
  const size = version === 1 ? 348 : 540;
  const voxOffset = f.voxOffset ?? size + 4;
  const out = Buffer.alloc(Math.max(voxOffset, size) + data.length);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const o = version === 1 ? N1 : N2;
  const real = (at: number, x: number) => (version === 1 ? view.setFloat32(at, x, le) : view.setFloat64(at, x, le));
  const rw = version === 1 ? 4 : 8;
  const code = (at: number, x: number) => (version === 1 ? view.setInt16(at, x, le) : view.setInt32(at, x, le));
  view.setInt32(0, f.sizeofHdr ?? size, le);
  out.write(f.magic ?? (version === 1 ? 'n+1\0' : 'n+2\0\r\n\x1a\n'), o.magic, 'latin1');
  const dim = [...f.dim, 0, 0, 0, 0, 0, 0, 0, 0].slice(0, 8);
  dim.forEach((x, i) => (version === 1 ? view.setInt16(o.dim + 2 * i, x, le) : view.setBigInt64(o.dim + 8 * i, BigInt(x), le)));
  view.setInt16(o.datatype, f.datatype, le);
  view.setInt16(o.bitpix, f.bitpix, le);
  (f.pixdim ?? [1, 1, 1, 1, 0, 0, 0, 0]).forEach((x, i) => real(o.pixdim + rw * i, x));
  if (version === 1) view.setFloat32(o.voxOffset, voxOffset, le);
  else view.setBigInt64(o.voxOffset, BigInt(voxOffset), le);
  real(o.sclSlope, f.sclSlope ?? 0);
  real(o.sclInter, f.sclInter ?? 0);
  code(o.qformCode, f.qformCode ?? 0);
  code(o.sformCode, f.sformCode ?? 0);
  (f.quatern ?? [0, 0, 0]).forEach((x, i) => real(o.quatern + rw * i, x));
  (f.qoffset ?? [0, 0, 0]).forEach((x, i) => real(o.qoffset + rw * i, x));
  (
    f.srow ?? [
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]
  ).forEach((row, r) => row.forEach((x, c) => real(o.srow + rw * (4 * r + c), x)));
  out.set(data, Math.max(voxOffset, size));
  return out;
}

/** Int16 values as bytes in the given order. */
export function int16Bytes(values: number[], littleEndian = true): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => (littleEndian ? b.writeInt16LE(v, 2 * i) : b.writeInt16BE(v, 2 * i)));
  return b;
}
