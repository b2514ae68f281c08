// Small synthetic volumes for extractor tests: a grid, intensities and label maps built voxel by voxel.
import { IDENTITY, type Geometry, type Vec3, type Volume } from '../../../../imaging/image';

export function grid(size: Vec3, spacing: Vec3 = [1, 1, 1], origin: Vec3 = [0, 0, 0]): Geometry {
  return { size, spacing, origin, direction: [...IDENTITY] as Geometry['direction'] };
}

/** A volume whose voxel (x, y, z) holds f(x, y, z). */
export function volumeOf<T extends Float64Array | Int16Array | Uint8Array | Float32Array>(
  Ctor: new (n: number) => T,
  geometry: Geometry,
  f: (x: number, y: number, z: number) => number,
  source?: string,
): Volume<T> {
  const [nx, ny, nz] = geometry.size;
  const data = new Ctor(nx * ny * nz);
  let i = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) data[i++] = f(x, y, z);
  return { geometry, data, source };
}

/** Label map with `label` inside the box [lo, hi] (inclusive), 0 elsewhere. */
export function boxMask(geometry: Geometry, lo: Vec3, hi: Vec3, label = 1, source = 'mask.nrrd'): Volume<Uint8Array> {
  return volumeOf(Uint8Array, geometry, (x, y, z) => (x >= lo[0] && x <= hi[0] && y >= lo[1] && y <= hi[1] && z >= lo[2] && z <= hi[2] ? label : 0), source);
}
