// De-identification at acquisition: a DICOM file or series folder registered by hand (a path a coordinator gives, the
// console's upload) reaches the study store as the same PS3.15 Basic Profile copy PACS intake makes (pacs/deidentify:
// the patient's pseudonym in place of name and ID, UIDs remapped and dates shifted with the site's secret), so the
// store holds de-identified copies only. The source is first copied into a hidden staging folder (with the source
// policy, the size limits and the heartbeats of any copy), de-identified there, and only then stored; NIfTI, NRRD and
// radiographs are stored as they are, and DICOM files intake already de-identified are not de-identified twice.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { isDicomFile } from '../../imaging/contours';
import { RadiomicsInputError } from '../../imaging/errors';
import { DeidentificationError } from '../../pacs/errors';
import { deidentifySeries, patientOf } from '../../pacs/deidentify';
import { makeStoreDir, storageError, storeScan, type StoredCopy, type StoreScanOptions } from '../../study/scanStore';
import type { DeidentificationProtocol } from '../../contracts/study';

/** What acquisition needs to de-identify: the site's secret (read when a DICOM file is first acquired). */
export interface AcquisitionDeidentification {
  secret: () => Buffer;
}

export interface StagedScan {
  /** The file or folder to store: the de-identified copy, or the copy as it came where it needs none. */
  path: string;
  /** Its SHA-256 as storeScan computes it (for a folder: over the files' names and hashes). */
  sha256: string;
  /** True when `path` is a de-identified copy made here (not yet named by its content). */
  deidentified: boolean;
}

const SECRET_BYTES = 32;
const STAGING_PREFIX = '.acquire-';
/** A staging folder this old was left by a worker that died mid-acquisition (an acquisition times out in minutes). */
const STALE_STAGING_MS = 60 * 60 * 1000;

/**
 * A new hidden staging folder in `dir` (beside the final copy, so that moving it in is a rename). Staging folders a
 * killed worker left behind, which may hold a copy not yet de-identified, are removed first.
 */
export function stagingFolder(dir: string): string {
  makeStoreDir(dir);
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const stale = path.join(dir, name);
    try {
      if (now - statSync(stale).mtimeMs > STALE_STAGING_MS) rmSync(stale, { recursive: true, force: true });
    } catch {
      // removed meanwhile by another worker
    }
  }
  return path.join(dir, `${STAGING_PREFIX}${process.pid}-${now.toString(36)}-${randomBytes(3).toString('hex')}`);
}

/**
 * The site's de-identification secret when no identifier map key is configured: 32 random bytes in `file` (mode
 * 0600), made once and read ever after. A secret must be stable — the same UID must become the same UID in an image
 * series and in the RTSTRUCT registered for it days later, and a retried acquisition must write the same bytes — and
 * it must never travel in a workflow payload or a log, so it lives beside the study store, readable by the workers'
 * user only. A random secret, not one derived from the pseudonym or the study: the UID mapping is then not reversible
 * by whoever knows the pseudonyms. Workers on several hosts need one secret: configure the identifier map key there.
 */
export function siteSecret(file: string): Buffer {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    // Written under a name of this process, then linked to the final name: link() fails when another worker made
    // the file meanwhile, and that worker's secret is the one read below.
    const partial = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
    const fd = openSync(partial, 'wx', 0o600);
    try {
      writeSync(fd, randomBytes(SECRET_BYTES).toString('base64') + '\n');
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(partial, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      rmSync(partial, { force: true });
    }
  }
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) chmodSync(file, 0o600);
  const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (secret.length < SECRET_BYTES)
    throw new Error(`the de-identification secret file ${file} holds ${secret.length} bytes (expected ${SECRET_BYTES}, base64); restore it from a backup`);
  return secret;
}

/** The DICOM Part-10 files of a stored copy: the file itself, or the files of a series folder (name order). */
function dicomFilesOf(copy: string): string[] {
  if (!statSync(copy).isDirectory()) return isDicomFile(copy) ? [copy] : [];
  return readdirSync(copy)
    .sort()
    .map((name) => path.join(copy, name))
    .filter(isDicomFile);
}

/** Which DICOM attribute a refusal concerns, by de-identification's code. */
const FIELDS: Record<string, string> = {
  'burned-in-annotation': 'BurnedInAnnotation (0028,0301)',
  'mixed-patients': 'PatientID (0010,0020)',
  'unsupported-encoding': 'TransferSyntaxUID (0002,0010) / SpecificCharacterSet (0008,0005)',
};

/** De-identification's refusal as bad input, naming the registered file and the attribute. */
function refusal(err: DeidentificationError, file: string): RadiomicsInputError {
  if (err.code === 'burned-in-annotation')
    return new RadiomicsInputError(
      "refused: it is marked YES, so its pixels may show the patient's identity, which de-identification does not remove (the study store holds de-identified copies only)",
      { file, field: FIELDS[err.code], expected: 'BurnedInAnnotation NO or absent: a copy without burned-in text' },
    );
  return new RadiomicsInputError(`cannot be de-identified: ${err.message}`, { file, field: FIELDS[err.code] });
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Copies `source` into `staging` (storeScan: source policy, limits, progress) and, for DICOM, de-identifies the copy
 * there for `pseudonym`, one file at a time: between files the event loop runs and `progress` is called, so the
 * activity's heartbeats go out during a long series as they do while it is copied. A file or series
 * de-identification refuses is bad input (RadiomicsInputError, not retried) naming the registered file and the
 * field; `staging` is the caller's to remove.
 */
export async function stageDeidentified(
  source: string,
  staging: string,
  baseName: string,
  copyOptions: StoreScanOptions,
  deid: { secret: () => Buffer; pseudonym: string; settings?: DeidentificationProtocol; progress?: (files: number) => void },
): Promise<StagedScan> {
  const copy = await storeScan(source, path.join(staging, 'copy'), baseName, copyOptions);
  const asRegistered = (file: string) =>
    file === copy.path ? source : file.startsWith(copy.path + path.sep) ? path.join(source, path.relative(copy.path, file)) : file;
  const files = dicomFilesOf(copy.path).map((file) => ({ file, patient: patientOf(file) }));
  if (files.length === 0) return { path: copy.path, sha256: copy.sha256, deidentified: false };
  // A DICOM file that does not parse cannot be de-identified, so it is not stored either.
  const unreadable = files.find((f) => f.patient === undefined);
  if (unreadable)
    throw refusal(
      new DeidentificationError('cannot be parsed as DICOM: expected a complete DICOM Part-10 file', unreadable.file, 'unreadable'),
      asRegistered(unreadable.file),
    );
  // Files intake (or an earlier acquisition) de-identified are kept byte for byte; they must be this patient's.
  const already = files.filter((f) => f.patient!.deidentifiedHere);
  for (const { file, patient } of already) {
    if (patient!.patientId !== deid.pseudonym)
      throw new RadiomicsInputError(`was de-identified for another patient (${patient!.patientId}), not for ${deid.pseudonym}`, {
        file: asRegistered(file),
        field: 'PatientID (0010,0020)',
        expected: `a scan of ${deid.pseudonym}`,
      });
  }
  if (already.length === files.length) return { path: copy.path, sha256: copy.sha256, deidentified: false };
  if (already.length > 0)
    throw new RadiomicsInputError('mixes files de-identified already with files that are not', {
      file: asRegistered(already[0].file),
      field: 'PatientIdentityRemoved (0012,0062)',
      expected: 'a series whose files are all de-identified, or none',
    });
  // One patient per series, checked over the whole folder before anything is written (the files go one at a time).
  const mixed = files.find((f) => f.patient!.patientId !== files[0].patient!.patientId);
  if (mixed)
    throw refusal(
      new DeidentificationError(
        "its PatientID (0010,0020) differs from the folder's first file: expected the files of one patient",
        mixed.file,
        'mixed-patients',
      ),
      asRegistered(mixed.file),
    );
  const folder = statSync(copy.path).isDirectory();
  const out = path.join(staging, 'deidentified');
  mkdirSync(out);
  const options = { secret: deid.secret(), pseudonym: deid.pseudonym, ...deid.settings };
  for (const [index, { file }] of files.entries()) {
    // Each file through deidentifySeries on its own: the same secret maps every UID the same way in every call, so
    // the output is byte for byte that of the whole folder at once (000001.dcm, 000002.dcm, … in name order).
    const single = path.join(staging, `file-${index}`);
    const written = path.join(staging, `written-${index}`);
    mkdirSync(single);
    renameSync(file, path.join(single, path.basename(file)));
    try {
      deidentifySeries(single, written, options);
    } catch (err) {
      if (!(err instanceof DeidentificationError)) throw storageError(err, path.dirname(staging));
      throw refusal(err, folder ? asRegistered(file) : source);
    }
    const name = folder ? `${String(index + 1).padStart(6, '0')}.dcm` : `deidentified${/(\.dcm)$/i.exec(copy.path)?.[1] ?? ''}`;
    renameSync(path.join(written, '000001.dcm'), path.join(out, name));
    rmSync(single, { recursive: true, force: true });
    rmSync(written, { recursive: true, force: true });
    deid.progress?.(index + 1);
    await yieldToEventLoop();
  }
  // A folder is stored as the folder of its de-identified files; one file as itself, with its name's extension.
  return { path: folder ? out : path.join(out, readdirSync(out)[0]), sha256: '', deidentified: true };
}

/** A staged scan stored under `dir`: the copy moved in as it came, or the de-identified one stored and named by its content. */
export async function storeStaged(staged: StagedScan, dir: string, baseName: string, copyOptions: StoreScanOptions): Promise<StoredCopy> {
  if (!staged.deidentified) {
    // storeScan named the copy by its content already: the same name in `dir` (an existing copy of it is kept).
    const target = path.join(dir, path.basename(staged.path));
    mkdirSync(dir, { recursive: true });
    if (existsSync(target)) rmSync(staged.path, { recursive: true, force: true });
    else renameSync(staged.path, target);
    return { path: target, sha256: staged.sha256 };
  }
  // The de-identified copy is the acquisition's own file: no source policy applies to it.
  const { maxFileBytes, maxFolderFiles, onProgress } = copyOptions;
  return storeScan(staged.path, dir, baseName, { maxFileBytes, maxFolderFiles, onProgress });
}
