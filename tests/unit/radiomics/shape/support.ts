// Synthetic ROIs for the closed-form shape tests.
import { DEFAULT_FEATURE_SETTINGS, type FeatureSettings, type Roi } from '../../../../radiomics/features/types';
import type { Vec3 } from '../../../../imaging/image';

/** An ROI over a box of `size` voxels whose mask is `inside(x, y, z)`. */
export function syntheticRoi(size: Vec3, spacing: Vec3, inside: (x: number, y: number, z: number) => boolean, settings: Partial<FeatureSettings> = {}): Roi {
  const n = size[0] * size[1] * size[2];
  const mask = new Uint8Array(n);
  let count = 0;
  let i = 0;
  for (let z = 0; z < size[2]; z++) {
    for (let y = 0; y < size[1]; y++) {
      for (let x = 0; x < size[0]; x++, i++) {
        if (inside(x, y, z)) {
          mask[i] = 1;
          count++;
        }
      }
    }
  }
  const binned = Int32Array.from(mask);
  return {
    geometry: { size, spacing, origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
    image: new Float64Array(n).fill(100),
    mask,
    binned,
    voxelCount: count,
    settings: { ...DEFAULT_FEATURE_SETTINGS, ...settings },
  };
}

/** Variance of the centres 0..n−1 of n equally spaced voxels of width s: s²(n² − 1)/12. */
export function uniformVariance(n: number, s: number): number {
  return (s * s * (n * n - 1)) / 12;
}
