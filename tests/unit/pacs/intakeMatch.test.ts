// Intake's decision for a new PACS series: patient through the identifier map, timepoint by study date against the
// windows (with the study's early tolerance and the late margin before a timepoint is missed), modality by the study's
// rules; everything unknown or ambiguous goes to review with its code, and no message carries the PatientID or the
// SeriesDescription.
import type { SeriesCandidate, SeriesRule } from '../../../contracts/intake';
import type { StudyProtocol } from '../../../contracts/study';
import type { TimelineView, TimepointStatus } from '../../../contracts/timeline';
import { decideSeries, dicomDay, type IntakeContext } from '../../../pacs/intakeMatch';

const DAY = 24 * 60 * 60 * 1000;
const enrolled = Date.UTC(2026, 0, 10); // 10 January 2026
const iso = (days: number) => new Date(enrolled + days * DAY).toISOString();
/** The DICOM date `days` after enrolment. */
const date = (days: number) => new Date(enrolled + days * DAY).toISOString().slice(0, 10).replaceAll('-', '');

const protocol = {
  studyId: 'OS-INTAKE',
  timepoints: [
    { name: 'baseline', dueAfterMs: 0, windowMs: 14 * DAY, modalities: ['T1', 'CT', 'PET'] },
    { name: 'mid', dueAfterMs: 70 * DAY, windowMs: 14 * DAY, modalities: ['T1'] },
    { name: 'preop', dueAfterMs: 140 * DAY, windowMs: 14 * DAY, modalities: ['T1', 'PET'] },
  ],
  missedAfterMs: 28 * DAY,
} as unknown as StudyProtocol;

const rules: SeriesRule[] = [
  { modality: 'T1', dicomModality: ['MR'], seriesDescription: '\\bt1\\b(?!.*(gd|contrast))' },
  { modality: 'T1CE', dicomModality: ['MR'], seriesDescription: 't1.*(gd|contrast)' },
  { modality: 'CT', dicomModality: ['CT'] },
  { modality: 'PET', dicomModality: ['PT'] },
];

function timeline(statuses: TimepointStatus[] = ['pending', 'pending', 'pending'], scans: string[][] = [[], [], []], withdrawn = false): TimelineView {
  return {
    studyId: protocol.studyId,
    pseudonym: 'SYN-001',
    enrolledAt: iso(0),
    stage: 'baseline',
    timepoints: protocol.timepoints.map((tp, i) => ({
      name: tp.name,
      status: statuses[i],
      dueAt: iso(tp.dueAfterMs / DAY),
      windowEndsAt: iso((tp.dueAfterMs + tp.windowMs) / DAY),
      scans: scans[i].map((modality) => ({ modality, source: `pacs:${modality}`, registeredAt: iso(0) })),
      runs: 0,
    })),
    ...(withdrawn ? { withdrawn: { reason: 'consent withdrawn', at: iso(3) } } : {}),
  };
}

function context(view: TimelineView = timeline(), earlyDays = 30): IntakeContext {
  return {
    protocol,
    settings: { rules, earlyDays },
    pseudonymOf: (patientId) => (patientId === 'HOSP-12345' ? 'SYN-001' : undefined),
    timelineOf: (pseudonym) => (pseudonym === 'SYN-001' ? view : undefined),
    registeredSeries: (pseudonym, uid) => (pseudonym === 'SYN-001' && uid === '1.2.3.ct' ? { timepoint: 'baseline', modality: 'CT' } : undefined),
  };
}

const series = (over: Partial<SeriesCandidate> = {}): SeriesCandidate => ({
  pacsSeriesId: 'a1b2c3d4-e5f60718-293a4b5c-6d7e8f90-a1b2c3d4',
  seriesUid: '1.2.3.t1',
  patientId: 'HOSP-12345',
  studyDate: date(2),
  dicomModality: 'MR',
  seriesDescription: 'Ax T1 SE Smith knee',
  ...over,
});

describe('decideSeries', () => {
  it('takes a series of an enrolled patient into the timepoint whose window holds its date, as the modality its rule names', () => {
    expect(decideSeries(series(), context())).toEqual({ outcome: 'scan', pseudonym: 'SYN-001', timepoint: 'baseline', modality: 'T1' });
    expect(decideSeries(series({ seriesDescription: 'T1 FS post gd' }), context())).toMatchObject({ outcome: 'review', code: 'modality-not-in-timepoint' });
    expect(decideSeries(series({ studyDate: date(75) }), context())).toMatchObject({ outcome: 'scan', timepoint: 'mid', modality: 'T1' });
    expect(decideSeries(series({ studyDate: date(150), dicomModality: 'PT' }), context())).toMatchObject({ timepoint: 'preop', modality: 'PET' });
  });

  it('counts a scan up to earlyDays before the due date and up to the late margin after the window', () => {
    // baseline: due day 0, window to day 14, missed after day 42; mid opens 30 days early, on day 40.
    expect(decideSeries(series({ studyDate: date(-30) }), context())).toMatchObject({ outcome: 'scan', timepoint: 'baseline' });
    expect(decideSeries(series({ studyDate: date(-31) }), context())).toMatchObject({ outcome: 'review', code: 'outside-windows' });
    expect(decideSeries(series({ studyDate: date(39) }), context())).toMatchObject({ outcome: 'scan', timepoint: 'baseline' });
    expect(decideSeries(series({ studyDate: date(41) }), context())).toMatchObject({
      outcome: 'review',
      code: 'ambiguous-timepoint',
      message: expect.stringContaining('baseline and mid'),
    });
    expect(decideSeries(series({ studyDate: date(41) }), context(timeline(['done', 'pending', 'pending'])))).toMatchObject({ timepoint: 'mid' });
    expect(decideSeries(series({ studyDate: date(300) }), context())).toMatchObject({ outcome: 'review', code: 'outside-windows' });
  });

  it('skips closed timepoints and takes a second scan of a modality only where a re-scan is awaited', () => {
    expect(decideSeries(series(), context(timeline(['done', 'pending', 'pending'], [['T1'], [], []])))).toMatchObject({ code: 'outside-windows' });
    expect(decideSeries(series(), context(timeline(['acquiring', 'pending', 'pending'], [['T1'], [], []])))).toMatchObject({ code: 'already-registered' });
    for (const status of ['qc-failed/awaiting-rescan', 'needs-attention'] as const)
      expect(decideSeries(series(), context(timeline([status, 'pending', 'pending'], [['T1'], [], []])))).toMatchObject({ outcome: 'scan', modality: 'T1' });
  });

  it('sends unknown, withdrawn, unmatched and ambiguous series to review with their codes', () => {
    expect(decideSeries(series({ patientId: 'HOSP-99999' }), context())).toMatchObject({ code: 'unknown-patient' });
    expect(decideSeries(series(), context(timeline(undefined, undefined, true)))).toMatchObject({ code: 'withdrawn' });
    expect(decideSeries(series({ dicomModality: 'US' }), context())).toMatchObject({ code: 'no-rule' });
    expect(decideSeries(series({ seriesDescription: 'localizer' }), context())).toMatchObject({ code: 'no-rule' });
    expect(decideSeries(series({ seriesDescription: 't1 gd t1' }), context())).toMatchObject({
      code: 'ambiguous-modality',
      message: expect.stringContaining('T1 and T1CE'),
    });
    expect(decideSeries(series({ studyDate: '2026-01-12' }), context())).toMatchObject({ code: 'no-study-date', message: expect.stringContaining('YYYYMMDD') });
    expect(decideSeries(series({ studyDate: '20260230' }), context())).toMatchObject({ code: 'no-study-date' });
    expect(decideSeries(series({ studyDate: '' }), context())).toMatchObject({ code: 'no-study-date', message: expect.stringContaining('missing') });
  });

  it("ignores osteoflow's own exported mask, which references a registered series, rather than taking it back as a contour", () => {
    const own = series({ dicomModality: 'SEG', referencedSeriesUid: '1.2.3.ct', osteoflowExport: true });
    expect(decideSeries(own, context())).toEqual({ outcome: 'ignore', message: expect.stringMatching(/^series .* \(SEG\): osteoflow's own automatic mask/) });
  });

  it('takes a contour for the image series intake registered, and reviews one whose image it has not', () => {
    expect(decideSeries(series({ dicomModality: 'RTSTRUCT', referencedSeriesUid: '1.2.3.ct' }), context())).toEqual({
      outcome: 'contour',
      pseudonym: 'SYN-001',
      timepoint: 'baseline',
      forModality: 'CT',
    });
    expect(decideSeries(series({ dicomModality: 'SEG', referencedSeriesUid: '1.2.3.other' }), context())).toMatchObject({ code: 'contour-without-image' });
    expect(decideSeries(series({ dicomModality: 'SEG' }), context())).toMatchObject({
      code: 'contour-without-image',
      message: expect.stringContaining('not named'),
    });
  });

  it('never puts the PatientID or the SeriesDescription in a message', () => {
    const cases: Partial<SeriesCandidate>[] = [
      { patientId: 'HOSP-99999' },
      { dicomModality: 'US' },
      { seriesDescription: 't1 gd t1 Smith' },
      { studyDate: date(300) },
      { studyDate: 'Smith' },
      { dicomModality: 'RTSTRUCT', referencedSeriesUid: '9.9' },
    ];
    for (const over of cases) {
      const decision = decideSeries(series(over), context());
      expect(decision.outcome).toBe('review');
      const message = (decision as { message: string }).message;
      expect(message).toMatch(/^series a1b2c3d4-e5f60718-293a4b5c-6d7e8f90-a1b2c3d4 \(/);
      for (const secret of ['HOSP-', 'Smith', 'knee', 'Ax T1']) expect(message).not.toContain(secret);
    }
  });
});

describe('dicomDay', () => {
  it('reads DA values as UTC day numbers and refuses what is not a calendar date', () => {
    expect(dicomDay('19700102')).toBe(1);
    expect(dicomDay('20260110')).toBe(enrolled / DAY);
    for (const bad of ['2026011', '2026-01-10', '20261301', '20260229', 'abcdefgh']) expect(dicomDay(bad)).toBeUndefined();
    expect(dicomDay('20240229')).toBe(Date.UTC(2024, 1, 29) / DAY); // a leap day
  });
});
