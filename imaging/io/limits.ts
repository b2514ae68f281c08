// What the readers accept from a file, checked from its header before anything large is read or allocated:
// a voxel limit, a ceiling on the bytes besides the voxels, regular files only, and short sanitised tokens in errors.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { RadiomicsInputError } from '../errors';

/**
 * Default for the most voxels one image may declare: 2^28 (268 M), 1 GiB as float32 and 512 MiB as int16. The
 * largest volumes the pipeline meets (a 512 × 512 CT of 1000 slices is 262 M voxels) fit; a header declaring more is
 * refused before any voxel is read. Each reader takes `maxVoxels` to raise or lower it per call.
 */
export const DEFAULT_MAX_VOXELS = 2 ** 28;

/**
 * Most bytes a file may hold besides its voxels: a NRRD header (or the text before its data), NIfTI extensions
 * (vox_offset), the DICOM attributes outside Pixel Data. Real files use kilobytes to a few megabytes.
 */
export const MAX_NON_VOXEL_BYTES = 16 * 2 ** 20;

/** Limits a reader applies; every field is optional. */
export interface ReadLimits {
  /** Most voxels (the product of the sizes) an image may declare; default DEFAULT_MAX_VOXELS. */
  maxVoxels?: number;
}

/** The voxel limit of `limits`, validated. */
export function maxVoxelsOf(limits: ReadLimits | undefined, file: string): number {
  const max = limits?.maxVoxels ?? DEFAULT_MAX_VOXELS;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new RadiomicsInputError(`the reader was given maxVoxels ${String(max)}`, { file, field: 'maxVoxels', expected: 'a positive integer' });
  }
  return max;
}

/** Refuses a voxel count above the limit; `sizes` says where the count comes from (e.g. "512×512×300"). */
export function checkVoxelCount(count: number, max: number, where: { file: string; field: string; sizes: string }): void {
  if (count <= max) return;
  throw new RadiomicsInputError(`${where.sizes} is ${count} voxels, more than the limit of ${max}`, {
    file: where.file,
    field: where.field,
    expected: `at most ${max} voxels (the reader's maxVoxels option)`,
  });
}

/**
 * A value read from a header, made safe to show in an error: printable ASCII only (anything else becomes '?') and at
 * most `max` characters. Errors end up in workflow histories and notifications, so they never carry more than this.
 */
export function token(value: string, max = 32): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return printable.length <= max ? printable : `${printable.slice(0, max - 3)}...`;
}

/**
 * Size of `file`, which must be a regular file (not a folder, FIFO or device: those are refused without being
 * opened, so that nothing blocks or streams without end) of at most `maxBytes` bytes.
 */
export function regularFileSize(file: string, where: { file?: string; field: string; expected: string }, maxBytes = Infinity): number {
  const report = where.file ?? file;
  let stats;
  try {
    stats = statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const message = code === 'ENOENT' ? 'file not found' : `cannot be read (${token(code, 16)})`;
    throw new RadiomicsInputError(message, { file: report, field: where.field, expected: where.expected });
  }
  if (!stats.isFile()) {
    const kind = stats.isDirectory() ? 'a folder' : stats.isFIFO() ? 'a FIFO' : stats.isCharacterDevice() || stats.isBlockDevice() ? 'a device' : 'not a file';
    throw new RadiomicsInputError(`${kind}, not a regular file`, { file: report, field: where.field, expected: where.expected });
  }
  if (stats.size > maxBytes) {
    throw new RadiomicsInputError(`file holds ${stats.size} bytes, more than the ${maxBytes} allowed`, {
      file: report,
      field: where.field,
      expected: where.expected,
    });
  }
  return stats.size;
}

/**
 * `length` bytes of `file` from `offset`, in a buffer of their own (not pooled, so that voxel arrays can view it).
 * Fewer bytes than asked (the file shrank while read) is a RadiomicsInputError.
 */
export function readRange(file: string, offset: number, length: number, where: { file?: string; field: string } = { field: 'data' }): Buffer {
  const out = Buffer.allocUnsafeSlow(length);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new RadiomicsInputError(`cannot be opened (${token((err as NodeJS.ErrnoException).code ?? 'error', 16)})`, {
      file: where.file ?? file,
      field: where.field,
      expected: 'a readable file',
    });
  }
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, Math.min(length - done, 2 ** 30), offset + done);
      if (n === 0) break;
      done += n;
    }
    if (done < length) {
      throw new RadiomicsInputError(`file ended after ${offset + done} bytes while reading ${length} from byte ${offset}`, {
        file: where.file ?? file,
        field: where.field,
        expected: `${offset + length} bytes`,
      });
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
