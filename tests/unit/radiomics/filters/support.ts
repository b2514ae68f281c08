// Synthetic volumes for filter tests.
import { IDENTITY, type Geometry, type Vec3, type Volume } from '../../../../imaging/image';

export function geometry(size: Vec3, spacing: Vec3 = [1, 1, 1]): Geometry {
  return { size, spacing, origin: [0, 0, 0], direction: [...IDENTITY] as Geometry['direction'] };
}

/** A float64 volume whose voxel (x, y, z) holds f(x, y, z). */
export function volume(size: Vec3, f: (x: number, y: number, z: number) => number, spacing: Vec3 = [1, 1, 1]): Volume<Float64Array> {
  const data = new Float64Array(size[0] * size[1] * size[2]);
  let i = 0;
  for (let z = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[0]; x++) data[i++] = f(x, y, z);
  return { geometry: geometry(size, spacing), data, source: 'synthetic.nrrd' };
}

/** Deterministic pseudo-random intensities in [−500, 500) (a linear congruential generator). */
export function noise(size: Vec3, seed = 7, spacing: Vec3 = [1, 1, 1]): Volume<Float64Array> {
  let s = seed >>> 0;
  return volume(
    size,
    () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return Math.round((s / 2 ** 32) * 1000 - 500);
    },
    spacing,
  );
}

/** The value at (x, y, z) of a volume stored x fastest. */
export function at(v: Volume, x: number, y: number, z: number): number {
  const [nx, ny] = v.geometry.size;
  return v.data[x + nx * (y + ny * z)];
}
