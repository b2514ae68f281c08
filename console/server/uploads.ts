// An uploaded scan or mask: streamed to a file inside the upload folder (refused past the size limit), then read
// with the pipeline's own image readers, so what is not a NIfTI or NRRD image (or, for a mask, a DICOM RTSTRUCT or
// SEG) is refused before anything is registered. The caller moves the accepted file into place or removes it.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { UPLOAD_EXTENSIONS } from '../../contracts/console';
import { readImage } from '../../imaging/io';
import { readDicomObject, SOP_CLASS } from '../../imaging/contours';
import { badRequest, HttpError } from './errors';

export interface ReceivedUpload {
  /** The file written (inside the upload folder's incoming area). */
  file: string;
  /** The client's file name (its last path component): told back to the client, never stored (it may name a person). */
  fileName: string;
  /** SHA-256 (hex) of the content, what the audit trail records of the file. */
  sha256: string;
  extension: string;
  bytes: number;
  /** The text fields sent with the file. */
  fields: Record<string, string>;
}

const extensionOf = (name: string, extensions: readonly string[]) => extensions.find((ext) => name.toLowerCase().endsWith(ext));

const sizeText = (bytes: number) => (bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(bytes % 1024 ** 2 ? 1 : 0)} MiB` : `${bytes} bytes`);

/** Reads the multipart body: one file (field `file`) and text fields; refuses a missing file, a wrong extension, an over-size file. */
export async function receiveUpload(
  request: FastifyRequest,
  uploadDir: string,
  maxBytes: number,
  extensions: readonly string[] = UPLOAD_EXTENSIONS,
): Promise<ReceivedUpload> {
  if (!request.isMultipart()) throw new HttpError(415, 'send the file as multipart/form-data with the image in field `file`', { field: 'file' });
  const incoming = path.join(uploadDir, '.incoming');
  await mkdir(incoming, { recursive: true });
  const fields: Record<string, string> = {};
  let received: ReceivedUpload | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') fields[part.fieldname] = part.value;
        continue;
      }
      if (part.fieldname !== 'file' || received) {
        part.file.resume();
        throw badRequest(`unexpected file field '${part.fieldname}': send one image in field 'file'`, 'file');
      }
      const fileName = path.basename(part.filename || '');
      const extension = extensionOf(fileName, extensions);
      if (!extension) {
        part.file.resume();
        throw badRequest(`file '${fileName}' is not an image the pipeline reads (expected ${extensions.join(', ')})`, 'file');
      }
      const file = path.join(incoming, `${randomUUID()}${extension}`);
      received = { file, fileName, extension, bytes: 0, sha256: '', fields };
      const hash = createHash('sha256');
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(part.file, tap, createWriteStream(file, { flags: 'wx' }));
      received.sha256 = hash.digest('hex');
      if (part.file.truncated) throw new HttpError(413, `file '${fileName}' is larger than the limit of ${sizeText(maxBytes)}`, { field: 'file' });
      received.bytes = part.file.bytesRead;
    }
  } catch (err) {
    if (received) await rm(received.file, { force: true });
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
      throw new HttpError(413, `file '${received?.fileName ?? ''}' is larger than the limit of ${sizeText(maxBytes)}`, { field: 'file' });
    throw err;
  }
  if (!received) throw badRequest("no file: send the image in multipart field 'file'", 'file');
  return received;
}

const CONTOUR_CLASSES: Record<string, 'RTSTRUCT' | 'SEG'> = { [SOP_CLASS.rtStructureSet]: 'RTSTRUCT', [SOP_CLASS.segmentation]: 'SEG' };

/**
 * Reads the upload as the pipeline will; a file that is not a readable image is removed and refused. A mask's .dcm
 * must be an RTSTRUCT or SEG (its conversion on the image's grid happens in the pipeline, which checks the rest);
 * the answer says which.
 */
export async function checkImage(upload: ReceivedUpload, options: { mask: boolean; maxVoxels?: number }): Promise<'RTSTRUCT' | 'SEG' | 'image'> {
  try {
    if (upload.extension === '.dcm') {
      const object = readDicomObject(upload.file, { expected: 'a DICOM RTSTRUCT or SEG file', headerOnly: true });
      const kind = CONTOUR_CLASSES[object.sopClassUid];
      if (!options.mask || !kind)
        throw new Error(`SOP class ${object.sopClassUid} is neither RTSTRUCT (${SOP_CLASS.rtStructureSet}) nor SEG (${SOP_CLASS.segmentation})`);
      return kind;
    }
    readImage(upload.file, { mask: options.mask, maxVoxels: options.maxVoxels });
    return 'image';
  } catch (err) {
    await rm(upload.file, { force: true });
    // The reader's message names our temporary file; name the client's instead.
    const why = ((err as Error).message ?? String(err)).split(upload.file).join(upload.fileName);
    throw badRequest(`file '${upload.fileName}' is not a readable ${upload.extension} image: ${why}`, 'file');
  }
}

/** Moves an accepted upload to `<uploadDir>/<study>/<pseudonym>/<timepoint>/<name>` and returns the path. */
export async function keepUpload(upload: ReceivedUpload, uploadDir: string, parts: string[], baseName: string): Promise<string> {
  const dir = path.join(uploadDir, ...parts);
  await mkdir(dir, { recursive: true });
  const target = path.join(dir, `${baseName}-${Date.now().toString(36)}${upload.extension}`);
  await rename(upload.file, target);
  return target;
}
