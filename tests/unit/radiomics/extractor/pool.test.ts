// Extraction on worker threads (radiomics/extraction/pool.ts) against extractSync on the calling thread: the same
// features and diagnostics in the same order — original, three LoG sigmas, the wavelet sub-bands, an intensity filter,
// shape, re-segmentation; the wavelet's sub-bands in groups on 2 to 4 workers; IBSI mode — progress for every derived image (k of n, n known from the start), the same
// error for bad input, and an aborted extraction rejected.
import { extractOnWorkers, extractSync, ExtractionPool, RadiomicsInputError, type ExtractionProgress } from '../../../../radiomics';
import { IMAGE_TYPES, derivedImageCount } from '../../../../radiomics/extraction/imageTypes';
import { DEFAULT_SETTINGS } from '../../../../radiomics/params';
import type { ImageTypeName } from '../../../../radiomics/params/types';
import { grid, volumeOf } from './support';

jest.setTimeout(120000);

const g = grid([36, 32, 18], [0.8, 0.8, 2]);
const image = volumeOf(Int16Array, g, (x, y, z) => 30 * x - 11 * y + 80 * Math.cos(z / 2) + ((x * 31 + y * 17 + z * 7) % 29));
const mask = volumeOf(Uint8Array, g, (x, y, z) => ((x - 18) ** 2 + (y - 16) ** 2 + 6 * (z - 9) ** 2 <= 110 ? 1 : 0));

const FILTERS = {
  imageType: { Original: {}, LoG: { sigma: [1.0, 2.0, 3.0] }, Wavelet: {}, Square: {} },
  setting: { binWidth: 25, resegmentRange: [-200, 2000], resegmentMode: 'absolute' },
};

let pool: ExtractionPool;
beforeAll(() => (pool = new ExtractionPool(2)));
afterAll(() => pool.close());

describe('extractOnWorkers equals extractSync', () => {
  it('with filters: every feature and diagnostic, in order; progress for each derived image', async () => {
    const want = extractSync(image, mask, FILTERS);
    const progress: ExtractionProgress[] = [];
    const got = await extractOnWorkers(image, mask, FILTERS, { pool, onProgress: (p) => progress.push(p) });
    expect(Object.keys(got.features)).toEqual(Object.keys(want.features));
    expect(got.features).toEqual(want.features);
    expect(Object.keys(got.diagnostics)).toEqual(Object.keys(want.diagnostics));
    expect(got.diagnostics).toEqual(want.diagnostics);
    // original 1 + LoG 3 + wavelet 8 + square 1
    expect(progress.map((p) => [p.image, p.images])).toEqual(Array.from({ length: 13 }, (_, k) => [k + 1, 13]));
    const prefixes = new Set(Object.keys(want.features).map((name) => name.slice(0, name.lastIndexOf('_', name.lastIndexOf('_') - 1))));
    prefixes.delete('original'); // shape's prefix: computed while preparing, not a derived image
    expect(new Set(progress.map((p) => p.name))).toEqual(new Set([...prefixes, 'original']));
  });

  it.each([
    [3, {}],
    [4, {}],
    [2, { level: 2 }],
    [4, { force2D: true, force2Ddimension: 1 }],
  ])('with %i workers, wavelet %j (sub-bands in groups that share their passes): the same features in order', async (workers, wavelet) => {
    const several = new ExtractionPool(workers);
    try {
      const params = { imageType: { Wavelet: wavelet }, featureClass: { firstorder: null, glcm: null } };
      const want = extractSync(image, mask, params);
      const got = await extractOnWorkers(image, mask, params, { pool: several });
      expect(Object.keys(got.features)).toEqual(Object.keys(want.features));
      expect(got).toEqual(want);
    } finally {
      await several.close();
    }
  });

  it('with a label override and shape only', async () => {
    const params = { featureClass: { shape: null }, setting: { label: 1 } };
    expect(await extractOnWorkers(image, mask, params, { pool, label: 1 })).toEqual(extractSync(image, mask, params, { label: 1 }));
  });

  it('in IBSI mode, with a label override', async () => {
    const params = { setting: { compliance: 'ibsi', binWidth: 25, textureAggregation: ['3D'], label: 2 } };
    const progress: ExtractionProgress[] = [];
    const got = await extractOnWorkers(image, mask, params, { pool, label: 1, onProgress: (p) => progress.push(p) });
    expect(got).toEqual(extractSync(image, mask, params, { label: 1 }));
    expect(progress).toEqual([{ image: 1, images: 1, name: 'ibsi' }]);
  });
});

describe('failures', () => {
  it.each([
    ['a sigma too large for the image', { imageType: { LoG: { sigma: [1.0, 40.0] } } }],
    ['LoG without a sigma', { imageType: { LoG: { sigma: [] } } }],
    ['a wavelet level too deep', { imageType: { Wavelet: { level: 6 } } }],
  ])('bad input (%s): the RadiomicsInputError extractSync throws, with its fields', async (_name, params) => {
    const thrown = (() => {
      try {
        extractSync(image, mask, params);
      } catch (err) {
        return err as RadiomicsInputError;
      }
      throw new Error('extractSync accepted the parameters');
    })();
    expect(thrown).toBeInstanceOf(RadiomicsInputError);
    const rejected = await extractOnWorkers(image, mask, params, { pool }).catch((err: unknown) => err);
    expect(rejected).toBeInstanceOf(RadiomicsInputError);
    expect(rejected).toMatchObject({ message: thrown.message, field: thrown.field, expected: thrown.expected });
  });

  it('an aborted extraction is rejected, and the pool serves the next one', async () => {
    const controller = new AbortController();
    const pending = extractOnWorkers(image, mask, FILTERS, { pool, signal: controller.signal });
    controller.abort(new Error('activity cancelled'));
    await expect(pending).rejects.toThrow('activity cancelled');
    const params = { imageType: { Original: {} }, featureClass: { firstorder: null } };
    expect(await extractOnWorkers(image, mask, params, { pool })).toEqual(extractSync(image, mask, params));
  });
});

describe('derivedImageCount', () => {
  it.each<[ImageTypeName, Record<string, unknown>]>([
    ['Original', {}],
    ['LoG', { sigma: [1, 2.5] }],
    ['Wavelet', {}],
    ['Wavelet', { level: 2 }],
    ['Wavelet', { force2D: true, force2Ddimension: 0 }],
    ['Gradient', {}],
  ])('%s %j: as many as the filter yields', (imageType, overrides) => {
    const settings = { ...DEFAULT_SETTINGS, ...overrides };
    const yielded = [...IMAGE_TYPES[imageType]!(image, settings, { mask })].length;
    expect(derivedImageCount(imageType, settings)).toBe(yielded);
  });
});
