// Physical geometry from a file's axis vectors, and the RAS ↔ LPS flip (the engine keeps LPS, like ITK).
import type { Geometry, Mat3, Vec3 } from '../image';
import { RadiomicsInputError } from '../errors';

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function norm(a: Vec3): number {
  return Math.sqrt(dot(a, a));
}

/** RAS and LPS differ by the sign of their first two axes; the flip is its own inverse. */
export function flipRasLps(v: Vec3): Vec3 {
  return [-v[0], -v[1], v[2]];
}

/**
 * Geometry from the physical step of each voxel axis (`axes[j]` = displacement for +1 along axis j):
 * spacing = |axes[j]|, direction column j = axes[j] / |axes[j]| (what ITK reports for NRRD and NIfTI).
 */
export function geometryFromAxes(size: Vec3, axes: [Vec3, Vec3, Vec3], origin: Vec3, where: { file: string; field: string }): Geometry {
  const spacing: Vec3 = [0, 0, 0];
  const direction: number[] = new Array(9).fill(0);
  for (let j = 0; j < 3; j++) {
    const length = norm(axes[j]);
    if (!(length > 0) || !Number.isFinite(length)) {
      throw new RadiomicsInputError(`axis ${j} has a zero or invalid length`, {
        ...where,
        expected: 'a finite, non-zero vector per spatial axis',
      });
    }
    spacing[j] = length;
    // `+ 0` turns -0 into 0, so that geometries compare equal however the file wrote its zeros.
    for (let i = 0; i < 3; i++) direction[3 * i + j] = axes[j][i] / length + 0;
  }
  return { size, spacing, origin: [origin[0] + 0, origin[1] + 0, origin[2] + 0], direction: direction as Mat3 };
}

/** Column j of a row-major 3×3. */
export function column(m: Mat3, j: number): Vec3 {
  return [m[j], m[3 + j], m[6 + j]];
}
