// Deciding what a new series in the PACS is: which enrolled patient (through the identifier map), which timepoint
// (its study date against the protocol's windows) and which modality (the study's series rules) — or, when any of
// these is unknown or ambiguous, a review-list entry with a stable code. Pure: the caller reads the PACS, the map and
// the timelines. Messages name the series by its PACS id and DICOM modality only: never the PatientID, and never the
// SeriesDescription, which the Basic Profile treats as identifying.
import type { IntakeDecision, IntakeReviewCode, IntakeSettings, SeriesCandidate, SeriesRule } from '../contracts/intake';
import type { StudyProtocol } from '../contracts/study';
import type { TimelineView, TimepointStatus } from '../contracts/timeline';

const DAY_MS = 24 * 60 * 60 * 1000;
/** DICOM Modality values of contour objects, which name the image series they were drawn on. */
const CONTOUR_MODALITIES = new Set(['RTSTRUCT', 'SEG']);
/** A timepoint in these states takes a scan of a modality it already has (the re-scan a person waits for). */
const TAKES_RESCAN: ReadonlySet<TimepointStatus> = new Set(['qc-failed/awaiting-rescan', 'needs-attention']);
const CLOSED: ReadonlySet<TimepointStatus> = new Set(['done', 'missed']);

export interface IntakeContext {
  protocol: StudyProtocol;
  settings: IntakeSettings;
  /** The pseudonym enrolled under a hospital identifier, if any. */
  pseudonymOf(patientId: string): string | undefined;
  /** The patient's timeline as its workflow shows it; undefined when the pseudonym has none in this study. */
  timelineOf(pseudonym: string): TimelineView | undefined;
  /** An image series intake registered for the patient before: its timepoint and modality. */
  registeredSeries(pseudonym: string, seriesUid: string): { timepoint: string; modality: string } | undefined;
}

/** The day number (days since 1970-01-01, UTC) of a DICOM DA value, or undefined when it is not a valid date. */
export function dicomDay(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined;
  return ms / DAY_MS;
}

const dayOf = (iso: string) => Math.floor(Date.parse(iso) / DAY_MS);

/** Case-insensitive test of an optional rule pattern; an absent value never matches a present pattern. */
function matches(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined) return true;
  return value !== undefined && new RegExp(pattern, 'i').test(value);
}

/** The modalities whose rules the series satisfies (each once). */
export function modalitiesMatching(rules: readonly SeriesRule[], series: SeriesCandidate): string[] {
  const hits = rules.filter(
    (rule) =>
      rule.dicomModality.includes(series.dicomModality) && matches(rule.seriesDescription, series.seriesDescription) && matches(rule.sequence, series.sequence),
  );
  return [...new Set(hits.map((rule) => rule.modality))];
}

export function decideSeries(series: SeriesCandidate, context: IntakeContext): IntakeDecision {
  const name = `series ${series.pacsSeriesId} (${series.dicomModality || 'no Modality'})`;
  const review = (code: IntakeReviewCode, message: string): IntakeDecision => ({ outcome: 'review', code, message: `${name}: ${message}` });
  const studyId = context.protocol.studyId;
  if (series.osteoflowExport) return { outcome: 'ignore', message: `${name}: osteoflow's own automatic mask, stored in the PACS for review` };

  const pseudonym = context.pseudonymOf(series.patientId);
  const timeline = pseudonym === undefined ? undefined : context.timelineOf(pseudonym);
  if (pseudonym === undefined || timeline === undefined) return review('unknown-patient', `its patient is not enrolled in study ${studyId}`);
  if (timeline.withdrawn) return review('withdrawn', `patient ${pseudonym} is withdrawn from study ${studyId}`);

  if (CONTOUR_MODALITIES.has(series.dicomModality)) {
    const image = series.referencedSeriesUid === undefined ? undefined : context.registeredSeries(pseudonym, series.referencedSeriesUid);
    if (!image)
      return review(
        'contour-without-image',
        `a contour of patient ${pseudonym} whose ${series.referencedSeriesUid === undefined ? 'referenced series is not named' : 'referenced image series was not taken in by intake'}`,
      );
    return { outcome: 'contour', pseudonym, timepoint: image.timepoint, forModality: image.modality };
  }

  const modalities = modalitiesMatching(context.settings.rules, series);
  if (modalities.length === 0) return review('no-rule', `matches no series rule of study ${studyId}`);
  if (modalities.length > 1) return review('ambiguous-modality', `matches the rules of ${modalities.join(' and ')}`);
  const [modality] = modalities;

  const day = dicomDay(series.studyDate);
  if (day === undefined) return review('no-study-date', `StudyDate (0008,0020) is ${series.studyDate ? 'not a date (expected YYYYMMDD)' : 'missing'}`);
  const lateMs = context.protocol.missedAfterMs;
  const open = timeline.timepoints.filter(
    (tp) => !CLOSED.has(tp.status) && day >= dayOf(tp.dueAt) - context.settings.earlyDays && day <= Math.floor((Date.parse(tp.windowEndsAt) + lateMs) / DAY_MS),
  );
  if (open.length === 0) return review('outside-windows', `its study date is in no open timepoint window of patient ${pseudonym}`);
  if (open.length > 1)
    return review('ambiguous-timepoint', `its study date is in the windows of ${open.map((tp) => tp.name).join(' and ')} of patient ${pseudonym}`);
  const [timepoint] = open;

  const wanted = context.protocol.timepoints.find((tp) => tp.name === timepoint.name)?.modalities ?? [];
  if (!(wanted as string[]).includes(modality))
    return review('modality-not-in-timepoint', `${modality} is not a modality of timepoint ${timepoint.name} (expected one of ${wanted.join(', ')})`);
  if (timepoint.scans.some((scan) => scan.modality === modality) && !TAKES_RESCAN.has(timepoint.status))
    return review('already-registered', `timepoint ${timepoint.name} of patient ${pseudonym} already has ${modality} and waits for no re-scan`);
  return { outcome: 'scan', pseudonym, timepoint: timepoint.name, modality };
}
