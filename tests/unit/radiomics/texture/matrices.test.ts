// Texture matrices vs PyRadiomics' saved ones (<reference data>/pyradiomics/baseline/<case>_<class>.npy), within 1e-3 as
// PyRadiomics' tests/test_matrices.py checks them (plain `<case>` settings).
//
// What the .npy files hold: PyRadiomics' P_<class> after _initCalculation, without the leading voxel axis (segment-
// based extraction has one "voxel"), read back here in C order:
//   glcm  (Ng, Ng, Na)  p(i, j | angle): normalised per angle, empty gray levels and empty angles removed
//   glrlm (Ng, Nr, Na)  run counts: gray level × run length × angle, empty gray levels / run lengths / angles removed
//   glszm (Ng, Ns)      zone counts: gray level × zone size, empty zone sizes removed
//   gldm  (Ng, Nd)      voxel counts: gray level × dependence size, empty columns removed
//   ngtdm (Ng, 3)       per present gray level: [n_i, s_i, i]
// Angles are in PyRadiomics' generation order (directions.ts); gray levels ascending.
import { glcmMatrix } from '../../../../radiomics/features/glcm';
import { gldmMatrix } from '../../../../radiomics/features/gldm';
import { glrlmMatrix } from '../../../../radiomics/features/glrlm';
import { glszmMatrix } from '../../../../radiomics/features/glszm';
import { ngtdmMatrix } from '../../../../radiomics/features/ngtdm';
import type { Roi } from '../../../../radiomics/features/types';
import { readNpy, type NpyArray } from '../../../support/npy';
import { describeWithReferenceData, referencePath } from '../../../support/referenceData';
import { CASES, caseFiles, caseRoi, readBaseline } from './support';

interface OurMatrix {
  shape: number[];
  at: (index: number[]) => number;
}

const OURS: Record<string, (roi: Roi) => OurMatrix> = {
  glcm(roi) {
    const m = glcmMatrix(roi);
    const ng = m.grayLevels.values.length;
    return { shape: [ng, ng, m.angles.length], at: ([i, j, a]) => m.angles[a].p[i * ng + j] };
  },
  glrlm(roi) {
    const m = glrlmMatrix(roi);
    const nr = m.runLengths.length;
    return { shape: [m.grayLevels.values.length, nr, m.angles.length], at: ([i, r, a]) => m.angles[a].P[i * nr + r] };
  },
  glszm(roi) {
    const m = glszmMatrix(roi);
    const ns = m.zoneSizes.length;
    return { shape: [m.grayLevels.values.length, ns], at: ([i, s]) => m.P[i * ns + s] };
  },
  gldm(roi) {
    const m = gldmMatrix(roi);
    const nd = m.dependenceSizes.length;
    return { shape: [m.grayLevels.values.length, nd], at: ([i, d]) => m.P[i * nd + d] };
  },
  ngtdm(roi) {
    const m = ngtdmMatrix(roi);
    const columns = [m.n, m.s, m.grayLevels.values];
    return { shape: [m.n.length, 3], at: ([i, c]) => columns[c][i] };
  },
};

/** Largest |ours − baseline| over all elements, after checking the shapes agree. */
function maxDifference(ours: OurMatrix, baseline: NpyArray): number {
  expect(ours.shape).toEqual(baseline.shape);
  const index = new Array<number>(baseline.shape.length).fill(0);
  let worst = 0;
  for (let k = 0; k < baseline.data.length; k++) {
    worst = Math.max(worst, Math.abs(ours.at(index) - baseline.data[k]));
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d] < baseline.shape[d]) break;
      index[d] = 0;
    }
  }
  return worst;
}

for (const testCase of CASES) {
  const classes = Object.keys(OURS);
  const files = [...caseFiles(testCase), 'pyradiomics/baseline/baseline_glcm.csv', ...classes.map((c) => `pyradiomics/baseline/${testCase}_${c}.npy`)];
  describeWithReferenceData(`texture matrices vs PyRadiomics, ${testCase}`, files, () => {
    for (const className of classes) {
      it(`${className} matches ${testCase}_${className}.npy within 1e-3`, () => {
        const settings = readBaseline('glcm').settings.get(testCase);
        if (!settings) throw new Error(`baseline_glcm.csv has no ${testCase} column`);
        const baseline = readNpy(referencePath('pyradiomics', 'baseline', `${testCase}_${className}.npy`));
        const ours = OURS[className](caseRoi(testCase, settings));
        expect(maxDifference(ours, baseline)).toBeLessThan(1e-3);
      });
    }
  });
}
