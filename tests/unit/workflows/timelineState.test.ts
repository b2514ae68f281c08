import {
  applyDeadlines,
  initialState,
  isReady,
  latestScans,
  nextDeadline,
  nextWake,
  predictionRetryDelayMs,
  qcStatusOf,
  schedulePredictionRetry,
  stageOf,
  toView,
  validateOverrideQc,
  validatePathology,
  validateRegisterScan,
  validateRetryTimepoint,
} from '../../../workflows/timeline/state';
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

  /** A baseline whose complete scan set ran and failed outside QC. */
  const needingAttention = () => {
    const state = initialState(protocol, T0);
    const tp = state.timepoints[0];
    for (const m of ['T1CE', 'PET', 'mask']) tp.scans.push({ modality: m, source: m, registeredAt: '' });
    tp.scanVersion = 3;
    tp.processedScanVersion = 3;
    tp.runs = 1;
    tp.status = 'needs-attention';
    tp.qc = { passed: true, reasons: [] };
    tp.attention = { code: 'parameters-changed', message: 'extractFeatures: the parameter file changed', at: '2026-01-06T00:00:00.000Z' };
    return { state, tp };
  };

  it('re-runs a timepoint that needs attention only after a new scan, a retry or an override', () => {
    const { tp } = needingAttention();
    expect(isReady(protocol, tp)).toBe(false);
    tp.pendingRetry = { reason: 'parameter file restored', who: 'c1' };
    expect(isReady(protocol, tp)).toBe(true);
    tp.pendingRetry = undefined;
    tp.pendingOverride = { reason: 'checked', who: 'c1' };
    expect(isReady(protocol, tp)).toBe(true);
    tp.pendingOverride = undefined;
    tp.scanVersion = 4;
    expect(isReady(protocol, tp)).toBe(true);
  });

  it('never closes a timepoint that needs attention by the clock: it waits for a person', () => {
    const { state, tp } = needingAttention();
    expect(nextDeadline(protocol, state)).toBe(T0 + 56 * DAY); // mid's window end, not baseline's grace
    applyDeadlines(protocol, state, T0 + 400 * DAY);
    expect(tp.status).toBe('needs-attention');
    expect(state.timepoints[1].status).toBe('missed');
    expect(stageOf(state)).toBe('baseline');
  });

  it('publishes QcStatus needs-attention (after failed, which a re-scan settles first)', () => {
    const { state } = needingAttention();
    expect(qcStatusOf(state)).toBe('needs-attention');
    state.timepoints[1].status = 'qc-failed/awaiting-rescan';
    expect(qcStatusOf(state)).toBe('failed');
  });

  it('shows the attention reason and the latest retry, never the pending retry or the override carried along', () => {
    const { state, tp } = needingAttention();
    tp.pendingRetry = { reason: 'r', who: 'c1' };
    tp.lastOverride = { reason: 'o', who: 'c2' };
    tp.retried = { reason: 'earlier', who: 'c3', at: '2026-01-05T12:00:00.000Z' };
    const shown = toView('OS-1', 'P1', state).timepoints[0];
    expect(shown.attention).toEqual(tp.attention);
    expect(shown.retried).toEqual(tp.retried);
    expect(Object.keys(shown)).not.toEqual(expect.arrayContaining(['pendingRetry']));
    expect(Object.keys(shown)).not.toEqual(expect.arrayContaining(['lastOverride']));
  });

  it('accepts a retry only for a timepoint that needs attention, with a reason and who', () => {
    const { state } = needingAttention();
    expect(() => validateRetryTimepoint(state, { timepoint: 'baseline', reason: 'disk freed', who: 'c1' })).not.toThrow();
    expect(() => validateRetryTimepoint(state, { timepoint: 'mid', reason: 'disk freed', who: 'c1' })).toThrow(
      "timepoint 'mid' is pending, not needing attention; there is nothing to retry",
    );
    expect(() => validateRetryTimepoint(state, { timepoint: 'week-3', reason: 'disk freed', who: 'c1' })).toThrow(
      'unknown timepoint "week-3" (expected one of baseline, mid)',
    );
    expect(() => validateRetryTimepoint(state, { timepoint: 'baseline', reason: ' ', who: 'c1' })).toThrow('reason must say what was fixed before the retry');
    expect(() => validateRetryTimepoint(state, { timepoint: 'baseline', reason: 'disk freed', who: '' })).toThrow('who must name the coordinator who retries');
    state.withdrawn = { reason: 'consent withdrawn', at: '' };
    expect(() => validateRetryTimepoint(state, { timepoint: 'baseline', reason: 'disk freed', who: 'c1' })).toThrow(/withdrawn/);
  });

  it('accepts a QC override on a timepoint that needs attention only where its QC verdict failed', () => {
    const { state, tp } = needingAttention();
    const override = { timepoint: 'baseline', reason: 'checked at the console', who: 'c1' };
    expect(() => validateOverrideQc(state, override)).toThrow(
      "timepoint 'baseline' needs attention, but QC passed or was overridden; there is no QC verdict to override (retry it instead)",
    );
    tp.qc = { passed: false, reasons: ['missing slice'] };
    expect(() => validateOverrideQc(state, override)).not.toThrow();
    tp.qc = { passed: false, reasons: ['missing slice'], override: { reason: 'earlier', who: 'c2' } };
    expect(() => validateOverrideQc(state, override)).toThrow(/QC passed or was overridden/);
    expect(() => validateOverrideQc(state, { ...override, timepoint: 'mid' })).toThrow(/not awaiting a re-scan/);
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

  it('tries a failed prediction again after retryAfter, three times longer each time, at most every 6 hours', () => {
    const MIN = 60000;
    expect([1, 2, 3, 4, 5, 6].map((n) => predictionRetryDelayMs(protocol, n) / MIN)).toEqual([5, 15, 45, 135, 360, 360]);
    const quick = { ...protocol, model: { name: 'm', retryAfterMs: 2000 } };
    expect([1, 2, 3].map((n) => predictionRetryDelayMs(quick, n))).toEqual([2000, 6000, 18000]);

    const state = initialState(protocol, T0);
    expect(schedulePredictionRetry(protocol, state, 'baseline', T0)).toEqual({ timepoint: 'baseline', attempts: 1, dueAt: '2026-01-05T00:05:00.000Z' });
    expect(schedulePredictionRetry(protocol, state, 'baseline', T0 + 5 * MIN).attempts).toBe(2);
    expect(state.predictionRetry!.dueAt).toBe('2026-01-05T00:20:00.000Z');
    // Another timepoint's failure starts its own count.
    expect(schedulePredictionRetry(protocol, state, 'mid', T0).attempts).toBe(1);
  });

  it('wakes for the earlier of the next deadline and a pending prediction retry', () => {
    const state = initialState(protocol, T0);
    const deadline = nextDeadline(protocol, state)!;
    expect(nextWake(protocol, state)).toBe(deadline);
    schedulePredictionRetry(protocol, state, 'baseline', T0);
    expect(nextWake(protocol, state)).toBe(T0 + 5 * 60000);
    state.predictionRetry = { timepoint: 'baseline', attempts: 9, dueAt: new Date(deadline + 1).toISOString() };
    expect(nextWake(protocol, state)).toBe(deadline);
    for (const tp of state.timepoints) tp.status = 'done';
    expect(nextDeadline(protocol, state)).toBeUndefined();
    expect(nextWake(protocol, state)).toBe(deadline + 1);
  });
});

describe('a mask per image series', () => {
  const visit: StudyProtocol = {
    ...protocol,
    timepoints: [{ name: 'baseline', dueAfterMs: 0, windowMs: 14 * DAY, modalities: ['CT', 'T1', 'PET'] }],
  };
  const scan = (modality: string, extra: { for?: string; roi?: string } = {}) => ({
    modality,
    source: `${modality}${extra.for ?? ''}`,
    registeredAt: '',
    ...extra,
  });

  it('accepts a mask for an image modality of the timepoint, with an ROI name', () => {
    const state = initialState(visit, T0);
    expect(() =>
      validateRegisterScan(visit, state, { timepoint: 'baseline', modality: 'mask', source: 'RS.dcm', for: 'T1', roi: 'GTV_Mass_MR' }),
    ).not.toThrow();
  });

  it('accepts a contour for a map the timepoint derives, and refuses one for a map it does not', () => {
    const maps: StudyProtocol = {
      ...protocol,
      timepoints: [{ name: 'baseline', dueAfterMs: 0, windowMs: 14 * DAY, modalities: ['T1', 'DWI', 'DCE'], derived: ['ADC'] }],
    };
    const state = initialState(maps, T0);
    const register = (forModality: string) => () =>
      validateRegisterScan(maps, state, { timepoint: 'baseline', modality: 'mask', source: 'm.nii.gz', for: forModality });
    expect(register('ADC')).not.toThrow();
    expect(register('DWI')).not.toThrow();
    expect(register('DCE_Ktrans')).toThrow(`a mask for "DCE_Ktrans": timepoint 'baseline' has no such image modality (expected one of T1, DWI, DCE, ADC)`);
  });

  it('refuses a mask for a modality the timepoint does not have, and for/roi on an image', () => {
    const state = initialState(visit, T0);
    const register = (input: { modality: string; for?: string; roi?: string }) => () =>
      validateRegisterScan(visit, state, { timepoint: 'baseline', source: 'RS.dcm', ...input });
    expect(register({ modality: 'mask', for: 'T2' })).toThrow(`a mask for "T2": timepoint 'baseline' has no such image modality (expected one of CT, T1, PET)`);
    expect(register({ modality: 'mask', for: 'mask' })).toThrow(
      `a mask for "mask": timepoint 'baseline' has no such image modality (expected one of CT, T1, PET)`,
    );
    expect(register({ modality: 'T1', for: 'CT' })).toThrow(`'for' names the image a mask is drawn on; it is given with modality 'mask', not "T1"`);
    expect(register({ modality: 'CT', roi: 'GTV' })).toThrow(`'roi' names the ROI of an RTSTRUCT or SEG mask; it is given with modality 'mask', not "CT"`);
    expect(register({ modality: 'mask', roi: ' ' })).toThrow('roi must be a non-empty ROI name');
  });

  it('keeps the latest mask of each image apart from the shared one and from the other images', () => {
    const state = initialState(visit, T0);
    const tp = state.timepoints[0];
    tp.scans.push(scan('CT'), scan('mask', { for: 'CT' }), scan('mask'), { ...scan('mask', { for: 'CT' }), source: 'CT-2' }, scan('mask', { for: 'T1' }));
    expect(latestScans(tp).map((s) => [s.modality, s.for, s.source])).toEqual([
      ['CT', undefined, 'CT'],
      ['mask', 'CT', 'CT-2'],
      ['mask', undefined, 'mask'],
      ['mask', 'T1', 'maskT1'],
    ]);
  });

  it('waits for every image’s contour once masks are registered per image, unless a shared mask is there', () => {
    const state = initialState(visit, T0);
    const tp = state.timepoints[0];
    tp.scans.push(scan('CT'), scan('T1'), scan('PET'), scan('mask', { for: 'CT' }), scan('mask', { for: 'T1' }));
    expect(isReady(visit, tp)).toBe(false);
    tp.scans.push(scan('mask', { for: 'PET' }));
    expect(isReady(visit, tp)).toBe(true);
    // A shared mask covers the images without their own (QC checks the grids).
    const other = initialState(visit, T0).timepoints[0];
    other.scans.push(scan('CT'), scan('T1'), scan('PET'), scan('mask', { for: 'T1' }), scan('mask'));
    expect(isReady(visit, other)).toBe(true);
  });

  it('asks no contour of a mask registered as a scan of its own (an arterial ROI)', () => {
    const dce: StudyProtocol = { ...visit, timepoints: [{ ...visit.timepoints[0], modalities: ['CT', 'T1', 'ARTERY'] }] };
    const tp = initialState(dce, T0).timepoints[0];
    tp.scans.push(scan('CT'), scan('T1'), scan('ARTERY'), scan('mask', { for: 'CT' }));
    expect(isReady(dce, tp)).toBe(false);
    tp.scans.push(scan('mask', { for: 'T1' }));
    expect(isReady(dce, tp)).toBe(true);
  });
});
