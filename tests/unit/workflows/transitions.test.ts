import type { TimepointStatus } from '../../../contracts/timeline';
import { applyTimepointEvent, nextStatus, progressEvent, TIMEPOINT_TRANSITIONS, type TimepointEvent } from '../../../workflows/timeline/transitions';

const STATUSES: TimepointStatus[] = [
  'pending',
  'overdue',
  'acquiring',
  'qc-failed/awaiting-rescan',
  'segmenting',
  'extracting',
  'needs-attention',
  'done',
  'missed',
];

/** Every row, written out: (from, event) → to. */
const EXPECTED: [TimepointStatus, TimepointEvent, TimepointStatus][] = [
  ['pending', 'run-started', 'acquiring'],
  ['pending', 'window-ended', 'overdue'],
  ['pending', 'progress:acquiring', 'acquiring'],
  ['pending', 'progress:segmenting', 'segmenting'],
  ['pending', 'progress:extracting', 'extracting'],
  ['overdue', 'run-started', 'acquiring'],
  ['overdue', 'grace-ended', 'missed'],
  ['overdue', 'progress:acquiring', 'acquiring'],
  ['overdue', 'progress:segmenting', 'segmenting'],
  ['overdue', 'progress:extracting', 'extracting'],
  ['qc-failed/awaiting-rescan', 'run-started', 'acquiring'],
  ['qc-failed/awaiting-rescan', 'grace-ended', 'missed'],
  ['qc-failed/awaiting-rescan', 'progress:acquiring', 'acquiring'],
  ['qc-failed/awaiting-rescan', 'progress:segmenting', 'segmenting'],
  ['qc-failed/awaiting-rescan', 'progress:extracting', 'extracting'],
  ['acquiring', 'progress:acquiring', 'acquiring'],
  ['acquiring', 'progress:segmenting', 'segmenting'],
  ['acquiring', 'progress:extracting', 'extracting'],
  ['acquiring', 'qc-failed', 'qc-failed/awaiting-rescan'],
  ['acquiring', 'results-in', 'done'],
  ['acquiring', 'child-failed', 'needs-attention'],
  ['segmenting', 'progress:acquiring', 'acquiring'],
  ['segmenting', 'progress:segmenting', 'segmenting'],
  ['segmenting', 'progress:extracting', 'extracting'],
  ['segmenting', 'qc-failed', 'qc-failed/awaiting-rescan'],
  ['segmenting', 'results-in', 'done'],
  ['segmenting', 'child-failed', 'needs-attention'],
  ['extracting', 'progress:acquiring', 'acquiring'],
  ['extracting', 'progress:segmenting', 'segmenting'],
  ['extracting', 'progress:extracting', 'extracting'],
  ['extracting', 'qc-failed', 'qc-failed/awaiting-rescan'],
  ['extracting', 'results-in', 'done'],
  ['extracting', 'child-failed', 'needs-attention'],
  ['needs-attention', 'run-started', 'acquiring'],
  ['segmenting', 'worker-missing', 'needs-attention'],
  ['needs-attention', 'worker-found', 'segmenting'],
  ['needs-attention', 'child-failed', 'needs-attention'],
  ['needs-attention', 'qc-failed', 'qc-failed/awaiting-rescan'],
  ['acquiring', 'late-scan', 'acquiring'],
  ['segmenting', 'late-scan', 'acquiring'],
  ['extracting', 'late-scan', 'acquiring'],
];

const PROGRESS: TimepointEvent[] = ['progress:acquiring', 'progress:segmenting', 'progress:extracting'];

/**
 * The events the PatientTimeline can emit while a timepoint has each status: a run starts only from a waiting status
 * (isReady), the clock moves pending → overdue and a waiting timepoint → missed (applyDeadlines), a run ends while
 * it runs, and the child's progress handler is reached whatever the status.
 */
const EMITTED: Record<TimepointStatus, TimepointEvent[]> = {
  pending: ['run-started', 'window-ended', ...PROGRESS],
  overdue: ['run-started', 'grace-ended', ...PROGRESS],
  'qc-failed/awaiting-rescan': ['run-started', 'grace-ended', ...PROGRESS],
  acquiring: [...PROGRESS, 'qc-failed', 'child-failed', 'results-in', 'late-scan'],
  segmenting: [...PROGRESS, 'qc-failed', 'child-failed', 'results-in', 'late-scan', 'worker-missing'],
  extracting: [...PROGRESS, 'qc-failed', 'child-failed', 'results-in', 'late-scan'],
  // A run waiting for a segmentation worker: it goes on when one comes, and can still end badly.
  'needs-attention': ['run-started', 'worker-found', 'child-failed', 'qc-failed', ...PROGRESS],
  done: PROGRESS,
  missed: PROGRESS,
};

/**
 * Events with no row on purpose: a timepoint that needs attention waits for a person, whatever the clock or a stray
 * report says (the workflow turns the report of a run that found its segmentation worker into 'worker-found' first).
 */
const IGNORED: Partial<Record<TimepointStatus, TimepointEvent[]>> = {
  'needs-attention': [...PROGRESS, 'grace-ended', 'window-ended', 'results-in', 'late-scan'],
};

describe('timepoint transitions', () => {
  it('has exactly the expected rows, one per (from, event)', () => {
    const rows = TIMEPOINT_TRANSITIONS.map((t) => [t.from, t.event, t.to]);
    expect([...rows].sort()).toEqual([...EXPECTED].sort());
    expect(new Set(rows.map(([from, event]) => `${from} ${event}`)).size).toBe(rows.length);
  });

  it.each(EXPECTED)('%s --%s--> %s', (from, event, to) => {
    expect(nextStatus(from, event)).toBe(to);
    const tp = { name: 'mid', status: from };
    expect(applyTimepointEvent(tp, event)).toBe(true);
    expect(tp.status).toBe(to);
  });

  it('has a row for every event the workflow emits from a status that is not closed', () => {
    for (const status of STATUSES.filter((s) => s !== 'done' && s !== 'missed')) {
      for (const event of EMITTED[status].filter((e) => !IGNORED[status]?.includes(e)))
        expect([status, event, nextStatus(status, event)]).toEqual([status, event, expect.any(String)]);
    }
  });

  it('keeps a timepoint that needs attention there until a run starts: no clock, no stray report moves it', () => {
    for (const event of IGNORED['needs-attention']!) {
      const tp = { name: 'mid', status: 'needs-attention' as TimepointStatus };
      expect(nextStatus('needs-attention', event)).toBeUndefined();
      expect(applyTimepointEvent(tp, event)).toBe(false);
      expect(tp.status).toBe('needs-attention');
    }
  });

  it('has no way out of needs-attention but a new run, or the end of a run that waited for a segmentation worker', () => {
    expect(TIMEPOINT_TRANSITIONS.filter((t) => t.from === 'needs-attention').map((t) => [t.event, t.to])).toEqual([
      ['run-started', 'acquiring'],
      ['worker-found', 'segmenting'],
      ['child-failed', 'needs-attention'],
      ['qc-failed', 'qc-failed/awaiting-rescan'],
    ]);
  });

  it('leaves a closed timepoint as it is: a late progress report is ignored, never thrown', () => {
    for (const status of ['done', 'missed'] as const) {
      for (const event of EMITTED[status]) {
        const tp = { name: 'mid', status: status as TimepointStatus };
        expect(nextStatus(status, event)).toBeUndefined();
        expect(applyTimepointEvent(tp, event)).toBe(false);
        expect(tp.status).toBe(status);
      }
    }
  });

  it('ignores an event with no row without throwing (outside a workflow: no log)', () => {
    const tp = { name: 'baseline', status: 'pending' as TimepointStatus };
    expect(() => applyTimepointEvent(tp, 'results-in')).not.toThrow();
    expect(tp.status).toBe('pending');
    expect(applyTimepointEvent({ name: 'baseline', status: 'done' }, 'run-started')).toBe(false);
    // A report with a step the child never sends (the signal's payload is not checked by Temporal).
    expect(applyTimepointEvent(tp, progressEvent('done' as never))).toBe(false);
    expect(tp.status).toBe('pending');
  });

  it('takes a pending timepoint through a run that fails QC, a re-run, and done', () => {
    const tp = { name: 'mid', status: 'pending' as TimepointStatus };
    const seen: TimepointStatus[] = [];
    for (const event of [
      'run-started',
      'progress:acquiring',
      'qc-failed',
      'run-started',
      'progress:acquiring',
      'progress:segmenting',
      'progress:extracting',
      'results-in',
    ] as TimepointEvent[]) {
      applyTimepointEvent(tp, event);
      seen.push(tp.status);
    }
    expect(seen).toEqual(['acquiring', 'acquiring', 'qc-failed/awaiting-rescan', 'acquiring', 'acquiring', 'segmenting', 'extracting', 'done']);
  });

  it('takes a timepoint whose extraction fails to needs-attention, and through a retry to done', () => {
    const tp = { name: 'mid', status: 'pending' as TimepointStatus };
    const seen: TimepointStatus[] = [];
    for (const event of [
      'run-started',
      'progress:acquiring',
      'progress:segmenting',
      'progress:extracting',
      'child-failed',
      'grace-ended',
      'run-started',
      'progress:acquiring',
      'progress:segmenting',
      'progress:extracting',
      'results-in',
    ] as TimepointEvent[]) {
      applyTimepointEvent(tp, event);
      seen.push(tp.status);
    }
    expect(seen).toEqual([
      'acquiring',
      'acquiring',
      'segmenting',
      'extracting',
      'needs-attention',
      'needs-attention',
      'acquiring',
      'acquiring',
      'segmenting',
      'extracting',
      'done',
    ]);
  });
});
