// 3D shape parity with PyRadiomics: every column of baseline_shape.csv (lung cases too: shape reads only the mask,
// and the resampling columns need only the mask resampled with nearest neighbour on PyRadiomics' grid).
import { computeShape } from '../../../../radiomics/features/shape';
import { describeWithReferenceData } from '../../../support/referenceData';
import { columnSettings, expectPyRadiomicsMatch, prepareCase, readBaselineColumns, readCase } from '../preprocessing/support/pyradiomicsCases';

const CASES = ['brain1', 'brain2', 'breast1', 'lung1', 'lung2'];
const FILES = [
  'pyradiomics/baseline/baseline_shape.csv',
  ...CASES.map((c) => `pyradiomics/${c}_label.nrrd`),
  ...CASES.filter((c) => !c.startsWith('lung')).map((c) => `pyradiomics/${c}_image.nrrd`),
];

describeWithReferenceData('shape vs PyRadiomics baseline_shape.csv', FILES, () => {
  const baseline = readBaselineColumns('shape');

  it('has the 14 features of the shape class in the baseline', () => {
    expect([...baseline.features.keys()].sort()).toEqual(
      [
        'Elongation',
        'Flatness',
        'LeastAxisLength',
        'MajorAxisLength',
        'Maximum2DDiameterColumn',
        'Maximum2DDiameterRow',
        'Maximum2DDiameterSlice',
        'Maximum3DDiameter',
        'MeshVolume',
        'MinorAxisLength',
        'Sphericity',
        'SurfaceArea',
        'SurfaceVolumeRatio',
        'VoxelVolume',
      ].sort(),
    );
  });

  it.each(baseline.testIds)('%s', (testId) => {
    const testCase = baseline.rows.get('diagnostics_Configuration_TestCase')!.get(testId)!;
    const { image, mask } = readCase(testCase);
    // lung images are not shipped; their labels share the image grid, so the label stands in for it
    const { shapeRoi } = prepareCase(image, mask, columnSettings(baseline, testId));
    const values = computeShape(shapeRoi);
    for (const [feature, byColumn] of baseline.features) {
      expectPyRadiomicsMatch(`${testId} ${feature}`, values[feature], byColumn.get(testId)!);
    }
  });
});
