// A study's files as they cross activity boundaries: by content, never by a path of the host that wrote them. Each
// host lays a scan, mask or map out in its own study folder under the name the timeline carries
// (`<pseudonym>/<timepoint>/<file>`), fetching it from the blob store by its sha256 when another host wrote it.
// A DICOM series folder is stored as a manifest blob, one line `<name>\0<sha256>\n` per file in name order: exactly
// the text scanStore hashes for a folder, so the manifest's address is the folder's sha256.
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { BlobStore } from '../store/blobs';
import { hashFile } from '../store/blobs/files';

/** The part of a protocol that says where its files live (`storeDir`: the single-host default folder). */
export interface StudyLocation {
  studyId: string;
  storeDir?: string;
}

/** A file as the timeline carries it: its store-relative name (absolute in results recorded before) and its address. */
export interface StoredFileRef {
  path: string;
  sha256: string;
}

const MANIFEST_LINE = /^([^\0/\n]+)\0([0-9a-f]{64})$/;
/** A series of at most this many files (scanStore's folder limit) gives a manifest well under this size. */
const MAX_MANIFEST_BYTES = 5000 * 400;

/** The manifest of a folder's files, in the order scanStore hashes them. */
export function folderManifest(files: readonly { name: string; sha256: string }[]): string {
  return [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => `${f.name}\0${f.sha256}\n`)
    .join('');
}

/** The files a manifest lists, or undefined when the bytes are not a manifest (an image file, say). */
export function parseManifest(bytes: Buffer): { name: string; sha256: string }[] | undefined {
  if (bytes.length === 0 || bytes.length > MAX_MANIFEST_BYTES || bytes[bytes.length - 1] !== 0x0a) return undefined;
  const files: { name: string; sha256: string }[] = [];
  for (const line of bytes.toString('utf8').slice(0, -1).split('\n')) {
    const match = MANIFEST_LINE.exec(line);
    if (!match || match[1] === '.' || match[1] === '..') return undefined;
    files.push({ name: match[1], sha256: match[2] });
  }
  return files;
}

/** The files of a folder as scanStore copies them: regular files only, in name order. */
function folderFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Puts a file, or a folder's files and its manifest, into the blob store; returns the address. */
export async function publishFile(blobs: BlobStore, file: string): Promise<string> {
  if (!statSync(file).isDirectory()) return (await blobs.put(file)).sha256;
  const files = [];
  for (const name of folderFiles(file)) files.push({ name, sha256: (await blobs.put(path.join(file, name))).sha256 });
  const manifest = temporaryName(file);
  writeFileSync(manifest, folderManifest(files));
  try {
    return (await blobs.put(manifest)).sha256;
  } finally {
    rmSync(manifest, { force: true });
  }
}

/**
 * Lays the blob `sha256` out at `target` (a file, or a folder when the blob is a manifest), complete or not at all:
 * built under a temporary name and renamed, so a concurrent reader never sees half a series.
 */
export async function layOutBlob(blobs: BlobStore, sha256: string, target: string): Promise<void> {
  const blob = await blobs.fetch(sha256);
  mkdirSync(path.dirname(target), { recursive: true });
  const temporary = temporaryName(target);
  const files = statSync(blob).size <= MAX_MANIFEST_BYTES ? parseManifest(readFileSync(blob)) : undefined;
  try {
    if (files) {
      mkdirSync(temporary);
      for (const f of files) linkOrCopy(await blobs.fetch(f.sha256), path.join(temporary, f.name));
    } else linkOrCopy(blob, temporary);
    if (existsSync(target)) rmSync(temporary, { recursive: true, force: true });
    else renameSync(temporary, target);
  } catch (err) {
    rmSync(temporary, { recursive: true, force: true });
    throw err;
  }
}

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to); // another file system
    chmodSync(to, 0o440);
  }
}

function temporaryName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`);
}

/** sha256 of a file, or of a folder as scanStore defines it (its manifest's); files are streamed, never whole in memory. */
async function hashOf(file: string): Promise<string> {
  if (!statSync(file).isDirectory()) return (await hashFile(file)).sha256;
  const files = [];
  for (const name of folderFiles(file)) files.push({ name, sha256: (await hashFile(path.join(file, name))).sha256 });
  return createHash('sha256').update(folderManifest(files)).digest('hex');
}

/**
 * This host's view of the study files: its own study folder (`root/<studyId>`, or the protocol's folder on a single
 * host) and the blob store every host shares.
 */
export class StudyFiles {
  constructor(
    readonly blobs: BlobStore,
    /** This host's study store root; absent: the protocol's `storeDir` (a site on one machine). */
    private readonly root?: string,
  ) {}

  /** The study's folder on this host. */
  folderOf(study: StudyLocation): string {
    if (this.root !== undefined) return path.join(this.root, study.studyId);
    if (study.storeDir === undefined)
      throw new Error(`study ${study.studyId}: this worker has no study folder (set a shared store, or enrol the study with a store folder)`);
    return study.storeDir;
  }

  /** The folder of one timepoint's files on this host. */
  timepointFolder(study: StudyLocation, pseudonym: string, timepoint: string): string {
    return path.join(this.folderOf(study), pseudonym, timepoint);
  }

  /** The store-relative name of a file under this host's study folder. */
  nameOf(study: StudyLocation, file: string): string {
    const relative = path.relative(this.folderOf(study), file);
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`${file} is not inside the study folder of ${study.studyId}`);
    return relative.split(path.sep).join('/');
  }

  /** Puts a file of this host's study folder into the blob store; returns how the timeline names it. */
  async publish(study: StudyLocation, file: string, sha256: string): Promise<StoredFileRef> {
    const address = await publishFile(this.blobs, file);
    if (address !== sha256) throw new Error(`${this.nameOf(study, file)} changed while it was stored: its sha256 is ${address}, not ${sha256}`);
    return { path: this.nameOf(study, file), sha256 };
  }

  /**
   * The file on this host: under this host's study folder, laid out from the blob store when another host wrote it.
   * A copy already there is trusted when its name carries the address's first 12 digits (every stored name does),
   * else checked. An absolute path (results recorded before) is used where it exists.
   */
  async local(study: StudyLocation, file: StoredFileRef): Promise<string> {
    if (path.isAbsolute(file.path)) {
      if (existsSync(file.path)) return file.path;
      const fetched = path.join(this.folderOf(study), '.fetched', file.sha256, path.basename(file.path));
      if (!existsSync(fetched)) await layOutBlob(this.blobs, file.sha256, fetched);
      return fetched;
    }
    const parts = file.path.split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new Error(`stored file name '${file.path}': expected <pseudonym>/<timepoint>/<file>`);
    const target = path.join(this.folderOf(study), ...parts);
    if (existsSync(target)) {
      if (path.basename(target).includes(file.sha256.slice(0, 12)) || (await hashOf(target)) === file.sha256) return target;
      rmSync(target, { recursive: true, force: true }); // stale: another content under the same name
    }
    await layOutBlob(this.blobs, file.sha256, target);
    return target;
  }

  /** The scans with their files laid out on this host (`path` absolute); unusable ones (no file) as they are. */
  async localise<T extends StoredFileRef>(study: StudyLocation, scans: readonly T[]): Promise<T[]> {
    const out: T[] = [];
    for (const scan of scans) out.push(scan.path === '' ? scan : { ...scan, path: await this.local(study, scan) });
    return out;
  }
}
