// File helpers both blob stores share: hashing a file while copying it, and placing a finished temporary file under
// its address in one rename, so a reader never sees half a blob and a crash leaves only a temporary file behind.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobRef } from './types';

/** `<root>/<first two hex digits>/<sha256>`: at most 256 entries per folder level for a large store. */
export function blobPath(root: string, sha256: string): string {
  return path.join(root, sha256.slice(0, 2), sha256);
}

/** A name for a temporary file beside `target`, unique to this process and call. */
export function temporaryBeside(target: string): string {
  return `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
}

/** Copies `source` to `target` (made anew), returning the sha256 and size of what was copied; a failed copy leaves no `target`. */
export async function copyHashing(source: string | NodeJS.ReadableStream, target: string): Promise<BlobRef> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  mkdirSync(path.dirname(target), { recursive: true });
  const out = createWriteStream(target, { flags: 'wx', mode: 0o640 });
  try {
    await pipeline(typeof source === 'string' ? createReadStream(source) : source, tap, out);
  } catch (err) {
    // The file may still be opening when the source fails: remove it once the stream has closed, not before.
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    rmSync(target, { force: true });
    throw err;
  }
  return { sha256: hash.digest('hex'), size };
}

/** sha256 and size of a file, streamed. */
export async function hashFile(file: string): Promise<BlobRef> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return { sha256: hash.digest('hex'), size: statSync(file).size };
}

/** Moves a finished temporary file to its address; when another writer got there first, the copy is dropped. */
export function settle(temporary: string, target: string): void {
  mkdirSync(path.dirname(target), { recursive: true });
  if (statSync(target, { throwIfNoEntry: false })?.isFile()) {
    rmSync(temporary, { force: true }); // same address, same bytes
    return;
  }
  renameSync(temporary, target);
}
