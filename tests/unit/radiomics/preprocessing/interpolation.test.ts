// Interpolators against what they must reproduce: cubic B-splines reproduce samples, constants, and polynomials up
// to degree 3 away from the mirror boundary; linear interpolation reproduces linear ramps; nearest picks the nearest
// voxel, rounding halves up; points outside the image get 0 and integer voxel types are clamped and truncated.
import { BSplineSampler, supportBox } from '../../../../imaging/bspline';
import { resampleVolume } from '../../../../imaging/resample';
import { IDENTITY, type Geometry, type Vec3, type Volume, type VoxelArray } from '../../../../imaging/image';

function grid(size: Vec3, spacing: Vec3 = [1, 1, 1], origin: Vec3 = [0, 0, 0]): Geometry {
  return { size, spacing, origin, direction: [...IDENTITY] as Geometry['direction'] };
}

function volumeOf<T extends VoxelArray>(g: Geometry, data: T): Volume<T> {
  return { geometry: g, data };
}

function fill(size: Vec3, f: (x: number, y: number, z: number) => number): Float64Array {
  const out = new Float64Array(size[0] * size[1] * size[2]);
  let i = 0;
  for (let z = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[0]; x++) out[i++] = f(x, y, z);
  return out;
}

describe('cubic B-spline (SimpleITK sitkBSpline)', () => {
  it('is constant on a constant image, up to the borders', () => {
    const size: Vec3 = [6, 5, 4];
    const s = new BSplineSampler(
      fill(size, () => 7.25),
      size,
    );
    for (const p of [
      [-0.5, -0.5, -0.5],
      [0, 0, 0],
      [2.3, 1.7, 0.4],
      [5.49, 4.49, 3.49],
    ]) {
      expect(s.sample(p[0], p[1], p[2])).toBeCloseTo(7.25, 10);
    }
  });

  it('passes through every sample', () => {
    const size: Vec3 = [9, 7, 5];
    const data = fill(size, (x, y, z) => Math.sin(x * 1.3) * 100 + y * y * 3 - z * 17 + ((x * 7 + y * 3 + z) % 5));
    const s = new BSplineSampler(data, size);
    let i = 0;
    for (let z = 0; z < size[2]; z++)
      for (let y = 0; y < size[1]; y++)
        for (let x = 0; x < size[0]; x++) {
          expect(s.sample(x, y, z)).toBeCloseTo(data[i++], 6);
        }
  });

  it('reproduces linear and quadratic ramps exactly in the interior', () => {
    const size: Vec3 = [48, 40, 36];
    const f = (x: number, y: number, z: number) => 3 * x - 2 * y + 0.5 * z + 10;
    const q = (x: number, y: number, z: number) => 0.25 * x * x - 0.5 * y * y + x * z + 4;
    const linear = new BSplineSampler(fill(size, f), size);
    const quadratic = new BSplineSampler(fill(size, q), size);
    for (const [x, y, z] of [
      [20.3, 18.75, 17.1],
      [24.5, 21.5, 18.5],
      [22.9, 19.05, 16.6],
      [25, 20, 18],
    ]) {
      expect(linear.sample(x, y, z)).toBeCloseTo(f(x, y, z), 6);
      expect(quadratic.sample(x, y, z)).toBeCloseTo(q(x, y, z), 6);
    }
  });

  it('gives the same values from the coefficients of a sub-box as from the whole image', () => {
    const size: Vec3 = [30, 26, 12];
    const data = fill(size, (x, y, z) => ((x * 37 + y * 11 + z * 5) % 17) * 10 + x);
    const whole = new BSplineSampler(data, size);
    for (const [lo, hi] of [
      [
        [3.2, 4.7, 2.1],
        [9.9, 8.2, 6.4],
      ],
      [
        [-0.5, -0.5, -0.5],
        [2.2, 1.1, 0.3],
      ],
      [
        [25.1, 22, 9.6],
        [29.49, 25.49, 11.49],
      ],
    ]) {
      const part = new BSplineSampler(data, size, supportBox(lo, hi, size));
      for (let t = 0; t <= 4; t++) {
        const p = lo.map((l, d) => l + ((hi[d] - l) * t) / 4);
        expect(part.sample(p[0], p[1], p[2])).toBe(whole.sample(p[0], p[1], p[2]));
      }
    }
  });

  it('needs no prefilter along an axis of one voxel', () => {
    const size: Vec3 = [5, 4, 1];
    const f = (x: number, y: number) => 2 * x + y;
    const s = new BSplineSampler(fill(size, f), size);
    expect(s.sample(2, 1, 0)).toBeCloseTo(f(2, 1), 8);
    expect(s.sample(2, 1, 0.3)).toBeCloseTo(f(2, 1), 8);
  });
});

describe('resampleVolume', () => {
  const size: Vec3 = [8, 6, 4];
  const ramp = (x: number, y: number, z: number) => 10 * x + 3 * y - 4 * z;
  const source = volumeOf(grid(size), fill(size, ramp));

  it('linear reproduces a linear ramp between voxel centres (all points inside [0, n − 1])', () => {
    const target = grid([5, 4, 3], [1.5, 1.25, 1.4], [0.25, 0.5, 0.1]);
    const out = resampleVolume(source, target, 'sitkLinear');
    let i = 0;
    for (let k = 0; k < 3; k++)
      for (let j = 0; j < 4; j++)
        for (let n = 0; n < 5; n++) {
          expect(out.data[i++]).toBeCloseTo(ramp(0.25 + 1.5 * n, 0.5 + 1.25 * j, 0.1 + 1.4 * k), 10);
        }
  });

  it('nearest neighbour rounds halves up, and points outside [−0.5, n − 0.5) get 0', () => {
    const target = grid([3, 1, 1], [1, 1, 1], [1.5, 2, 3.49]);
    const out = resampleVolume(source, target, 'sitkNearestNeighbor');
    // x = 1.5 → 2, 2.5 → 3, 3.5 → 4; z = 3.49 → 3
    expect(Array.from(out.data)).toEqual([ramp(2, 2, 3), ramp(3, 2, 3), ramp(4, 2, 3)]);
    const outside = resampleVolume(source, grid([2, 1, 1], [1, 1, 1], [-1, 0, 3.5]), 'sitkNearestNeighbor');
    expect(Array.from(outside.data)).toEqual([0, 0]); // z = 3.5 is outside, as x = −1
  });

  it('keeps an integer voxel type: clamps to its range, then truncates toward 0', () => {
    const g = grid([4, 1, 1]);
    const ints = volumeOf(g, Int16Array.from([-32768, -3, 5, 32767]));
    const half = resampleVolume(ints, grid([3, 1, 1], [1, 1, 1], [0.5, 0, 0]), 'sitkLinear');
    expect(half.data).toBeInstanceOf(Int16Array);
    expect(Array.from(half.data)).toEqual([Math.trunc((-32768 - 3) / 2), Math.trunc((-3 + 5) / 2), Math.trunc((5 + 32767) / 2)]);
    // B-spline overshoots beyond the type's range are clamped, not wrapped
    const edge = volumeOf(grid([6, 1, 1]), Int16Array.from([0, 0, 0, 32767, 32767, 32767]));
    const over = resampleVolume(edge, grid([1, 1, 1], [1, 1, 1], [3.6, 0, 0]), 'sitkBSpline');
    expect(over.data[0]).toBe(32767);
  });

  it('maps through physical space with the images’ directions', () => {
    // source flipped along x: physical x = 7 − i
    const flipped: Volume = {
      geometry: { size, spacing: [1, 1, 1], origin: [7, 0, 0], direction: [-1, 0, 0, 0, 1, 0, 0, 0, 1] },
      data: fill(size, ramp),
    };
    const out = resampleVolume(flipped, grid([8, 1, 1], [1, 1, 1], [0, 2, 1]), 'sitkNearestNeighbor');
    expect(Array.from(out.data)).toEqual([7, 6, 5, 4, 3, 2, 1, 0].map((i) => ramp(i, 2, 1)));
  });
});
