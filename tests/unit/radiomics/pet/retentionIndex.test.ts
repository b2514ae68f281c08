// Dual-time-point retention index, RI = (SUV_delayed − SUV_early) / SUV_early × 100 %, on hand-computed cases: from
// numbers, from two scans on different grids (SUVmax, SUVmean, SUVpeak each from its own scan), and bad input.
import { dualTimePointRetention, retentionIndex } from '../../../../radiomics/pet';
import { IDENTITY, type Vec3, type Volume } from '../../../../imaging/image';

function scan(size: Vec3, spacing: Vec3, values: Record<number, number>, tumour: number[]): { suv: Volume; mask: Volume } {
  const n = size[0] * size[1] * size[2];
  const suv = new Float32Array(n);
  for (const [i, v] of Object.entries(values)) suv[Number(i)] = v;
  const mask = new Uint8Array(n);
  for (const i of tumour) mask[i] = 1;
  const geometry = { size, spacing, origin: [0, 0, 0] as Vec3, direction: IDENTITY };
  return { suv: { geometry, data: suv, source: 'early.nii.gz' }, mask: { geometry, data: mask } };
}

describe('dual-time-point retention index', () => {
  it('from two SUVs: (6.3 − 5.0) / 5.0 = 26 %; a falling SUV gives a negative index', () => {
    expect(retentionIndex(5, 6.3)).toBeCloseTo(26, 12);
    expect(retentionIndex(4, 3)).toBeCloseTo(-25, 12);
    expect(retentionIndex(2.5, 2.5)).toBe(0);
  });

  it('from two scans of one visit on different grids: SUVmax and SUVmean of each scan’s own mask', () => {
    // Early: 4×1×1 at 4 mm, tumour voxels 1 and 2 (SUV 3 and 5). Delayed: 6×1×1 at 2 mm, tumour voxels 2–4 (4, 7, 6).
    const early = scan([4, 1, 1], [4, 4, 4], { 0: 9, 1: 3, 2: 5 }, [1, 2]);
    const delayed = scan([6, 1, 1], [2, 2, 2], { 2: 4, 3: 7, 4: 6, 5: 20 }, [2, 3, 4]);
    // SUVmax 5 → 7: 40 %. SUVmean 4 → 17/3: (17/3 − 4)/4 = 41.666… %. The hot voxels outside the masks do not count.
    expect(dualTimePointRetention(early, delayed)).toEqual({
      metric: 'SUVmax',
      early: 5,
      delayed: 7,
      retentionIndex: expect.closeTo(40, 10) as unknown as number,
    });
    const mean = dualTimePointRetention(early, delayed, { metric: 'SUVmean' });
    expect(mean.early).toBeCloseTo(4, 12);
    expect(mean.delayed).toBeCloseTo(17 / 3, 6);
    expect(mean.retentionIndex).toBeCloseTo(((17 / 3 - 4) / 4) * 100, 5);
  });

  it('SUVpeak of each scan: uniform uptake 2 then 3 in 2 mm voxels gives 50 %', () => {
    const size: Vec3 = [15, 15, 15];
    const uniform = (v: number) => Object.fromEntries(Array.from({ length: 15 ** 3 }, (_, i) => [i, v]));
    const centre = 7 + 15 * (7 + 15 * 7);
    const r = dualTimePointRetention(scan(size, [2, 2, 2], uniform(2), [centre]), scan(size, [2, 2, 2], uniform(3), [centre]), { metric: 'SUVpeak' });
    expect(r.early).toBeCloseTo(2, 6);
    expect(r.delayed).toBeCloseTo(3, 6);
    expect(r.retentionIndex).toBeCloseTo(50, 4);
  });

  it('bad input: an early SUV ≤ 0 or not finite, a delayed SUV not finite, an empty mask', () => {
    expect(() => retentionIndex(0, 3, 'early.nii.gz')).toThrow("file early.nii.gz, field 'early SUV': early SUV 0 (expected an SUV > 0 on the early scan)");
    expect(() => retentionIndex(NaN, 3)).toThrow(/field 'early SUV'/);
    expect(() => retentionIndex(3, Infinity)).toThrow(/field 'delayed SUV': delayed SUV Infinity/);
    const early = scan([4, 1, 1], [4, 4, 4], { 1: 3 }, []);
    expect(() => dualTimePointRetention(early, early)).toThrow(/mask has no voxel with label 1/);
    // An early tumour without uptake: RI is undefined, not infinite.
    const cold = scan([4, 1, 1], [4, 4, 4], {}, [1]);
    expect(() => dualTimePointRetention(cold, scan([4, 1, 1], [4, 4, 4], { 1: 2 }, [1]))).toThrow(/early SUV 0/);
  });
});
