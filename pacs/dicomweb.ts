// A DICOMweb client (PS3.18): QIDO-RS search of studies and series (10.6), WADO-RS retrieval of a series streamed to
// disk (10.4), STOW-RS store (10.5). Answers are DICOM JSON (PS3.18 F.2). Errors name the route template and what was
// expected; they never hold UIDs, query values or content.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { PacsRequestError, PacsUnavailableError } from './errors';
import { PacsHttp, type PacsConnection } from './http';
import { mediaTypeParameters, MultipartError, multipartFromFiles, newBoundary, readMultipart, type PartWriter } from './multipart';

/** One DICOM JSON object: tag (eight hex digits) → { vr, Value | BulkDataURI | InlineBinary } (PS3.18 F.2.2). */
export type DicomJson = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string }>;

/** QIDO-RS query: attribute keywords or tags → values, plus limit, offset, includefield, fuzzymatching (PS3.18 8.3.4). */
export type QidoQuery = Record<string, string | number | undefined>;

export interface DicomwebOptions extends PacsConnection {
  /** Path of the DICOMweb root below the base URL; default '/dicom-web' (Orthanc's plugin). */
  root?: string;
}

export interface RetrieveProgress {
  instances: number;
  bytes: number;
}

export interface RetrieveOptions {
  /** Most bytes the series may hold (its files together); default 4 GiB. A larger series is refused and nothing is kept. */
  maxBytes?: number;
  /** Called after each instance and every 8 MiB: activities heartbeat from here. */
  onProgress?: (progress: RetrieveProgress) => void;
  signal?: AbortSignal;
  /** Replace an existing destination folder; default false (an existing one is an error). */
  overwrite?: boolean;
}

export interface RetrievedSeries {
  dir: string;
  /** The files written, 000001.dcm … in the order the server sent them. */
  files: string[];
  instances: number;
  bytes: number;
  ms: number;
}

export interface StoreResult {
  /** SOP instances the server stored (ReferencedSOPSequence (0008,1199)). */
  stored: string[];
  /** Instances it did not store, with FailureReason (0008,1197) when given (FailedSOPSequence (0008,1198)). */
  failed: Array<{ sopInstanceUid: string; reason?: number }>;
}

export interface StudySummary {
  studyInstanceUid: string;
  studyDate?: string;
  modalities: string[];
  series?: number;
  instances?: number;
}

export interface SeriesSummary {
  studyInstanceUid?: string;
  seriesInstanceUid: string;
  modality?: string;
  seriesNumber?: number;
  instances?: number;
}

const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
const PROGRESS_EVERY_BYTES = 8 * 1024 ** 2;
const KEY = /^(?:[0-9A-Fa-f]{8}|[A-Za-z][A-Za-z0-9]*)(?:\.(?:[0-9A-Fa-f]{8}|[A-Za-z][A-Za-z0-9]*))*$/;
const EXPECT = {
  studies: 'a DICOM JSON array of studies (QIDO-RS, PS3.18 10.6)',
  series: 'a DICOM JSON array of series (QIDO-RS, PS3.18 10.6)',
  retrieve: 'a multipart/related answer of application/dicom instances (WADO-RS, PS3.18 10.4)',
  store: 'a DICOM JSON store response (STOW-RS, PS3.18 10.5)',
};

/** The first value of an attribute of a DICOM JSON object, as text or number; undefined when absent or empty. */
export function dicomValue(json: DicomJson, tag: string): string | number | undefined {
  const v = json[tag.toUpperCase()]?.Value?.[0];
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'Alphabetic' in v) return String((v as { Alphabetic: unknown }).Alphabetic);
  return undefined;
}

function strings(json: DicomJson, tag: string): string[] {
  return (json[tag]?.Value ?? []).filter((v): v is string => typeof v === 'string');
}

function num(json: DicomJson, tag: string): number | undefined {
  const v = Number(dicomValue(json, tag));
  return Number.isFinite(v) ? v : undefined;
}

/** What a study result says without the patient: UID, date, modalities, counts. */
export function studySummary(json: DicomJson): StudySummary {
  return {
    studyInstanceUid: String(dicomValue(json, '0020000D') ?? ''),
    studyDate: dicomValue(json, '00080020') as string | undefined,
    modalities: strings(json, '00080061'),
    series: num(json, '00201206'),
    instances: num(json, '00201208'),
  };
}

/** What a series result says: UIDs, modality, number, instance count. */
export function seriesSummary(json: DicomJson): SeriesSummary {
  return {
    studyInstanceUid: dicomValue(json, '0020000D') as string | undefined,
    seriesInstanceUid: String(dicomValue(json, '0020000E') ?? ''),
    modality: dicomValue(json, '00080060') as string | undefined,
    seriesNumber: num(json, '00200011'),
    instances: num(json, '00201209'),
  };
}

export class DicomwebClient {
  readonly http: PacsHttp;
  private readonly root: string;

  constructor(options: DicomwebOptions) {
    this.http = new PacsHttp(options);
    this.root = `/${(options.root ?? '/dicom-web').replace(/^\/+|\/+$/g, '')}`;
  }

  private async search(route: string, params: Record<string, string>, query: QidoQuery, expected: string, signal?: AbortSignal): Promise<DicomJson[]> {
    for (const key of Object.keys(query)) {
      if (!KEY.test(key)) throw new Error(`QIDO-RS: '${key.slice(0, 40)}' is not an attribute keyword, tag or query parameter (PS3.18 8.3.4)`);
    }
    const result = await this.http.json<unknown>({ route, params, query, headers: { Accept: 'application/dicom+json' }, expected, signal }, []);
    if (!Array.isArray(result) || result.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
      throw new PacsRequestError(`${this.http.describe({ route })}: the answer is not a JSON array of objects; expected ${expected}`, route);
    }
    return result as DicomJson[];
  }

  /** QIDO-RS: studies matching `query` (e.g. { PatientID, StudyDate: '20240101-', ModalitiesInStudy: 'MR', limit: 50 }). */
  searchStudies(query: QidoQuery = {}, signal?: AbortSignal): Promise<DicomJson[]> {
    return this.search(`${this.root}/studies`, {}, query, EXPECT.studies, signal);
  }

  /** QIDO-RS: series of one study, or of all studies when `studyInstanceUid` is undefined. */
  searchSeries(studyInstanceUid: string | undefined, query: QidoQuery = {}, signal?: AbortSignal): Promise<DicomJson[]> {
    return studyInstanceUid === undefined
      ? this.search(`${this.root}/series`, {}, query, EXPECT.series, signal)
      : this.search(`${this.root}/studies/{study}/series`, { study: studyInstanceUid }, query, EXPECT.series, signal);
  }

  /**
   * WADO-RS: every instance of a series, streamed into `destDir` as Part-10 files (000001.dcm, …) in the order sent,
   * each part written as it arrives. The files go to a hidden folder beside `destDir`, renamed to it when the answer is
   * whole: on any failure (the cap, a broken connection, a malformed answer) nothing is left behind.
   */
  async retrieveSeries(studyInstanceUid: string, seriesInstanceUid: string, destDir: string, options: RetrieveOptions = {}): Promise<RetrievedSeries> {
    const started = Date.now();
    const route = `${this.root}/studies/{study}/series/{series}`;
    const where = this.http.describe({ route });
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const dest = path.resolve(destDir);
    if (existsSync(dest) && !options.overwrite)
      throw new PacsRequestError(`${where}: the destination folder exists already (${dest}); expected a new folder`, route);
    const tooLarge = (bytes: number) =>
      new PacsRequestError(
        `${where}: the series holds more than ${maxBytes} bytes (${bytes} so far); expected at most maxBytes (raise the limit to retrieve it)`,
        route,
      );

    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const idleError = new PacsUnavailableError(
      `${where}: the answer paused for more than ${Math.round(this.http.idleTimeoutMs / 1000)} s; expected ${EXPECT.retrieve}`,
      route,
    );
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(idleError), this.http.idleTimeoutMs);
    };
    const partial = path.join(path.dirname(dest), `.${path.basename(dest)}.partial-${process.pid}-${Date.now().toString(36)}`);
    const files: string[] = [];
    let bytes = 0;
    let reported = 0;
    let handle: FileHandle | undefined;
    try {
      armIdle();
      const response = await this.http.request({
        route,
        params: { study: studyInstanceUid, series: seriesInstanceUid },
        headers: { Accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' },
        expected: EXPECT.retrieve,
        signal: controller.signal,
        streamed: true,
      });
      const { mediaType, parameters } = mediaTypeParameters(response.headers.get('content-type') ?? '');
      const type = parameters.type?.toLowerCase();
      if (mediaType !== 'multipart/related' || !parameters.boundary || (type !== undefined && type !== 'application/dicom')) {
        await response.body?.cancel().catch(() => undefined);
        throw new PacsRequestError(
          `${where}: the answer is ${mediaType || 'untyped'}${type ? ` of ${type}` : ''}; expected ${EXPECT.retrieve}`,
          route,
          response.status,
        );
      }
      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes + 1024 * 1024) throw tooLarge(declared);
      if (!response.body) throw new PacsRequestError(`${where}: the answer has no body; expected ${EXPECT.retrieve}`, route, response.status);
      mkdirSync(partial, { recursive: true });

      const report = (force: boolean) => {
        if (options.onProgress && (force || bytes - reported >= PROGRESS_EVERY_BYTES)) {
          reported = bytes;
          options.onProgress({ instances: files.length, bytes });
        }
      };
      const onPart = async (headers: Record<string, string>, index: number): Promise<PartWriter> => {
        const partType = headers['content-type'] ? mediaTypeParameters(headers['content-type']).mediaType : 'application/dicom';
        if (partType !== 'application/dicom') throw new PacsRequestError(`${where}: part ${index + 1} is ${partType}; expected application/dicom`, route);
        const file = path.join(partial, `${String(index + 1).padStart(6, '0')}.dcm`);
        handle = await open(file, 'wx');
        const head: number[] = [];
        return {
          write: async (chunk) => {
            bytes += chunk.length;
            if (bytes > maxBytes) throw tooLarge(bytes);
            for (let i = 0; head.length < 132 && i < chunk.length; i++) head.push(chunk[i]);
            await handle!.write(chunk);
            report(false);
          },
          end: async () => {
            await handle!.close();
            handle = undefined;
            if (head.length < 132 || String.fromCharCode(...head.slice(128, 132)) !== 'DICM') {
              throw new PacsRequestError(
                `${where}: part ${index + 1} is not a DICOM Part-10 file (no DICM preamble, PS3.10 7.1); expected ${EXPECT.retrieve}`,
                route,
              );
            }
            files.push(file);
            report(true);
          },
        };
      };
      const chunks = async function* (body: AsyncIterable<Uint8Array>) {
        for await (const chunk of body) {
          armIdle();
          yield chunk;
        }
      };
      await readMultipart(chunks(response.body as unknown as AsyncIterable<Uint8Array>), parameters.boundary, onPart);
      if (files.length === 0) throw new PacsRequestError(`${where}: the answer holds no instance; expected ${EXPECT.retrieve}`, route, response.status);
      if (existsSync(dest)) rmSync(dest, { recursive: true, force: true });
      renameSync(partial, dest);
      return { dir: dest, files: files.map((f) => path.join(dest, path.basename(f))), instances: files.length, bytes, ms: Date.now() - started };
    } catch (err) {
      const idled = controller.signal.aborted && controller.signal.reason === idleError;
      if (!controller.signal.aborted) controller.abort(); // closes the connection of an answer not read to its end
      await handle?.close().catch(() => undefined);
      rmSync(partial, { recursive: true, force: true });
      if (idled) throw idleError;
      if (options.signal?.aborted) throw options.signal.reason;
      if (err instanceof PacsRequestError || err instanceof PacsUnavailableError) throw err;
      if (err instanceof MultipartError) {
        const message = `${where}: ${err.message}; expected ${EXPECT.retrieve}`;
        throw err.truncated ? new PacsUnavailableError(message, route) : new PacsRequestError(message, route);
      }
      const code = (err as NodeJS.ErrnoException).code;
      if (code && /^E[A-Z]+$/.test(code) && !['ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)) {
        throw new PacsRequestError(`${where}: the series cannot be written to ${path.dirname(dest)} (${code}); expected a writable folder`, route);
      }
      throw new PacsUnavailableError(`${where}: the answer broke off (${code ?? (err as Error).name ?? 'error'}); expected ${EXPECT.retrieve}`, route);
    } finally {
      clearTimeout(idle);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** STOW-RS: stores Part-10 files (to the study named, or wherever they belong), the request streamed from disk. */
  async store(files: string[], options: { studyInstanceUid?: string; signal?: AbortSignal } = {}): Promise<StoreResult> {
    if (files.length === 0) return { stored: [], failed: [] };
    const boundary = newBoundary();
    const { length, body } = multipartFromFiles(files, boundary, 'application/dicom');
    const route = options.studyInstanceUid === undefined ? `${this.root}/studies` : `${this.root}/studies/{study}`;
    const json = await this.http.json<unknown>(
      {
        method: 'POST',
        route,
        params: options.studyInstanceUid === undefined ? {} : { study: options.studyInstanceUid },
        headers: {
          'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
          'Content-Length': String(length),
          Accept: 'application/dicom+json',
        },
        body,
        expected: EXPECT.store,
        signal: options.signal,
      },
      {},
    );
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new PacsRequestError(`${this.http.describe({ method: 'POST', route })}: the answer is not a JSON object; expected ${EXPECT.store}`, route);
    }
    const response = json as DicomJson;
    const items = (tag: string) => (response[tag]?.Value ?? []) as DicomJson[];
    return {
      stored: items('00081199').map((item) => String(dicomValue(item, '00081155') ?? '')),
      failed: items('00081198').map((item) => ({ sopInstanceUid: String(dicomValue(item, '00081155') ?? ''), reason: num(item, '00081197') })),
    };
  }
}
