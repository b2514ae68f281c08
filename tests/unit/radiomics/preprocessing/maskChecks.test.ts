// Mask checks before extraction: image/mask geometry (error, geometryTolerance, correctMask with PyRadiomics' ROI
// check), and the single-voxel / minimumROIDimensions / minimumROISize refusals with PyRadiomics' messages.
import { RadiomicsInputError } from '../../../../imaging/errors';
import { IDENTITY, type Geometry, type Vec3, type Volume } from '../../../../imaging/image';
import { labelBoundingBox } from '../../../../radiomics/preprocessing/label';
import { alignMaskToImage, geometryMismatch } from '../../../../radiomics/preprocessing/maskGeometry';
import { checkRoiSize } from '../../../../radiomics/preprocessing/roiChecks';

function geometry(size: Vec3, origin: Vec3 = [0, 0, 0], spacing: Vec3 = [1, 1, 2]): Geometry {
  return { size, spacing, origin, direction: [...IDENTITY] as Geometry['direction'] };
}

function labels(g: Geometry, voxels: Vec3[], label = 1): Volume<Int32Array> {
  const data = new Int32Array(g.size[0] * g.size[1] * g.size[2]);
  for (const [x, y, z] of voxels) data[x + g.size[0] * (y + g.size[1] * z)] = label;
  return { geometry: g, data, source: 'mask.nrrd' };
}

const image: Volume = { geometry: geometry([6, 5, 4]), data: new Float64Array(120), source: 'image.nrrd' };

describe('alignMaskToImage', () => {
  it('returns a mask on the image grid unchanged', () => {
    const mask = labels(geometry([6, 5, 4]), [[1, 1, 1]]);
    expect(alignMaskToImage(image, mask, { label: 1 })).toBe(mask);
  });

  it('names both sizes when they differ and correctMask is off', () => {
    const mask = labels(geometry([6, 5, 1]), [[1, 1, 0]]);
    expect(() => alignMaskToImage(image, mask, { label: 1 })).toThrow(RadiomicsInputError);
    expect(() => alignMaskToImage(image, mask, { label: 1 })).toThrow(/6×5×1 differs from the image's 6×5×4/);
    expect(() => alignMaskToImage(image, mask, { label: 1 })).toThrow(/file mask.nrrd/);
  });

  it('accepts an origin offset within geometryTolerance × spacing, rejects it beyond', () => {
    const mask = labels(geometry([6, 5, 4], [1e-4, 0, 0]), [[1, 1, 1]]);
    expect(geometryMismatch(image.geometry, mask.geometry)).toMatch(/origin/);
    expect(() => alignMaskToImage(image, mask, { label: 1 })).toThrow(/geometry mismatch/);
    expect(alignMaskToImage(image, mask, { label: 1, geometryTolerance: 1e-3 })).toBe(mask);
  });

  it('with correctMask, resamples a one-slice mask onto the image grid at its physical slice', () => {
    // a 6 × 5 × 1 mask whose only slice lies at image z index 2 (z = 4 mm)
    const mask = labels(geometry([6, 5, 1], [0, 0, 4]), [
      [2, 3, 0],
      [3, 3, 0],
    ]);
    const aligned = alignMaskToImage(image, mask, { label: 1, correctMask: true });
    expect(aligned.geometry.size).toEqual([6, 5, 4]);
    const box = labelBoundingBox(aligned, 1);
    expect(box).toEqual({ lower: [2, 3, 2], upper: [3, 3, 2], voxelCount: 2 });
  });

  it('with correctMask, refuses an ROI outside the image', () => {
    const mask = labels(geometry([6, 5, 1], [0, 0, 40]), [[2, 3, 0]]);
    expect(() => alignMaskToImage(image, mask, { label: 1, correctMask: true })).toThrow(/Bounding box of ROI is larger than image space/);
  });

  it('with correctMask, still reports an absent label', () => {
    const mask = labels(geometry([6, 5, 1], [0, 0, 4]), [[2, 3, 0]], 2);
    expect(() => alignMaskToImage(image, mask, { label: 1, correctMask: true })).toThrow(/Label \(1\) not present in mask. Choose from \[2\]/);
  });
});

describe('checkRoiSize', () => {
  const box = (voxels: Vec3[]) => labelBoundingBox(labels(geometry([6, 5, 4]), voxels), 1);

  it('always refuses a single voxel', () => {
    expect(() => checkRoiSize(box([[1, 1, 1]]), { minimumROIDimensions: 1 })).toThrow(
      'mask only contains 1 segmented voxel! Cannot extract features for a single voxel',
    );
  });

  it('refuses fewer dimensions than minimumROIDimensions (PyRadiomics default 2)', () => {
    const line = box([
      [1, 1, 1],
      [2, 1, 1],
      [3, 1, 1],
    ]);
    expect(() => checkRoiSize(line, {})).toThrow('mask has too few dimensions (number of dimensions 1, minimum required 2)');
    expect(() => checkRoiSize(line, { minimumROIDimensions: 1 })).not.toThrow();
    const plane = box([
      [1, 1, 1],
      [2, 2, 1],
    ]);
    expect(() => checkRoiSize(plane, { minimumROIDimensions: 3 })).toThrow(/number of dimensions 2, minimum required 3/);
  });

  it('refuses an ROI of no more voxels than minimumROISize', () => {
    const four = box([
      [1, 1, 1],
      [2, 1, 1],
      [1, 2, 1],
      [2, 2, 2],
    ]);
    expect(() => checkRoiSize(four, { minimumROISize: 4 })).toThrow('Size of the ROI is too small (minimum size: 4, ROI size: 4');
    expect(() => checkRoiSize(four, { minimumROISize: 3 })).not.toThrow();
  });
});
