// NRRD reader (teem's format, http://teem.sourceforge.net/nrrd/format.html): attached .nrrd and detached .nhdr,
// encodings raw / gzip / ascii / hex, every scalar type, geometry as ITK's NrrdImageIO reports it (LPS).
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { Vec3, Volume, VoxelArray } from '../image';
import { RadiomicsInputError } from '../errors';
import { inflate } from './compression';
import { checkVoxelCount, MAX_NON_VOXEL_BYTES, maxVoxelsOf, readRange, regularFileSize, token, type ReadLimits } from './limits';
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
/** Bytes read first for the header. */
const FIRST_READ_BYTES = 65536;
/** teem's NRRD_DIM_MAX. */
const MAX_DIMENSION = 16;
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
      if (!/^NRRD000[1-5]$/.test(line)) fail(file, 'magic', `not a NRRD file (first line '${token(line, 16)}')`, "'NRRD0001' to 'NRRD0005'");
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
    if (colon < 0) fail(file, 'header', `line ${lineNo} is not 'field: value' ('${token(line)}')`, "'field: value' lines");
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
  if (!v || !v.every(Number.isFinite)) fail(file, field, `cannot read vector '${token(text)}'`, "'(x,y,z)' with three finite numbers, or 'none'");
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
function layoutOf(h: NrrdHeader, file: string, maxVoxels: number): Layout {
  const typeName = requireField(h, 'type', file, 'type').toLowerCase();
  const type = NRRD_TYPES[typeName];
  if (!type) fail(file, 'type', `unsupported type '${token(typeName)}'`, 'a scalar type (int8…uint64, float, double)');
  const dimension = Number(requireField(h, 'dimension', file, 'dimension'));
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > MAX_DIMENSION) {
    fail(file, 'dimension', `invalid dimension '${token(h.fields.get('dimension')!)}'`, `an integer from 1 to ${MAX_DIMENSION}`);
  }
  const axisSizes = requireField(h, 'sizes', file, 'sizes').split(/\s+/).map(Number);
  if (axisSizes.length !== dimension || !axisSizes.every((s) => Number.isSafeInteger(s) && s > 0)) {
    fail(file, 'sizes', `'${token(h.fields.get('sizes')!)}' does not give ${dimension} positive integers`, `${dimension} positive integer sizes`);
  }
  const count = axisSizes.reduce((a, b) => a * b, 1);
  checkVoxelCount(count, maxVoxels, { file, field: 'sizes', sizes: axisSizes.join('×') });

  const spaceName = h.fields.get('space')?.toLowerCase();
  const spaceDimension = h.fields.has('spacedimension') ? Number(h.fields.get('spacedimension')) : spaceName ? 3 : 0;
  const spatial: { axis: number; step: Vec3 }[] = [];
  let origin: Vec3 = [0, 0, 0];
  if (spaceName !== undefined || spaceDimension > 0) {
    if (spaceName !== undefined && !SPACE_TO_LPS_FLIP[spaceName])
      fail(
        file,
        'space',
        `unsupported space '${token(spaceName)}'`,
        'a 3D space: left-posterior-superior, right-anterior-superior, left-anterior-superior, scanner-xyz, 3D-right-handed',
      );
    if (spaceDimension !== 3) fail(file, 'space dimension', `space dimension '${token(h.fields.get('spacedimension') ?? String(spaceDimension))}'`, '3');
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
    // No space: per-axis spacings and axis mins as origin; identity direction (ITK's behaviour). The spec's 'nan'
    // ("spacing unknown") reads as 1, as ITK reads it; a zero, negative, infinite or unreadable spacing is an error.
    const spacingTokens = h.fields.get('spacings')?.split(/\s+/);
    const mins = h.fields.get('axismins')?.split(/\s+/).map(Number);
    const kinds = h.fields.get('kinds')?.toLowerCase().split(/\s+/);
    for (let axis = 0; axis < dimension; axis++) {
      const kind = kinds?.[axis];
      if (kind && !['domain', 'space', '???', 'none'].includes(kind)) continue;
      const text = spacingTokens?.[axis];
      let s = 1;
      if (text !== undefined && !/^[+-]?nan$/i.test(text)) {
        s = Number(text);
        if (!(Number.isFinite(s) && s > 0)) {
          fail(file, 'spacings', `spacing '${token(text)}' of axis ${axis}`, "a finite spacing > 0 per spatial axis (or 'nan' when unknown)");
        }
      }
      const step: Vec3 = [0, 0, 0];
      step[Math.min(spatial.length, 2)] = s;
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
  return { type, count, axisSizes, geometryAxes: steps as [Vec3, Vec3, Vec3], size: size as Vec3, origin };
}

/** Widest zero-padded number a data file range may ask for ('%016d'). */
const MAX_NUMBER_WIDTH = 16;

function formatDataFileName(format: string, n: number): string {
  return format.replace(/%(0?)(\d*)d/, (_m, zero: string, width: string) => String(n).padStart(Number(width || 0), zero ? '0' : ' '));
}

/** The `<subdim>` of a LIST or range (the dimension of the data in each file); dimension − 1 (one slice a file) by default. */
function subdimOf(text: string | undefined, dimension: number, file: string): number {
  if (text === undefined || text === '') return dimension - 1;
  const d = Number(text);
  if (!Number.isInteger(d) || d < 1 || d > dimension) fail(file, 'data file', `sub-dimension '${token(text)}'`, `an integer from 1 to ${dimension}`);
  return d;
}

/** How many data files the sizes imply: one per sample of the axes past the first `subdim`. */
function filesImplied(axisSizes: number[], subdim: number): number {
  return axisSizes.slice(subdim).reduce((a, b) => a * b, 1);
}

/**
 * Data file names as the header gives them; `[]` for attached data. A LIST or a printf-style range that names more
 * files than the sizes imply is refused from its count, before any name is made.
 */
function dataFileNames(h: NrrdHeader, file: string, layout: Layout): string[] {
  const spec = h.fields.get('datafile');
  if (spec === undefined) return [];
  const dimension = layout.axisSizes.length;
  const parts = spec.split(/\s+/);
  if (/^LIST(\s|$)/.test(spec)) {
    const most = filesImplied(layout.axisSizes, subdimOf(parts[1], dimension, file));
    if (h.dataFileList.length > most) fail(file, 'data file', `LIST names ${h.dataFileList.length} files`, `at most ${most} (one per slice the sizes imply)`);
    if (h.dataFileList.length === 0) fail(file, 'data file', 'LIST names no file', 'one data file name per line after LIST');
    return h.dataFileList;
  }
  if (parts.length >= 4 && /%\d*d/.test(parts[0])) {
    const [min, max, step] = parts.slice(1, 4).map(Number);
    if (![min, max, step].every(Number.isSafeInteger) || step === 0)
      fail(file, 'data file', `bad file range '${token(spec)}'`, '<format> <min> <max> <step> [<subdim>]');
    const width = Number(/%0?(\d*)d/.exec(parts[0])?.[1] || 0);
    if (width > MAX_NUMBER_WIDTH) fail(file, 'data file', `number width ${width} in '${token(parts[0])}'`, `a width of at most ${MAX_NUMBER_WIDTH}`);
    const count = (max - min) / step < 0 ? 0 : Math.floor((max - min) / step) + 1;
    const most = filesImplied(layout.axisSizes, subdimOf(parts[4], dimension, file));
    if (count > most) fail(file, 'data file', `range ${min} to ${max} step ${step} names ${count} files`, `at most ${most} (one per slice the sizes imply)`);
    if (count === 0) fail(file, 'data file', `range ${min} to ${max} step ${step} names no file`, 'a range naming at least one file');
    return Array.from({ length: count }, (_, i) => formatDataFileName(parts[0], min + i * step));
  }
  return [spec];
}

/**
 * The real path of a data file the header names. Data lives beside its header: the name must be relative, without
 * '..', and its real path (symbolic links followed) must lie inside the header's folder. Messages show the name as
 * the header gives it (a short token), never the file's content or where a link points.
 */
function resolveDataFile(name: string, file: string): string {
  const expected = "a file name relative to the header's folder, inside it";
  if (name === '' || name.includes('\0')) fail(file, 'data file', 'empty or invalid data file name', expected);
  if (path.isAbsolute(name)) fail(file, 'data file', `'${token(name)}' is an absolute path`, expected);
  if (name.split(/[/\\]/).includes('..')) fail(file, 'data file', `'${token(name)}' leaves the header's folder ('..')`, expected);
  const dir = path.dirname(path.resolve(file));
  let real: string;
  let realDir: string;
  try {
    realDir = realpathSync(dir);
    real = realpathSync(path.join(dir, name));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') fail(file, 'data file', `data file ${token(name)} not found`, 'the data file next to the header');
    fail(file, 'data file', `data file ${token(name)} cannot be read (${token(code, 16)})`, 'a readable data file next to the header');
  }
  const inside = realDir.endsWith(path.sep) ? realDir : realDir + path.sep;
  if (!real.startsWith(inside)) fail(file, 'data file', `'${token(name)}' resolves outside the header's folder (a symbolic link?)`, expected);
  return real;
}

/** One run of encoded data: a file (the header's own, or a data file) from `offset` to its `size`. */
interface Source {
  file: string;
  offset: number;
  size: number;
}

function sourcesOf(h: NrrdHeader, file: string, layout: Layout, fileSize: number): Source[] {
  const names = dataFileNames(h, file, layout);
  if (names.length === 0) {
    if (h.dataOffset < 0)
      fail(file, 'data file', 'the header has no data after it and names no data file', "attached data after a blank line, or a 'data file:' field");
    return [{ file, offset: h.dataOffset, size: fileSize }];
  }
  return names.map((name) => {
    const real = resolveDataFile(name, file);
    const size = regularFileSize(real, { file, field: 'data file', expected: `a regular file as data file ${token(name)}` });
    return { file: real, offset: 0, size };
  });
}

function skipsOf(h: NrrdHeader, file: string): { lineSkip: number; byteSkip: number } {
  const lineSkip = Number(h.fields.get('lineskip') ?? 0);
  const byteSkip = Number(h.fields.get('byteskip') ?? 0);
  if (!Number.isSafeInteger(lineSkip) || lineSkip < 0) fail(file, 'line skip', `invalid '${token(h.fields.get('lineskip')!)}'`, 'a non-negative integer');
  if (!Number.isSafeInteger(byteSkip) || byteSkip < -1) fail(file, 'byte skip', `invalid '${token(h.fields.get('byteskip')!)}'`, 'an integer ≥ -1');
  return { lineSkip, byteSkip };
}

/** The source past its first `lines` lines, which must end within MAX_NON_VOXEL_BYTES. */
function skipLines(src: Source, lines: number, file: string): Source {
  if (lines === 0) return src;
  const window = readRange(src.file, src.offset, Math.max(0, Math.min(src.size - src.offset, MAX_NON_VOXEL_BYTES)), { file, field: 'line skip' });
  let pos = 0;
  for (let i = 0; i < lines; i++) {
    const nl = window.indexOf(10, pos);
    if (nl < 0) fail(file, 'line skip', `cannot skip ${lines} lines`, `at least ${lines} lines before the data, within ${MAX_NON_VOXEL_BYTES} bytes`);
    pos = nl + 1;
  }
  return { ...src, offset: src.offset + pos };
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
    // The data is not the header: never quote it.
    if (Number.isNaN(v) && !/^nan$/i.test(tokens[i])) fail(file, 'data', `value ${i} is not a number`, 'numbers');
    values[i] = v;
  }
  return values;
}

/** Raw voxel bytes: exactly the bytes the header describes, read straight from the files (nothing else is read). */
function readRaw(srcs: Source[], byteSkip: number, expected: number, layout: Layout, file: string): Buffer {
  const per = expected / srcs.length;
  const spans = srcs.map((s) => {
    if (byteSkip === -1) {
      // Data at the end of each file.
      if (!Number.isInteger(per) || s.size - s.offset < per) sizeMismatch(file, Math.max(0, s.size - s.offset), per, layout);
      return { file: s.file, offset: s.size - per, length: per };
    }
    const offset = s.offset + byteSkip;
    return { file: s.file, offset, length: Math.max(0, s.size - offset) };
  });
  const total = spans.reduce((a, s) => a + s.length, 0);
  if (total !== expected) sizeMismatch(file, total, expected, layout);
  if (spans.length === 1) return readRange(spans[0].file, spans[0].offset, expected, { file, field: 'data file' });
  const out = Buffer.allocUnsafeSlow(expected);
  let at = 0;
  for (const s of spans) {
    out.set(readRange(s.file, s.offset, s.length, { file, field: 'data file' }), at);
    at += s.length;
  }
  return out;
}

/** Inflated voxel bytes; each stream may produce no more than the bytes still to come (plus the byte skip). */
function readGzip(srcs: Source[], byteSkip: number, expected: number, layout: Layout, file: string): Buffer {
  if (byteSkip > MAX_NON_VOXEL_BYTES) fail(file, 'byte skip', `${byteSkip} bytes`, `at most ${MAX_NON_VOXEL_BYTES} with encoding gzip`);
  // gzip never grows data by more than a fraction of a percent: more compressed bytes than this is not these voxels.
  const most = expected + byteSkip * srcs.length + Math.ceil(expected / 256) + MAX_NON_VOXEL_BYTES;
  const compressed = srcs.reduce((a, s) => a + Math.max(0, s.size - s.offset), 0);
  if (compressed > most) fail(file, 'encoding', `${compressed} bytes of gzip data for ${expected} bytes of voxels`, `at most ${most} bytes of gzip data`);
  const declared = `the header declares (${layout.axisSizes.join('×')} ${layout.type}${byteSkip ? ` after a byte skip of ${byteSkip}` : ''})`;
  const parts: Buffer[] = [];
  let produced = 0;
  for (const s of srcs) {
    const bytes = readRange(s.file, s.offset, Math.max(0, s.size - s.offset), { file, field: 'data file' });
    const out = inflate(bytes, byteSkip + expected - produced, { file, field: 'encoding', sizeField: 'sizes', declared });
    const data = out.subarray(Math.min(byteSkip, out.length));
    parts.push(data);
    produced += data.length;
  }
  if (produced !== expected) sizeMismatch(file, produced, expected, layout);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, expected);
}

/** ascii or hex text of the data, at most a generous number of characters per value. */
function readTextData(srcs: Source[], byteSkip: number, encoding: 'ascii' | 'hex', expected: number, layout: Layout, file: string): string {
  const most = (encoding === 'ascii' ? layout.count * 48 : expected * 3) + byteSkip * srcs.length + 65536;
  const total = srcs.reduce((a, s) => a + Math.max(0, s.size - s.offset), 0);
  if (total > most) fail(file, 'encoding', `${total} bytes of ${encoding} text for ${layout.count} values`, `at most ${most} bytes of text`);
  return srcs
    .map((s) => {
      const bytes = readRange(s.file, s.offset, Math.max(0, s.size - s.offset), { file, field: 'data file' });
      return bytes.toString('latin1', Math.min(byteSkip, bytes.length));
    })
    .join('\n');
}

/**
 * Reads a .nrrd (attached or detached data) or .nhdr file. The header (at most MAX_NON_VOXEL_BYTES) is read and
 * checked first: sizes against the voxel limit, data files against the header's folder; then exactly the data the
 * header describes is read or inflated, never more.
 */
export function readNrrd(file: string, limits: ReadLimits = {}): Volume {
  const maxVoxels = maxVoxelsOf(limits, file);
  const fileSize = regularFileSize(file, { field: 'path', expected: 'an existing NRRD file' });
  // Most headers end within their first 64 KiB; a longer one is read again, up to MAX_NON_VOXEL_BYTES.
  let head = readRange(file, 0, Math.min(fileSize, FIRST_READ_BYTES), { field: 'header' });
  if (fileSize > head.length && head.indexOf('\n\n') < 0 && head.indexOf('\n\r\n') < 0) {
    head = readRange(file, 0, Math.min(fileSize, MAX_NON_VOXEL_BYTES), { field: 'header' });
  }
  const header = parseNrrdHeader(head, file);
  if (header.dataOffset < 0 && fileSize > head.length) {
    fail(file, 'header', `no blank line ends the header within its first ${head.length} bytes`, `a header of at most ${MAX_NON_VOXEL_BYTES} bytes`);
  }
  const layout = layoutOf(header, file, maxVoxels);
  const encodingName = requireField(header, 'encoding', file, 'encoding').toLowerCase();
  const encoding = ENCODINGS[encodingName];
  if (!encoding) fail(file, 'encoding', `unsupported encoding '${token(encodingName)}'`, 'raw, gzip, ascii or hex');
  const width = BYTES_PER_VOXEL[layout.type];
  const expectedBytes = layout.count * width;
  const littleEndian = encoding === 'ascii' ? true : endianOf(header, file, width);
  const { lineSkip, byteSkip } = skipsOf(header, file);
  if (byteSkip === -1 && encoding !== 'raw')
    fail(file, 'byte skip', "'-1' (data at the end of the file) with a non-raw encoding", "'-1' only with encoding raw");

  const geometry = geometryFromAxes(layout.size, layout.geometryAxes, layout.origin, { file, field: 'space directions' });
  const sources = sourcesOf(header, file, layout, fileSize).map((s) => skipLines(s, lineSkip, file));
  let data: VoxelArray;
  if (encoding === 'ascii' || encoding === 'hex') {
    const parsed = parseText(readTextData(sources, byteSkip, encoding, expectedBytes, layout, file), encoding, layout, file);
    if (encoding === 'ascii') {
      data = parsed as VoxelArray;
    } else {
      if (parsed.length !== expectedBytes) sizeMismatch(file, parsed.length, expectedBytes, layout);
      data = decodeVoxels(parsed as Uint8Array, 0, layout.type, layout.count, littleEndian, true);
    }
  } else {
    const raw = encoding === 'raw' ? readRaw(sources, byteSkip, expectedBytes, layout, file) : readGzip(sources, byteSkip, expectedBytes, layout, file);
    data = decodeVoxels(raw, 0, layout.type, layout.count, littleEndian, true);
  }

  return { geometry, data, source: file };
}

function endianOf(h: NrrdHeader, file: string, width: number): boolean {
  const endian = h.fields.get('endian')?.toLowerCase();
  if (endian === undefined) {
    if (width === 1) return true;
    fail(file, 'endian', 'missing for a multi-byte type', "'little' or 'big'");
  }
  if (endian !== 'little' && endian !== 'big') fail(file, 'endian', `'${token(endian)}'`, "'little' or 'big'");
  return endian === 'little';
}
