// PyRadiomics' resampling grid (imageoperations.resampleImage): hand-derived sizes and origins on a synthetic mask,
// then the interpolated image and mask of every *_resampling baseline column against the diagnostics PyRadiomics
// recorded for them (grid size, spacing, label box and voxel count; image and ROI mean, minimum and maximum).
import { IDENTITY, type Geometry, type Vec3, type Volume } from '../../../../imaging/image';
import { labelBoundingBox } from '../../../../radiomics/preprocessing/label';
import { resampleImageAndMask, resampledGrid } from '../../../../radiomics/preprocessing/resampleToSpacing';
import { resampleVolume } from '../../../../imaging/resample';
import { describeWithReferenceData } from '../../../support/referenceData';
import { readBaselineColumns, readCase } from './support/pyradiomicsCases';

function labelMap(size: Vec3, spacing: Vec3, origin: Vec3, lower: Vec3, upper: Vec3): Volume<Uint8Array> {
  const data = new Uint8Array(size[0] * size[1] * size[2]);
  for (let z = lower[2]; z <= upper[2]; z++)
    for (let y = lower[1]; y <= upper[1]; y++) for (let x = lower[0]; x <= upper[0]; x++) data[x + size[0] * (y + size[1] * z)] = 1;
  return { geometry: { size, spacing, origin, direction: [...IDENTITY] as Geometry['direction'] }, data };
}

describe('PyRadiomics resampling grid', () => {
  // label box x 5..9, y 6..7, z 3..4 in a 20 × 20 × 10 mask of (1, 1, 2.5) mm at (10, 20, 30)
  const mask = labelMap([20, 20, 10], [1, 1, 2.5], [10, 20, 30], [5, 6, 3], [9, 7, 4]);

  it('covers the label box + padDistance new voxels, corner-aligned, with 0 keeping an axis', () => {
    const g = resampledGrid(mask, 1, [2, 0, 2], 1);
    // x: ratio ½, bounds floor(4.5·½ − 1) = 1 … ceil(9.5·½ + 1) = 6; origin index ½(2 − 1)/1 + 1/½ = 2.5
    // y: spacing 0 → 1, bounds floor(5.5 − 1) = 4 … ceil(7.5 + 1) = 9; origin index 4
    // z: ratio 1.25, bounds floor(2.5·1.25 − 1) = 2 … ceil(4.5·1.25 + 1) = 7; origin index ½(2 − 2.5)/2.5 + 2/1.25 = 1.5
    expect(g.size).toEqual([6, 6, 6]);
    expect(g.spacing).toEqual([2, 1, 2]);
    expect(g.origin[0]).toBeCloseTo(12.5, 12);
    expect(g.origin[1]).toBeCloseTo(24, 12);
    expect(g.origin[2]).toBeCloseTo(33.75, 12);
    // corner alignment: the new voxel 0 corner lies on an old voxel corner
    expect((g.origin[0] - g.spacing[0] / 2 - (10 - 0.5)) % 1).toBeCloseTo(0, 12);
  });

  it('does not resample an axis the label spans with one voxel', () => {
    const flat = labelMap([20, 20, 10], [1, 1, 2.5], [0, 0, 0], [5, 6, 3], [9, 7, 3]);
    expect(resampledGrid(flat, 1, [2, 2, 2], 0).spacing).toEqual([2, 2, 2.5]);
  });

  it('clips the padded box to the mask extent', () => {
    const g = resampledGrid(mask, 1, [2, 2, 2], 100);
    // lower bounds clip to 0, upper bounds to ceil(n · ratio) − 1
    expect(g.size).toEqual([10, 10, 13]);
  });

  it('only crops (mask on the image grid) when the spacing already matches', () => {
    const image: Volume = { geometry: mask.geometry, data: new Float64Array(mask.data.length).map((_, i) => i) };
    const out = resampleImageAndMask(image, mask, { label: 1, resampledPixelSpacing: [1, 1, 2.5], interpolator: 'sitkBSpline', padDistance: 2 });
    expect(out.image.geometry.size).toEqual([9, 6, 6]);
    expect(out.image.geometry.origin).toEqual([13, 24, 32.5]);
    expect(out.image.data[0]).toBe(3 + 20 * (4 + 20 * 1));
  });

  it('rejects a spacing that is not three non-negative numbers', () => {
    expect(() => resampledGrid(mask, 1, [2, 2], 0)).toThrow(/resampledPixelSpacing/);
    expect(() => resampledGrid(mask, 1, [2, -1, 2], 0)).toThrow(/resampledPixelSpacing/);
  });
});

const CASES = ['brain1', 'brain2', 'breast1', 'lung1', 'lung2'];
const FILES = [
  'pyradiomics/baseline/baseline_shape.csv',
  ...CASES.map((c) => `pyradiomics/${c}_label.nrrd`),
  ...CASES.filter((c) => !c.startsWith('lung')).map((c) => `pyradiomics/${c}_image.nrrd`),
];

const tuple = (text: string) => text.replace(/[()]/g, '').split(',').map(Number);

describeWithReferenceData('resampling vs PyRadiomics diagnostics (baseline_shape.csv *_resampling)', FILES, () => {
  const baseline = readBaselineColumns('shape');
  const columns = baseline.testIds.filter((id) => id.endsWith('_resampling'));
  const diag = (row: string, id: string) => baseline.rows.get(`diagnostics_${row}`)!.get(id)!;

  it.each(columns)('%s', (testId) => {
    const testCase = diag('Configuration_TestCase', testId);
    const { image, mask } = readCase(testCase);
    let resampled: { image: Volume | null; mask: Volume };
    if (image) {
      resampled = resampleImageAndMask(image, mask, { label: 1, resampledPixelSpacing: [2, 2, 2], interpolator: 'sitkBSpline', padDistance: 5 });
    } else {
      resampled = { image: null, mask: resampleVolume(mask, resampledGrid(mask, 1, [2, 2, 2], 5), 'sitkNearestNeighbor') };
    }
    const m = resampled.mask;
    expect(m.geometry.size).toEqual(tuple(diag('Mask-interpolated_Size', testId)));
    expect(m.geometry.spacing).toEqual(tuple(diag('Mask-interpolated_Spacing', testId)));
    const box = labelBoundingBox(m, 1);
    const [lx, ly, lz, sx, sy, sz] = tuple(diag('Mask-interpolated_BoundingBox', testId));
    expect({ lower: box.lower, upper: box.upper }).toEqual({ lower: [lx, ly, lz], upper: [lx + sx - 1, ly + sy - 1, lz + sz - 1] });
    expect(box.voxelCount).toBe(Number(diag('Mask-interpolated_VoxelNum', testId)));
    if (resampled.image) {
      const data = resampled.image.data;
      let sum = 0,
        min = Infinity,
        max = -Infinity,
        roiSum = 0,
        roiMin = Infinity,
        roiMax = -Infinity;
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
        if (m.data[i] === 1) {
          roiSum += v;
          if (v < roiMin) roiMin = v;
          if (v > roiMax) roiMax = v;
        }
      }
      expect(sum / data.length).toBeCloseTo(Number(diag('Image-interpolated_Mean', testId)), 6);
      expect([min, max]).toEqual([Number(diag('Image-interpolated_Minimum', testId)), Number(diag('Image-interpolated_Maximum', testId))]);
      expect(roiSum / box.voxelCount).toBeCloseTo(Number(diag('Mask-interpolated_Mean', testId)), 6);
      expect([roiMin, roiMax]).toEqual([Number(diag('Mask-interpolated_Minimum', testId)), Number(diag('Mask-interpolated_Maximum', testId))]);
    }
  });
});
