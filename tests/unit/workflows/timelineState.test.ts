import { applyDeadlines, initialState, isReady, nextDeadline, qcStatusOf, stageOf, validatePathology } from '../../../workflows/timeline/state';
import type { StudyProtocol } from '../../../contracts/study';

const DAY = 86400000;
const protocol: StudyProtocol = {
  studyId: 'OS-1',
  timepoints: [
    { name: 'baseline', dueAfterMs: 0, windowMs: 14 * DAY, modalities: ['T1CE', 'PET'] },
    { name: 'mid', dueAfterMs: 42 * DAY, windowMs: 14 * DAY, modalities: ['T1CE', 'PET'] },
  ],
  qc: { minSlices: 8, maxSpacingMm: 6, tumourVolumeMl: [0.5, 500] },
  segmentation: { mode: 'manual-required' },
  features: { paramsFile: '/p.yaml', paramHash: 'h' },
  model: { name: 'm' },
  missedAfterMs: 28 * DAY,
  storeDir: '/store',
};
const T0 = Date.UTC(2026, 0, 5);

describe('timeline state', () => {
  it('lays out due dates from enrolment and needs every modality plus the manual mask', () => {
    const state = initialState(protocol, T0);
    expect(state.timepoints.map((t) => [t.dueAt, t.windowEndsAt])).toEqual([
      ['2026-01-05T00:00:00.000Z', '2026-01-19T00:00:00.000Z'],
      ['2026-02-16T00:00:00.000Z', '2026-03-02T00:00:00.000Z'],
    ]);
    const baseline = state.timepoints[0];
    baseline.scans.push({ modality: 'T1CE', source: 'a', registeredAt: '' }, { modality: 'PET', source: 'b', registeredAt: '' });
    expect(isReady(protocol, baseline)).toBe(false);
    baseline.scans.push({ modality: 'mask', source: 'c', registeredAt: '' });
    expect(isReady(protocol, baseline)).toBe(true);
  });

  it('turns a pending timepoint overdue at its window end and missed missedAfter later', () => {
    const state = initialState(protocol, T0);
    expect(nextDeadline(protocol, state)).toBe(T0 + 14 * DAY);
    expect(applyDeadlines(protocol, state, T0 + 14 * DAY - 1)).toEqual([]);
    const overdue = applyDeadlines(protocol, state, T0 + 14 * DAY);
    expect(overdue.map((t) => t.name)).toEqual(['baseline']);
    expect(state.timepoints[0].status).toBe('overdue');
    expect(nextDeadline(protocol, state)).toBe(T0 + 42 * DAY);
    applyDeadlines(protocol, state, T0 + 42 * DAY);
    expect(state.timepoints[0].status).toBe('missed');
    expect(stageOf(state)).toBe('mid');
  });

  it('re-runs a QC-failed timepoint only after a new scan or an override', () => {
    const state = initialState(protocol, T0);
    const tp = state.timepoints[0];
    for (const m of ['T1CE', 'PET', 'mask']) tp.scans.push({ modality: m, source: m, registeredAt: '' });
    tp.scanVersion = 3;
    tp.processedScanVersion = 3;
    tp.status = 'qc-failed/awaiting-rescan';
    tp.qc = { passed: false, reasons: ['x'] };
    expect(isReady(protocol, tp)).toBe(false);
    expect(qcStatusOf(state)).toBe('failed');
    tp.scanVersion = 4;
    expect(isReady(protocol, tp)).toBe(true);
  });

  it.each([
    [{ necrosisPct: 95, huvosGrade: 'III', date: '2026-04-01' }, null],
    [{ necrosisPct: 100, huvosGrade: 'IV', date: '2026-04-01' }, null],
    [{ necrosisPct: 49.9, huvosGrade: 'I', date: '2026-04-01' }, null],
    [{ necrosisPct: 90, huvosGrade: 'II', date: '2026-04-01' }, /Huvos grade II means necrosis 50–90 %/],
    [{ necrosisPct: 99, huvosGrade: 'IV', date: '2026-04-01' }, /Huvos grade IV means necrosis 100 %/],
    [{ necrosisPct: -1, huvosGrade: 'I', date: '2026-04-01' }, /from 0 to 100/],
    [{ necrosisPct: 50, huvosGrade: 'V', date: '2026-04-01' }, /one of I, II, III, IV/],
    [{ necrosisPct: 50, huvosGrade: 'II', date: 'last week' }, /ISO date/],
  ])('pathology %j follows Huvos grading (I < 50 %, II 50–89 %, III 90–99 %, IV 100 %)', (input, error) => {
    const state = initialState(protocol, T0);
    const run = () => validatePathology(state, input as never);
    if (error) expect(run).toThrow(error);
    else expect(run).not.toThrow();
  });
});
