// IBSI-1 image processing (chapter 2): interpolation onto a grid whose centre is aligned with the original grid's
// centre (new size = ceil(old extent / new spacing), nearest-intensity padding beyond the edge), rounding after
// interpolation, mask interpolation with a partial-volume threshold, then range re-segmentation and the outlier filter
// (in that order, the outlier statistics read the range-re-segmented ROI). Everything after this works on one box:
// the morphological mask's bounding box plus a margin that holds the local-intensity sphere.
import { RadiomicsInputError } from '../../imaging/errors';
import { indexToPhysical, type Geometry, type Vec3, type Volume } from '../../imaging/image';
import { BSplineSampler, supportBox } from '../../imaging/bspline';
import { boundingBox, type BoundingBox } from '../preprocessing/boundingBox';
import { checkRoiSize } from '../preprocessing/roiChecks';
import type { ResolvedIbsiSettings } from '../params/ibsiSettings';

/** Radius of a 1 cm³ sphere in mm (IBSI-1 §3.2, local intensity peak). */
export const PEAK_RADIUS_MM = 10 * Math.cbrt(3 / (4 * Math.PI));

/** Image and both IBSI masks on one box (x fastest). */
export interface IbsiVolumes {
  geometry: Geometry;
  image: Float64Array;
  /** Morphological mask (after interpolation and partial-volume threshold), 0/1. */
  morph: Uint8Array;
  /** Intensity mask: the morphological mask after re-segmentation, 0/1. */
  intensity: Uint8Array;
  morphCount: number;
  intensityCount: number;
  /** The interpolation grid (whole image), for diagnostics; null without interpolation. */
  grid: Geometry | null;
}

/** Spacing after interpolation: a requested 0 keeps the axis (PyRadiomics' convention for resampledPixelSpacing). */
function targetSpacing(g: Geometry, requested: number[]): Vec3 {
  return [0, 1, 2].map((d) => (requested[d] > 0 ? requested[d] : g.spacing[d])) as Vec3;
}

/** IBSI-1 §2.4 (3WE3, 026Q, QCY4): grid centres aligned, n' = ceil(n·s/s'), same direction. */
export function ibsiGrid(g: Geometry, spacing: Vec3): { grid: Geometry; start: Vec3; step: Vec3 } {
  const size = [0, 1, 2].map((d) => Math.ceil((g.size[d] * g.spacing[d]) / spacing[d] - 1e-9)) as Vec3;
  const step = [0, 1, 2].map((d) => spacing[d] / g.spacing[d]) as Vec3;
  // continuous index (in the original grid) of the new grid's first voxel centre
  const start = [0, 1, 2].map((d) => (g.size[d] - 1 - (size[d] - 1) * step[d]) / 2) as Vec3;
  const origin = indexToPhysical(g, start[0], start[1], start[2]);
  return { grid: { size, spacing, origin, direction: [...g.direction] as Geometry['direction'] }, start, step };
}

type Sampler = (x: number, y: number, z: number) => number;

function clampIndex(v: number, n: number): number {
  return v < 0 ? 0 : v > n - 1 ? n - 1 : v;
}

function nearestSampler(data: ArrayLike<number>, size: Vec3): Sampler {
  const [nx, ny] = size;
  return (x, y, z) => data[Math.round(x) + nx * (Math.round(y) + ny * Math.round(z))];
}

/** Trilinear interpolation (IBSI-1 §2.4); a flat axis (one voxel) contributes weight 1. */
function linearSampler(data: ArrayLike<number>, size: Vec3): Sampler {
  const [nx, ny, nz] = size;
  const plane = nx * ny;
  return (x, y, z) => {
    const x0 = Math.floor(x),
      y0 = Math.floor(y),
      z0 = Math.floor(z);
    const fx = x - x0,
      fy = y - y0,
      fz = z - z0;
    const dx = x0 + 1 < nx ? 1 : 0,
      dy = y0 + 1 < ny ? nx : 0,
      dz = z0 + 1 < nz ? plane : 0;
    const i = x0 + nx * y0 + plane * z0;
    const c00 = data[i] * (1 - fx) + data[i + dx] * fx;
    const c10 = data[i + dy] * (1 - fx) + data[i + dy + dx] * fx;
    const c01 = data[i + dz] * (1 - fx) + data[i + dz + dx] * fx;
    const c11 = data[i + dz + dy] * (1 - fx) + data[i + dz + dy + dx] * fx;
    return (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
  };
}

function samplerFor(kind: 'sitkNearestNeighbor' | 'sitkLinear' | 'sitkBSpline', data: ArrayLike<number>, size: Vec3, lo: number[], hi: number[]): Sampler {
  if (kind === 'sitkNearestNeighbor') return nearestSampler(data, size);
  if (kind === 'sitkLinear') return linearSampler(data, size);
  // tricubic B-spline (prefiltered), coefficients only over the sampled region's support
  const spline = new BSplineSampler(data, size, supportBox(lo, hi, size));
  return (x, y, z) => spline.sample(x, y, z);
}

interface Box {
  lower: Vec3;
  upper: Vec3;
}

function maskBox(mask: Uint8Array, size: Vec3, source?: string, known?: BoundingBox): Box & { count: number } {
  const box = known ?? boundingBox(mask, size);
  if (!box) throw new RadiomicsInputError('the ROI is empty', { file: source, field: 'mask', expected: 'at least one voxel of the label' });
  return { lower: box.lower, upper: box.upper, count: box.voxelCount };
}

/** The morphological box plus `margin` voxels per axis, clipped to the grid. */
function paddedBox(box: Box, margin: Vec3, size: Vec3): Box {
  return {
    lower: [0, 1, 2].map((d) => Math.max(0, box.lower[d] - margin[d])) as Vec3,
    upper: [0, 1, 2].map((d) => Math.min(size[d] - 1, box.upper[d] + margin[d])) as Vec3,
  };
}

function marginFor(spacing: Vec3): Vec3 {
  return [0, 1, 2].map((d) => Math.ceil(PEAK_RADIUS_MM / spacing[d]) + 1) as Vec3;
}

function boxGeometryOf(g: Geometry, lower: Vec3, upper: Vec3): Geometry {
  return {
    size: [0, 1, 2].map((d) => upper[d] - lower[d] + 1) as Vec3,
    spacing: [...g.spacing] as Vec3,
    origin: indexToPhysical(g, lower[0], lower[1], lower[2]),
    direction: [...g.direction] as Geometry['direction'],
  };
}

/** Without interpolation: the box of the original grid. */
function cropOriginal(image: Volume, morph: Uint8Array, known?: BoundingBox): { geometry: Geometry; image: Float64Array; morph: Uint8Array } {
  const g = image.geometry;
  const box = paddedBox(maskBox(morph, g.size, image.source, known), marginFor(g.spacing), g.size);
  const geometry = boxGeometryOf(g, box.lower, box.upper);
  const [bx, by, bz] = geometry.size;
  const out = new Float64Array(bx * by * bz);
  const outMask = new Uint8Array(out.length);
  let o = 0;
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      let i = box.lower[0] + g.size[0] * (box.lower[1] + y + g.size[1] * (box.lower[2] + z));
      for (let x = 0; x < bx; x++, i++, o++) {
        out[o] = image.data[i];
        outMask[o] = morph[i];
      }
    }
  }
  return { geometry, image: out, morph: outMask };
}

/** With interpolation: the IBSI grid, sampled only over the box that can hold the ROI and the peak sphere. */
function interpolate(
  image: Volume,
  morph: Uint8Array,
  s: ResolvedIbsiSettings,
  known?: BoundingBox,
): { geometry: Geometry; image: Float64Array; morph: Uint8Array; grid: Geometry } {
  const g = image.geometry;
  const spacing = targetSpacing(g, s.spacing!);
  const { grid, start, step } = ibsiGrid(g, spacing);
  const src = maskBox(morph, g.size, image.source, known);
  // output indices whose sample can touch the ROI (±1 original voxel of interpolation support), plus the margin
  const margin = marginFor(spacing);
  const lower = [0, 1, 2].map((d) => Math.max(0, Math.floor((src.lower[d] - 1 - start[d]) / step[d]) - margin[d])) as Vec3;
  const upper = [0, 1, 2].map((d) => Math.min(grid.size[d] - 1, Math.ceil((src.upper[d] + 1 - start[d]) / step[d]) + margin[d])) as Vec3;
  const geometry = boxGeometryOf(grid, lower, upper);
  const [bx, by, bz] = geometry.size;
  // continuous source index of every output coordinate, clamped: nearest-intensity padding before extrapolation
  const coords = [0, 1, 2].map((d) => Float64Array.from({ length: geometry.size[d] }, (_, k) => clampIndex(start[d] + (lower[d] + k) * step[d], g.size[d])));
  const lo = coords.map((c) => c[0]);
  const hi = coords.map((c) => c[c.length - 1]);
  const sampleImage = samplerFor(s.interpolator!, image.data, g.size, lo, hi);
  const sampleMask = samplerFor(s.maskInterpolator, morph, g.size, lo, hi);
  const out = new Float64Array(bx * by * bz);
  const outMask = new Uint8Array(out.length);
  const [cx, cy, cz] = coords;
  let o = 0;
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      for (let x = 0; x < bx; x++, o++) {
        const v = sampleImage(cx[x], cy[y], cz[z]);
        // IBSI-1 §2.4 (68QD): intensities rounded to the nearest integer after interpolation
        out[o] = s.roundIntensities ? Math.round(v) : v;
        // IBSI-1 §2.4 (E8H9): the interpolated mask keeps voxels whose partial volume reaches the threshold
        const m = sampleMask(cx[x], cy[y], cz[z]);
        outMask[o] = s.maskInterpolator === 'sitkNearestNeighbor' ? (m > 0 ? 1 : 0) : m >= s.maskThreshold - 1e-12 ? 1 : 0;
      }
    }
  }
  return { geometry, image: out, morph: outMask, grid };
}

/**
 * IBSI-1 §2.5 re-segmentation: range (USB3) then outlier filter (7ACA, μ ± nσ of the voxels left by the range).
 * Returns the intensity mask.
 */
export function resegment(image: Float64Array, morph: Uint8Array, s: Pick<ResolvedIbsiSettings, 'range' | 'outlierSigma'>): Uint8Array {
  const mask = Uint8Array.from(morph);
  if (s.range) {
    const { lower, upper } = s.range;
    for (let i = 0; i < mask.length; i++) if (mask[i] && !(image[i] >= lower && image[i] <= upper)) mask[i] = 0;
  }
  if (s.outlierSigma !== null) {
    let n = 0;
    let sum = 0;
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      n++;
      sum += image[i];
    }
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i]) ss += (image[i] - mean) ** 2;
    const sd = Math.sqrt(ss / n);
    const lo = mean - s.outlierSigma * sd;
    const hi = mean + s.outlierSigma * sd;
    for (let i = 0; i < mask.length; i++) if (mask[i] && !(image[i] >= lo && image[i] <= hi)) mask[i] = 0;
  }
  return mask;
}

function count(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  return n;
}

/**
 * `image` and `morph` (the label's 0/1 mask) share a grid; `box`, when the caller has it, is the mask's bounding box.
 * Returns both masks and the intensities on the working box.
 */
export function ibsiPreprocess(image: Volume, morph: Uint8Array, s: ResolvedIbsiSettings, box?: BoundingBox): IbsiVolumes {
  const known = maskBox(morph, image.geometry.size, image.source, box);
  const [nx, ny] = image.geometry.size;
  for (let z = known.lower[2]; z <= known.upper[2]; z++)
    for (let y = known.lower[1]; y <= known.upper[1]; y++)
      for (let x = known.lower[0], i = x + nx * (y + ny * z); x <= known.upper[0]; x++, i++) {
        if (morph[i] && !Number.isFinite(image.data[i])) {
          throw new RadiomicsInputError(`ROI contains a non-finite intensity (${image.data[i]})`, {
            file: image.source,
            field: 'intensity',
            expected: 'finite intensities inside the ROI',
          });
        }
      }
  const knownBox: BoundingBox = { lower: known.lower, upper: known.upper, voxelCount: known.count };
  const out = s.interpolator !== null && s.spacing !== null ? interpolate(image, morph, s, knownBox) : { ...cropOriginal(image, morph, knownBox), grid: null };
  const morphBox = boundingBox(out.morph, out.geometry.size);
  if (!morphBox) {
    throw new RadiomicsInputError(`no voxel reaches the partial-volume threshold ${s.maskThreshold} after interpolation`, {
      file: image.source,
      field: 'setting.maskPartialVolumeThreshold',
      expected: 'an ROI that survives interpolation (a lower threshold or a finer spacing)',
    });
  }
  checkRoiSize(morphBox, s.settings, image.source);
  const intensity = resegment(out.image, out.morph, s);
  const intensityCount = count(intensity);
  if (intensityCount === 0) {
    throw new RadiomicsInputError('re-segmentation left no voxel in the ROI', {
      file: image.source,
      field: 'setting.resegmentRange',
      expected: 'a re-segmentation range and outlier filter that keep part of the ROI',
    });
  }
  return {
    geometry: out.geometry,
    image: out.image,
    morph: out.morph,
    intensity,
    morphCount: morphBox.voxelCount,
    intensityCount,
    grid: out.grid,
  };
}
