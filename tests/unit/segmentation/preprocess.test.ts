// From images to the network input: model grid, normalisation, and the clear errors for too few channels and for
// an image smaller than the patch.
import { IDENTITY, type Geometry, type Volume } from '../../../imaging/image';
import { gridWithSpacing, normalise, prepareInput } from '../../../models/segmentation/inference/preprocess';
import { SegmentationInputError } from '../../../models/segmentation/errors';
import type { Vec3 } from '../../../models/segmentation/sidecar';
import { templateSidecar } from './support';

function volume(size: Vec3, spacing: Vec3, value: (x: number, y: number, z: number) => number, source?: string): Volume<Float32Array> {
  const geometry: Geometry = { size, spacing, origin: [-10, 4, 2], direction: [...IDENTITY] };
  const data = new Float32Array(size[0] * size[1] * size[2]);
  let i = 0;
  for (let z = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[0]; x++) data[i++] = value(x, y, z);
  return { geometry, data, source };
}

describe('gridWithSpacing', () => {
  it('covers the same physical box, centred, with the new spacing', () => {
    const g: Geometry = { size: [100, 80, 40], spacing: [0.75, 0.75, 1.5], origin: [-37, 12, -30], direction: [...IDENTITY] };
    const t = gridWithSpacing(g, [1.5, 1.5, 3]);
    expect(t.size).toEqual([50, 40, 20]);
    for (let i = 0; i < 3; i++) {
      const centre = g.origin[i] + ((g.size[i] - 1) * g.spacing[i]) / 2;
      expect(t.origin[i] + ((t.size[i] - 1) * t.spacing[i]) / 2).toBeCloseTo(centre, 10);
    }
  });

  it('follows the direction matrix', () => {
    const g: Geometry = { size: [10, 10, 10], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [0, 1, 0, 1, 0, 0, 0, 0, -1] };
    const t = gridWithSpacing(g, [2, 2, 2]);
    // Box centre in physical space: D · (4.5, 4.5, 4.5) = (4.5, 4.5, −4.5); the new grid's centre is the same.
    const centre = [0, 1, 2].map((r) => t.origin[r] + [0, 1, 2].reduce((s, c) => s + t.direction[3 * r + c] * 2 * ((t.size[c] - 1) / 2), 0));
    expect(centre[0]).toBeCloseTo(4.5, 10);
    expect(centre[1]).toBeCloseTo(4.5, 10);
    expect(centre[2]).toBeCloseTo(-4.5, 10);
  });
});

describe('normalise', () => {
  it('z-scores over the whole image', () => {
    const v = Float32Array.from([1, 2, 3, 4]);
    normalise(v, { scheme: 'zscore' });
    const sd = Math.sqrt(1.25);
    expect(Array.from(v).map((x) => Number(x.toFixed(5)))).toEqual([-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd].map((x) => Number(x.toFixed(5))));
  });

  it('clips and scales CT with the training statistics', () => {
    const v = Float32Array.from([-2000, 0, 100, 3000]);
    normalise(v, { scheme: 'clip-and-scale', clip: [-1000, 1500], mean: 100, sd: 50 });
    expect(Array.from(v)).toEqual([-22, -2, 0, 28]);
  });

  it('leaves a constant image finite', () => {
    const v = new Float32Array(5).fill(7);
    normalise(v, { scheme: 'zscore' });
    expect(Array.from(v)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('prepareInput', () => {
  const sidecar = templateSidecar(); // T1CE + T2, 1.5 × 1.5 × 3 mm, patch 48 × 48 × 32
  const onGrid = (f: (x: number, y: number, z: number) => number) => volume([64, 56, 32], [1.5, 1.5, 3], f);

  it('stacks the channels on the model grid, each z-scored', () => {
    const input = prepareInput([onGrid((x) => x), onGrid((_x, y, z) => y * z)], sidecar);
    expect(input.channels).toBe(2);
    expect(input.geometry.size).toEqual([64, 56, 32]);
    const n = 64 * 56 * 32;
    for (const c of [0, 1]) {
      const block = input.data.subarray(c * n, (c + 1) * n);
      const mean = block.reduce((a, b) => a + b, 0) / n;
      expect(Math.abs(mean)).toBeLessThan(1e-4);
    }
  });

  it('resamples an image of another spacing onto the model spacing over the same extent', () => {
    const fine = volume([96, 96, 64], [1, 1, 1.5], (x, y, z) => x + y + z);
    const input = prepareInput([fine, fine], sidecar);
    expect(input.geometry.size).toEqual([64, 64, 32]);
    expect(input.geometry.spacing).toEqual([1.5, 1.5, 3]);
  });

  it('names the channels when too few images are given', () => {
    const run = () => prepareInput([onGrid(() => 1)], sidecar);
    expect(run).toThrow(SegmentationInputError);
    expect(run).toThrow("field 'images': the model needs 2 channel(s) (T1CE, T2), 1 image(s) given (expected one image per channel, in the order T1CE, T2)");
  });

  it('refuses an image smaller than the patch, naming the axes and sizes', () => {
    const small = volume([64, 40, 20], [1.5, 1.5, 3], () => 1, '/data/small.nii.gz');
    expect(() => prepareInput([small, small], sidecar)).toThrow(
      "file /data/small.nii.gz, field 'size': image /data/small.nii.gz is 64×40×20 voxels on the model's 1.5×1.5×3 mm grid, smaller than the 48×48×32 patch along y, z (expected at least 72 × 72 × 96 mm (the patch))",
    );
  });
});
