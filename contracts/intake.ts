// Automatic intake from the PACS: how a study recognises its series, what intake knows of a series, and what it
// decides — a scan of a patient's timepoint, a contour of one, or a review-list entry with a stable reason code.
// Plain data only: the study file, the intake activities and the console share it.
import type { StudyProtocol } from './study';

/** One rule of the study file: series that satisfy it become scans of `modality`. */
export interface SeriesRule {
  /** The study modality (T1, T1CE, CT, PET, …) the series becomes. */
  modality: string;
  /** DICOM Modality (0008,0060) values that qualify, e.g. ['MR']. */
  dicomModality: string[];
  /** A case-insensitive regular expression SeriesDescription (0008,103E) must match; absent: any. */
  seriesDescription?: string;
  /** A case-insensitive regular expression a SequenceName (0018,0024) or ScanningSequence must match; absent: any. */
  sequence?: string;
}

export interface IntakeSettings {
  rules: SeriesRule[];
  /** Days before a timepoint's due date that a scan still counts for it (diagnostic scans precede enrolment). */
  earlyDays: number;
}

/** What intake reads of a new stable series before deciding (from QIDO-RS; the PatientID never leaves intake). */
export interface SeriesCandidate {
  /** The PACS's own id of the series (Orthanc's hash), shown to coordinators in the review list. */
  pacsSeriesId: string;
  seriesUid: string;
  /** The hospital identifier: matched against the identifier map, never stored or sent on. */
  patientId: string;
  /** StudyDate (0008,0020), YYYYMMDD. */
  studyDate: string;
  dicomModality: string;
  seriesDescription: string;
  sequence?: string;
  /** RTSTRUCT / SEG only: the image series its contours were drawn on. */
  referencedSeriesUid?: string;
  /** SEG only: an automatic mask osteoflow itself stored in the PACS (Manufacturer 'osteoflow', SegmentAlgorithmType AUTOMATIC). */
  osteoflowExport?: boolean;
}

/** Why a series waits on the review list for a coordinator to assign or dismiss it. */
export const INTAKE_REVIEW_CODES = [
  /** The PatientID is in no enrolment of the study (the identifier map has no pseudonym for it). */
  'unknown-patient',
  /** The patient is withdrawn from the study. */
  'withdrawn',
  /** No series rule of the study matches the series. */
  'no-rule',
  /** Rules of more than one modality match the series. */
  'ambiguous-modality',
  /** The study date is in no open timepoint's window. */
  'outside-windows',
  /** The study date is in the windows of several open timepoints. */
  'ambiguous-timepoint',
  /** The matched timepoint does not take this modality. */
  'modality-not-in-timepoint',
  /** The timepoint already has a scan of this modality and is not waiting for a re-scan. */
  'already-registered',
  /** A contour whose referenced image series intake has not registered for the patient. */
  'contour-without-image',
  /** The StudyDate is missing or not a date. */
  'no-study-date',
] as const;
export type IntakeReviewCode = (typeof INTAKE_REVIEW_CODES)[number];

export type IntakeDecision =
  | { outcome: 'scan'; pseudonym: string; timepoint: string; modality: string }
  | { outcome: 'contour'; pseudonym: string; timepoint: string; forModality: string }
  | { outcome: 'review'; code: IntakeReviewCode; message: string }
  /** Not for intake at all: osteoflow's own export of an automatic mask, which would otherwise come back as a contour. */
  | { outcome: 'ignore'; message: string };

/** Why intake could not take in a series it had matched; the series then waits on the review list too. */
export const INTAKE_TAKE_IN_CODES = [
  /** The timeline refused the registration (e.g. the timepoint closed meanwhile); the message says why. */
  'registration-refused',
  /** De-identification refused the series (e.g. BurnedInAnnotation = YES, which the study does not allow). */
  'deidentification-refused',
  /** The PACS refused to give the series (not only unavailable: that is retried). */
  'pacs-refused',
] as const;
export type IntakeTakeInCode = (typeof INTAKE_TAKE_IN_CODES)[number];

/** A series intake registered with a timeline. `seriesKey` is a keyed hash of its SeriesInstanceUID, never the UID. */
export interface TakenSeries {
  seriesKey: string;
  pacsSeriesId: string;
  pseudonym: string;
  timepoint: string;
  /** The study modality, or 'mask' for a contour (with `for`). */
  modality: string;
  for?: string;
  at: string;
}

export interface ReviewEntry {
  /** The PACS's id of the series (Orthanc's), which a coordinator opens in the PACS viewer. */
  pacsSeriesId: string;
  code: IntakeReviewCode | IntakeTakeInCode;
  message: string;
  at: string;
  status: 'open' | 'assigned' | 'dismissed';
  /** Who assigned or dismissed it, when and why. */
  resolution?: { who: string; at: string; note: string };
}

/** Why intake cannot read the PACS: set when a poll failed through all its retries, cleared when one succeeds. */
export interface IntakeAttention {
  /** The last failure's message (the route and what happened; never a patient's data). */
  reason: string;
  /** When the first poll that failed began (ISO 8601): the PACS has not answered since. */
  since: string;
  /** Polls that failed through all their retries since then. */
  failedPolls: number;
}

export interface IntakeState {
  /** Orthanc's change-feed cursor: changes up to it have been read. */
  cursor: number;
  taken: TakenSeries[];
  review: ReviewEntry[];
  /** Polls since the workflow (re)started, for continue-as-new. */
  polls: number;
  /** Present while the PACS does not answer: a person should look (the workflow keeps polling). */
  attention?: IntakeAttention;
}

export interface IntakeInput {
  protocol: StudyProtocol;
  settings: IntakeSettings;
  /** Pause between polls of the PACS's change feed. */
  pollEveryMs: number;
  /** Where the change feed is read from the first time (0: every series the PACS holds). */
  startCursor: number;
  /**
   * Attempts a poll makes against a PACS that does not answer before intake needs attention (the next poll tries
   * again); absent: the intake policy's 12, up to a minute apart (about 10 minutes of an outage). More are not made.
   */
  pacsAttempts?: number;
  state?: IntakeState;
}

export interface PollInput {
  protocol: StudyProtocol;
  settings: IntakeSettings;
  cursor: number;
  taken: TakenSeries[];
  /** Series already on the review list, not to be listed twice. */
  reviewed: string[];
  /** See IntakeInput.pacsAttempts: on that attempt a PACS that does not answer is not retried any more. */
  pacsAttempts?: number;
}

export interface PollResult {
  cursor: number;
  taken: TakenSeries[];
  review: ReviewEntry[];
}

/** A coordinator's assignment of a series from the review list. */
export interface AssignSeriesInput {
  pacsSeriesId: string;
  pseudonym: string;
  timepoint: string;
  modality: string;
  /** For a contour: the image modality it is drawn on. */
  for?: string;
  who: string;
  note: string;
}

export interface DismissSeriesInput {
  pacsSeriesId: string;
  who: string;
  note: string;
}

export interface TakeInInput {
  protocol: StudyProtocol;
  pacsSeriesId: string;
  pseudonym: string;
  timepoint: string;
  modality: string;
  for?: string;
}

/** An automatic mask to store in the PACS as a SEG of the original image series it was made on. */
export interface ExportMaskInput {
  studyId: string;
  pseudonym: string;
  timepoint: string;
  /** The automatic mask (NIfTI: its store-relative name and blob address), on the grid of one of `images`. */
  mask: { path: string; sha256: string };
  /**
   * The timepoint's images as stored (a de-identified DICOM series folder each, when intake took it in), in order of
   * preference: where several series share the mask's grid, the SEG references the first.
   */
  images: { modality: string; path: string; sha256?: string }[];
  /** The model that made the mask, `name@version`: the SEG's SegmentAlgorithmName. */
  algorithm: string;
}

/**
 * What became of the export. 'stored': the SEG is in the series' study in the PACS. 'skipped': there is nothing in the
 * PACS to put it beside (the mask's image was not a DICOM series, or its original series is not in the PACS). The
 * result carries the study modality and counts only: no UID, which would lead back to the patient in the PACS.
 */
export type ExportMaskResult = { status: 'stored'; modality: string; frames: number } | { status: 'skipped'; reason: string };

/** The intake activities (activities/intake), as the intake and Timepoint workflows call them. */
export interface IntakeActivities {
  pollPacs(input: PollInput): Promise<PollResult>;
  takeInSeries(input: TakeInInput): Promise<TakenSeries>;
  exportMask(input: ExportMaskInput): Promise<ExportMaskResult>;
}

/** Whether a pseudonym is enrolled (its timeline exists and runs), asked before an assignment takes a series in. */
export interface EnrolmentActivities {
  /** `enrolled` false comes with the reason, naming the pseudonym and the study. */
  checkEnrolment(input: { studyId: string; pseudonym: string }): Promise<{ enrolled: true } | { enrolled: false; reason: string }>;
}

/** Names of the intake workflow's updates and query, and its memo key (readable without a worker). */
export const INTAKE_MESSAGES = { assign: 'assignSeries', dismiss: 'dismissSeries', state: 'intakeState' } as const;
export const INTAKE_MEMO = 'intake';

/** One intake workflow per study. */
export function intakeWorkflowId(studyId: string): string {
  return `intake/${studyId}`;
}
