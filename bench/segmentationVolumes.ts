// The segmentation benchmark's volumes: a synthetic visit (seed 777, never used in training) rendered at the model's
// own spacing, 1.5 × 1.5 × 3 mm, so that every voxel of the stated size reaches the network (no resampling).
import path from 'node:path';
import { writeNifti } from '../imaging/io';
import { renderVisit } from '../synthetic';
import type { Vec3 } from '../imaging/image';

export const BENCH_SIZES: Vec3[] = [
  [128, 128, 64],
  [256, 256, 120],
];
export const BENCH_SEED = 777;
export const BENCH_SPACING: Vec3 = [1.5, 1.5, 3];

export interface BenchVolume {
  size: Vec3;
  t1ce: string;
  t2: string;
  truth: string;
}

export function writeBenchVolume(dir: string, size: Vec3): BenchVolume {
  const visit = renderVisit({ seed: BENCH_SEED, patients: 1, size, spacing: BENCH_SPACING }, 'SYN-001', 'baseline');
  const name = size.join('x');
  const files = { t1ce: path.join(dir, `${name}_T1CE.nii.gz`), t2: path.join(dir, `${name}_T2.nii.gz`), truth: path.join(dir, `${name}_mask.nii.gz`) };
  writeNifti(files.t1ce, visit.images.T1CE);
  writeNifti(files.t2, visit.images.T2);
  writeNifti(files.truth, visit.mask);
  return { size, ...files };
}
