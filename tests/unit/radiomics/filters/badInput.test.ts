// Bad filter input through the extractor: each is a RadiomicsInputError naming the field and what was expected.
// PyRadiomics logs a warning and yields no image for a too-large sigma or a too-small image; here they are errors.
import { extractSync } from '../../../../radiomics/extractor';
import { RadiomicsInputError } from '../../../../imaging/errors';
import { checkWaveletDepth } from '../../../../radiomics/filters';
import { parseParams } from '../../../../radiomics/params';
import { geometry, noise, volume } from './support';

const image = noise([20, 20, 10], 3, [1, 1, 2]);
const mask = volume([20, 20, 10], (x, y, z) => (x >= 6 && x <= 13 && y >= 6 && y <= 13 && z >= 3 && z <= 6 ? 1 : 0), [1, 1, 2]);
const firstorder = { firstorder: ['Mean'] };

function inputError(f: () => unknown): RadiomicsInputError {
  try {
    f();
  } catch (err) {
    if (err instanceof RadiomicsInputError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('LoG', () => {
  it('a sigma larger than the image allows: size ≥ ceil(sigma / spacing) + 1 fails along z (10 voxels of 2 mm)', () => {
    const err = inputError(() => extractSync(image, mask, { imageType: { LoG: { sigma: [1.0, 19.0] } }, featureClass: firstorder }));
    expect(err.field).toBe('imageType.LoG.sigma');
    expect(err.message).toMatch(/sigma 19 mm is too large for the image: 10 voxels of 2 mm along axis z/);
    expect(err.expected).toContain('sigma ≤ 18 mm');
  });

  it('the largest sigma the size check allows still runs', () => {
    const { features } = extractSync(image, mask, { imageType: { LoG: { sigma: [18.0] } }, featureClass: firstorder });
    expect(Object.keys(features)).toEqual(['log-sigma-18-0-mm-3D_firstorder_Mean']);
  });

  it('an image under 4 voxels along an axis (ITK needs 4 for its recursive filters)', () => {
    const thin = noise([20, 20, 3]);
    const thinMask = volume([20, 20, 3], (x, y) => (x > 5 && x < 12 && y > 5 && y < 12 ? 1 : 0));
    const err = inputError(() => extractSync(thin, thinMask, { imageType: { LoG: { sigma: [1.0] } }, featureClass: firstorder }));
    expect(err.field).toBe('imageType.LoG');
    expect(err.expected).toBe('at least 4 voxels along every axis');
  });

  it('LoG enabled without sigma', () => {
    const err = inputError(() => extractSync(image, mask, { imageType: { LoG: {} }, featureClass: firstorder }));
    expect(err.field).toBe('imageType.LoG.sigma');
  });
});

describe('wavelet', () => {
  it('a level too deep for the image: coif1 after 2 levels spans 11 voxels, z has 10', () => {
    const err = inputError(() => extractSync(image, mask, { imageType: { Wavelet: { level: 2 } }, featureClass: firstorder }));
    expect(err.field).toBe('imageType.Wavelet.level');
    expect(err.message).toMatch(/start_level 0 \+ level 2 makes a coif1 filter 11 voxels wide, but the image has 10 voxel\(s\) along z/);
    expect(err.expected).toBe('start_level + level ≤ 1 for this image');
  });

  it('start_level counts too; force2D leaves the thin axis out', () => {
    expect(() => extractSync(image, mask, { imageType: { Wavelet: { start_level: 1 } }, featureClass: firstorder })).toThrow(RadiomicsInputError);
    const settings = { wavelet: 'coif1', start_level: 1, level: 2, force2D: true, force2Ddimension: 0 };
    expect(() => checkWaveletDepth(image, settings)).not.toThrow();
  });

  it('a single-slice image without force2D, and a wavelet this engine lacks', () => {
    const slice = { geometry: geometry([20, 20, 1]), data: new Float64Array(400) };
    const err = inputError(() => checkWaveletDepth(slice, { wavelet: 'coif1', start_level: 0, level: 1, force2D: false, force2Ddimension: 0 }));
    expect(err.expected).toMatch(/force2D with force2Ddimension 0/);
    const bad = inputError(() => extractSync(image, mask, { imageType: { Wavelet: { wavelet: 'sym8' } }, featureClass: firstorder }));
    expect(bad.field).toBe('setting.wavelet');
    expect(bad.expected).toContain('coif1');
  });
});

describe('filter names', () => {
  it('an unknown filter name is refused when the parameter file is read', () => {
    const err = inputError(() => parseParams('imageType:\n  Gabor: {}\n', { file: 'params.yaml' }));
    expect(err.field).toBe('imageType.Gabor');
    expect(err.file).toBe('params.yaml');
    expect(err.expected).toContain('LoG');
    expect(inputError(() => parseParams('imageType:\n  log: {sigma: [1.0]}\n')).message).toContain('did you mean LoG?');
  });

  it('lbp-3D, a PyRadiomics filter this engine does not provide yet, is refused by name', () => {
    const err = inputError(() => extractSync(image, mask, { imageType: { LBP3D: {} }, featureClass: firstorder }));
    expect(err.field).toBe('imageType.LBP3D');
    expect(err.expected).toContain('LBP2D');
  });
});

it('scaled intensity filters refuse an all-zero image (they divide by its largest magnitude)', () => {
  const zeros = volume([20, 20, 10], () => 0, [1, 1, 2]);
  for (const filter of ['Square', 'SquareRoot', 'Logarithm', 'Exponential']) {
    const err = inputError(() => extractSync(zeros, mask, { imageType: { [filter]: {} }, featureClass: firstorder }));
    expect(err.field).toBe('intensity');
  }
});

it('every filter feeds every enabled class, named <imageType>_<class>_<Feature>', () => {
  const { features } = extractSync(image, mask, {
    imageType: {
      Original: {},
      LoG: { sigma: [2.0] },
      Wavelet: {},
      Square: {},
      SquareRoot: {},
      Logarithm: {},
      Exponential: {},
      Gradient: {},
      LBP2D: { binWidth: 1 },
    },
    featureClass: { firstorder: ['Mean'], glcm: ['Contrast'], ngtdm: ['Busyness'] },
  });
  const images = [...new Set(Object.keys(features).map((k) => k.split('_')[0]))];
  expect(images).toEqual([
    'original',
    'log-sigma-2-0-mm-3D',
    'wavelet-LLH',
    'wavelet-LHL',
    'wavelet-LHH',
    'wavelet-HLL',
    'wavelet-HLH',
    'wavelet-HHL',
    'wavelet-HHH',
    'wavelet-LLL',
    'square',
    'squareroot',
    'logarithm',
    'exponential',
    'gradient',
    'lbp-2D',
  ]);
  expect(Object.keys(features)).toHaveLength(16 * 3);
  expect(Object.keys(features)).toContain('wavelet-LLH_glcm_Contrast');
});
