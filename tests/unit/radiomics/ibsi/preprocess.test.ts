// IBSI-1 chapter 2 preprocessing against closed forms: the centre-aligned grid, trilinear interpolation of a linear
// ramp (exact, with nearest-intensity padding at the edge), rounding, the mask's partial-volume threshold, range
// re-segmentation before the outlier filter, and bin edges that start at the range's lower bound.
import type { Geometry } from '../../../../imaging/image';
import { ibsiDiscretise } from '../../../../radiomics/ibsi/discretise';
import { ibsiGrid, ibsiPreprocess, resegment } from '../../../../radiomics/ibsi/preprocess';
import { resolveIbsiSettings } from '../../../../radiomics/params/ibsiSettings';
import { parseParams } from '../../../../radiomics/params';
import { pyradiomicsBinEdges, digitize } from '../../../../radiomics/preprocessing/discretise';
import { grid, volumeOf } from '../extractor/support';

const settings = (setting: Record<string, unknown>) =>
  resolveIbsiSettings(parseParams(JSON.stringify({ setting: { compliance: 'ibsi', minimumROIDimensions: 1, ...setting } })));

describe('IBSI interpolation grid (IBSI-1 §2.4: align grid centres, n′ = ceil(n s / s′))', () => {
  it('5 voxels of 2 mm → 4 voxels of 3 mm whose centre is the original centre', () => {
    const g: Geometry = grid([5, 4, 4], [2, 2, 2]);
    const { grid: out, start, step } = ibsiGrid(g, [3, 3, 3]);
    expect(out.size).toEqual([4, 3, 3]);
    expect(start[0]).toBeCloseTo(-0.25, 12); // (4 − 3·1.5) / 2
    expect(step[0]).toBe(1.5);
    expect(out.origin[0] + ((out.size[0] - 1) / 2) * 3).toBeCloseTo(4, 12); // centre of 5 × 2 mm from origin 0
    expect(out.origin[1] + ((out.size[1] - 1) / 2) * 3).toBeCloseTo(3, 12);
  });

  it('the same spacing is the identity grid', () => {
    const g = grid([7, 5, 3], [0.8, 0.8, 2.5], [10, -4, 2]);
    const { grid: out, start } = ibsiGrid(g, [0.8, 0.8, 2.5]);
    expect(out.size).toEqual([7, 5, 3]);
    expect(start).toEqual([0, 0, 0]);
    expect(out.origin).toEqual([10, -4, 2]);
  });
});

describe('interpolation, rounding and the partial-volume threshold', () => {
  const g = grid([6, 6, 6], [2, 2, 2]);
  const ramp = (x: number, y: number, z: number) => 3.3 * x + 2 * y - 1.1 * z;
  const image = volumeOf(Float64Array, g, ramp);
  const all = new Uint8Array(216).fill(1);
  // 1 mm grid: 12 voxels per axis starting at source index −0.25, clamped to [0, 5] (nearest-intensity padding)
  const coord = (i: number) => Math.min(5, Math.max(0, -0.25 + 0.5 * i));

  it('trilinear interpolation reproduces a linear ramp, clamped at the edges', () => {
    const v = ibsiPreprocess(image, all, settings({ resampledPixelSpacing: [1, 1, 1], interpolator: 'sitkLinear' }));
    expect(v.geometry.size).toEqual([12, 12, 12]);
    let worst = 0;
    let i = 0;
    for (let z = 0; z < 12; z++)
      for (let y = 0; y < 12; y++)
        for (let x = 0; x < 12; x++, i++) {
          worst = Math.max(worst, Math.abs(v.image[i] - ramp(coord(x), coord(y), coord(z))));
        }
    expect(worst).toBeLessThan(1e-12);
    expect(v.morphCount).toBe(12 ** 3);
  });

  it('tricubic B-spline interpolation reproduces a linear ramp far from the edges (mirror boundaries decay as 0.27^k)', () => {
    const big = volumeOf(Float64Array, grid([40, 40, 40], [2, 2, 2]), ramp);
    const mask = volumeOf(Uint8Array, big.geometry, (x, y, z) => (x >= 18 && x <= 21 && y >= 18 && y <= 21 && z >= 18 && z <= 21 ? 1 : 0)).data;
    const v = ibsiPreprocess(big, mask, settings({ resampledPixelSpacing: [1, 1, 1], interpolator: 'sitkBSpline' }));
    const [nx, ny, nz] = v.geometry.size;
    const c = (d: number, i: number) => (v.geometry.origin[d] + i) / 2; // source index of output voxel i
    let worst = 0;
    let checked = 0;
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          if ([c(0, x), c(1, y), c(2, z)].some((s) => s < 14 || s > 26)) continue;
          worst = Math.max(worst, Math.abs(v.image[x + nx * (y + ny * z)] - ramp(c(0, x), c(1, y), c(2, z))));
          checked++;
        }
    expect(checked).toBeGreaterThan(1000);
    expect(worst).toBeLessThan(1e-6);
  });

  it('rounds intensities to integers after interpolation', () => {
    const v = ibsiPreprocess(image, all, settings({ resampledPixelSpacing: [1, 1, 1], interpolator: 'sitkLinear', roundIntensities: true }));
    expect(v.image[1]).toBe(Math.round(ramp(coord(1), 0, 0)));
    expect(v.image.every((x) => Number.isInteger(x))).toBe(true);
  });

  it('in-plane interpolation (spacing 0 keeps an axis) leaves the slices where they were', () => {
    const v = ibsiPreprocess(image, all, settings({ resampledPixelSpacing: [1, 1, 0], interpolator: 'sitkLinear' }));
    expect(v.geometry.size).toEqual([12, 12, 6]);
    expect(v.geometry.spacing).toEqual([1, 1, 2]);
  });

  it.each([
    [0.5, 6], // linear mask 1 − (c − 2) ≥ 0.5 ⇔ c ≤ 2.5 ⇔ i ≤ 5
    [0.8, 5], // c ≤ 2.2 ⇔ i ≤ 4
    [1, 5], // c ≤ 2 ⇔ i ≤ 4.5
  ])('a mask of x ≤ 2 interpolated and thresholded at %s keeps %s columns of 1 mm', (threshold, columns) => {
    const half = volumeOf(Uint8Array, g, (x) => (x <= 2 ? 1 : 0)).data;
    const v = ibsiPreprocess(image, half, settings({ resampledPixelSpacing: [1, 1, 1], interpolator: 'sitkLinear', maskPartialVolumeThreshold: threshold }));
    expect(v.morphCount).toBe(columns * 12 * 12);
  });
});

describe('re-segmentation (IBSI-1 §2.5)', () => {
  const values = Float64Array.from([0, 10, 10, 10, 10, 10, 10, 10, 10, 1000]);
  const mask = new Uint8Array(10).fill(1);

  it('range first, then μ ± nσ of what the range kept', () => {
    // after [0, 500]: 0 and eight 10s, μ = 80/9, σ = √(640/81) ≈ 2.81; μ − 2σ ≈ 3.27 drops the 0
    expect(Array.from(resegment(values, mask, { range: { lower: 0, upper: 500 }, outlierSigma: 2 }))).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    // the outlier filter alone (μ = 108, σ ≈ 297) keeps the 0 and drops only the 1000
    expect(Array.from(resegment(values, mask, { range: null, outlierSigma: 2 }))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it('a half-open range [lower, ∞)', () => {
    expect(Array.from(resegment(values, mask, { range: { lower: 5, upper: Infinity }, outlierSigma: null }))).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
});

describe('discretisation (IBSI-1 §2.7)', () => {
  const mask = new Uint8Array(6).fill(1);

  it('fixed bin size starts at the re-segmentation lower bound, not at a multiple of the width', () => {
    const x = Float64Array.from([-490, -470, -465.0001, -465, 10, 399]);
    const d = ibsiDiscretise(x, mask, { kind: 'width', width: 25, lower: -490 });
    expect(Array.from(d.binned)).toEqual([1, 1, 1, 2, 21, 36]);
    expect(d.ng).toBe(36);
    // PyRadiomics' 0-aligned edges put −470 in a bin of its own
    const edges = pyradiomicsBinEdges(-490, 399, { binWidth: 25, binCount: null });
    expect(digitize(-470, edges)).not.toBe(digitize(-490, edges));
  });

  it('fixed bin size without a range starts at the ROI minimum', () => {
    const d = ibsiDiscretise(Float64Array.from([3, 4, 5, 6, 7, 8]), mask, { kind: 'width', width: 2, lower: null });
    expect(Array.from(d.binned)).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('fixed bin number over the ROI range, the maximum in the top bin', () => {
    const d = ibsiDiscretise(Float64Array.from([0, 1.99, 2, 5, 7.99, 8]), mask, { kind: 'count', count: 4 });
    expect(Array.from(d.binned)).toEqual([1, 1, 2, 3, 4, 4]);
    expect(d.ng).toBe(4);
  });
});
