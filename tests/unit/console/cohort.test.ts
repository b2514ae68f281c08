// The cohort's states from the timelines' statuses and the clock, each expected from the state rules (not from a run):
// before the window upcoming, in it due, past it overdue; a withdrawn patient's open timepoints withdrawn; patients
// that need a person first.
import { buildCohort, patientState, timepointState } from '../../../console/server/cohort';
import type { TimelineView } from '../../../contracts/timeline';
import { STUDY, timepoint } from './support';

const now = new Date('2026-03-01T12:00:00Z');
const at = (iso: string) => new Date(iso);

describe('timepointState', () => {
  const view = {};
  it.each([
    ['pending', '2026-03-05T00:00:00Z', 'upcoming'], // due in 4 days
    ['pending', '2026-02-27T00:00:00Z', 'due'], // due 2 days ago, window of 7 days still open
    ['pending', '2026-02-20T00:00:00Z', 'overdue'], // window ended 2026-02-27
    ['overdue', '2026-02-20T00:00:00Z', 'overdue'],
    ['acquiring', '2026-02-27T00:00:00Z', 'running'],
    ['segmenting', '2026-02-27T00:00:00Z', 'running'],
    ['extracting', '2026-02-27T00:00:00Z', 'running'],
    ['qc-failed/awaiting-rescan', '2026-02-27T00:00:00Z', 'qc-failed'],
    ['needs-attention', '2026-02-27T00:00:00Z', 'needs-attention'],
    ['done', '2026-02-27T00:00:00Z', 'done'],
    ['missed', '2026-01-01T00:00:00Z', 'missed'],
  ] as const)('%s due %s → %s', (status, due, expected) => {
    expect(timepointState(timepoint('t', status, at(due)), view, now)).toBe(expected);
  });

  it('a withdrawn patient: done stays done, the rest is withdrawn', () => {
    const withdrawn = { withdrawn: { reason: 'consent', at: '2026-02-01T00:00:00Z' } };
    expect(timepointState(timepoint('t', 'done', at('2026-01-01T00:00:00Z')), withdrawn, now)).toBe('done');
    expect(timepointState(timepoint('t', 'qc-failed/awaiting-rescan', at('2026-01-01T00:00:00Z')), withdrawn, now)).toBe('withdrawn');
    expect(timepointState(timepoint('t', 'pending', at('2026-05-01T00:00:00Z')), withdrawn, now)).toBe('withdrawn');
  });
});

describe('patientState', () => {
  it('is the most urgent state', () => {
    expect(patientState(['done', 'due', 'upcoming'], false)).toBe('due');
    expect(patientState(['done', 'qc-failed', 'overdue'], false)).toBe('qc-failed');
    expect(patientState(['needs-attention', 'qc-failed'], false)).toBe('needs-attention');
    expect(patientState(['done', 'done', 'done'], false)).toBe('done');
    expect(patientState(['done', 'withdrawn'], true)).toBe('withdrawn');
  });
});

describe('buildCohort', () => {
  const view = (pseudonym: string, statuses: Array<[string, string]>): TimelineView => ({
    studyId: STUDY,
    pseudonym,
    enrolledAt: '2026-01-01T00:00:00Z',
    stage: 'baseline',
    timepoints: statuses.map(([status, due], i) => timepoint(['baseline', 'mid', 'preop'][i], status as 'pending', at(due))),
  });
  const views = [
    view('A-done', [
      ['done', '2026-01-01T00:00:00Z'],
      ['done', '2026-02-01T00:00:00Z'],
    ]),
    view('B-upcoming', [
      ['done', '2026-01-01T00:00:00Z'],
      ['pending', '2026-04-01T00:00:00Z'],
    ]),
    view('C-overdue', [
      ['done', '2026-01-01T00:00:00Z'],
      ['pending', '2026-02-01T00:00:00Z'],
    ]),
    view('D-attention', [
      ['needs-attention', '2026-02-27T00:00:00Z'],
      ['pending', '2026-04-01T00:00:00Z'],
    ]),
    view('E-qc', [
      ['qc-failed/awaiting-rescan', '2026-02-27T00:00:00Z'],
      ['pending', '2026-04-01T00:00:00Z'],
    ]),
    view('F-running', [
      ['extracting', '2026-02-27T00:00:00Z'],
      ['pending', '2026-04-01T00:00:00Z'],
    ]),
  ];

  it('lists the patients that need a person first, then by state', () => {
    const cohort = buildCohort(STUDY, views, now);
    expect(cohort.patients.map((p) => `${p.pseudonym}:${p.state}:${p.needsAction}`)).toEqual([
      'D-attention:needs-attention:true',
      'E-qc:qc-failed:true',
      'C-overdue:overdue:true',
      'F-running:running:false',
      'B-upcoming:upcoming:false',
      'A-done:done:false',
    ]);
    expect(cohort.timepoints).toEqual(['baseline', 'mid']);
  });

  it('filters by state: a patient with any timepoint in a wanted state', () => {
    expect(buildCohort(STUDY, views, now, { states: ['done'] }).patients.map((p) => p.pseudonym)).toEqual(['C-overdue', 'B-upcoming', 'A-done']);
    expect(buildCohort(STUDY, views, now, { states: ['qc-failed', 'running'] }).patients.map((p) => p.pseudonym)).toEqual(['E-qc', 'F-running']);
  });

  it("changes a patient's version when its view changes, not otherwise", () => {
    const [a] = buildCohort(STUDY, [views[0]], now).patients;
    const [same] = buildCohort(STUDY, [structuredClone(views[0])], now).patients;
    const changed = structuredClone(views[0]);
    changed.timepoints[1].note = 'a new note';
    const [b] = buildCohort(STUDY, [changed], now).patients;
    expect(same.version).toBe(a.version);
    expect(b.version).not.toBe(a.version);
  });
});
