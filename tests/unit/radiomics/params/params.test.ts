// Parameter files: PyRadiomics' example files load unchanged; the schema's rules reject bad files by key path.
import { readdirSync } from 'node:fs';
import { RadiomicsInputError } from '../../../../imaging/errors';
import { DEFAULT_SETTINGS, FEATURE_CLASS_NAMES, loadParamsFile, parseParams, paramsHash, type FeatureCatalog } from '../../../../radiomics/params';
import { describeWithReferenceData, referencePath } from '../../../support/referenceData';

// A two-class catalog is enough to exercise feature-name checks; the real one is checked in extractor tests.
const catalog: FeatureCatalog = {
  glcm: { featureNames: ['Contrast', 'JointEnergy'], deprecated: ['SumAverage'] },
  shape: { featureNames: ['MeshVolume'], deprecated: ['Compactness1'] },
};

function rejection(text: string): RadiomicsInputError {
  try {
    parseParams(text, { file: 'p.yaml', catalog });
  } catch (err) {
    if (err instanceof RadiomicsInputError) return err;
    throw err;
  }
  throw new Error(`accepted: ${text}`);
}

describe('parameter defaults (PyRadiomics 3.1 featureextractor._getDefaultSettings and class defaults)', () => {
  it('an empty file is the default extraction: Original image, every class, PyRadiomics defaults', () => {
    const p = parseParams('');
    expect(p.imageTypes).toEqual({ Original: {} });
    expect(Object.keys(p.featureClasses)).toEqual([...FEATURE_CLASS_NAMES]);
    expect(Object.values(p.featureClasses).every((v) => v === null)).toBe(true);
    expect(p.settings).toMatchObject({
      binWidth: 25,
      binCount: null,
      label: 1,
      padDistance: 5,
      distances: [1],
      interpolator: 'sitkBSpline',
      resampledPixelSpacing: null,
      minimumROIDimensions: 2,
      normalizeScale: 1,
      symmetricalGLCM: true,
      gldm_a: 0,
      voxelArrayShift: 0,
      resegmentMode: 'absolute',
      correctMask: false,
    });
    expect(p.voxelSettings).toBeUndefined();
  });

  it('settings override defaults key by key and do not alter the shared defaults', () => {
    const p = parseParams('setting:\n  binWidth: 5\n  distances: [1, 2]\n');
    expect(p.settings.binWidth).toBe(5);
    expect(p.settings.distances).toEqual([1, 2]);
    p.settings.distances.push(3);
    expect(DEFAULT_SETTINGS.distances).toEqual([1]);
    expect(p.settings.label).toBe(1);
  });

  it('an empty feature list enables the whole class; named features are kept as a set', () => {
    const p = parseParams('featureClass:\n  firstorder: []\n  glcm: [JointEnergy, Contrast, Contrast]\n', { catalog });
    expect(p.featureClasses).toEqual({ firstorder: null, glcm: ['Contrast', 'JointEnergy'] });
  });

  it('deprecated features may be named explicitly (example_allShape.yaml does)', () => {
    expect(parseParams('featureClass:\n  shape: [Compactness1]\n', { catalog }).featureClasses.shape).toEqual(['Compactness1']);
  });

  it('reads YAML as YAML 1.1 like PyYAML: yes/no are booleans', () => {
    expect(parseParams('setting:\n  force2D: yes\n  normalize: off\n').settings).toMatchObject({ force2D: true, normalize: false });
  });

  it('accepts what pykwalify accepts for floats: ints and numeric strings', () => {
    expect(parseParams("setting:\n  binWidth: '12.5'\n  normalizeScale: 100\n").settings).toMatchObject({ binWidth: 12.5, normalizeScale: 100 });
  });

  it('maps SimpleITK interpolator codes 1–10 to names and keeps null (no resampling)', () => {
    expect(parseParams('setting:\n  interpolator: 3\n').settings.interpolator).toBe('sitkBSpline');
    expect(parseParams('setting:\n  interpolator: 1\n').settings.interpolator).toBe('sitkNearestNeighbor');
    expect(parseParams('setting:\n  interpolator:\n').settings.interpolator).toBeNull();
  });

  it('image types carry their own setting overrides', () => {
    const p = parseParams('imageType:\n  Original: {}\n  LoG: {sigma: [1.0, 3.0], binWidth: 10}\n');
    expect(p.imageTypes).toEqual({ Original: {}, LoG: { sigma: [1, 3], binWidth: 10 } });
  });

  it('keeps voxelSetting (validated) so the extractor can report that it ignores it', () => {
    expect(parseParams('voxelSetting:\n  kernelRadius: 2\n  initValue: nan\n').voxelSettings).toEqual({ kernelRadius: 2, initValue: NaN });
  });
});

describe('parameter validation errors name the key path and the expected type', () => {
  it.each([
    ['settings:\n  binWidth: 5\n', 'settings', 'one of setting, voxelSetting, featureClass, imageType'],
    ['setting:\n  binwidth: 5\n', 'setting.binwidth', 'a setting of paramSchema.yaml'],
    ['setting:\n  binWidth: abc\n', 'setting.binWidth', 'a number > 0'],
    ['setting:\n  binWidth: 0\n', 'setting.binWidth', 'a number > 0'],
    ['setting:\n  binCount: 6.5\n', 'setting.binCount', 'an integer > 0, or null'],
    ['setting:\n  label: 0\n', 'setting.label', 'an integer > 0'],
    ['setting:\n  label:\n', 'setting.label', 'an integer > 0'],
    ['setting:\n  padDistance: 2.5\n', 'setting.padDistance', 'an integer ≥ 0'],
    ['setting:\n  minimumROIDimensions: 4\n', 'setting.minimumROIDimensions', 'an integer ≥ 1 and ≤ 3'],
    ['setting:\n  normalize: "true"\n', 'setting.normalize', 'true or false'],
    ['setting:\n  distances: [1, 0]\n', 'setting.distances[1]', 'an integer > 0'],
    ['setting:\n  distances: 1\n', 'setting.distances', 'a list of at least 1 item(s), each an integer > 0'],
    ['setting:\n  resampledPixelSpacing: [1, 1]\n', 'setting.resampledPixelSpacing', 'a list of 3 item(s), each a number ≥ 0, or null'],
    ['setting:\n  resegmentRange: [1, 2, 3]\n', 'setting.resegmentRange', 'a list of 1–2 item(s), each a number, or null'],
    ['setting:\n  resegmentMode: percent\n', 'setting.resegmentMode', 'one of absolute, relative, sigma'],
    ['setting:\n  interpolator: sitkCubic\n', 'setting.interpolator', 'one of sitkNearestNeighbor'],
    ['setting:\n  interpolator: 11\n', 'setting.interpolator', 'or its code 1–10'],
    ['setting:\n  weightingNorm: l2\n', 'setting.weightingNorm', 'one of euclidean, manhattan, infinity, no_weighting, or null'],
    ['setting:\n  wavelet: morl\n', 'setting.wavelet', 'one of haar, dmey, db1'],
    ['setting:\n  voxelArrayShift: 1.5\n', 'setting.voxelArrayShift', 'an integer'],
    ['imageType:\n  Laplacian: {}\n', 'imageType.Laplacian', 'one of Original, Wavelet, LoG'],
    ['imageType:\n  LoG:\n', 'imageType.LoG', 'a mapping of settings'],
    ['imageType:\n  LoG: {sigma: [-1]}\n', 'imageType.LoG.sigma[0]', 'a number > 0'],
    ['imageType: [Original]\n', 'imageType', 'a mapping of image types'],
    ['featureClass:\n', 'featureClass', 'a mapping of feature classes'],
    ['featureClass:\n  texture:\n', 'featureClass.texture', 'one of firstorder, shape, shape2D'],
    ['featureClass:\n  glcm: Contrast\n', 'featureClass.glcm', 'a list of glcm feature names (Contrast, JointEnergy, SumAverage)'],
    ['featureClass:\n  glcm: [Contrast, contrast]\n', 'featureClass.glcm[1]', 'a list of glcm feature names'],
    ['voxelSetting:\n  kernelRadius: 0\n', 'voxelSetting.kernelRadius', 'an integer > 0'],
    ['voxelSetting:\n  radius: 1\n', 'voxelSetting.radius', 'one of kernelRadius, maskedKernel, initValue, voxelBatch'],
    ['- binWidth: 5\n', '(document)', 'a mapping with keys setting, voxelSetting, featureClass, imageType'],
  ])('%j → %s', (text, field, expected) => {
    const err = rejection(text);
    expect(err.field).toBe(field);
    expect(err.file).toBe('p.yaml');
    expect(err.expected).toContain(expected);
    expect(err.message).toContain(`field '${field}'`);
  });

  it('suggests the right spelling for a key that differs only in case', () => {
    expect(rejection('setting:\n  binwidth: 5\n').message).toContain('did you mean binWidth?');
    expect(rejection('featureClass:\n  glcm: [contrast]\n').message).toContain('did you mean Contrast?');
  });

  it('rejects YAML syntax errors and duplicate keys as a bad document', () => {
    expect(rejection('setting:\n  binWidth: [5\n').field).toBe('(document)');
    const dup = rejection('setting:\n  binWidth: 5\n  binWidth: 10\n');
    expect(dup.field).toBe('(document)');
    expect(dup.message).toMatch(/unique|duplicate/i);
  });

  it('names an unreadable parameter file', () => {
    expect(() => loadParamsFile('/nonexistent/params.yaml')).toThrow(
      expect.objectContaining({ name: 'RadiomicsInputError', file: '/nonexistent/params.yaml', field: 'params' }),
    );
  });
});

describe('parameter hash', () => {
  it('is a sha256 that ignores key order, comments and spelled-out defaults', () => {
    const a = parseParams('setting:\n  binWidth: 5\n  label: 2\nfeatureClass:\n  glcm:\n  firstorder:\n');
    const b = parseParams('# same\nfeatureClass: {firstorder: [], glcm: }\nsetting: {label: 2, binWidth: 5.0, padDistance: 5}\n');
    expect(paramsHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(paramsHash(b)).toBe(paramsHash(a));
  });

  it('changes with any setting, image type or feature selection', () => {
    const base = paramsHash(parseParams('setting: {binWidth: 5}\n'));
    expect(paramsHash(parseParams('setting: {binWidth: 6}\n'))).not.toBe(base);
    expect(paramsHash(parseParams('setting: {binWidth: 5}\nimageType: {Original: {}, Square: {}}\n'))).not.toBe(base);
    expect(paramsHash(parseParams('setting: {binWidth: 5}\nfeatureClass: {glcm: }\n'))).not.toBe(base);
  });
});

const EXAMPLES = 'pyradiomics/exampleSettings';
describeWithReferenceData('PyRadiomics example parameter files load unchanged', [EXAMPLES], () => {
  const files = () => readdirSync(referencePath(EXAMPLES)).filter((f) => f.endsWith('.yaml'));

  it('loads every file in exampleSettings', () => {
    expect(files().length).toBeGreaterThanOrEqual(8);
    for (const f of files()) expect(() => loadParamsFile(referencePath(EXAMPLES, f))).not.toThrow();
  });

  it('Params.yaml: empty values mean None, and the glcm list leaves SumAverage out', () => {
    const p = loadParamsFile(referencePath(EXAMPLES, 'Params.yaml'));
    expect(p.settings).toMatchObject({ binWidth: 25, label: 1, interpolator: 'sitkBSpline', resampledPixelSpacing: null, weightingNorm: null });
    expect(p.featureClasses.glcm).toHaveLength(22);
    expect(p.featureClasses.glcm).not.toContain('SumAverage');
    expect(p.featureClasses).toMatchObject({ shape: null, firstorder: null, glrlm: null, glszm: null, gldm: null });
    expect(p.imageTypes).toEqual({ Original: {} });
  });

  it('exampleCT.yaml: resampling, LoG sigmas and the CT shift', () => {
    const p = loadParamsFile(referencePath(EXAMPLES, 'exampleCT.yaml'));
    expect(p.settings).toMatchObject({ resampledPixelSpacing: [1, 1, 1], padDistance: 10, voxelArrayShift: 1000, binWidth: 25 });
    expect(p.imageTypes).toEqual({ Original: {}, LoG: { sigma: [1, 2, 3, 4, 5] }, Wavelet: {} });
  });

  it('MR_2D_extraction.yaml: 0 in resampledPixelSpacing (keep that axis) and force2D', () => {
    const p = loadParamsFile(referencePath(EXAMPLES, 'MR_2D_extraction.yaml'));
    expect(p.settings).toMatchObject({ resampledPixelSpacing: [2, 2, 0], force2D: true, normalize: true, normalizeScale: 100, preCrop: true });
    expect(p.featureClasses.shape2D).toBeNull();
  });

  it('exampleVoxel.yaml: voxelSetting with initValue nan is read', () => {
    const p = loadParamsFile(referencePath(EXAMPLES, 'exampleVoxel.yaml'));
    expect(p.voxelSettings).toEqual({ kernelRadius: 2, maskedKernel: true, initValue: NaN, voxelBatch: 10000 });
    expect(p.featureClasses).toEqual({ glcm: ['JointEntropy'] });
  });

  it('example_allShape.yaml: no imageType means Original only; deprecated shape features named', () => {
    const p = loadParamsFile(referencePath(EXAMPLES, 'example_allShape.yaml'));
    expect(p.imageTypes).toEqual({ Original: {} });
    expect(p.featureClasses.shape).toEqual(expect.arrayContaining(['Compactness1', 'Compactness2', 'SphericalDisproportion']));
  });
});
