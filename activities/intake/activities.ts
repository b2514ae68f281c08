// Intake's activities: read the PACS's change feed for new stable series, decide what each is (pacs/intakeMatch.ts),
// and take in the ones that match — retrieved by WADO-RS, de-identified into the study's store (PS3.15 Basic Profile,
// the patient's pseudonym in place of the name and ID), and registered with the patient's timeline as a scan or a
// contour. Identifiers stay here: what leaves (results, review entries, registrations, heartbeats, logs) carries the
// pseudonym, the PACS's series id and a keyed hash of the SeriesInstanceUID, never a PatientID or a UID.
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { patientWorkflowId } from '../../contracts/ids';
import type { IntakeActivities, PollInput, PollResult, ReviewEntry, SeriesCandidate, TakeInInput, TakenSeries } from '../../contracts/intake';
import { TIMELINE_MESSAGES, TIMELINE_VIEW_MEMO, type RegisterScanInput, type TimelineView } from '../../contracts/timeline';
import { readDicomObject } from '../../imaging/contours';
import {
  decideSeries,
  DeidentificationError,
  deidentifySeries,
  dicomValue,
  isRetryablePacsError,
  PacsRequestError,
  type DicomwebClient,
  type IdentityMap,
  type OrthancClient,
} from '../../pacs';
import { createMaskExport } from './maskExport';
import { publishFile, type StudyFiles } from '../../study/storedFiles';
import { studyFilesOf } from '../pipeline/storedScans';

export interface IntakeDeps {
  client: () => Promise<Client>;
  pacs: () => { orthanc: OrthancClient; dicomweb: DicomwebClient };
  identity: () => IdentityMap;
  /** Key of the UID mapping, the date shift and the series keys (derived from the identity key). */
  secret: () => Buffer;
  log?: (line: string) => void;
  /**
   * This host's study folders and the shared blob store: a series taken in is registered by its address, so the
   * pipeline worker that acquires it may run on another host. Absent (library use): a blob folder beside the study's.
   */
  files?: StudyFiles;
}

/** Keyed hash of a SeriesInstanceUID: recognises a series again without keeping its UID. */
export function seriesKey(secret: Buffer, seriesInstanceUid: string): string {
  return createHmac('sha256', secret).update(`series:${seriesInstanceUid}`).digest('hex').slice(0, 32);
}

/**
 * What a contour object says of itself: the image series it references — an RTSTRUCT's (3006,0010 → 3006,0012 →
 * 3006,0014 → 0020,000E) or a SEG's (0008,1115 → 0020,000E) — and whether it is an automatic mask osteoflow exported
 * (Manufacturer (0008,0070) 'osteoflow', SegmentAlgorithmType (0062,0008) AUTOMATIC; activities/intake/maskExport.ts).
 */
function contourOrigin(file: string): { referencedSeriesUid?: string; osteoflowExport: boolean } {
  const { dataSet } = readDicomObject(file, { expected: 'an RTSTRUCT or SEG' });
  const first = (ds: typeof dataSet | undefined, tag: string) => ds?.elements[tag]?.items?.[0]?.dataSet;
  const rt = first(first(first(dataSet, 'x30060010'), 'x30060012'), 'x30060014');
  const seg = first(dataSet, 'x00081115');
  const referenced = (rt ?? seg)?.string('x0020000e') ?? undefined;
  const osteoflowExport = dataSet.string('x00080070')?.trim() === 'osteoflow' && first(dataSet, 'x00620002')?.string('x00620008')?.trim() === 'AUTOMATIC';
  return { ...(referenced !== undefined ? { referencedSeriesUid: referenced } : {}), osteoflowExport };
}

export function createIntakeActivities(deps: IntakeDeps): IntakeActivities {
  const filesOf = studyFilesOf(deps.files);
  const log = deps.log ?? (() => undefined);

  async function timelineOf(studyId: string, pseudonym: string): Promise<TimelineView | undefined> {
    const client = await deps.client();
    try {
      const described = await client.workflow.getHandle(patientWorkflowId(studyId, pseudonym)).describe();
      return described.memo?.[TIMELINE_VIEW_MEMO] as TimelineView | undefined;
    } catch (err) {
      if ((err as Error).name === 'WorkflowNotFoundError') return undefined;
      throw err;
    }
  }

  /** What intake needs to decide, from QIDO-RS (and, for a contour, the object itself). */
  async function candidate(studyUid: string, seriesUid: string, pacsSeriesId: string, work: string): Promise<SeriesCandidate> {
    const { dicomweb } = deps.pacs();
    const [study] = await dicomweb.searchStudies({ StudyInstanceUID: studyUid });
    const [series] = await dicomweb.searchSeries(studyUid, { SeriesInstanceUID: seriesUid, includefield: '00180024' });
    const modality = String(dicomValue(series ?? {}, '00080060') ?? '');
    const found: SeriesCandidate = {
      pacsSeriesId,
      seriesUid,
      patientId: String(dicomValue(study ?? {}, '00100020') ?? ''),
      studyDate: String(dicomValue(study ?? {}, '00080020') ?? ''),
      dicomModality: modality,
      seriesDescription: String(dicomValue(series ?? {}, '0008103E') ?? ''),
      sequence: dicomValue(series ?? {}, '00180024') as string | undefined,
    };
    if (modality === 'RTSTRUCT' || modality === 'SEG') {
      const retrieved = await dicomweb.retrieveSeries(studyUid, seriesUid, path.join(work, 'contour'));
      if (retrieved.files[0] !== undefined) {
        const origin = contourOrigin(retrieved.files[0]);
        found.referencedSeriesUid = origin.referencedSeriesUid;
        if (origin.osteoflowExport) found.osteoflowExport = true;
      }
    }
    return found;
  }

  /** Retrieves, de-identifies into the study store and registers one series; the registration's refusal is an IntakeRefusedError. */
  async function takeIn(
    input: Omit<TakeInInput, 'pacsSeriesId'> & { pacsSeriesId: string; studyUid: string; seriesUid: string },
    work: string,
  ): Promise<TakenSeries> {
    const { protocol, pseudonym, timepoint } = input;
    const key = seriesKey(deps.secret(), input.seriesUid);
    const retrieved = await deps.pacs().dicomweb.retrieveSeries(input.studyUid, input.seriesUid, path.join(work, 'series'), {
      onProgress: (p) => Context.current().heartbeat({ instances: p.instances }),
    });
    const slot = input.for === undefined ? input.modality : `mask-for-${input.for}`;
    const files = filesOf(protocol);
    const target = path.join(files.timepointFolder(protocol, pseudonym, timepoint), 'intake', `${slot}-${key.slice(0, 12)}`);
    // A retried attempt finds its de-identified copy already there: the same secret gives the same bytes.
    if (!existsSync(target)) {
      mkdirSync(path.dirname(target), { recursive: true });
      deidentifySeries(retrieved.dir, target, { secret: deps.secret(), pseudonym, ...protocol.deidentification });
    }
    // A contour is registered as its one object (an RTSTRUCT or SEG file), an image as its series folder.
    const objects = input.modality === 'mask' ? readdirSync(target).filter((f) => f.endsWith('.dcm')) : [];
    if (input.modality === 'mask' && objects.length !== 1)
      throw ApplicationFailure.nonRetryable(
        `series ${input.pacsSeriesId}: a contour series holds ${objects.length} objects (expected one RTSTRUCT or SEG)`,
        'IntakeRefusedError',
      );
    const object = input.modality === 'mask' ? path.join(target, objects[0]) : target;
    const registration: RegisterScanInput = {
      timepoint,
      modality: input.modality,
      source: `blob:${await publishFile(files.blobs, object)}${input.modality === 'mask' ? `/${objects[0]}` : ''}`,
      ...(input.for !== undefined ? { for: input.for } : {}),
    };
    // A poll retried after a failure part-way (the PACS went down after this series) takes the series in again: the
    // same secret gave the same folder, and a timeline that already has it registered is not asked twice.
    const current = await timelineOf(protocol.studyId, pseudonym);
    const already = current?.timepoints
      .find((tp) => tp.name === timepoint)
      ?.scans.some((scan) => scan.source === registration.source && scan.modality === registration.modality && scan.for === registration.for);
    const client = await deps.client();
    try {
      if (!already)
        await client.workflow.getHandle(patientWorkflowId(protocol.studyId, pseudonym)).executeUpdate(TIMELINE_MESSAGES.registerScan, { args: [registration] });
    } catch (err) {
      const cause = (err as { cause?: Error }).cause ?? (err as Error);
      throw ApplicationFailure.nonRetryable(
        `patient ${pseudonym}, timepoint ${timepoint}: the timeline refused the ${slot} series (${cause.message})`,
        'IntakeRefusedError',
      );
    }
    log(`intake: series ${input.pacsSeriesId} → ${pseudonym}/${timepoint}/${slot}${already ? ' (registered before)' : ''}`);
    return {
      seriesKey: key,
      pacsSeriesId: input.pacsSeriesId,
      pseudonym,
      timepoint,
      modality: input.modality,
      ...(input.for !== undefined ? { for: input.for } : {}),
      at: new Date().toISOString(),
    };
  }

  const scratch = () => mkdtempSync(path.join(os.tmpdir(), 'osteoflow-intake-'));

  const activities: Omit<IntakeActivities, 'exportMask'> = {
    async pollPacs(input: PollInput): Promise<PollResult> {
      const { orthanc } = deps.pacs();
      const page = await orthanc.stableSeries(input.cursor, { maxChanges: 500 });
      const taken: TakenSeries[] = [];
      const review: ReviewEntry[] = [];
      const known = new Set([...input.taken.map((t) => t.pacsSeriesId), ...input.reviewed]);
      const timelines = new Map<string, TimelineView | undefined>();
      const view = async (pseudonym: string) => {
        if (!timelines.has(pseudonym)) timelines.set(pseudonym, await timelineOf(input.protocol.studyId, pseudonym));
        return timelines.get(pseudonym);
      };
      for (const series of page.series) {
        if (known.has(series.orthancId)) continue;
        known.add(series.orthancId);
        Context.current().heartbeat({ series: series.orthancId });
        const work = scratch();
        try {
          const found = await candidate(series.studyInstanceUid, series.seriesInstanceUid, series.orthancId, work);
          const pseudonym = deps.identity().lookup(input.protocol.studyId, found.patientId);
          if (pseudonym !== undefined) await view(pseudonym);
          const all = [...input.taken, ...taken];
          const decision = decideSeries(found, {
            protocol: input.protocol,
            settings: input.settings,
            pseudonymOf: () => pseudonym,
            timelineOf: (p) => timelines.get(p),
            registeredSeries: (p, uid) => {
              const key = seriesKey(deps.secret(), uid);
              const hit = all.find((t) => t.pseudonym === p && t.seriesKey === key && t.modality !== 'mask');
              return hit && { timepoint: hit.timepoint, modality: hit.modality };
            },
          });
          if (decision.outcome === 'ignore') {
            log(`intake: ${decision.message}: not taken in`);
            continue;
          }
          if (decision.outcome === 'review') {
            review.push({ pacsSeriesId: series.orthancId, code: decision.code, message: decision.message, at: new Date().toISOString(), status: 'open' });
            continue;
          }
          const target = decision.outcome === 'scan' ? { modality: decision.modality } : { modality: 'mask', for: decision.forModality };
          const done = await takeIn(
            {
              protocol: input.protocol,
              pacsSeriesId: series.orthancId,
              studyUid: series.studyInstanceUid,
              seriesUid: series.seriesInstanceUid,
              pseudonym: decision.pseudonym,
              timepoint: decision.timepoint,
              ...target,
            },
            work,
          );
          taken.push(done);
          timelines.delete(decision.pseudonym); // the registration changed the timeline
        } catch (err) {
          const code = refusalCode(err);
          if (!code) throw err; // the PACS is down, or Temporal: the poll is retried as a whole
          review.push({
            pacsSeriesId: series.orthancId,
            code,
            message: `series ${series.orthancId} (${series.modality}): ${(err as Error).message}`,
            at: new Date().toISOString(),
            status: 'open',
          });
        } finally {
          rmSync(work, { recursive: true, force: true });
        }
      }
      return { cursor: page.cursor, taken, review };
    },

    async takeInSeries(input: TakeInInput): Promise<TakenSeries> {
      const uids = await deps.pacs().orthanc.seriesUids(input.pacsSeriesId);
      if (!uids) throw new PacsRequestError(`series ${input.pacsSeriesId} is no longer in the PACS`, '/series/{id}', 404);
      const work = scratch();
      try {
        return await takeIn({ ...input, studyUid: uids.studyInstanceUid, seriesUid: uids.seriesInstanceUid }, work);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  };
  return {
    ...activities,
    ...createMaskExport(deps),
    async pollPacs(input: PollInput): Promise<PollResult> {
      try {
        return await activities.pollPacs(input);
      } catch (err) {
        // The study's bound on attempts: on its last one a PACS that does not answer ends the poll (not retried any
        // more), and the workflow says it needs attention; the next poll tries again.
        if (input.pacsAttempts !== undefined && Context.current().info.attempt >= input.pacsAttempts && isRetryablePacsError(err))
          throw ApplicationFailure.nonRetryable((err as Error).message, 'PacsUnavailableError');
        throw err;
      }
    },
  };
}

/** The review code of a failure that concerns one series only; undefined for one a retry of the poll may outlast. */
function refusalCode(err: unknown): ReviewEntry['code'] | undefined {
  if (err instanceof DeidentificationError) return 'deidentification-refused';
  if (err instanceof PacsRequestError) return 'pacs-refused';
  if (err instanceof ApplicationFailure && err.type === 'IntakeRefusedError') return 'registration-refused';
  return undefined;
}
