// Neighbour directions ("angles") of the texture matrices, generated as PyRadiomics' C extension does
// (cmatrices.c get_angle_count / build_angles), so matrices and per-angle averages line up angle by angle.
import { RadiomicsInputError } from '../../imaging/errors';
import type { Vec3 } from '../../imaging/image';
import type { FeatureSettings } from './types';

/** A neighbour offset in voxels, in PyRadiomics' array order: [dz, dy, dx]. */
export type Offset = readonly [number, number, number];

export interface DirectionOptions {
  /** Chebyshev (infinity-norm) distances; GLRLM and GLSZM always use [1]. */
  distances: readonly number[];
  /** true: both a and −a (GLSZM, GLDM, NGTDM); false: one of each pair (GLCM, GLRLM). */
  bidirectional: boolean;
  force2D: boolean;
  /** Out-of-plane axis in PyRadiomics' (z, y, x) order: 0 = z. */
  force2Ddimension: 0 | 1 | 2;
}

export function directionOptions(settings: FeatureSettings, bidirectional: boolean, distances = settings.distances): DirectionOptions {
  return { distances, bidirectional, force2D: settings.force2D, force2Ddimension: settings.force2Ddimension };
}

/**
 * The offsets PyRadiomics generates for a box of `boxSize` voxels (x, y, z as in Geometry.size): every offset whose
 * infinity norm is one of the distances, that fits inside the box and stays in-plane under force2D, enumerated from
 * (+d, +d, +d) down to (−d, −d, −d) with x varying fastest; one-directional sets keep the first half.
 */
export function textureDirections(boxSize: Vec3, options: DirectionOptions): Offset[] {
  const { distances, bidirectional } = options;
  if (distances.length === 0 || distances.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RadiomicsInputError(`invalid distances [${distances.join(', ')}]`, {
      field: 'setting.distances',
      expected: 'a non-empty list of integers ≥ 1',
    });
  }
  const size = [boxSize[2], boxSize[1], boxSize[0]]; // (z, y, x)
  const outOfPlane = options.force2D ? options.force2Ddimension : -1;

  // cmatrices.c get_angle_count: (2d+1)^n − (2d−1)^n per distance, each axis capped by the box size.
  let count = 0;
  for (const d of distances) {
    let outer = 1;
    let inner = 1;
    for (let axis = 0; axis < 3; axis++) {
      if (axis === outOfPlane) continue;
      if (d < size[axis]) {
        outer *= 2 * d + 1;
        inner *= 2 * d - 1;
      } else {
        outer *= 2 * (size[axis] - 1) + 1;
        inner *= 2 * (size[axis] - 1) + 1;
      }
    }
    count += outer - inner;
  }
  if (!bidirectional) count = Math.floor(count / 2);
  if (count === 0) {
    throw new RadiomicsInputError(`no neighbour direction fits a box of ${boxSize.join('×')} voxels with distances [${distances.join(', ')}]`, {
      field: 'setting.distances',
      expected: 'a ROI box at least 2 voxels wide along an in-plane axis',
    });
  }

  // cmatrices.c build_angles: walk the offset lattice and keep valid offsets until `count` are found
  // (duplicated distances make it cycle, as in PyRadiomics).
  const maxDistance = Math.max(...distances);
  const span = 2 * maxDistance + 1;
  const stride = [span * span, span, 1];
  const offsets: Offset[] = [];
  for (let code = 0; offsets.length < count; code++) {
    const offset = [0, 0, 0];
    let norm = 0;
    for (let axis = 0; axis < 3; axis++) {
      const o = maxDistance - (Math.floor(code / stride[axis]) % span);
      if ((axis === outOfPlane && o !== 0) || o >= size[axis] || o <= -size[axis]) {
        norm = -1;
        break;
      }
      offset[axis] = o;
      norm = Math.max(norm, Math.abs(o));
    }
    if (norm >= 1 && distances.includes(norm)) offsets.push([offset[0], offset[1], offset[2]]);
  }
  return offsets;
}

export type WeightingNorm = NonNullable<FeatureSettings['weightingNorm']>;

/**
 * Length of an offset in mm under PyRadiomics' weightingNorm (spacing given as Geometry.spacing, x y z).
 * GLCM weights matrices by exp(−length²), GLRLM by the length itself; 'no_weighting' is 1 for both.
 */
export function offsetLength(offset: Offset, spacing: Vec3, norm: WeightingNorm): number {
  const mm = [Math.abs(offset[0]) * spacing[2], Math.abs(offset[1]) * spacing[1], Math.abs(offset[2]) * spacing[0]];
  switch (norm) {
    case 'infinity':
      return Math.max(mm[0], mm[1], mm[2]);
    case 'euclidean':
      return Math.sqrt(mm[0] * mm[0] + mm[1] * mm[1] + mm[2] * mm[2]);
    case 'manhattan':
      return mm[0] + mm[1] + mm[2];
    case 'no_weighting':
      return 1;
    default:
      throw new RadiomicsInputError(`unknown weighting norm '${String(norm)}'`, {
        field: 'setting.weightingNorm',
        expected: "'manhattan', 'euclidean', 'infinity', 'no_weighting' or null",
      });
  }
}

/** Linear index step of an offset in a box of `boxSize` (x fastest). */
export function offsetStep(offset: Offset, boxSize: Vec3): number {
  return offset[2] + boxSize[0] * (offset[1] + boxSize[1] * offset[0]);
}
