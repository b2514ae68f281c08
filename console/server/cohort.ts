// The cohort as a coordinator reads it: each timepoint's console state from the timeline's status and the clock, each
// patient's most urgent state, and the patients that need a person listed first. Pure functions of published views.
import { createHash } from 'node:crypto';
import {
  ACTION_STATES,
  TIMEPOINT_STATES,
  type CohortCell,
  type CohortPatient,
  type CohortResponse,
  type StudySummary,
  type TimepointState,
} from '../../contracts/console';
import type { TimelineView, TimepointView } from '../../contracts/timeline';
import { withoutFolders } from './withoutFolders';

const RUNNING = new Set(['acquiring', 'segmenting', 'extracting']);

/** A timepoint's console state (see TIMEPOINT_STATES in contracts/console.ts). */
export function timepointState(tp: TimepointView, view: Pick<TimelineView, 'withdrawn'>, now: Date): TimepointState {
  if (tp.status === 'done') return 'done';
  if (view.withdrawn) return 'withdrawn';
  switch (tp.status) {
    case 'needs-attention':
      return 'needs-attention';
    case 'qc-failed/awaiting-rescan':
      return 'qc-failed';
    case 'missed':
      return 'missed';
    case 'overdue':
      return 'overdue';
    default:
      if (RUNNING.has(tp.status)) return 'running';
  }
  // pending: by the clock. The timeline marks 'overdue' itself; a window past before it did is overdue too.
  const t = now.getTime();
  if (t < Date.parse(tp.dueAt)) return 'upcoming';
  if (t <= Date.parse(tp.windowEndsAt)) return 'due';
  return 'overdue';
}

const rank = (s: TimepointState) => TIMEPOINT_STATES.indexOf(s);

/** The most urgent state among the patient's timepoints (order of TIMEPOINT_STATES); 'withdrawn' for a withdrawn patient with nothing more urgent. */
export function patientState(states: TimepointState[], withdrawn: boolean): TimepointState {
  if (states.length === 0) return withdrawn ? 'withdrawn' : 'upcoming';
  const urgent = states.reduce((a, b) => (rank(b) < rank(a) ? b : a));
  // A withdrawn patient's done timepoints do not make it 'done'.
  return withdrawn && (urgent === 'done' || urgent === 'withdrawn') ? 'withdrawn' : urgent;
}

function cellDetail(tp: TimepointView): string | undefined {
  if (tp.attention) return withoutFolders(`${tp.attention.code}: ${tp.attention.message}`);
  if (tp.qc && !tp.qc.passed && !tp.qc.override) return withoutFolders(tp.qc.reasons.join('; '));
  if (tp.qc?.override) return `QC overridden by ${tp.qc.override.who}: ${tp.qc.override.reason}`;
  return tp.note ? withoutFolders(tp.note) : undefined;
}

/** A digest of the published view: equal digests, nothing to send. */
export function viewVersion(view: TimelineView): string {
  return createHash('sha256').update(JSON.stringify(view)).digest('base64url').slice(0, 16);
}

export function cohortPatient(view: TimelineView, now: Date): CohortPatient {
  const cells: CohortCell[] = view.timepoints.map((tp) => {
    const detail = cellDetail(tp);
    return {
      timepoint: tp.name,
      state: timepointState(tp, view, now),
      status: tp.status,
      dueAt: tp.dueAt,
      windowEndsAt: tp.windowEndsAt,
      ...(detail ? { detail } : {}),
    };
  });
  const state = patientState(
    cells.map((c) => c.state),
    Boolean(view.withdrawn),
  );
  const latest = view.latestPrediction ?? null;
  return {
    pseudonym: view.pseudonym,
    stage: view.stage,
    state,
    needsAction: cells.some((c) => ACTION_STATES.includes(c.state)),
    cells,
    latestPrediction: latest ? { probability: latest.probability, model: latest.model } : null,
    withdrawn: Boolean(view.withdrawn),
    pathologyRecorded: Boolean(view.pathology),
    version: viewVersion(view),
  };
}

/** Patients needing a person first, then by state order, then by pseudonym. */
export function sortPatients(patients: CohortPatient[]): CohortPatient[] {
  return [...patients].sort((a, b) => Number(b.needsAction) - Number(a.needsAction) || rank(a.state) - rank(b.state) || a.pseudonym.localeCompare(b.pseudonym));
}

/**
 * The study's cohort; `states` keeps the patients with a timepoint in one of them. Columns are the protocol's
 * timepoints (`timepoints`), or those of the views when not given.
 */
export function buildCohort(
  studyId: string,
  views: TimelineView[],
  now: Date,
  options: { states?: TimepointState[]; timepoints?: string[] } = {},
): CohortResponse {
  let patients = views.map((v) => cohortPatient(v, now));
  if (options.states?.length) {
    const wanted = new Set(options.states);
    patients = patients.filter((p) => wanted.has(p.state) || p.cells.some((c) => wanted.has(c.state)));
  }
  const timepoints = options.timepoints ?? [...new Set(views.flatMap((v) => v.timepoints.map((t) => t.name)))];
  return { studyId, timepoints, patients: sortPatients(patients), at: now.toISOString() };
}

export function summariseStudy(studyId: string, views: TimelineView[], now: Date): StudySummary {
  const patients = views.map((v) => cohortPatient(v, now));
  const byState: Partial<Record<TimepointState, number>> = {};
  for (const p of patients) byState[p.state] = (byState[p.state] ?? 0) + 1;
  return { studyId, patients: patients.length, byState, needingAction: patients.filter((p) => p.needsAction).length };
}
