// Cropping a volume to an index box, keeping its physical placement (the box's first voxel becomes the origin).
import { indexToPhysical, type Geometry, type Vec3, type Volume, type VoxelArray } from '../../imaging/image';

/** Geometry of the sub-box [lower, upper] (inclusive indices) of `g`. */
export function boxGeometry(g: Geometry, lower: Vec3, upper: Vec3): Geometry {
  return {
    size: [upper[0] - lower[0] + 1, upper[1] - lower[1] + 1, upper[2] - lower[2] + 1],
    spacing: [...g.spacing] as Vec3,
    origin: indexToPhysical(g, lower[0], lower[1], lower[2]),
    direction: [...g.direction] as Geometry['direction'],
  };
}

/** Copies the voxels of the box [lower, upper] into `out` (x fastest). */
export function copyBox(data: ArrayLike<number>, size: Vec3, lower: Vec3, upper: Vec3, out: { [i: number]: number; length: number }): void {
  const [nx, ny] = size;
  const bx = upper[0] - lower[0] + 1;
  // Typed arrays copy each row natively (converting as element assignment does); the voxel loop is for other arrays.
  if (ArrayBuffer.isView(data) && ArrayBuffer.isView(out) && !(data instanceof DataView) && !(out instanceof DataView)) {
    const from = data as unknown as Float64Array;
    const to = out as unknown as Float64Array;
    let at = 0;
    for (let z = lower[2]; z <= upper[2]; z++) {
      for (let y = lower[1]; y <= upper[1]; y++, at += bx) {
        const row = lower[0] + nx * (y + ny * z);
        to.set(from.subarray(row, row + bx), at);
      }
    }
    return;
  }
  let o = 0;
  for (let z = lower[2]; z <= upper[2]; z++) {
    for (let y = lower[1]; y <= upper[1]; y++) {
      const row = lower[0] + nx * (y + ny * z);
      for (let x = 0; x < bx; x++) out[o++] = data[row + x];
    }
  }
}

/** 1 where the box's voxel of the label map equals `label`, 0 elsewhere, into `out` (x fastest). */
export function copyLabelBox(data: ArrayLike<number>, size: Vec3, lower: Vec3, upper: Vec3, label: number, out: Uint8Array): void {
  const [nx, ny] = size;
  const bx = upper[0] - lower[0] + 1;
  let o = 0;
  for (let z = lower[2]; z <= upper[2]; z++) {
    for (let y = lower[1]; y <= upper[1]; y++) {
      const row = lower[0] + nx * (y + ny * z);
      for (let x = 0; x < bx; x++) out[o++] = data[row + x] === label ? 1 : 0;
    }
  }
}

/** A new volume holding the box [lower, upper] of `volume`, with the same voxel type. */
export function cropVolume<T extends VoxelArray>(volume: Volume<T>, lower: Vec3, upper: Vec3): Volume<T> {
  const geometry = boxGeometry(volume.geometry, lower, upper);
  const n = geometry.size[0] * geometry.size[1] * geometry.size[2];
  const Ctor = volume.data.constructor as new (n: number) => T;
  const data = new Ctor(n);
  copyBox(volume.data, volume.geometry.size, lower, upper, data);
  return { geometry, data, source: volume.source };
}
