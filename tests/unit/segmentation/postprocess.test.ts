// Argmax, 6-connected component clean-up (as scipy.ndimage.label's default structure) and the reported measures.
import { argmaxLabels, connectedComponents, countNonZero, dice, filterComponents, volumeMl } from '../../../models/segmentation/inference/postprocess';
import type { Vec3 } from '../../../models/segmentation/sidecar';

const size: Vec3 = [5, 4, 3];
const at = (x: number, y: number, z: number) => x + 5 * (y + 4 * z);

function maskOf(points: Array<[number, number, number]>, value = 1): Uint8Array {
  const mask = new Uint8Array(60);
  for (const [x, y, z] of points) mask[at(x, y, z)] = value;
  return mask;
}

describe('argmaxLabels', () => {
  it('writes the label value of the most probable class, ties to the lower class', () => {
    // 3 classes × 4 voxels
    const p = Float32Array.from([0.5, 0.2, 0.1, 0.4, 0.3, 0.7, 0.1, 0.4, 0.2, 0.1, 0.8, 0.2]);
    expect(Array.from(argmaxLabels(p, 3, 4, [0, 1, 7]))).toEqual([0, 1, 7, 0]);
  });
});

describe('connected components', () => {
  it('joins face neighbours only: diagonal contact is two components', () => {
    const mask = maskOf([
      [0, 0, 0],
      [1, 0, 0],
      [1, 1, 0],
      [3, 2, 1], // touches nothing
      [4, 3, 2], // diagonal to (3, 2, 1): separate under 6-connectivity
      [1, 1, 1], // above (1, 1, 0): joined
    ]);
    const { ids, sizes } = connectedComponents(mask, size, 1);
    expect(sizes).toEqual([4, 1, 1]);
    expect(ids[at(1, 1, 1)]).toBe(ids[at(0, 0, 0)]);
    expect(ids[at(4, 3, 2)]).not.toBe(ids[at(3, 2, 1)]);
  });

  it('keeps only the largest component, or those of at least minVoxels', () => {
    const points: Array<[number, number, number]> = [
      [0, 0, 0],
      [1, 0, 0],
      [2, 0, 0],
      [4, 3, 2],
      [4, 3, 0],
      [3, 3, 0],
    ];
    const largest = maskOf(points);
    expect(filterComponents(largest, size, [0, 1], { keep: 'largest' })).toBe(3);
    expect(countNonZero(largest)).toBe(3);
    expect(largest[at(1, 0, 0)]).toBe(1);

    const above = maskOf(points);
    expect(filterComponents(above, size, [0, 1], { keep: 'above-size', minVoxels: 2 })).toBe(1);
    expect(above[at(4, 3, 2)]).toBe(0);
    expect(above[at(3, 3, 0)]).toBe(1);

    const all = maskOf(points);
    expect(filterComponents(all, size, [0, 1], { keep: 'all' })).toBe(0);
  });

  it('treats each label on its own', () => {
    const mask = maskOf(
      [
        [0, 0, 0],
        [1, 0, 0],
      ],
      1,
    );
    mask[at(4, 3, 2)] = 2;
    mask[at(0, 3, 2)] = 2;
    mask[at(1, 3, 2)] = 2;
    filterComponents(mask, size, [0, 1, 2], { keep: 'largest' });
    expect(countNonZero(mask)).toBe(4);
    expect(mask[at(4, 3, 2)]).toBe(0);
  });
});

describe('dice and volume', () => {
  it('is 2|A∩B| / (|A| + |B|) over non-zero voxels, 1 for two empty masks', () => {
    expect(dice([1, 1, 0, 0], [1, 0, 1, 0])).toBeCloseTo(0.5, 12);
    expect(dice([1, 2, 0], [3, 1, 0])).toBe(1);
    expect(dice([0, 0], [0, 0])).toBe(1);
    expect(dice([1, 0], [0, 1])).toBe(0);
    expect(() => dice([1], [1, 0])).toThrow('dice: masks of 1 and 2 voxels');
  });

  it('gives ml from voxels and spacing', () => {
    expect(volumeMl(1000, [1.5, 1.5, 3])).toBeCloseTo(6.75, 12);
  });
});
