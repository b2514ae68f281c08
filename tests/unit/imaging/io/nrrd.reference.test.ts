// NRRD reader against PyRadiomics' own record of these files (SimpleITK hashes, sizes, spacing, statistics)
// and against the geometry written in their headers.
import { createHash } from 'node:crypto';
import { describeWithReferenceData, referencePath } from '../../../support/referenceData';
import { readImage } from '../../../../imaging/io';
import type { VoxelArray } from '../../../../imaging/image';
import { baselineDiagnostics, parseTuple } from './support/baselineDiagnostics';

function sha1(data: VoxelArray): string {
  return createHash('sha1')
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
}

const IMAGE_CASES = ['brain1', 'brain2', 'breast1'];
const LABEL_CASES = ['brain1', 'brain2', 'breast1', 'lung1', 'lung2'];
const files = [
  ...IMAGE_CASES.map((c) => `pyradiomics/${c}_image.nrrd`),
  ...LABEL_CASES.map((c) => `pyradiomics/${c}_label.nrrd`),
  'pyradiomics/baseline/baseline_firstorder.csv',
  'pyradiomics/baseline/baseline_shape.csv',
  'pyradiomics/prostate_phantom_subvolume.nrrd',
];

describeWithReferenceData('NRRD reader on the PyRadiomics test data', files, () => {
  const firstorder = referencePath('pyradiomics', 'baseline', 'baseline_firstorder.csv');
  const shape = referencePath('pyradiomics', 'baseline', 'baseline_shape.csv');

  it.each(IMAGE_CASES)('%s image: voxels hash like SimpleITK, size, spacing and statistics as PyRadiomics recorded', (c) => {
    const diag = baselineDiagnostics(firstorder, `${c}_normalization`);
    const v = readImage(referencePath('pyradiomics', `${c}_image.nrrd`));
    expect(sha1(v.data)).toBe(diag.get('Image-original_Hash'));
    expect(v.geometry.size).toEqual(parseTuple(diag.get('Image-original_Size')!));
    parseTuple(diag.get('Image-original_Spacing')!).forEach((s, i) => expect(v.geometry.spacing[i]).toBeCloseTo(s, 12));
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (let i = 0; i < v.data.length; i++) {
      const x = v.data[i];
      if (x < min) min = x;
      if (x > max) max = x;
      sum += x;
    }
    expect(min).toBe(Number(diag.get('Image-original_Minimum')));
    expect(max).toBe(Number(diag.get('Image-original_Maximum')));
    expect(sum / v.data.length).toBeCloseTo(Number(diag.get('Image-original_Mean')), 9);
  });

  it.each(LABEL_CASES)('%s label: voxels hash like SimpleITK and the voxel count matches', (c) => {
    const diag = baselineDiagnostics(shape, c);
    const v = readImage(referencePath('pyradiomics', `${c}_label.nrrd`));
    // Some labels were stored as int32 when the baselines were made and as int16 here: same voxels, other width.
    const asInt32 = Int32Array.from(v.data as ArrayLike<number>);
    expect([sha1(v.data), sha1(asInt32)]).toContain(diag.get('Mask-original_Hash'));
    let ones = 0;
    for (let i = 0; i < v.data.length; i++) if (v.data[i] === 1) ones++;
    expect(ones).toBe(Number(diag.get('Mask-original_VoxelNum')));
  });

  it('brain1: origin and direction as ITK reports them from the LPS header', () => {
    // Header: space left-posterior-superior; space directions (0.78125,0,0) (0,-0.78125,0) (0,0,6.5);
    // space origin (-99.609374999999986,99.609374999999986,-77.999999999999957).
    const v = readImage(referencePath('pyradiomics', 'brain1_image.nrrd'));
    expect(v.geometry.origin).toEqual([-99.609374999999986, 99.609374999999986, -77.999999999999957]);
    expect(v.geometry.direction).toEqual([1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(v.data).toBeInstanceOf(Int16Array);
  });

  it('brain1 label: the centre of mass (index and physical) matches PyRadiomics', () => {
    const diag = baselineDiagnostics(firstorder, 'brain1_normalization');
    const v = readImage(referencePath('pyradiomics', 'brain1_label.nrrd'));
    const [nx, ny, nz] = v.geometry.size;
    const com = [0, 0, 0];
    let n = 0;
    for (let z = 0, i = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++, i++)
          if (v.data[i] === 1) {
            com[0] += x;
            com[1] += y;
            com[2] += z;
            n++;
          }
    const index = com.map((s) => s / n);
    parseTuple(diag.get('Mask-original_CenterOfMassIndex')!).forEach((e, i) => expect(index[i]).toBeCloseTo(e, 9));
    const g = v.geometry;
    const physical = [0, 1, 2].map((r) => g.origin[r] + [0, 1, 2].reduce((s, c) => s + g.direction[3 * r + c] * g.spacing[c] * index[c], 0));
    parseTuple(diag.get('Mask-original_CenterOfMass')!).forEach((e, i) => expect(physical[i]).toBeCloseTo(e, 6));
  });

  it('prostate phantom: negative space directions give a flipped direction, positive spacing', () => {
    // Header: space directions (-0.5,0,0) (0,-0.5,0) (0,0,3); space origin (15.683382511138916,76.535760879516602,-52.776130676269538).
    const v = readImage(referencePath('pyradiomics', 'prostate_phantom_subvolume.nrrd'));
    expect(v.geometry.spacing).toEqual([0.5, 0.5, 3]);
    expect(v.geometry.direction).toEqual([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(v.geometry.origin).toEqual([15.683382511138916, 76.535760879516602, -52.776130676269538]);
    expect(v.data).toBeInstanceOf(Uint16Array);
  });
});
