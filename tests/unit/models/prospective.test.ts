// Prospective AUC per model version from the ledger's frozen predictions, against pairs counted by hand, and the main
// job's report of it.
import { prospectivePerformance } from '../../../models/prospective';
import { printProspective } from '../../../cli/summary';
import type { ProspectivePrediction } from '../../../store/types';

const scored = (model: string, version: string, pseudonym: string, probability: number, necrosisPct: number): ProspectivePrediction => ({
  entry: {
    seq: 0,
    studyId: 'S',
    pseudonym,
    timepoint: 'preop',
    model,
    modelVersion: version,
    probability,
    predictedAt: '2026-01-01T00:00:00Z',
    featuresSha256: 'a'.repeat(64),
    inSample: false,
    rescore: false,
    mode: 'live',
    attempt: null,
    prevHash: '0'.repeat(64),
    entryHash: 'b'.repeat(64),
  },
  necrosisPct,
  pathologyRecordedAt: '2026-06-01T00:00:00Z',
});

describe('prospectivePerformance', () => {
  it('scores each version on its own patients: good response is necrosis ≥ 90 %', () => {
    // Version 2: good responders at 0.9 and 0.6, poor at 0.7, 0.3 and 0.2: of the 6 good/poor pairs, 5 are ordered
    // correctly (0.6 < 0.7 is the one that is not): AUC 5/6.
    const rows = [
      scored('m', '2', 'P1', 0.9, 95),
      scored('m', '2', 'P2', 0.6, 90),
      scored('m', '2', 'P3', 0.7, 89.9),
      scored('m', '2', 'P4', 0.3, 40),
      scored('m', '2', 'P5', 0.2, 10),
      scored('m', '10', 'P1', 0.5, 95),
    ];
    const [v2, v10] = prospectivePerformance(rows);
    expect(v2).toMatchObject({ model: 'm', version: '2', patients: 5, events: 2 });
    expect(v2.auc).toBeCloseTo(5 / 6, 15);
    expect(v2.aucCi).not.toBeNull(); // two of each outcome: DeLong's interval exists
    expect(v10).toEqual({ model: 'm', version: '10', patients: 1, events: 1, auc: null, aucCi: null });
  });

  it('is reported per version in the main job’s summary, or says there is nothing to score yet', () => {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      printProspective([]);
      printProspective([{ model: 'm', version: '2', patients: 5, events: 2, auc: 5 / 6, aucCi: [0.45, 1] }]);
    } finally {
      spy.mockRestore();
    }
    expect(lines[0]).toMatch(/^\nprospective performance: no frozen prediction has met its pathology yet/);
    expect(lines[2]).toBe('  m@2                  5 patients (2 good, 3 poor): AUC 0.833 [0.450, 1.000]');
  });
});
