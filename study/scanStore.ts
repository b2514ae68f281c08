// Copies a registered scan into the study's store folder with its SHA-256, idempotently and atomically: a file, a
// DICOM series folder, or an http(s) URL. A source that does not answer raises SourceUnavailable (retried by the
// activity's policy); a copy already in the store with the same content is reused.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class SourceUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceUnavailable';
  }
}

export interface StoredCopy {
  path: string;
  sha256: string;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Image extension of a file name ('.nii.gz', '.nrrd', …), '' for a folder. */
function extensionOf(name: string): string {
  const match = /(\.nii\.gz|\.nii|\.nrrd|\.nhdr|\.dcm)$/i.exec(name);
  return match ? match[1].toLowerCase() : '';
}

/** SHA-256 of a folder: of its files' names and hashes in name order (a DICOM series is the set of its files). */
function folderHash(dir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isFile()) hash.update(`${name}\0${sha256(readFileSync(full))}\n`);
  }
  return hash.digest('hex');
}

async function download(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(120000) });
  } catch (err) {
    throw new SourceUnavailable(`${url} did not answer (${(err as Error).message})`);
  }
  if (!response.ok) throw new SourceUnavailable(`${url} answered HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Stores `source` as `<dir>/<baseName>-<sha12><ext>` and returns where and its hash. Writes go to a temporary name
 * first, so a crash never leaves a half-written scan under the final name.
 */
export async function storeScan(source: string, dir: string, baseName: string): Promise<StoredCopy> {
  mkdirSync(dir, { recursive: true });
  if (/^https?:\/\//.test(source)) {
    const bytes = await download(source);
    const digest = sha256(bytes);
    const target = path.join(dir, `${baseName}-${digest.slice(0, 12)}${extensionOf(new URL(source).pathname) || '.nii.gz'}`);
    if (!existsSync(target)) {
      writeFileSync(`${target}.partial`, bytes);
      renameSync(`${target}.partial`, target);
    }
    return { path: target, sha256: digest };
  }
  if (!existsSync(source)) throw new SourceUnavailable(`${source} does not exist (yet)`);
  if (statSync(source).isDirectory()) {
    const digest = folderHash(source);
    const target = path.join(dir, `${baseName}-${digest.slice(0, 12)}`);
    if (!existsSync(target)) {
      const partial = `${target}.partial`;
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial);
      for (const name of readdirSync(source)) if (statSync(path.join(source, name)).isFile()) copyFileSync(path.join(source, name), path.join(partial, name));
      renameSync(partial, target);
    }
    return { path: target, sha256: digest };
  }
  const bytes = readFileSync(source);
  const digest = sha256(bytes);
  const target = path.join(dir, `${baseName}-${digest.slice(0, 12)}${extensionOf(source)}`);
  if (!existsSync(target)) {
    writeFileSync(`${target}.partial`, bytes);
    renameSync(`${target}.partial`, target);
  }
  return { path: target, sha256: digest };
}
