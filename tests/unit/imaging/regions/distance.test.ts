// The exact Euclidean distance transform against brute force on anisotropic grids, with its feature transform.
import { distanceLine, distanceMap } from '../../../../imaging/regions';
import { IDENTITY, type Vec3 } from '../../../../imaging/image';
import { Rng } from '../../../../synthetic/random';

describe('exact Euclidean distance transform', () => {
  it.each([
    [[9, 7, 5], [0.7, 1.3, 2.1], 0.05],
    [[12, 10, 6], [1, 1, 1], 0.02],
    [[6, 11, 8], [2.5, 0.4, 1.1], 0.1],
  ] as [Vec3, Vec3, number][])('matches brute force on %p voxels of %p mm (features with probability %p)', (size, spacing, p) => {
    const rng = new Rng(size[0] * 31 + size[1]);
    const [nx, ny, nz] = size;
    const n = nx * ny * nz;
    const feature = Uint8Array.from({ length: n }, () => (rng.next() < p ? 1 : 0));
    feature[n >> 1] = 1;
    const { squared, nearest } = distanceMap({ size, spacing, origin: [0, 0, 0], direction: IDENTITY }, (i) => feature[i] === 1);
    const coords = (i: number) => [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
    const dist2 = (i: number, j: number) => {
      const a = coords(i);
      const b = coords(j);
      return a.reduce((s, x, k) => s + ((x - b[k]) * spacing[k]) ** 2, 0);
    };
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (let j = 0; j < n; j++) if (feature[j]) best = Math.min(best, dist2(i, j));
      expect(squared[i]).toBeCloseTo(best, 9);
      expect(feature[nearest[i]]).toBe(1);
      expect(dist2(i, nearest[i])).toBeCloseTo(best, 9);
    }
  });

  it('is infinite everywhere without features, and one line handles a single feature', () => {
    const { squared, nearest } = distanceMap({ size: [3, 2, 2], spacing: [1, 1, 1], origin: [0, 0, 0], direction: IDENTITY }, () => false);
    expect(Array.from(squared).every((d) => d === Infinity)).toBe(true);
    expect(Array.from(nearest).every((k) => k === -1)).toBe(true);
    const f = Float64Array.of(Infinity, Infinity, 0, Infinity);
    const d = new Float64Array(4);
    const arg = new Int32Array(4);
    distanceLine(f, 4, 2, d, arg, new Int32Array(4), new Float64Array(5));
    expect(Array.from(d)).toEqual([16, 4, 0, 4]);
    expect(Array.from(arg)).toEqual([2, 2, 2, 2]);
  });
});
