// First-order features against their definitions on small hand-checkable ROIs: numpy's linear percentiles,
// moments over Np, the shift c in Energy/TotalEnergy/RMS, the binned histogram, and PyRadiomics' documented results
// for a flat ROI (skewness and kurtosis 0) and a single voxel.
import { computeFirstOrder, firstorder } from '../../../../radiomics/features/firstorder';
import { DEFAULT_FEATURE_SETTINGS, type FeatureSettings, type Roi } from '../../../../radiomics/features/types';
import { discretise } from '../../../../radiomics/preprocessing/discretise';

function roiOf(values: number[], settings: Partial<FeatureSettings> = {}, spacing: [number, number, number] = [1, 1, 1]): Roi {
  // values on a row of voxels, plus one voxel outside the ROI that must not count
  const image = Float64Array.from([...values, 1e6]);
  const mask = Uint8Array.from([...values.map(() => 1), 0]);
  const full = { ...DEFAULT_FEATURE_SETTINGS, ...settings };
  return {
    geometry: { size: [values.length + 1, 1, 1], spacing, origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
    image,
    mask,
    binned: discretise(image, mask, full).binned,
    voxelCount: values.length,
    settings: full,
  };
}

describe('first-order statistics of 1..10', () => {
  const x = [3, 1, 4, 10, 5, 9, 2, 6, 8, 7];
  const f = computeFirstOrder(roiOf(x, { voxelArrayShift: 5, binWidth: 2 }, [0.5, 2, 3]));
  const mean = 5.5;
  const m2 = x.reduce((a, v) => a + (v - mean) ** 2, 0) / 10; // 8.25
  const m3 = x.reduce((a, v) => a + (v - mean) ** 3, 0) / 10;
  const m4 = x.reduce((a, v) => a + (v - mean) ** 4, 0) / 10;
  const energy = x.reduce((a, v) => a + (v + 5) ** 2, 0);

  it('has numpy linear-interpolation percentiles: position (n − 1)·q', () => {
    expect(f['10Percentile']).toBeCloseTo(1.9, 12);
    expect(f['90Percentile']).toBeCloseTo(9.1, 12);
    expect(f.Median).toBeCloseTo(5.5, 12);
    expect(f.InterquartileRange).toBeCloseTo(7.75 - 3.25, 12);
  });

  it('has moments over Np, kurtosis not excess', () => {
    expect(f.Mean).toBeCloseTo(mean, 12);
    expect(f.Variance).toBeCloseTo(m2, 12);
    expect(f.Skewness).toBeCloseTo(m3 / m2 ** 1.5, 12);
    expect(f.Kurtosis).toBeCloseTo(m4 / m2 ** 2, 12);
    expect(f.MeanAbsoluteDeviation).toBeCloseTo(2.5, 12);
    expect(f.Minimum).toBe(1);
    expect(f.Maximum).toBe(10);
    expect(f.Range).toBe(9);
  });

  it('takes the robust MAD over the voxels in [P10, P90]', () => {
    const inner = [2, 3, 4, 5, 6, 7, 8, 9];
    const m = inner.reduce((a, b) => a + b, 0) / inner.length;
    expect(f.RobustMeanAbsoluteDeviation).toBeCloseTo(inner.reduce((a, v) => a + Math.abs(v - m), 0) / inner.length, 12);
  });

  it('adds voxelArrayShift in Energy, TotalEnergy (× voxel volume) and RMS', () => {
    expect(f.Energy).toBeCloseTo(energy, 9);
    expect(f.TotalEnergy).toBeCloseTo(energy * 0.5 * 2 * 3, 9);
    expect(f.RootMeanSquared).toBeCloseTo(Math.sqrt(energy / 10), 12);
  });

  it('reads Entropy and Uniformity from the binned histogram', () => {
    // binWidth 2, edges at 0: {1}, {2,3}, {4,5}, {6,7}, {8,9}, {10} → p = .1 .2 .2 .2 .2 .1
    const p = [0.1, 0.2, 0.2, 0.2, 0.2, 0.1];
    expect(f.Entropy).toBeCloseTo(-p.reduce((a, q) => a + q * Math.log2(q + 2.220446049250313e-16), 0), 12);
    expect(f.Uniformity).toBeCloseTo(
      p.reduce((a, q) => a + q * q, 0),
      12,
    );
  });

  it('computes the 18 default features, and StandardDeviation only when named', () => {
    expect(Object.keys(f)).toHaveLength(18);
    expect(f.StandardDeviation).toBeUndefined();
    expect(firstorder.deprecated).toEqual(['StandardDeviation']);
    const sd = computeFirstOrder(roiOf(x), ['StandardDeviation', 'Mean']);
    expect(sd).toEqual({ StandardDeviation: expect.closeTo(Math.sqrt(m2), 12), Mean: expect.closeTo(mean, 12) });
  });
});

describe('a flat ROI (PyRadiomics documented results)', () => {
  const f = computeFirstOrder(roiOf([42, 42, 42, 42]));
  it('has skewness and kurtosis 0, no spread, one gray level', () => {
    expect(f.Skewness).toBe(0);
    expect(f.Kurtosis).toBe(0);
    expect(f.Variance).toBe(0);
    expect(f.Range).toBe(0);
    expect(f.MeanAbsoluteDeviation).toBe(0);
    expect(f.RobustMeanAbsoluteDeviation).toBe(0);
    expect(f.Entropy).toBeCloseTo(-Math.log2(1 + 2.220446049250313e-16), 15);
    expect(f.Uniformity).toBe(1);
    expect(f.Median).toBe(42);
  });
});

describe('a single-voxel ROI', () => {
  it('is its own mean, median and percentiles', () => {
    const f = computeFirstOrder(roiOf([-7], { voxelArrayShift: 10 }));
    expect([f.Mean, f.Median, f['10Percentile'], f['90Percentile'], f.Minimum, f.Maximum]).toEqual([-7, -7, -7, -7, -7, -7]);
    expect(f.Energy).toBe(9);
    expect(f.Skewness).toBe(0);
  });
});
