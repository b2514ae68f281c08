// Whole-image normalisation and intensity re-segmentation against their definitions (PyRadiomics normalizeImage,
// resegmentMask), and the bad inputs they refuse.
import { RadiomicsInputError } from '../../../../imaging/errors';
import { IDENTITY, type Geometry, type Volume } from '../../../../imaging/image';
import { normaliseImage } from '../../../../radiomics/preprocessing/normalise';
import { resegmentMask } from '../../../../radiomics/preprocessing/resegment';

const g: Geometry = { size: [5, 2, 1], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [...IDENTITY] as Geometry['direction'] };
const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100];
const image: Volume = { geometry: g, data: Int16Array.from(values), source: 'image.nrrd' };

const mean = values.reduce((a, b) => a + b, 0) / values.length;
const sampleSd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));

describe('normaliseImage', () => {
  it('z-scores every voxel of the image with the sample standard deviation, then scales', () => {
    const out = normaliseImage(image, { normalizeScale: 100 });
    values.forEach((v, i) => expect(out.data[i]).toBeCloseTo((100 * (v - mean)) / sampleSd, 10));
  });

  it('clips at ±removeOutliers standard deviations before scaling', () => {
    const out = normaliseImage(image, { normalizeScale: 2, removeOutliers: 1 });
    values.forEach((v, i) => expect(out.data[i]).toBeCloseTo(2 * Math.max(-1, Math.min(1, (v - mean) / sampleSd)), 10));
  });

  it('refuses NaN intensities and a constant image', () => {
    const withNaN: Volume = { geometry: g, data: Float64Array.from(values.map((v, i) => (i === 3 ? NaN : v))), source: 'nan.nrrd' };
    expect(() => normaliseImage(withNaN)).toThrow(/file nan.nrrd.*non-finite intensity \(NaN\)/);
    const flat: Volume = { geometry: g, data: new Float64Array(10).fill(3) };
    expect(() => normaliseImage(flat)).toThrow(RadiomicsInputError);
  });
});

describe('resegmentMask', () => {
  // label 2 on the first 9 voxels, label 1 on the last
  const mask: Volume = { geometry: g, data: Int32Array.from([2, 2, 2, 2, 2, 2, 2, 2, 2, 1]) };
  const kept = (m: Volume) => Array.from(m.data).flatMap((v, i) => (v === 2 ? [values[i]] : []));

  it('keeps voxels within a closed absolute range, sorted bounds', () => {
    expect(kept(resegmentMask(image, mask, { label: 2, resegmentRange: [7, 3] }))).toEqual([3, 4, 5, 6, 7]);
  });

  it('treats a single value as a lower bound only', () => {
    expect(kept(resegmentMask(image, mask, { label: 2, resegmentRange: [6] }))).toEqual([6, 7, 8, 9]);
  });

  it('scales relative thresholds by the ROI maximum', () => {
    // ROI of label 2: 1..9, max 9 → [0.5·9, 0.9·9] = [4.5, 8.1]
    expect(kept(resegmentMask(image, mask, { label: 2, resegmentRange: [0.5, 0.9], resegmentMode: 'relative' }))).toEqual([5, 6, 7, 8]);
  });

  it('puts sigma thresholds at mean ± k population standard deviations of the ROI', () => {
    const roi = values.slice(0, 9);
    const m = roi.reduce((a, b) => a + b, 0) / 9;
    const sd = Math.sqrt(roi.reduce((a, v) => a + (v - m) ** 2, 0) / 9); // 2.582
    const expected = roi.filter((v) => v >= m - sd && v <= m + sd);
    expect(kept(resegmentMask(image, mask, { label: 2, resegmentRange: [-1, 1], resegmentMode: 'sigma' }))).toEqual(expected);
  });

  it('never adds voxels of other labels, and keeps the mask type', () => {
    const out = resegmentMask(image, mask, { label: 2, resegmentRange: [0, 1000] });
    expect(out.data).toBeInstanceOf(Int32Array);
    expect(out.data[9]).toBe(0);
  });

  it('refuses a range that keeps one voxel or fewer, and bad settings', () => {
    expect(() => resegmentMask(image, mask, { label: 2, resegmentRange: [9, 20] })).toThrow(
      'Resegmentation excluded too many voxels with label 2 (retained 1 voxel(s))! Cannot extract features',
    );
    expect(() => resegmentMask(image, mask, { label: 2, resegmentRange: [] })).toThrow(/resegmentRange/);
    expect(() => resegmentMask(image, mask, { label: 2, resegmentRange: [1, 2, 3] })).toThrow(/resegmentRange/);
    expect(() => resegmentMask(image, mask, { label: 2, resegmentRange: [1], resegmentMode: 'percent' as never })).toThrow(/resegmentMode/);
  });
});
