// How the pipeline activities reach a study's files on this host: through the worker's StudyFiles (its own study
// folders and the shared blob store), and `blob:<sha256>[/<name>]` sources laid out for acquisition.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { StudyProtocol } from '../../contracts/study';
import { BlobNotFoundError, LocalFolderBlobStore, type BlobStore } from '../../store/blobs';
import { SourceUnavailable } from '../../study/scanStore';
import { refuse } from '../../study/sourcePolicy';
import { StudyFiles, layOutBlob, type StoredFileRef, type StudyLocation } from '../../study/storedFiles';
import { stagingFolder } from './deidentifyScan';

/**
 * The worker's StudyFiles, or, for library use without one, a blob folder beside each study's folder
 * (`<storeDir>.blobs`): files then still go through the blob store, on this host only.
 */
export function studyFilesOf(files: StudyFiles | undefined): (study: StudyLocation) => StudyFiles {
  if (files) return () => files;
  const byFolder = new Map<string, StudyFiles>();
  return (study) => {
    // Without a folder, only files already on this host (absolute paths) can be read; anything else names the study.
    if (study.storeDir === undefined) return new StudyFiles(noBlobStore(study.studyId));
    if (!byFolder.has(study.storeDir)) byFolder.set(study.storeDir, new StudyFiles(new LocalFolderBlobStore(`${study.storeDir}.blobs`)));
    return byFolder.get(study.storeDir)!;
  };
}

function noBlobStore(studyId: string): BlobStore {
  const unavailable = (): never => {
    throw new Error(`study ${studyId}: this worker has no study folder and no blob store (it was enrolled without a store folder)`);
  };
  return { description: 'no blob store', put: unavailable, fetch: unavailable, has: unavailable, close: async () => undefined };
}

/**
 * The study's parameter file on this host: the file itself where this host has it (edits are then noticed as
 * parameters changed), else the bytes the study was enrolled with, from the blob store.
 */
export async function studyParamsFile(protocol: StudyProtocol, files: StudyFiles): Promise<string> {
  const { paramsFile, paramsSha256 } = protocol.features;
  if (paramsSha256 === undefined || existsSync(paramsFile)) return paramsFile;
  return files.blobs.fetch(paramsSha256);
}

/** Rewrites what is said of some files (a message, a verdict, an error) to name them otherwise. */
export interface Renamer {
  text(text: string): string;
  value<T>(value: T): T;
  error(err: unknown): unknown;
}

export function renamer(pairs: readonly (readonly [from: string, to: string])[]): Renamer {
  // The longest first: a series folder's path must not cut the path of a file inside it.
  const sorted = pairs.filter(([from, to]) => from !== to && from !== '').sort((a, b) => b[0].length - a[0].length);
  const text = (t: string) => sorted.reduce((out, [from, to]) => out.split(from).join(to), t);
  return {
    text,
    value: <T>(value: T) => JSON.parse(text(JSON.stringify(value))) as T,
    error(err) {
      if (err instanceof Error) err.message = text(err.message);
      return err;
    },
  };
}

/**
 * What an activity says of the files it laid out on this host names them as the timeline does (their store names),
 * so that no path of this host's folders reaches a history.
 */
export function storeNamesOf(given: readonly StoredFileRef[], local: readonly StoredFileRef[]): Renamer {
  return renamer(local.map((l, i) => [l.path, given[i].path] as const));
}

const BLOB_SOURCE = /^blob:([0-9a-f]{64})(?:\/([^/\0]+))?$/;
const BLOB_EXPECTED = 'blob:<sha256> or blob:<sha256>/<file name> (64 lower-case hex digits)';

/** A `blob:` source laid out in a staging folder; what is said of the copy is said of the source as registered. */
export interface StagedBlob {
  path: string;
  /** Names the staging copy as the source was registered. */
  named: Renamer;
  remove(): void;
}

/** Lays out a `blob:` source beside the timepoint's files; undefined for any other source. */
export async function stageBlobSource(files: StudyFiles, source: string, dir: string): Promise<StagedBlob | undefined> {
  if (!source.startsWith('blob:')) return undefined;
  const match = BLOB_SOURCE.exec(source);
  if (!match) refuse(source, 'is not a blob address', BLOB_EXPECTED);
  const [, sha256, name] = match;
  const staging = stagingFolder(dir);
  const staged = path.join(staging, name ?? sha256);
  try {
    await layOutBlob(files.blobs, sha256, staged);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    // Registered before its upload finished, or on a store the worker does not share: retried, then a person hears.
    if (err instanceof BlobNotFoundError) throw new SourceUnavailable(`${source} is not in ${files.blobs.description}`);
    throw err;
  }
  return { path: staged, named: renamer([[staged, source]]), remove: () => rmSync(staging, { recursive: true, force: true }) };
}
