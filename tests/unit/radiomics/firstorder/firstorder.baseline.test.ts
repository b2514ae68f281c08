// First-order parity with PyRadiomics: the columns of baseline_firstorder.csv whose image is shipped (brain1, brain2,
// breast1): plain (voxelArrayShift 2000), normalization (whole-image z-score × 100, binWidth 5), resegmentation
// (±3 σ) and resampling (2 mm, B-spline), each through our preprocessing with the column's own settings.
import { computeFirstOrder } from '../../../../radiomics/features/firstorder';
import { describeWithReferenceData } from '../../../support/referenceData';
import { columnSettings, expectPyRadiomicsMatch, prepareCase, readBaselineColumns, readCase } from '../preprocessing/support/pyradiomicsCases';

const CASES = ['brain1', 'brain2', 'breast1'];
const FILES = ['pyradiomics/baseline/baseline_firstorder.csv', ...CASES.flatMap((c) => [`pyradiomics/${c}_image.nrrd`, `pyradiomics/${c}_label.nrrd`])];

describeWithReferenceData('firstorder vs PyRadiomics baseline_firstorder.csv', FILES, () => {
  const baseline = readBaselineColumns('firstorder');
  const testCaseOf = (testId: string) => baseline.rows.get('diagnostics_Configuration_TestCase')!.get(testId)!;
  const columns = baseline.testIds.filter((id) => CASES.includes(testCaseOf(id)));

  it('covers the 18 features and the four configurations of each shipped case', () => {
    expect(baseline.features.size).toBe(18);
    expect(columns.length).toBe(12);
  });

  it.each(columns)('%s', (testId) => {
    const { image, mask } = readCase(testCaseOf(testId));
    const { featureRoi } = prepareCase(image!, mask, columnSettings(baseline, testId));
    const values = computeFirstOrder(featureRoi);
    for (const [feature, byColumn] of baseline.features) {
      expectPyRadiomicsMatch(`${testId} ${feature}`, values[feature], byColumn.get(testId)!);
    }
  });
});
