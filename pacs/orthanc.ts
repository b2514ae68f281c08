// Orthanc's own REST API, for what DICOMweb lacks: the change feed (GET /changes), read with a cursor, and the series
// that became stable (ChangeType StableSeries: no new instance for Orthanc's StableAge seconds) turned into DICOM UIDs.
// Only UIDs and the modality are read from the resources; the patient's attributes Orthanc returns beside them are
// dropped unread.
import { PacsRequestError } from './errors';
import { PacsHttp, type PacsConnection } from './http';

export interface OrthancChange {
  /** The change's sequence number: the cursor to read on from. */
  seq: number;
  /** NewInstance, NewSeries, StableSeries, StableStudy, Deleted, … */
  changeType: string;
  /** Patient, Study, Series or Instance. */
  resourceType: string;
  /** Orthanc's identifier of the resource. */
  id: string;
  /** When, as Orthanc writes it (YYYYMMDDTHHMMSS). */
  date: string;
}

export interface ChangePage {
  changes: OrthancChange[];
  /** The cursor after this page (Orthanc's Last): pass it as `since` next time. */
  cursor: number;
  /** True when no newer change exists now. */
  done: boolean;
}

export interface StableSeries {
  seq: number;
  orthancId: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
}

const EXPECT_CHANGES = "Orthanc's change list { Changes, Done, Last } (GET /changes)";

interface RawChange {
  Seq?: unknown;
  ChangeType?: unknown;
  ResourceType?: unknown;
  ID?: unknown;
  Date?: unknown;
}

export class OrthancClient {
  readonly http: PacsHttp;

  constructor(connection: PacsConnection) {
    this.http = new PacsHttp(connection);
  }

  /** Up to `limit` changes after `since` (0: from the first). */
  async changes(since: number, limit = 100, signal?: AbortSignal): Promise<ChangePage> {
    if (!Number.isInteger(since) || since < 0) throw new Error('changes: the cursor must be a whole number ≥ 0');
    const route = '/changes';
    const raw = await this.http.json<{ Changes?: unknown; Done?: unknown; Last?: unknown }>({
      route,
      query: { since, limit },
      expected: EXPECT_CHANGES,
      signal,
    });
    if (!Array.isArray(raw?.Changes) || typeof raw.Last !== 'number') {
      throw new PacsRequestError(`${this.http.describe({ route })}: the answer lacks Changes or Last; expected ${EXPECT_CHANGES}`, route);
    }
    const changes = (raw.Changes as RawChange[])
      .filter((c) => typeof c?.Seq === 'number' && typeof c.ChangeType === 'string')
      .map((c) => ({
        seq: c.Seq as number,
        changeType: String(c.ChangeType),
        resourceType: String(c.ResourceType ?? ''),
        id: String(c.ID ?? ''),
        date: String(c.Date ?? ''),
      }));
    return { changes, cursor: Math.max(since, raw.Last), done: raw.Done === true };
  }

  /** The newest change's number: a cursor that starts reading from now on. */
  async latestCursor(signal?: AbortSignal): Promise<number> {
    const route = '/changes';
    const raw = await this.http.json<{ Last?: unknown }>({ route, query: { last: '' }, expected: EXPECT_CHANGES, signal });
    if (typeof raw?.Last !== 'number') throw new PacsRequestError(`${this.http.describe({ route })}: the answer lacks Last; expected ${EXPECT_CHANGES}`, route);
    return raw.Last;
  }

  /** The DICOM UIDs and modality of one of Orthanc's series; undefined when it has been deleted since. */
  async seriesUids(orthancId: string, signal?: AbortSignal): Promise<Omit<StableSeries, 'seq'> | undefined> {
    const expected = "Orthanc's series resource with MainDicomTags and ParentStudy (GET /series/{id})";
    let series: { MainDicomTags?: Record<string, unknown>; ParentStudy?: unknown };
    try {
      series = await this.http.json({ route: '/series/{id}', params: { id: orthancId }, expected, signal });
    } catch (err) {
      if (err instanceof PacsRequestError && err.status === 404) return undefined;
      throw err;
    }
    const seriesInstanceUid = series?.MainDicomTags?.SeriesInstanceUID;
    if (typeof seriesInstanceUid !== 'string' || typeof series.ParentStudy !== 'string') {
      throw new PacsRequestError(
        `${this.http.describe({ route: '/series/{id}' })}: the answer lacks SeriesInstanceUID or ParentStudy; expected ${expected}`,
        '/series/{id}',
      );
    }
    const studyExpected = "Orthanc's study resource with MainDicomTags (GET /studies/{id})";
    let study: { MainDicomTags?: Record<string, unknown> };
    try {
      study = await this.http.json({ route: '/studies/{id}', params: { id: series.ParentStudy }, expected: studyExpected, signal });
    } catch (err) {
      if (err instanceof PacsRequestError && err.status === 404) return undefined;
      throw err;
    }
    const studyInstanceUid = study?.MainDicomTags?.StudyInstanceUID;
    if (typeof studyInstanceUid !== 'string') {
      throw new PacsRequestError(
        `${this.http.describe({ route: '/studies/{id}' })}: the answer lacks StudyInstanceUID; expected ${studyExpected}`,
        '/studies/{id}',
      );
    }
    const modality = series.MainDicomTags?.Modality;
    return { orthancId, studyInstanceUid, seriesInstanceUid, modality: typeof modality === 'string' ? modality : '' };
  }

  /**
   * The series that became stable after `cursor`, reading at most `maxChanges` changes: { series, cursor, done }.
   * Store the returned cursor once the series are handled; a series deleted since it became stable is left out.
   */
  async stableSeries(
    cursor: number,
    options: { maxChanges?: number; pageSize?: number; signal?: AbortSignal } = {},
  ): Promise<{ series: StableSeries[]; cursor: number; done: boolean }> {
    const maxChanges = options.maxChanges ?? 1000;
    const series: StableSeries[] = [];
    let read = 0;
    let page: ChangePage = { changes: [], cursor, done: false };
    while (read < maxChanges) {
      page = await this.changes(page.cursor, Math.min(options.pageSize ?? 100, maxChanges - read), options.signal);
      read += page.changes.length;
      for (const change of page.changes) {
        if (change.changeType !== 'StableSeries') continue;
        const uids = await this.seriesUids(change.id, options.signal);
        if (uids) series.push({ seq: change.seq, ...uids });
      }
      if (page.done || page.changes.length === 0) break;
    }
    return { series, cursor: page.cursor, done: page.done };
  }
}
