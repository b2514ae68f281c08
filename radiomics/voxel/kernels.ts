// Per-voxel feature values of voxel-based extraction (PyRadiomics base._calculateVoxels with cmatrices' kernel
// bounding box): for every ROI voxel, the kernel is the cube of kernelRadius around it, clipped to the map grid, and
// its voxels are those of the kernel mask (the ROI with maskedKernel, every voxel without). Each enabled class runs on
// that kernel as a small ROI, with the gray levels of the whole ROI (discretised once), so the engine's texture-matrix
// code serves both modes. Where PyRadiomics' voxel mode differs from its segment mode (Ng of the whole ROI, angles
// kept or dropped for the whole batch), the difference is applied here and in finishGlcm.
import type { Geometry } from '../../imaging/image';
import { FEATURE_CLASSES } from '../extraction/featureClasses';
import { directionOptions, textureDirections } from '../features/directions';
import { glcm, type Glcm } from '../features/glcm';
import type { FeatureSettings, Roi } from '../features/types';
import type { FeatureClassName } from '../params/types';
import { KernelGlcm } from './kernelGlcm';

/** One derived image on the map grid, everything a worker needs to compute a range of its ROI voxels. */
export interface VoxelGrid {
  /** Feature-name prefix of the derived image ('original', 'log-sigma-1-0-mm-3D'). */
  name: string;
  /** The maps' geometry: the ROI's box padded by kernelRadius, clipped to the image (PyRadiomics cropToTumorMask). */
  geometry: Geometry;
  image: Float64Array;
  /** 1 at ROI voxels: the voxels that get a value. */
  roi: Uint8Array;
  /** 1 at voxels a kernel may hold: the ROI (maskedKernel) or every voxel of the grid. */
  kernelMask: Uint8Array;
  /** Gray levels of the kernel-mask voxels, discretised once over all of them; 0 elsewhere. */
  binned: Int32Array;
  /** PyRadiomics' Ng: the largest gray level of the kernel mask. */
  maxLevel: number;
  /** Number of distinct gray levels of the kernel mask. */
  levelCount: number;
  /** Linear indices of the ROI voxels, ascending (numpy.where order). */
  roiVoxels: Int32Array;
  settings: FeatureSettings;
  /** Enabled features per class (null: all non-deprecated), shape classes excluded. */
  classes: Partial<Record<FeatureClassName, string[] | null>>;
  kernelRadius: number;
  /**
   * Some kernel lacks a GLCM direction that another kernel has: PyRadiomics' MCC then fails for the whole batch
   * (finishGlcm), so kernels need not compute it.
   */
  glcmIncomplete?: boolean;
}

/** Values of one range of ROI voxels: one row per feature name, plus what finishGlcm needs. */
export interface VoxelChunk {
  /** Feature name (without the image prefix) → value per voxel of the range. */
  values: Record<string, Float64Array>;
  /** GLCM angle keys with co-occurrences in at least one kernel of the range. */
  glcmAngles: string[];
  /** Number of non-empty GLCM angles per voxel of the range. */
  glcmAngleCount: Uint8Array;
}

/** The features a class computes for `enabled` (null: every non-deprecated one; deprecated ones yield no value). */
export function enabledNames(className: FeatureClassName, enabled: readonly string[] | null | undefined): string[] {
  const { featureNames: names, deprecated = [] } = FEATURE_CLASSES[className];
  if (!enabled || enabled.length === 0) return names.filter((n) => !deprecated.includes(n));
  return names.filter((n) => enabled.includes(n));
}

/** The kernel's box [lo, hi] (inclusive x, y, z) around a voxel: cmatrices set_bb. */
function kernelBox(grid: VoxelGrid, centre: number): { lo: number[]; hi: number[] } {
  const [nx, ny, nz] = grid.geometry.size;
  const r = grid.kernelRadius;
  const x = centre % nx;
  const y = Math.floor(centre / nx) % ny;
  const z = Math.floor(centre / (nx * ny));
  const lo = [x - r, y - r, z - r];
  const hi = [x + r, y + r, z + r];
  // cmatrices set_bb: no kernel extent along force2Ddimension (numpy order, 0 = z)
  if (grid.settings.force2D) {
    const axis = 2 - grid.settings.force2Ddimension;
    lo[axis] = hi[axis] = [x, y, z][axis];
  }
  const dims = [nx, ny, nz];
  for (let a = 0; a < 3; a++) {
    lo[a] = Math.max(0, lo[a]);
    hi[a] = Math.min(dims[a] - 1, hi[a]);
  }
  return { lo, hi };
}

/** The kernel as a small ROI (its box, the kernel-mask voxels in it, the ROI's gray levels) for the feature classes. */
function kernelRoi(grid: VoxelGrid, lo: number[], hi: number[]): Roi {
  const [nx, ny] = grid.geometry.size;
  const bx = hi[0] - lo[0] + 1;
  const by = hi[1] - lo[1] + 1;
  const bz = hi[2] - lo[2] + 1;
  const n = bx * by * bz;
  const image = new Float64Array(n);
  const mask = new Uint8Array(n);
  const binned = new Int32Array(n);
  let count = 0;
  let o = 0;
  for (let zz = lo[2]; zz <= hi[2]; zz++) {
    for (let yy = lo[1]; yy <= hi[1]; yy++) {
      let i = lo[0] + nx * (yy + ny * zz);
      for (let xx = 0; xx < bx; xx++, i++, o++) {
        image[o] = grid.image[i];
        if (grid.kernelMask[i] !== 0) {
          mask[o] = 1;
          binned[o] = grid.binned[i];
          count++;
        }
      }
    }
  }
  const g = grid.geometry;
  return {
    geometry: { size: [bx, by, bz], spacing: g.spacing, origin: g.origin, direction: g.direction },
    image,
    mask,
    binned,
    voxelCount: count,
    settings: grid.settings,
  };
}

/** Number of distinct gray levels among the kernel-mask voxels of the box; `seen` is all-zero scratch. */
function kernelLevels(grid: VoxelGrid, lo: number[], hi: number[], seen: Uint8Array): number {
  const [nx, ny] = grid.geometry.size;
  const found: number[] = [];
  for (let z = lo[2]; z <= hi[2]; z++) {
    for (let y = lo[1]; y <= hi[1]; y++) {
      let i = lo[0] + nx * (y + ny * z);
      for (let x = lo[0]; x <= hi[0]; x++, i++) {
        const g = grid.binned[i];
        if (g !== 0 && seen[g] === 0) {
          seen[g] = 1;
          found.push(g);
        }
      }
    }
  }
  for (const g of found) seen[g] = 0;
  return found.length;
}

/** Direction key of a GLCM angle, or 'merged' when weightingNorm summed them. */
function angleKeys(m: Glcm): string[] {
  if (m.directions.length === 0) return m.angles.length > 0 ? ['merged'] : [];
  return m.directions.map((d) => d.join(','));
}

/** GLCM values of one kernel with voxel mode's Ng and MCC (see the file comment). */
function kernelGlcm(grid: VoxelGrid, roi: Roi, names: readonly string[], out: Record<string, Float64Array>, k: number): string[] {
  const m = glcm.matrix(roi);
  // glcm._calculateCoefficients: Ng (Idmn, Idn) is the largest gray level of the whole ROI, not of the kernel.
  for (const a of m.angles) a.maxLevel = grid.maxLevel;
  for (const name of names) {
    let v = glcm.formulas[name](m);
    // glcm.getMCCFeatureValue on the whole ROI's gray levels: a kernel with one gray level gives Q with eigenvalues
    // {1, 0, …}, so √(second largest) = 0; only a ROI with one gray level is the flat case (1).
    if (name === 'MCC' && m.angles.length > 0 && m.angles[0].ng < 2 && grid.levelCount >= 2) v = 0;
    out[name][k] = v;
  }
  return angleKeys(m);
}

/** Feature values of the ROI voxels roiVoxels[from..to) of one derived image. */
export function computeVoxelRange(grid: VoxelGrid, from: number, to: number): VoxelChunk {
  const count = to - from;
  const values: Record<string, Float64Array> = {};
  const plan: { className: FeatureClassName; names: string[] }[] = [];
  for (const [className, enabled] of Object.entries(grid.classes) as [FeatureClassName, string[] | null][]) {
    const names = enabledNames(className, enabled);
    if (names.length === 0) continue;
    plan.push({ className, names });
    for (const name of names) values[`${className}_${name}`] = new Float64Array(count);
  }
  const glcmAngles = new Set<string>();
  const glcmAngleCount = new Uint8Array(count);
  const glcmRows: Record<string, Float64Array> = {};
  for (const { className, names } of plan) if (className === 'glcm') for (const n of names) glcmRows[n] = values[`glcm_${n}`];

  // Without weighting, GLCM runs on sparse co-occurrences (kernelGlcm.ts); the directions are the grid's
  // (cmatrices build_angles on the cropped image), each kernel using those with pairs inside it.
  const sparse = 'glcm' in grid.classes && (grid.settings.weightingNorm === null || grid.settings.weightingNorm === undefined);
  const directions = sparse ? textureDirections(grid.geometry.size, directionOptions(grid.settings, false)) : [];
  const side = 2 * grid.kernelRadius + 1;
  const wanted = new Set(Object.keys(glcmRows));
  if (grid.glcmIncomplete) wanted.delete('MCC');
  const sparseGlcm = sparse ? new KernelGlcm(grid.maxLevel, grid.levelCount, side ** 3, wanted) : null;
  const seen = new Uint8Array(grid.maxLevel + 1);
  const nonEmpty = new Uint8Array(directions.length);
  // Only the engine's feature classes need the kernel copied out as a small ROI.
  const others = plan.some((c) => c.className !== 'glcm' || !sparse);

  for (let k = 0; k < count; k++) {
    const { lo, hi } = kernelBox(grid, grid.roiVoxels[from + k]);
    const roi = others ? kernelRoi(grid, lo, hi) : null;
    for (const { className, names } of plan) {
      if (className === 'glcm') {
        if (sparseGlcm) {
          const levels = kernelLevels(grid, lo, hi, seen);
          const kept = sparseGlcm.compute(grid.binned, grid.geometry.size, lo, hi, directions, grid.settings.symmetricalGLCM, levels, glcmRows, k, nonEmpty);
          glcmAngleCount[k] = kept;
          nonEmpty.forEach((v, a) => v && glcmAngles.add(String(a)));
          continue;
        }
        const keys = kernelGlcm(grid, roi!, names, glcmRows, k);
        glcmAngleCount[k] = keys.length;
        for (const key of keys) glcmAngles.add(key);
        continue;
      }
      const result = FEATURE_CLASSES[className].compute(roi!, names);
      for (const name of names) values[`${className}_${name}`][k] = result[name];
    }
  }
  return { values, glcmAngles: [...glcmAngles], glcmAngleCount };
}

/**
 * Whether some kernel has no co-occurrence along a direction that another kernel has (see finishGlcm): a scan that
 * stops at each direction's first pair, much cheaper than the kernels' matrices.
 */
export function glcmAnglesIncomplete(grid: VoxelGrid): boolean {
  const directions = textureDirections(grid.geometry.size, directionOptions(grid.settings, false));
  const [nx, ny] = grid.geometry.size;
  const present = new Uint8Array(directions.length);
  const counts: number[] = [];
  for (const centre of grid.roiVoxels) {
    const { lo, hi } = kernelBox(grid, centre);
    let kept = 0;
    directions.forEach((d, a) => {
      const step = d[2] + nx * (d[1] + ny * d[0]);
      for (let z = Math.max(lo[2], lo[2] - d[0]); z <= Math.min(hi[2], hi[2] - d[0]); z++) {
        for (let y = Math.max(lo[1], lo[1] - d[1]); y <= Math.min(hi[1], hi[1] - d[1]); y++) {
          let i = Math.max(lo[0], lo[0] - d[2]) + nx * (y + ny * z);
          for (let x = Math.max(lo[0], lo[0] - d[2]); x <= Math.min(hi[0], hi[0] - d[2]); x++, i++) {
            if (grid.binned[i] !== 0 && grid.binned[i + step] !== 0) {
              kept++;
              present[a] = 1;
              return;
            }
          }
        }
      }
    });
    counts.push(kept);
  }
  const union = present.reduce((n, v) => n + v, 0);
  return counts.some((c) => c < union);
}

/**
 * PyRadiomics' batch-wide GLCM steps, with the whole ROI as the batch (voxelBatch's default): angles empty in every
 * kernel are dropped, the others stay as NaN matrices where a kernel lacks them. JointAverage (a plain mean over
 * angles) is then NaN at such voxels, and MCC fails for the whole batch (numpy.linalg.eigvals refuses NaN), leaving
 * initValue everywhere.
 */
export function finishGlcm(values: Record<string, Float64Array>, angleUnion: number, angleCount: Uint8Array, initValue: number): void {
  let incomplete = false;
  for (let k = 0; k < angleCount.length; k++) {
    if (angleCount[k] < angleUnion) {
      incomplete = true;
      const ja = values.glcm_JointAverage;
      if (ja) ja[k] = NaN;
    }
  }
  if (incomplete && values.glcm_MCC) values.glcm_MCC.fill(initValue);
}
