// Decompression for the readers: gzip, zlib-wrapped and raw deflate, always with a ceiling on the output (what the
// header declares), so that a small file cannot inflate into gigabytes; truncation is reported as bad input.
import { constants, gzipSync, inflateRawSync, unzipSync, type ZlibOptions } from 'node:zlib';
import { kMaxLength } from 'node:buffer';
import { RadiomicsInputError } from '../errors';
import { token } from './limits';

/** 'auto': gzip or zlib (detected from the bytes); 'raw': a bare deflate stream (DICOM's deflated transfer syntax). */
export type Wrapper = 'auto' | 'raw';

export interface InflateWhere {
  file: string;
  /** Field named when the stream is corrupt or truncated. */
  field: string;
  /** Field named when the stream inflates to more than allowed (the header field that declares the size). */
  sizeField: string;
  /** What the ceiling is, for the message: e.g. "the header declares (2×3×2 int16)". */
  declared: string;
}

const TOO_LARGE = 'ERR_BUFFER_TOO_LARGE';

function run(bytes: Uint8Array, wrapper: Wrapper, options: ZlibOptions): Buffer {
  return wrapper === 'raw' ? inflateRawSync(bytes, options) : unzipSync(bytes, options);
}

function limitOf(maxBytes: number): number {
  return Math.max(1, Math.min(kMaxLength, Math.floor(maxBytes)));
}

function tooLarge(maxBytes: number, where: InflateWhere): RadiomicsInputError {
  return new RadiomicsInputError(`compressed data inflates to more than the ${maxBytes} bytes ${where.declared}`, {
    file: where.file,
    field: where.sizeField,
    expected: `at most ${maxBytes} bytes once inflated`,
  });
}

function unreadable(err: unknown, where: InflateWhere): RadiomicsInputError {
  return new RadiomicsInputError(`compressed data cannot be read (${token((err as Error).message ?? String(err), 40)})`, {
    file: where.file,
    field: where.field,
    expected: 'a complete gzip or deflate stream',
  });
}

/** Inflates a whole stream; more than `maxBytes` of output is a RadiomicsInputError, raised as soon as it is reached. */
export function inflate(bytes: Uint8Array, maxBytes: number, where: InflateWhere, wrapper: Wrapper = 'auto'): Buffer {
  try {
    return run(bytes, wrapper, { maxOutputLength: limitOf(maxBytes) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === TOO_LARGE) throw tooLarge(maxBytes, where);
    throw unreadable(err, where);
  }
}

/**
 * Inflates only as much of a stream as `enough` needs (a header at its start), never producing more than `maxBytes`:
 * prefixes of the compressed bytes are inflated (with a sync flush, so a cut stream is not an error), growing
 * fourfold until `enough(output)` holds, and bisected when one inflates past `maxBytes`. Returns the output of the
 * first prefix that is enough, or of the whole input when none is.
 */
export function inflatePrefix(bytes: Uint8Array, maxBytes: number, enough: (out: Buffer) => boolean, where: InflateWhere, wrapper: Wrapper = 'auto'): Buffer {
  let fits = 0; // longest prefix known to inflate within maxBytes
  let overflows = Infinity; // shortest prefix known to inflate past maxBytes
  let length = Math.min(bytes.length, 1024);
  for (;;) {
    let out: Buffer | undefined;
    try {
      out = run(bytes.subarray(0, length), wrapper, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: limitOf(maxBytes) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== TOO_LARGE) throw unreadable(err, where);
    }
    if (out) {
      if (enough(out) || length >= bytes.length) return out;
      fits = length;
    } else {
      overflows = length;
    }
    if (overflows - fits <= 1) throw tooLarge(maxBytes, where);
    length = overflows === Infinity ? Math.min(bytes.length, length * 4) : Math.floor((fits + overflows) / 2);
  }
}

export function deflateGzip(bytes: Uint8Array): Buffer {
  // Level 6 (zlib's default) costs ~3× less time than 9 for a few % in size.
  return gzipSync(bytes, { level: 6 });
}

/** True when the bytes start with the gzip magic (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
