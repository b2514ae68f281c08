// IBSI mode's settings: the shipped IBSI-1 parameter files say what the manual's configuration table says, PyRadiomics
// files keep their hashes, and IBSI settings that contradict each other (or IBSI) are refused naming the key.
import path from 'node:path';
import { RadiomicsInputError } from '../../../../imaging/errors';
import { extractSync, planExtraction } from '../../../../radiomics/extractor';
import { canonicalJson } from '../../../../radiomics/params/hash';
import { loadParamsFile, parseParams } from '../../../../radiomics/params';
import { resolveIbsiSettings } from '../../../../radiomics/params/ibsiSettings';
import { describeWithReferenceData, PROJECT_ROOT, referencePath } from '../../../support/referenceData';
import { boxMask, grid, volumeOf } from '../extractor/support';

const PHANTOM = ['ibsi/digital_phantom/phantom.nii.gz', 'ibsi/digital_phantom/mask.nii.gz'];
const paramsFile = (name: string) => path.join(PROJECT_ROOT, 'radiomics', 'params', `${name}.yaml`);

function rejection(text: string): RadiomicsInputError {
  try {
    parseParams(text, { file: 'ibsi.yaml' });
  } catch (err) {
    if (err instanceof RadiomicsInputError) return err;
    throw err;
  }
  throw new Error(`accepted: ${text}`);
}

describe('IBSI-1 parameter files (manual, chapter 5: configurations A–E)', () => {
  const resolved = (name: string) => resolveIbsiSettings(loadParamsFile(paramsFile(name)));

  it('digital phantom: every aggregation, no interpolation, bins of 1 from the minimum', () => {
    const s = resolved('ibsi1-digital-phantom');
    expect(s.aggregations).toEqual(['2D', '2.5D', '3D']);
    expect(s).toMatchObject({ interpolator: null, range: null, outlierSigma: null, ivh: { kind: 'discrete' } });
    expect(s.settings).toMatchObject({ binWidth: 1, binCount: null, distances: [1], gldm_a: 0, symmetricalGLCM: true });
  });

  it.each([
    // config, approach, spacing, interpolator, range, outliers, binning, ivh
    ['a', ['2D', '2.5D'], null, null, { lower: -500, upper: 400 }, null, { binWidth: 25, binCount: null }, { kind: 'discrete' }],
    ['b', ['2D', '2.5D'], [2, 2, 0], 'sitkLinear', { lower: -500, upper: 400 }, null, { binCount: 32 }, { kind: 'discrete' }],
    ['c', ['3D'], [2, 2, 2], 'sitkLinear', { lower: -1000, upper: 400 }, null, { binWidth: 25, binCount: null }, { kind: 'width', width: 2.5 }],
    ['d', ['3D'], [2, 2, 2], 'sitkLinear', null, 3, { binCount: 32 }, { kind: 'discrete' }],
    ['e', ['3D'], [2, 2, 2], 'sitkBSpline', { lower: -1000, upper: 400 }, 3, { binCount: 32 }, { kind: 'count', count: 1000 }],
  ] as const)('config %s', (config, aggregations, spacing, interpolator, range, outliers, binning, ivh) => {
    const s = resolved(`ibsi1-config-${config}`);
    expect(s.aggregations).toEqual(aggregations);
    expect(s.spacing).toEqual(spacing);
    expect(s.interpolator).toBe(interpolator);
    expect(s.range).toEqual(range);
    expect(s.outlierSigma).toBe(outliers);
    expect(s.settings).toMatchObject({ ...binning, distances: [1], gldm_a: 0, symmetricalGLCM: true });
    expect(s.ivh).toEqual(ivh);
    // every configuration with interpolation rounds intensities and thresholds the interpolated mask at 0.5
    if (interpolator !== null) expect(s).toMatchObject({ roundIntensities: true, maskInterpolator: 'sitkLinear', maskThreshold: 0.5 });
  });
});

describe('PyRadiomics mode is untouched', () => {
  it('a PyRadiomics file carries no IBSI key, so its parameter hash is what it was', () => {
    const json = canonicalJson(parseParams('setting: {binWidth: 10}\n'));
    for (const key of ['compliance', 'textureAggregation', 'roundIntensities', 'maskPartialVolumeThreshold', 'ivhBinWidth']) {
      expect(json).not.toContain(key);
    }
  });
});

describe('IBSI settings that contradict each other are refused at load, naming the key', () => {
  it.each([
    ['IBSI keys without IBSI mode', 'setting: {roundIntensities: true}', 'setting.roundIntensities'],
    ['a filter in IBSI mode', 'setting: {compliance: ibsi}\nimageType: {LoG: {sigma: [1]}}', 'imageType'],
    ['PyRadiomics feature classes in IBSI mode', 'setting: {compliance: ibsi}\nfeatureClass: {glcm: }', 'featureClass'],
    ['force2D instead of an aggregation', 'setting: {compliance: ibsi, force2D: true}', 'setting.force2D'],
    ['weightingNorm instead of _comb', 'setting: {compliance: ibsi, weightingNorm: manhattan}', 'setting.weightingNorm'],
    ['sigma re-segmentation', 'setting: {compliance: ibsi, resegmentRange: [-3, 3], resegmentMode: sigma}', 'setting.resegmentMode'],
    ['resegmentShape', 'setting: {compliance: ibsi, resegmentRange: [0, 10], resegmentShape: true}', 'setting.resegmentShape'],
    ['an empty range', 'setting: {compliance: ibsi, resegmentRange: [400, -500]}', 'setting.resegmentRange'],
    ['two IVH discretisations', 'setting: {compliance: ibsi, ivhBinWidth: 2.5, ivhBinCount: 1000}', 'setting.ivhBinCount'],
    [
      'a threshold for a nearest-neighbour mask',
      'setting: {compliance: ibsi, maskInterpolator: sitkNearestNeighbor, maskPartialVolumeThreshold: 0.4}',
      'setting.maskPartialVolumeThreshold',
    ],
    [
      'an interpolator IBSI does not define',
      'setting: {compliance: ibsi, resampledPixelSpacing: [1, 1, 1], interpolator: sitkGaussian}',
      'setting.interpolator',
    ],
    ['an IBSI key on one image type', 'setting: {compliance: ibsi}\nimageType: {Original: {roundIntensities: true}}', 'imageType.Original.roundIntensities'],
    ['a threshold outside (0, 1]', 'setting: {compliance: ibsi, maskPartialVolumeThreshold: 1.5}', 'setting.maskPartialVolumeThreshold'],
    ['an unknown aggregation', "setting: {compliance: ibsi, textureAggregation: ['4D']}", 'setting.textureAggregation[0]'],
    ['an unknown family', 'setting: {compliance: ibsi, ibsiFamilies: [glcm]}', 'setting.ibsiFamilies[0]'],
    ['an unknown compliance', 'setting: {compliance: mirp}', 'setting.compliance'],
  ])('%s', (_, text, field) => {
    const err = rejection(`${text}\n`);
    expect(err.field).toBe(field);
    expect(err.file).toBe('ibsi.yaml');
    expect(err.expected).toBeTruthy();
  });
});

describe('IBSI mode at extraction', () => {
  const g = grid([8, 8, 6], [2, 2, 2]);
  const image = volumeOf(Float64Array, g, (x, y, z) => 10 * x + y - z);
  const mask = boxMask(g, [2, 2, 1], [5, 5, 4]);
  const ibsi = { setting: { compliance: 'ibsi', binWidth: 5 } };

  it('planExtraction has no PyRadiomics tasks for IBSI params', () => {
    expect(() => planExtraction(image, mask, ibsi)).toThrow(/IBSI mode/);
  });

  it('a re-segmentation range that keeps no voxel is an error naming the range', () => {
    expect(() => extractSync(image, mask, { setting: { compliance: 'ibsi', resegmentRange: [1000, 2000] } })).toThrow(/setting\.resegmentRange/);
  });

  it('a partial-volume threshold that keeps no voxel after interpolation is an error naming it', () => {
    const thin = boxMask(g, [3, 3, 2], [3, 3, 2]);
    expect(() =>
      extractSync(image, thin, {
        setting: { compliance: 'ibsi', resampledPixelSpacing: [3, 3, 3], interpolator: 'sitkLinear', maskPartialVolumeThreshold: 1, minimumROIDimensions: 1 },
      }),
    ).toThrow(/maskPartialVolumeThreshold|single voxel/);
  });

  it('families can be chosen; names carry the aggregation', () => {
    const { features } = extractSync(image, mask, { setting: { ...ibsi.setting, ibsiFamilies: ['cm', 'szm'], textureAggregation: ['2.5D'] } });
    expect(Object.keys(features).some((k) => k.startsWith('cm_') && k.endsWith('_2_5D_comb'))).toBe(true);
    expect(Object.keys(features).some((k) => k === 'szm_sze_2_5D')).toBe(true);
    expect(Object.keys(features).every((k) => k.startsWith('cm_') || k.startsWith('szm_'))).toBe(true);
  });
});

describeWithReferenceData('the CT configurations run end to end (on the digital phantom, whose 2 mm grid they keep)', PHANTOM, () => {
  const phantom = referencePath('ibsi', 'digital_phantom', 'phantom.nii.gz');
  const mask = referencePath('ibsi', 'digital_phantom', 'mask.nii.gz');
  const reference = extractSync(phantom, mask, paramsFile('ibsi1-digital-phantom')).features;

  it.each(['a', 'b', 'c', 'd', 'e'])('config %s', (config) => {
    const { features, diagnostics } = extractSync(phantom, mask, paramsFile(`ibsi1-config-${config}`));
    const twoD = config === 'a' || config === 'b';
    expect(Object.keys(features).some((k) => k.endsWith(twoD ? '_2D_avg' : '_3D_avg'))).toBe(true);
    expect(Object.keys(features).some((k) => k.endsWith('_3D_avg'))).toBe(!twoD);
    // 2 mm → 2 mm on a centre-aligned grid is the identity, so the masks and morphology are the phantom's own
    expect(features.morph_volume).toBeCloseTo(reference.morph_volume, 10);
    expect(features.stat_mean).toBeCloseTo(reference.stat_mean, 10);
    if (config !== 'a') expect(diagnostics['diagnostics_Image-interpolated_Size']).toEqual([5, 4, 4]);
  });
});
