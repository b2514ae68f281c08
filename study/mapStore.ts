// Stores a computed volume (a parameter map) in the study store the way scans are stored: `<dir>/<name>-<sha12>.nii.gz`,
// written to a hidden partial file first and renamed, so a reader never sees half a file and a retry that computes the
// same bytes finds its copy already there.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeNifti } from '../imaging/io';
import type { Volume } from '../imaging/image';
import { storageError, type StoredCopy } from './scanStore';

/** `created`: false when an earlier attempt had stored the same bytes (that copy is kept and reused). */
export function storeVolume(dir: string, baseName: string, volume: Volume, description: string): StoredCopy & { created: boolean } {
  const partial = path.join(dir, `.${baseName}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.partial.nii.gz`);
  try {
    mkdirSync(dir, { recursive: true });
    writeNifti(partial, volume, { description });
    const sha256 = createHash('sha256').update(readFileSync(partial)).digest('hex');
    const target = path.join(dir, `${baseName}-${sha256.slice(0, 12)}.nii.gz`);
    if (existsSync(target)) {
      rmSync(partial, { force: true });
      return { path: target, sha256, created: false };
    }
    renameSync(partial, target);
    return { path: target, sha256, created: true };
  } catch (err) {
    rmSync(partial, { force: true });
    throw storageError(err, dir);
  }
}

/** Removes stored map files (a step that failed part-way leaves nothing behind). */
export function removeStored(files: readonly string[]): void {
  for (const file of files) rmSync(file, { force: true });
}
