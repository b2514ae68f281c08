// Decompression for the readers: gzip (and zlib-wrapped deflate), with truncation reported as bad input.
import { unzipSync, gzipSync } from 'node:zlib';
import { RadiomicsInputError } from '../errors';

/** Inflates a gzip or zlib stream; a truncated or corrupt stream is a RadiomicsInputError naming `file`. */
export function inflate(bytes: Uint8Array, file: string, field = 'data'): Uint8Array {
  try {
    return unzipSync(bytes);
  } catch (err) {
    throw new RadiomicsInputError(`compressed data cannot be read (${(err as Error).message})`, {
      file,
      field,
      expected: 'a complete gzip stream',
    });
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
