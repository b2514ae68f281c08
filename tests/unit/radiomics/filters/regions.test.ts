// Filters compute only the region the extractor reads (the ROI's box). Whatever the region, its values must be the
// whole image's values there: the wavelet's windowed transform, the LoG's reordered passes, and the voxel-wise
// filters near the borders. Derived-image names follow PyRadiomics.
import {
  gradientImage,
  intensityImage,
  lbp2DImage,
  logImage,
  logImageName,
  pythonFloatText,
  waveletImages,
  type IndexBox,
  type RegionImage,
} from '../../../../radiomics/filters';
import type { Vec3 } from '../../../../imaging/image';
import { noise } from './support';

const image = noise([23, 18, 13], 11, [0.8, 0.8, 2.5]);

/** Largest |region − crop of whole| relative to the whole image's largest |value|. */
function regionError(whole: RegionImage, part: RegionImage): number {
  const [wx, wy] = whole.image.geometry.size;
  const [px, py, pz] = part.image.geometry.size;
  const [ox, oy, oz] = part.offset;
  let worst = 0;
  let scale = 0;
  for (const v of whole.image.data) scale = Math.max(scale, Math.abs(v));
  for (let z = 0; z < pz; z++) {
    for (let y = 0; y < py; y++) {
      for (let x = 0; x < px; x++) {
        const w = whole.image.data[x + ox + wx * (y + oy + wy * (z + oz))];
        worst = Math.max(worst, Math.abs(part.image.data[x + px * (y + py * z)] - w));
      }
    }
  }
  return worst / Math.max(scale, 1e-300);
}

const regions: [string, IndexBox][] = [
  ['inside', { lower: [8, 6, 5], upper: [14, 11, 8] }],
  ['at a corner', { lower: [0, 0, 0], upper: [4, 3, 2] }],
  ['across the image along z', { lower: [10, 9, 0], upper: [12, 10, 12] }],
  ['one voxel at the far corner', { lower: [22, 17, 12], upper: [22, 17, 12] }],
];

describe.each(regions)('a region %s', (_, region) => {
  it('wavelet: identical sub-bands, for every level and with force2D', () => {
    for (const settings of [
      { wavelet: 'coif1', start_level: 0, level: 1, force2D: false, force2Ddimension: 0 },
      { wavelet: 'coif1', start_level: 1, level: 1, force2D: false, force2Ddimension: 0 },
      { wavelet: 'db2', start_level: 0, level: 2, force2D: true, force2Ddimension: 1 },
    ]) {
      const whole = [...waveletImages(image, settings)];
      const part = [...waveletImages(image, settings, region)];
      expect(part.map((p) => p.name)).toEqual(whole.map((w) => w.name));
      part.forEach((p, i) => expect(regionError(whole[i], p)).toBe(0));
    }
  });

  it('LoG: the same response up to rounding', () => {
    for (const sigma of [1, 2.5]) expect(regionError(logImage(image, sigma), logImage(image, sigma, region))).toBeLessThan(1e-6);
  });

  it('intensity filters, gradient and lbp-2D: identical values', () => {
    for (const f of ['square', 'squareroot', 'logarithm', 'exponential'] as const) {
      expect(regionError(intensityImage(image, f), intensityImage(image, f, region))).toBe(0);
    }
    expect(regionError(gradientImage(image, { gradientUseSpacing: true }), gradientImage(image, { gradientUseSpacing: true }, region))).toBe(0);
    for (const force2Ddimension of [0, 1, 2]) {
      const s = { lbp2DMethod: 'default' as const, lbp2DRadius: 1.5, lbp2DSamples: 8, force2Ddimension };
      expect(regionError(lbp2DImage(image, s), lbp2DImage(image, s, region))).toBe(0);
    }
  });
});

describe('derived-image names (imageoperations.get<Name>Image)', () => {
  it("print sigma as Python's str(float) does", () => {
    expect([1, 3, 0.5, 2.25, 1e-5, 12345678.5, 1e16].map(pythonFloatText)).toEqual(['1.0', '3.0', '0.5', '2.25', '1e-05', '12345678.5', '1e+16']);
    expect([1, 0.5, 2.25].map(logImageName)).toEqual(['log-sigma-1-0-mm-3D', 'log-sigma-0-5-mm-3D', 'log-sigma-2-25-mm-3D']);
  });

  it('number wavelet levels after the first and name the approximation by the number of levels', () => {
    const small = noise([8, 8, 8]);
    const names = (level: number, force2D = false) =>
      [...waveletImages(small, { wavelet: 'haar', start_level: 1, level, force2D, force2Ddimension: 0 })].map((b) => b.name);
    expect(names(1)).toEqual(['wavelet-LLH', 'wavelet-LHL', 'wavelet-LHH', 'wavelet-HLL', 'wavelet-HLH', 'wavelet-HHL', 'wavelet-HHH', 'wavelet-LLL']);
    expect(names(2, true)).toEqual(['wavelet-LH', 'wavelet-HL', 'wavelet-HH', 'wavelet2-LH', 'wavelet2-HL', 'wavelet2-HH', 'wavelet2-LL']);
  });
});

it('a region outside the image is refused', () => {
  expect(() => gradientImage(image, { gradientUseSpacing: true }, { lower: [0, 0, 0], upper: [23, 1, 1] as Vec3 })).toThrow(/not inside the image/);
});

describe('wavelet with only some sub-bands wanted', () => {
  it.each([
    [{ wavelet: 'coif1', start_level: 0, level: 1, force2D: false, force2Ddimension: 0 }, [0, 1, 2, 7]],
    [{ wavelet: 'coif1', start_level: 0, level: 1, force2D: false, force2Ddimension: 0 }, [3, 4, 5, 6]],
    [{ wavelet: 'db2', start_level: 1, level: 2, force2D: false, force2Ddimension: 0 }, [3, 10, 14]],
    [{ wavelet: 'haar', start_level: 0, level: 2, force2D: true, force2Ddimension: 1 }, [1, 6]],
  ])('%j, positions %j: exactly those sub-bands, identical to the whole transform’s, each with its position', (settings, positions) => {
    const region: IndexBox = { lower: [6, 5, 3], upper: [15, 12, 9] };
    const whole = [...waveletImages(image, settings, region)];
    const some = [...waveletImages(image, settings, region, (index) => positions.includes(index))];
    expect(some.map((b) => b.index)).toEqual(positions);
    expect(whole.map((b) => b.index)).toEqual(whole.map((_, k) => k));
    for (const b of some) {
      expect(b.name).toBe(whole[b.index].name);
      expect(Array.from(b.image.data)).toEqual(Array.from(whole[b.index].image.data));
    }
  });
});
