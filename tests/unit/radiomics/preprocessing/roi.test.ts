// ROI builder and PyRadiomics discretisation, checked against the formulas in PyRadiomics' getBinEdges docstring.
import { RadiomicsInputError } from '../../../../imaging/errors';
import { IDENTITY, type Volume } from '../../../../imaging/image';
import { DEFAULT_FEATURE_SETTINGS } from '../../../../radiomics/features/types';
import { discretise, pyradiomicsBinEdges } from '../../../../radiomics/preprocessing/discretise';
import { buildRoi } from '../../../../radiomics/preprocessing/roi';

function volume(size: [number, number, number], data: ArrayLike<number>, Ctor: Float64ArrayConstructor | Int16ArrayConstructor = Float64Array): Volume {
  return {
    geometry: { size, spacing: [1, 2, 3], origin: [10, 20, 30], direction: [...IDENTITY] as Volume['geometry']['direction'] },
    data: Ctor.from(data),
  };
}

describe('PyRadiomics fixed bin width', () => {
  it('puts each value in floor(x/W) - floor(min/W) + 1', () => {
    const values = [54, 60, 74.9, 75, 99, 100, 166, -3, 0, 24.999, 25];
    const image = Float64Array.from(values);
    const mask = new Uint8Array(values.length).fill(1);
    const { binned, ng } = discretise(image, mask, { binWidth: 25, binCount: null });
    const min = Math.min(...values);
    const expected = values.map((x) => Math.floor(x / 25) - Math.floor(min / 25) + 1);
    expect(Array.from(binned)).toEqual(expected);
    expect(ng).toBe(Math.max(...expected));
  });

  it('aligns edges to 0, not to the minimum, and keeps the lowest edge ≤ min', () => {
    const edges = pyradiomicsBinEdges(54, 166, { binWidth: 25, binCount: null });
    expect(edges[0]).toBe(50);
    expect(Array.from(edges.slice(0, 6))).toEqual([50, 75, 100, 125, 150, 175]);
    expect(pyradiomicsBinEdges(-7, 10, { binWidth: 25, binCount: null })[0]).toBe(-25);
  });

  it('gives a flat ROI a single gray level', () => {
    const image = Float64Array.from([7, 7, 7, 7]);
    const { binned, ng } = discretise(image, Uint8Array.from([1, 1, 0, 1]), { binWidth: 25, binCount: null });
    expect(Array.from(binned)).toEqual([1, 1, 0, 1]);
    expect(ng).toBe(1);
  });

  it('rejects a non-positive bin width', () => {
    expect(() => pyradiomicsBinEdges(0, 1, { binWidth: 0, binCount: null })).toThrow(RadiomicsInputError);
  });
});

describe('PyRadiomics fixed bin count', () => {
  it('bins floor(Nb (x - min)/(max - min)) + 1 and puts the maximum in bin Nb', () => {
    const values = [0, 1, 2.5, 3, 4.99, 5, 7, 9.999, 10];
    const image = Float64Array.from(values);
    const mask = new Uint8Array(values.length).fill(1);
    const nb = 4;
    const { binned, ng } = discretise(image, mask, { binWidth: 25, binCount: nb });
    const expected = values.map((x) => (x === 10 ? nb : Math.floor((nb * (x - 0)) / 10) + 1));
    expect(Array.from(binned)).toEqual(expected);
    expect(ng).toBe(nb);
  });
});

describe('buildRoi', () => {
  // 4×3×2 image, label 2 at (1,1,0), (2,1,0) and (2,1,1); label 1 elsewhere at (0,0,0)
  const size: [number, number, number] = [4, 3, 2];
  const n = 24;
  const intensities = Array.from({ length: n }, (_, i) => i * 10);
  const labels = new Array(n).fill(0);
  const idx = (x: number, y: number, z: number) => x + 4 * (y + 3 * z);
  labels[idx(1, 1, 0)] = 2;
  labels[idx(2, 1, 0)] = 2;
  labels[idx(2, 1, 1)] = 2;
  labels[idx(0, 0, 0)] = 1;
  const image = volume(size, intensities, Int16Array);
  const mask = volume(size, labels);

  it('crops to the label box, copies intensities and places the box in physical space', () => {
    const roi = buildRoi(image, mask, { label: 2, padDistance: 0, settings: DEFAULT_FEATURE_SETTINGS });
    expect(roi.geometry.size).toEqual([2, 1, 2]);
    expect(roi.geometry.origin).toEqual([10 + 1 * 1, 20 + 1 * 2, 30]);
    expect(Array.from(roi.mask)).toEqual([1, 1, 0, 1]);
    expect(Array.from(roi.image)).toEqual([50, 60, 170, 180]);
    expect(roi.voxelCount).toBe(3);
    // binWidth 25: 50 → 2-2+1, 60 → 2-2+1, 180 → 7-2+1; outside the ROI 0
    expect(Array.from(roi.binned)).toEqual([1, 1, 0, 6]);
  });

  it('pads the box by padDistance, clipped to the image', () => {
    const roi = buildRoi(image, mask, { label: 2, padDistance: 5, settings: DEFAULT_FEATURE_SETTINGS });
    expect(roi.geometry.size).toEqual(size);
    expect(roi.geometry.origin).toEqual([10, 20, 30]);
    expect(roi.voxelCount).toBe(3);
  });

  it('names both sizes when the mask has another size', () => {
    const other = volume([4, 3, 1], labels.slice(0, 12));
    expect(() => buildRoi(image, other, { label: 2, padDistance: 0, settings: DEFAULT_FEATURE_SETTINGS })).toThrow(
      /mask size 4×3×1 differs from image size 4×3×2/,
    );
  });

  it('rejects an empty mask and a label that is absent', () => {
    const empty = volume(size, new Array(n).fill(0));
    expect(() => buildRoi(image, empty, { label: 1, padDistance: 0, settings: DEFAULT_FEATURE_SETTINGS })).toThrow(/nothing is segmented/);
    expect(() => buildRoi(image, mask, { label: 3, padDistance: 0, settings: DEFAULT_FEATURE_SETTINGS })).toThrow(
      /Label \(3\) not present in mask. Choose from \[1, 2\]/,
    );
  });

  it('rejects NaN intensities inside the ROI with a clear error', () => {
    const withNaN = volume(
      size,
      intensities.map((v, i) => (i === idx(2, 1, 1) ? NaN : v)),
    );
    expect(() => buildRoi(withNaN, mask, { label: 2, padDistance: 0, settings: DEFAULT_FEATURE_SETTINGS })).toThrow(/non-finite intensity \(NaN\)/);
  });
});
