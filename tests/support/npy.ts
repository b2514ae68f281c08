// Minimal reader for numpy .npy files (format 1.0–3.0, little-endian float64/int), enough for PyRadiomics'
// baseline texture matrices. Data come back in C order whatever the file's fortran_order.
import { readFileSync } from 'node:fs';

export interface NpyArray {
  shape: number[];
  /** Values in C (row-major) order. */
  data: Float64Array;
}

const MAGIC = '\x93NUMPY';

export function readNpy(file: string): NpyArray {
  const bytes = readFileSync(file);
  if (bytes.toString('latin1', 0, 6) !== MAGIC) throw new Error(`${file}: not a .npy file (bad magic)`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', headerStart, headerStart + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined) throw new Error(`${file}: unreadable .npy header ${header}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLength;
  const raw = readValues(bytes, offset, count, descr, file);
  return { shape, data: fortran ? fortranToC(raw, shape) : raw };
}

function readValues(bytes: Buffer, offset: number, count: number, descr: string, file: string): Float64Array {
  const out = new Float64Array(count);
  const read: Record<string, [number, (o: number) => number]> = {
    '<f8': [8, (o) => bytes.readDoubleLE(o)],
    '<f4': [4, (o) => bytes.readFloatLE(o)],
    '<i8': [8, (o) => Number(bytes.readBigInt64LE(o))],
    '<i4': [4, (o) => bytes.readInt32LE(o)],
  };
  const reader = read[descr];
  if (!reader) throw new Error(`${file}: unsupported dtype ${descr}`);
  const [width, at] = reader;
  if (bytes.length < offset + count * width) throw new Error(`${file}: truncated data`);
  for (let k = 0; k < count; k++) out[k] = at(offset + k * width);
  return out;
}

/** Reorders column-major data (first index fastest) to row-major (last index fastest). */
function fortranToC(data: Float64Array, shape: number[]): Float64Array {
  const out = new Float64Array(data.length);
  const nd = shape.length;
  const index = new Array<number>(nd).fill(0);
  for (let c = 0; c < data.length; c++) {
    // index is the C-order multi-index of c; its Fortran-order offset:
    let f = 0;
    for (let d = nd - 1; d >= 0; d--) f = f * shape[d] + index[d];
    out[c] = data[f];
    for (let d = nd - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}
