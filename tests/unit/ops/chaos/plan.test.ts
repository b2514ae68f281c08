import { BAD_FILE_VARIANTS, FAULT_KINDS, countByKind, planFaults, visitKey, type PlanOptions } from '../../../../ops/chaos/plan';

const options = (seed: number, faults = 20): PlanOptions => ({
  seed,
  faults,
  patients: 12,
  timepoints: ['baseline', 'mid', 'preop'],
  modalities: ['T1CE', 'T2', 'ADC', 'PET'],
  pipelineWorkers: 2,
});

describe('the chaos fault plan', () => {
  it('is the same plan for the same seed, and another for another seed', () => {
    expect(planFaults(options(1))).toEqual(planFaults(options(1)));
    expect(planFaults(options(1)).faults).not.toEqual(planFaults(options(2)).faults);
  });

  it('has the asked number of faults, every kind at least once, in firing order within the horizon', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const plan = planFaults(options(seed));
      expect(plan.faults).toHaveLength(20);
      const counts = countByKind(plan.faults);
      for (const kind of FAULT_KINDS) expect(counts[kind]).toBeGreaterThanOrEqual(1);
      const times = plan.faults.map((f) => f.atMs);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(2000);
      expect(times[0]).toBeGreaterThan(0);
    }
    expect(planFaults(options(1, 0)).faults).toEqual([]);
    expect(new Set(planFaults(options(1, 3)).faults.map((f) => f.kind)).size).toBe(3);
  });

  it('sends each visit once: bad files on distinct visits, by their fault; mask faults never on a visit left to automatic segmentation', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const plan = planFaults(options(seed, 40));
      const bad = plan.faults.flatMap((f) => (f.kind === 'bad-file' ? [f] : []));
      const badKeys = bad.map((f) => visitKey(f.visit));
      expect(new Set(badKeys).size).toBe(badKeys.length);
      expect(badKeys.length).toBeLessThanOrEqual(18);
      const registered = plan.registrations.map((r) => visitKey(r.visit));
      expect(new Set([...registered, ...badKeys]).size).toBe(36);
      expect(registered.length + badKeys.length).toBe(36);
      const automatic = new Set(plan.automatic.map(visitKey));
      for (const f of bad) {
        expect(BAD_FILE_VARIANTS).toContain(f.variant);
        if (f.variant.endsWith('-mask')) {
          expect(f.modality).toBe('mask');
          expect(automatic.has(visitKey(f.visit))).toBe(false);
        } else expect(['T1CE', 'T2', 'ADC', 'PET']).toContain(f.modality);
      }
      expect(new Set(bad.map((f) => f.variant)).size).toBe(Math.min(bad.length, BAD_FILE_VARIANTS.length));
    }
  });
});
