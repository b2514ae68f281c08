// Copies a registered scan into the study's store folder with its SHA-256, idempotently and atomically: a file, a
// DICOM series folder, or an http(s) URL. A source that does not answer raises SourceUnavailable (retried by the
// activity's policy); a copy already in the store with the same content is reused. Copies are streamed (hashed while
// written, with progress for heartbeats) and bounded in size; links, FIFOs and devices are refused without being
// opened for reading, so one bad source can neither leak a file from elsewhere nor stall or exhaust the worker.
import { createHash, type Hash } from 'node:crypto';
import {
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkFileSource, checkUrlSource, refuse, sourceError, type SourcePolicy } from './sourcePolicy';

export class SourceUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceUnavailable';
  }
}

/** The study's store has no room (ENOSPC, EDQUOT): no partial file is left behind; space must be freed, not a re-scan. */
export class StorageFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageFullError';
  }
}

export interface StoredCopy {
  path: string;
  sha256: string;
}

export interface StoreScanOptions {
  /** Largest file accepted, in bytes: a single file, a download, or each file of a DICOM folder (default 4 GiB). */
  maxFileBytes?: number;
  /** Most files a DICOM series folder may hold (default 5,000). */
  maxFolderFiles?: number;
  /** Called with the bytes copied so far (the activity heartbeats from it). */
  onProgress?: (bytes: number) => void;
  /** Where sources may come from (import roots, allowed hosts); absent: anywhere (library use and tests). */
  policy?: SourcePolicy;
}

/** The options with their defaults filled in, as the copy functions use them. */
type CopyOptions = StoreScanOptions & { maxFileBytes: number };

/** Redirects followed at most, each checked against the policy like the first URL. */
const MAX_REDIRECTS = 5;

export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 ** 3;
export const DEFAULT_MAX_FOLDER_FILES = 5000;

/** Image extension of a file name ('.nii.gz', '.nrrd', …), '' for a folder. */
function extensionOf(name: string): string {
  // The readers choose by extension: a radiograph keeps its .png, .jpg or .jpeg.
  const match = /(\.nii\.gz|\.nii|\.nrrd|\.nhdr|\.dcm|\.png|\.jpe?g)$/i.exec(name);
  return match ? match[1].toLowerCase() : '';
}

const ACCEPTED = 'a regular file, a DICOM series folder of regular files, or an http(s) URL (links are not followed)';

/** Hashes and counts the bytes passing through, and stops the copy once they exceed the cap. */
class Metered extends Transform {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;

  constructor(
    private readonly source: string,
    private readonly maxBytes: number,
    private readonly onProgress?: (bytes: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      done(sourceError(this.source, `is larger than ${this.maxBytes} bytes`, `at most ${this.maxBytes} bytes`));
      return;
    }
    this.hash.update(chunk);
    this.onProgress?.(this.bytes);
    done(null, chunk);
  }
}

/** A full disk or quota becomes StorageFullError; any other error is returned as it is. */
export function storageError(err: unknown, dir: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new StorageFullError(`the study store ${dir} is full (${code}); free space there, then the scan is stored on retry`);
  return err;
}

/** Makes a folder of the study store (and its parents); a full disk or quota is a StorageFullError. */
export function makeStoreDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw storageError(err, dir);
  }
}

/** Streams `input` into `partial`, hashing it; returns the digest. A failure removes the partial file. */
async function copyStream(
  input: Readable,
  partial: string,
  source: string,
  options: CopyOptions,
  progressBase = 0,
): Promise<{ sha256: string; bytes: number }> {
  const meter = new Metered(source, options.maxFileBytes, options.onProgress && ((n) => options.onProgress?.(progressBase + n)));
  try {
    await pipeline(input, meter, createWriteStream(partial));
  } catch (err) {
    rmSync(partial, { force: true });
    throw storageError(err, path.dirname(partial));
  }
  return { sha256: meter.hash.digest('hex'), bytes: meter.bytes };
}

/**
 * Opens a regular file for reading without following a link and without blocking on a FIFO (O_NOFOLLOW, O_NONBLOCK),
 * then checks what was opened, so a file swapped for a link or a FIFO after a check is refused too.
 */
function openRegularFile(file: string, maxBytes: number): number {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') refuse(file, 'is a symbolic link', ACCEPTED);
    if (code === 'ENOENT') throw new SourceUnavailable(`${file} does not exist (yet)`);
    throw new SourceUnavailable(`${file} cannot be opened (${code ?? (err as Error).message})`);
  }
  const stat = fstatSync(fd);
  if (!stat.isFile() || stat.size > maxBytes) {
    closeSync(fd);
    if (!stat.isFile()) refuse(file, 'is not a regular file (a FIFO, socket or device)', ACCEPTED);
    refuse(file, `is ${stat.size} bytes, larger than ${maxBytes}`, `at most ${maxBytes} bytes`);
  }
  return fd;
}

async function storeFile(source: string, dir: string, baseName: string, options: CopyOptions): Promise<StoredCopy> {
  const fd = openRegularFile(source, options.maxFileBytes);
  const partial = partialPath(dir, baseName);
  const { sha256 } = await copyStream(createReadStream('', { fd }), partial, source, options);
  return settle(partial, path.join(dir, `${baseName}-${sha256.slice(0, 12)}${extensionOf(source)}`), sha256);
}

async function storeFolder(source: string, dir: string, baseName: string, options: CopyOptions): Promise<StoredCopy> {
  const entries = readdirSync(source, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const maxFiles = options.maxFolderFiles ?? DEFAULT_MAX_FOLDER_FILES;
  const files = entries.filter((e) => !e.isDirectory());
  if (files.length > maxFiles) refuse(source, `holds ${files.length} files, more than ${maxFiles}`, `a DICOM series of at most ${maxFiles} files`);
  const partial = partialPath(dir, baseName);
  rmSync(partial, { recursive: true, force: true });
  // A series is the set of its files: the folder's hash is over the files' names and hashes, in name order.
  const hash = createHash('sha256');
  let copied = 0;
  try {
    mkdirSync(partial);
    for (const entry of files) {
      const file = path.join(source, entry.name);
      if (entry.isSymbolicLink()) refuse(file, 'is a symbolic link inside a DICOM series folder', ACCEPTED);
      if (!entry.isFile()) refuse(file, 'is not a regular file (a FIFO, socket or device)', ACCEPTED);
      const fd = openRegularFile(file, options.maxFileBytes);
      const { sha256, bytes } = await copyStream(createReadStream('', { fd }), path.join(partial, entry.name), file, options, copied);
      copied += bytes;
      hash.update(`${entry.name}\0${sha256}\n`);
    }
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw storageError(err, dir);
  }
  const digest = hash.digest('hex');
  return settle(partial, path.join(dir, `${baseName}-${digest.slice(0, 12)}`), digest);
}

async function fetchChecked(url: string, policy: SourcePolicy | undefined): Promise<Response> {
  let current = url;
  for (let hop = 0; ; hop++) {
    if (policy) await checkUrlSource(current, policy);
    let response: Response;
    try {
      response = await fetch(current, { signal: AbortSignal.timeout(120000), redirect: 'manual' });
    } catch (err) {
      throw new SourceUnavailable(`${current} did not answer (${(err as Error).message})`);
    }
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return response;
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) refuse(url, `redirects more than ${MAX_REDIRECTS} times`, `at most ${MAX_REDIRECTS} redirects`);
    current = new URL(location, current).toString();
  }
}

async function storeDownload(url: string, dir: string, baseName: string, options: CopyOptions): Promise<StoredCopy> {
  const response = await fetchChecked(url, options.policy);
  if (!response.ok || !response.body) throw new SourceUnavailable(`${url} answered HTTP ${response.status}`);
  const partial = partialPath(dir, baseName);
  const body = Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]);
  const { sha256 } = await copyStream(body, partial, url, options);
  return settle(partial, path.join(dir, `${baseName}-${sha256.slice(0, 12)}${extensionOf(new URL(url).pathname) || '.nii.gz'}`), sha256);
}

/** A hidden name beside the final one, of this process and moment: overlapping attempts never share a partial copy. */
function partialPath(dir: string, baseName: string): string {
  return path.join(dir, `.${baseName}-${process.pid}-${Date.now()}.partial`);
}

/** Moves the finished partial copy to its content-addressed name, or drops it when that copy already exists. */
function settle(partial: string, target: string, sha256: string): StoredCopy {
  if (existsSync(target)) rmSync(partial, { recursive: true, force: true });
  else renameSync(partial, target);
  return { path: target, sha256 };
}

/**
 * Stores `source` as `<dir>/<baseName>-<sha12><ext>` and returns where and its hash. Writes go to a hidden partial
 * name first, so a crash never leaves a half-written scan under the final name.
 */
export async function storeScan(source: string, dir: string, baseName: string, given: StoreScanOptions = {}): Promise<StoredCopy> {
  const options: CopyOptions = { ...given, maxFileBytes: given.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES };
  makeStoreDir(dir);
  if (/^https?:\/\//.test(source)) return storeDownload(source, dir, baseName, options);
  if (options.policy) checkFileSource(source, options.policy);
  let stat;
  try {
    stat = lstatSync(source);
  } catch {
    throw new SourceUnavailable(`${source} does not exist (yet)`);
  }
  if (stat.isSymbolicLink()) refuse(source, 'is a symbolic link', ACCEPTED);
  if (stat.isDirectory()) return storeFolder(source, dir, baseName, options);
  return storeFile(source, dir, baseName, options);
}
