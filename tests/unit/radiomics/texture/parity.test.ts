// Feature parity with PyRadiomics' baselines (shared/data/pyradiomics/baseline/baseline_<class>.csv), plain `<case>`
// columns: binWidth 25, distances [1], no resampling, label 1. Every feature of every texture class, PyRadiomics' 3 % rule.
import { glcm } from '../../../../radiomics/features/glcm';
import { gldm } from '../../../../radiomics/features/gldm';
import { glrlm } from '../../../../radiomics/features/glrlm';
import { glszm } from '../../../../radiomics/features/glszm';
import { ngtdm } from '../../../../radiomics/features/ngtdm';
import type { FeatureClass } from '../../../../radiomics/features/types';
import { describeWithReferenceData } from '../../../support/referenceData';
import { CASES, caseFiles, caseRoi, expectPyradiomicsParity, readBaseline, TEXTURE_CLASSES } from './support';

const CLASSES: Record<(typeof TEXTURE_CLASSES)[number], FeatureClass> = { glcm, glrlm, glszm, gldm, ngtdm };

for (const testCase of CASES) {
  const files = [...caseFiles(testCase), ...TEXTURE_CLASSES.map((c) => `pyradiomics/baseline/baseline_${c}.csv`)];
  describeWithReferenceData(`texture features vs PyRadiomics baseline, ${testCase}`, files, () => {
    for (const className of TEXTURE_CLASSES) {
      it(`${className}: every feature within 3 %`, () => {
        const featureClass = CLASSES[className];
        const baseline = readBaseline(className);
        // The CSV lists exactly the enabled-by-default features.
        expect([...baseline.keys()].sort()).toEqual([...featureClass.featureNames].sort());
        const values = featureClass.compute(caseRoi(testCase));
        const failures: string[] = [];
        for (const [name, byCase] of baseline) {
          try {
            expectPyradiomicsParity(`${className}_${name}`, values[name], byCase.get(testCase) as number);
          } catch (e) {
            failures.push((e as Error).message);
          }
        }
        expect(failures).toEqual([]);
      });
    }
  });
}
