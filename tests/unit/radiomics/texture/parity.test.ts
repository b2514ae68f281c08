// Feature parity with PyRadiomics' baselines (<reference data>/pyradiomics/baseline/baseline_<class>.csv), every feature of
// every texture class, PyRadiomics' 3 % rule. Columns: the plain `<case>` (binWidth 25, distances [1], label 1) and the
// ones that differ only in texture settings: `_2d` (force2D), `_FBN` (binCount 64), `_combined` (weightingNorm
// 'no_weighting', GLCM/GLRLM only). Each column's settings are read from its own diagnostics_Configuration_Settings.
// Columns that need resampling, normalisation or re-segmentation run through the extractor's parity suite.
import { glcm } from '../../../../radiomics/features/glcm';
import { gldm } from '../../../../radiomics/features/gldm';
import { glrlm } from '../../../../radiomics/features/glrlm';
import { glszm } from '../../../../radiomics/features/glszm';
import { ngtdm } from '../../../../radiomics/features/ngtdm';
import type { FeatureClass, FeatureSettings } from '../../../../radiomics/features/types';
import { describeWithReferenceData } from '../../../support/referenceData';
import { CASES, caseFiles, caseRoi, expectPyradiomicsParity, readBaseline, TEXTURE_CLASSES } from './support';

const CLASSES: Record<(typeof TEXTURE_CLASSES)[number], FeatureClass> = { glcm, glrlm, glszm, gldm, ngtdm };
const CONFIGS = ['', '_2d', '_FBN', '_combined'];

for (const testCase of CASES) {
  const files = [...caseFiles(testCase), ...TEXTURE_CLASSES.map((c) => `pyradiomics/baseline/baseline_${c}.csv`)];
  describeWithReferenceData(`texture features vs PyRadiomics baseline, ${testCase}`, files, () => {
    for (const className of TEXTURE_CLASSES) {
      it(`${className}: every feature within 3 % in every texture-settings column`, () => {
        const featureClass = CLASSES[className];
        const baseline = readBaseline(className);
        // The CSV lists exactly the enabled-by-default features.
        expect([...baseline.values.keys()].sort()).toEqual([...featureClass.featureNames].sort());
        const columns = CONFIGS.map((c) => testCase + c).filter((id) => baseline.settings.has(id));
        expect(columns.length).toBeGreaterThanOrEqual(className === 'glcm' || className === 'glrlm' ? 4 : 3);
        const failures: string[] = [];
        for (const testId of columns) {
          const values = featureClass.compute(caseRoi(testCase, baseline.settings.get(testId) as FeatureSettings));
          for (const [name, byCase] of baseline.values) {
            try {
              expectPyradiomicsParity(`${testId} ${className}_${name}`, values[name], byCase.get(testId) as number);
            } catch (e) {
              failures.push((e as Error).message);
            }
          }
        }
        expect(failures).toEqual([]);
      });
    }
  });
}
