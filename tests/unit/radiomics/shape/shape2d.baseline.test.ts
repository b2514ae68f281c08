// 2D shape parity with PyRadiomics: every column of baseline_shape2D.csv. Each case used a one-slice mask placed at
// one z of the 3D label (brain1 z=16, brain2 z=8, breast1 z=9, lung1 z=33, lung2 z=22); the settings row does not
// say which, the corrected mask's bounding box does, and correctMask brings that slice onto the image grid.
import { computeShape2D } from '../../../../radiomics/features/shape2d';
import { describeWithReferenceData } from '../../../support/referenceData';
import { columnSettings, expectPyRadiomicsMatch, labelSlice, prepareCase, readBaselineColumns, readCase } from '../preprocessing/support/pyradiomicsCases';

const CASES = ['brain1', 'brain2', 'breast1', 'lung1', 'lung2'];
const SLICE: Record<string, number> = { brain1: 16, brain2: 8, breast1: 9, lung1: 33, lung2: 22 };
const FILES = [
  'pyradiomics/baseline/baseline_shape2D.csv',
  ...CASES.map((c) => `pyradiomics/${c}_label.nrrd`),
  ...CASES.filter((c) => !c.startsWith('lung')).map((c) => `pyradiomics/${c}_image.nrrd`),
];

/** "(162, 84, 16, 45, 32, 1)" → numbers. */
function tuple(text: string): number[] {
  return text.replace(/[()]/g, '').split(',').map(Number);
}

describeWithReferenceData('shape2D vs PyRadiomics baseline_shape2D.csv', FILES, () => {
  const baseline = readBaselineColumns('shape2D');

  it('records the slice of each case in the corrected mask bounding box', () => {
    for (const testId of baseline.testIds) {
      const testCase = testId.replace(/_shape2D$/, '');
      const box = tuple(baseline.rows.get('diagnostics_Mask-corrected_BoundingBox')!.get(testId)!);
      expect({ testCase, z: box[2], depth: box[5] }).toEqual({ testCase, z: SLICE[testCase], depth: 1 });
    }
  });

  it.each(baseline.testIds)('%s', (testId) => {
    const testCase = testId.replace(/_shape2D$/, '');
    const { image, mask } = readCase(testCase);
    const slice = labelSlice(mask, SLICE[testCase]);
    // the one-slice mask is the one PyRadiomics read: same voxel count
    let voxels = 0;
    for (let i = 0; i < slice.data.length; i++) if (slice.data[i] === 1) voxels++;
    expect(voxels).toBe(Number(baseline.rows.get('diagnostics_Mask-original_VoxelNum')!.get(testId)));
    const settings = columnSettings(baseline, testId);
    expect(settings.correctMask).toBe(true);
    const { shapeRoi } = prepareCase(image ?? mask, slice, settings);
    const values = computeShape2D(shapeRoi);
    for (const [feature, byColumn] of baseline.features) {
      expectPyRadiomicsMatch(`${testId} ${feature}`, values[feature], byColumn.get(testId)!);
    }
  });
});
