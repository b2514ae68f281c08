// NRRD reader (teem's format, http://teem.sourceforge.net/nrrd/format.html): attached .nrrd and detached .nhdr,
// encodings raw / gzip / ascii / hex, every scalar type, geometry as ITK's NrrdImageIO reports it (LPS).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Vec3, Volume, VoxelArray } from '../image';
import { RadiomicsInputError } from '../errors';
import { inflate } from './compression';
import { allocateVoxels, BYTES_PER_VOXEL, decodeVoxels, type VoxelType } from './voxelTypes';
import { cross, geometryFromAxes } from './orientation';

export interface NrrdHeader {
  /** Field values keyed by lower-case name without spaces ("space directions" → "spacedirections"). */
  fields: Map<string, string>;
  /** `key:=value` pairs, as written. */
  keyValues: Map<string, string>;
  /** Data file names of a detached header (`data file: LIST` lists them after the field). */
  dataFileList: string[];
  /** Byte offset of the attached data (the header's length, blank line included); -1 when the header ends at EOF. */
  dataOffset: number;
}

const NRRD_TYPES: Record<string, VoxelType> = {};
for (const [type, names] of Object.entries({
  int8: ['signed char', 'int8', 'int8_t'],
  uint8: ['uchar', 'unsigned char', 'uint8', 'uint8_t'],
  int16: ['short', 'short int', 'signed short', 'signed short int', 'int16', 'int16_t'],
  uint16: ['ushort', 'unsigned short', 'unsigned short int', 'uint16', 'uint16_t'],
  int32: ['int', 'signed int', 'int32', 'int32_t'],
  uint32: ['uint', 'unsigned int', 'uint32', 'uint32_t'],
  int64: ['longlong', 'long long', 'long long int', 'signed long long', 'signed long long int', 'int64', 'int64_t'],
  uint64: ['ulonglong', 'unsigned long long', 'unsigned long long int', 'uint64', 'uint64_t'],
  float32: ['float'],
  float64: ['double'],
} as Record<VoxelType, string[]>)) {
  for (const name of names) NRRD_TYPES[name] = type as VoxelType;
}

type Encoding = 'raw' | 'gzip' | 'ascii' | 'hex';
const ENCODINGS: Record<string, Encoding> = { raw: 'raw', gzip: 'gzip', gz: 'gzip', ascii: 'ascii', text: 'ascii', txt: 'ascii', hex: 'hex' };

/** Named spaces → whether x and y must be negated to reach LPS (ITK does the same). */
const SPACE_TO_LPS_FLIP: Record<string, [boolean, boolean]> = {
  'left-posterior-superior': [false, false],
  lps: [false, false],
  'right-anterior-superior': [true, true],
  ras: [true, true],
  'left-anterior-superior': [false, true],
  las: [false, true],
  'scanner-xyz': [false, false],
  '3d-right-handed': [false, false],
  '3d-left-handed': [false, false],
};

function fail(file: string, field: string, message: string, expected: string): never {
  throw new RadiomicsInputError(message, { file, field, expected });
}

/** Parses the header; `bytes` is the whole .nrrd / .nhdr file. */
export function parseNrrdHeader(bytes: Uint8Array, file: string): NrrdHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields = new Map<string, string>();
  const keyValues = new Map<string, string>();
  const dataFileList: string[] = [];
  let inList = false;
  let pos = 0;
  let lineNo = 0;
  let dataOffset = -1;
  while (pos < buf.length) {
    let end = buf.indexOf(10, pos);
    const next = end < 0 ? buf.length : end + 1;
    if (end < 0) end = buf.length;
    let line = buf.toString('latin1', pos, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    pos = next;
    if (lineNo++ === 0) {
      if (!/^NRRD000[1-5]$/.test(line)) fail(file, 'magic', `not a NRRD file (first line ${JSON.stringify(line.slice(0, 16))})`, "'NRRD0001' to 'NRRD0005'");
      continue;
    }
    if (line === '') {
      dataOffset = pos;
      break;
    }
    if (inList) {
      dataFileList.push(line.trim());
      continue;
    }
    if (line.startsWith('#')) continue;
    const kv = line.indexOf(':=');
    const colon = line.indexOf(': ');
    if (kv >= 0 && (colon < 0 || kv < colon)) {
      keyValues.set(line.slice(0, kv), line.slice(kv + 2));
      continue;
    }
    if (colon < 0) fail(file, 'header', `line ${lineNo} is not 'field: value' (${JSON.stringify(line.slice(0, 40))})`, "'field: value' lines");
    const name = line.slice(0, colon).toLowerCase().replace(/\s+/g, '');
    const value = line.slice(colon + 2).trim();
    fields.set(name, value);
    if (name === 'datafile' && /^LIST(\s|$)/.test(value)) inList = true;
  }
  return { fields, keyValues, dataFileList, dataOffset };
}

function parseVector(text: string, file: string, field: string): Vec3 | null {
  if (text === 'none') return null;
  const m = /^\(\s*([^,()]+),\s*([^,()]+),\s*([^,()]+)\)$/.exec(text);
  const v = m ? ([Number(m[1]), Number(m[2]), Number(m[3])] as Vec3) : null;
  if (!v || !v.every(Number.isFinite)) fail(file, field, `cannot read vector ${JSON.stringify(text)}`, "'(x,y,z)' with three finite numbers, or 'none'");
  return v;
}

function requireField(h: NrrdHeader, name: string, file: string, label: string): string {
  const value = h.fields.get(name);
  if (value === undefined) fail(file, label, 'required field missing', `a '${label}:' line`);
  return value;
}

interface Layout {
  type: VoxelType;
  count: number;
  axisSizes: number[];
  geometryAxes: [Vec3, Vec3, Vec3];
  size: Vec3;
  origin: Vec3;
}

/** Sizes, type and the ITK-equivalent geometry from the header fields. */
function layoutOf(h: NrrdHeader, file: string): Layout {
  const typeName = requireField(h, 'type', file, 'type').toLowerCase();
  const type = NRRD_TYPES[typeName];
  if (!type) fail(file, 'type', `unsupported type '${typeName}'`, 'a scalar type (int8…uint64, float, double)');
  const dimension = Number(requireField(h, 'dimension', file, 'dimension'));
  if (!Number.isInteger(dimension) || dimension < 1) fail(file, 'dimension', `invalid dimension '${h.fields.get('dimension')}'`, 'a positive integer');
  const axisSizes = requireField(h, 'sizes', file, 'sizes').split(/\s+/).map(Number);
  if (axisSizes.length !== dimension || !axisSizes.every((s) => Number.isInteger(s) && s > 0)) {
    fail(file, 'sizes', `'${h.fields.get('sizes')}' does not give ${dimension} positive integers`, `${dimension} positive integer sizes`);
  }

  const spaceName = h.fields.get('space')?.toLowerCase();
  const spaceDimension = h.fields.has('spacedimension') ? Number(h.fields.get('spacedimension')) : spaceName ? 3 : 0;
  const spatial: { axis: number; step: Vec3 }[] = [];
  let origin: Vec3 = [0, 0, 0];
  if (spaceName !== undefined || spaceDimension > 0) {
    if (spaceName !== undefined && !SPACE_TO_LPS_FLIP[spaceName])
      fail(
        file,
        'space',
        `unsupported space '${spaceName}'`,
        'a 3D space: left-posterior-superior, right-anterior-superior, left-anterior-superior, scanner-xyz, 3D-right-handed',
      );
    if (spaceDimension !== 3) fail(file, 'space dimension', `space dimension ${spaceDimension}`, '3');
    const [flipX, flipY] = spaceName ? SPACE_TO_LPS_FLIP[spaceName] : [false, false];
    const toLps = (v: Vec3): Vec3 => [flipX ? -v[0] : v[0], flipY ? -v[1] : v[1], v[2]];
    const dirText = h.fields.get('spacedirections');
    if (dirText === undefined) fail(file, 'space directions', 'required with space', 'one vector (or none) per axis');
    const entries = dirText.match(/\([^)]*\)|none/g) ?? [];
    if (entries.length !== dimension) fail(file, 'space directions', `${entries.length} entries for ${dimension} axes`, `${dimension} entries`);
    entries.forEach((e, axis) => {
      const v = parseVector(e.replace(/\s+/g, ''), file, 'space directions');
      if (v) spatial.push({ axis, step: toLps(v) });
    });
    const originText = h.fields.get('spaceorigin');
    if (originText !== undefined) origin = toLps(parseVector(originText.replace(/\s+/g, ''), file, 'space origin') ?? [0, 0, 0]);
  } else {
    // No space: per-axis spacings (NaN → 1) and axis mins as origin; identity direction (ITK's behaviour).
    const spacings = h.fields.get('spacings')?.split(/\s+/).map(Number);
    const mins = h.fields.get('axismins')?.split(/\s+/).map(Number);
    const kinds = h.fields.get('kinds')?.toLowerCase().split(/\s+/);
    for (let axis = 0; axis < dimension; axis++) {
      const kind = kinds?.[axis];
      if (kind && !['domain', 'space', '???', 'none'].includes(kind)) continue;
      const s = spacings?.[axis];
      const step: Vec3 = [0, 0, 0];
      step[Math.min(spatial.length, 2)] = s !== undefined && Number.isFinite(s) && s !== 0 ? Math.abs(s) : 1;
      const m = mins?.[axis];
      if (spatial.length < 3 && m !== undefined && Number.isFinite(m)) origin[spatial.length] = m;
      spatial.push({ axis, step });
    }
  }
  if (spatial.length > 3) fail(file, 'sizes', `${spatial.length} spatial axes`, 'at most 3 spatial axes');
  for (let axis = 0; axis < dimension; axis++) {
    if (!spatial.some((s) => s.axis === axis) && axisSizes[axis] !== 1) {
      fail(
        file,
        'sizes',
        `non-spatial axis ${axis} has ${axisSizes[axis]} samples (a vector or multi-component image)`,
        'a scalar image (non-spatial axes of size 1)',
      );
    }
  }
  // Complete a 1D or 2D image with unit axes perpendicular to the given ones.
  const steps = spatial.map((s) => s.step);
  const size = spatial.map((s) => axisSizes[s.axis]);
  while (steps.length < 3) {
    if (steps.length === 2) {
      const n = cross(steps[0], steps[1]);
      const l = Math.hypot(...n);
      steps.push(l > 0 ? [n[0] / l, n[1] / l, n[2] / l] : [0, 0, 1]);
    } else {
      steps.push(steps.length === 0 ? [1, 0, 0] : [0, 1, 0]);
    }
    size.push(1);
  }
  const count = axisSizes.reduce((a, b) => a * b, 1);
  return { type, count, axisSizes, geometryAxes: steps as [Vec3, Vec3, Vec3], size: size as Vec3, origin };
}

function formatDataFileName(format: string, n: number): string {
  return format.replace(/%(0?)(\d*)d/, (_m, zero: string, width: string) => String(n).padStart(Number(width || 0), zero ? '0' : ' '));
}

/** Data files of the header, resolved against its folder; `[]` for attached data. */
function dataFiles(h: NrrdHeader, file: string): string[] {
  const spec = h.fields.get('datafile');
  if (spec === undefined) return [];
  const dir = path.dirname(file);
  const resolve = (name: string) => (path.isAbsolute(name) ? name : path.join(dir, name));
  if (/^LIST(\s|$)/.test(spec)) return h.dataFileList.map(resolve);
  const parts = spec.split(/\s+/);
  if (parts.length >= 4 && /%\d*d/.test(parts[0])) {
    const [min, max, step] = parts.slice(1, 4).map(Number);
    if (![min, max, step].every(Number.isInteger) || step === 0) fail(file, 'data file', `bad file range '${spec}'`, '<format> <min> <max> <step>');
    const names: string[] = [];
    for (let n = min; step > 0 ? n <= max : n >= max; n += step) names.push(resolve(formatDataFileName(parts[0], n)));
    return names;
  }
  return [resolve(spec)];
}

function skipLines(bytes: Uint8Array, lines: number, file: string): Uint8Array {
  let pos = 0;
  for (let i = 0; i < lines; i++) {
    const nl = bytes.indexOf(10, pos);
    if (nl < 0) fail(file, 'line skip', `cannot skip ${lines} lines`, `at least ${lines} lines before the data`);
    pos = nl + 1;
  }
  return bytes.subarray(pos);
}

/** Decodes one stretch of encoded data into raw voxel bytes (before endianness handling). */
function decodeChunk(encoded: Uint8Array, h: NrrdHeader, encoding: Encoding, layout: Layout, file: string, expectedBytes: number): Uint8Array {
  const lineSkip = Number(h.fields.get('lineskip') ?? 0);
  const byteSkip = Number(h.fields.get('byteskip') ?? 0);
  if (!Number.isInteger(lineSkip) || lineSkip < 0) fail(file, 'line skip', `invalid '${h.fields.get('lineskip')}'`, 'a non-negative integer');
  if (!Number.isInteger(byteSkip) || byteSkip < -1) fail(file, 'byte skip', `invalid '${h.fields.get('byteskip')}'`, 'an integer ≥ -1');
  let data = skipLines(encoded, lineSkip, file);
  if (encoding === 'raw') {
    if (byteSkip === -1) {
      if (data.length < expectedBytes) sizeMismatch(file, data.length, expectedBytes, layout);
      return data.subarray(data.length - expectedBytes);
    }
    return data.subarray(byteSkip);
  }
  if (byteSkip === -1) fail(file, 'byte skip', "'-1' (data at the end of the file) with a non-raw encoding", "'-1' only with encoding raw");
  // Compressed data: byte skip counts decompressed bytes (teem's convention).
  if (encoding === 'gzip') data = inflate(data, file, 'encoding');
  return data.subarray(byteSkip);
}

function sizeMismatch(file: string, actual: number, expected: number, layout: Layout): never {
  fail(
    file,
    'sizes',
    `data holds ${actual} bytes but the header describes ${expected} (${layout.axisSizes.join('×')} × ${BYTES_PER_VOXEL[layout.type]} bytes of ${layout.type})`,
    `${expected} bytes of voxel data`,
  );
}

function parseText(text: string, encoding: 'ascii' | 'hex', layout: Layout, file: string): VoxelArray | Uint8Array {
  if (encoding === 'hex') {
    const digits = text.replace(/\s+/g, '');
    if (!/^[0-9a-fA-F]*$/.test(digits) || digits.length % 2)
      fail(file, 'encoding', 'hex data holds a non-hex character or an odd digit count', 'pairs of hex digits');
    return Buffer.from(digits, 'hex');
  }
  const tokens = text
    .trim()
    .split(/[\s,]+/)
    .filter((t) => t !== '');
  if (tokens.length !== layout.count)
    fail(file, 'sizes', `ascii data holds ${tokens.length} values but the header describes ${layout.count}`, `${layout.count} values`);
  const values = allocateVoxels(layout.type, layout.count);
  for (let i = 0; i < tokens.length; i++) {
    const v = Number(tokens[i]);
    if (Number.isNaN(v) && !/^nan$/i.test(tokens[i])) fail(file, 'data', `value ${i} is not a number (${JSON.stringify(tokens[i])})`, 'numbers');
    values[i] = v;
  }
  return values;
}

/** Reads a .nrrd (attached or detached data) or .nhdr file. */
export function readNrrd(file: string): Volume {
  if (!existsSync(file)) fail(file, 'path', 'file not found', 'an existing NRRD file');
  const bytes = readFileSync(file);
  const header = parseNrrdHeader(bytes, file);
  const layout = layoutOf(header, file);
  const encodingName = requireField(header, 'encoding', file, 'encoding').toLowerCase();
  const encoding = ENCODINGS[encodingName];
  if (!encoding) fail(file, 'encoding', `unsupported encoding '${encodingName}'`, 'raw, gzip, ascii or hex');
  const width = BYTES_PER_VOXEL[layout.type];
  const expectedBytes = layout.count * width;

  const detached = dataFiles(header, file);
  let chunks: Uint8Array[];
  if (detached.length === 0) {
    if (header.dataOffset < 0)
      fail(file, 'data file', 'the header has no data after it and names no data file', "attached data after a blank line, or a 'data file:' field");
    chunks = [bytes.subarray(header.dataOffset)];
  } else {
    chunks = detached.map((name) => {
      if (!existsSync(name)) fail(file, 'data file', `data file ${name} not found`, 'the data file next to the header');
      return readFileSync(name);
    });
  }

  let data: VoxelArray;
  if (encoding === 'ascii' || encoding === 'hex') {
    const text = chunks
      .map((c, i) => Buffer.from(decodeChunk(c, header, encoding, layout, detached[i] ?? file, expectedBytes / chunks.length)).toString('latin1'))
      .join('\n');
    const parsed = parseText(text, encoding, layout, file);
    if (encoding === 'ascii') {
      data = parsed as VoxelArray;
    } else {
      if (parsed.length !== expectedBytes) sizeMismatch(file, parsed.length, expectedBytes, layout);
      data = decodeVoxels(parsed as Uint8Array, 0, layout.type, layout.count, endianOf(header, file, width), true);
    }
  } else {
    const decoded = chunks.map((c, i) => decodeChunk(c, header, encoding, layout, detached[i] ?? file, expectedBytes / chunks.length));
    const raw = decoded.length === 1 ? decoded[0] : Buffer.concat(decoded);
    if (raw.length !== expectedBytes) sizeMismatch(detached.length ? detached.join(', ') : file, raw.length, expectedBytes, layout);
    data = decodeVoxels(raw, 0, layout.type, layout.count, endianOf(header, file, width), true);
  }

  const geometry = geometryFromAxes(layout.size, layout.geometryAxes, layout.origin, { file, field: 'space directions' });
  return { geometry, data, source: file };
}

function endianOf(h: NrrdHeader, file: string, width: number): boolean {
  const endian = h.fields.get('endian')?.toLowerCase();
  if (endian === undefined) {
    if (width === 1) return true;
    fail(file, 'endian', 'missing for a multi-byte type', "'little' or 'big'");
  }
  if (endian !== 'little' && endian !== 'big') fail(file, 'endian', `'${endian}'`, "'little' or 'big'");
  return endian === 'little';
}
