// 2D shape descriptors of a single-slice ROI (PyRadiomics 3.1 RadiomicsShape2D). The slice plane is the one
// orthogonal to force2Ddimension (numpy axis order: 0 = z, 1 = y, 2 = x); the ROI must span one voxel along it.
import { RadiomicsInputError } from '../../imaging/errors';
import { outlineMeasures, outlineVertices, padImage2D } from './marchingSquares';
import { meshDiameter2D } from './meshDiameters';
import { roiCovarianceEigenvalues } from './principalAxes';
import type { FeatureClass, Roi } from './types';

const FEATURES = [
  'MeshSurface',
  'PixelSurface',
  'Perimeter',
  'PerimeterSurfaceRatio',
  'Sphericity',
  'MaximumDiameter',
  'MajorAxisLength',
  'MinorAxisLength',
  'Elongation',
] as const;

const DEPRECATED = ['SphericalDisproportion'] as const;

interface Slice2D {
  /** 0/1 pixels, column fastest. */
  mask: Uint8Array;
  rows: number;
  cols: number;
  /** mm per row step and per column step. */
  spacing: [number, number];
  /** (row, col) of every ROI pixel. */
  pixels: Int32Array;
}

/**
 * The ROI as a 2D image in PyRadiomics' axis order: rows and columns are the two numpy axes left after dropping
 * force2Ddimension (e.g. y and x for an axial slice). Errors as PyRadiomics when the ROI is not one voxel thick.
 */
export function roiSlice(roi: Roi): Slice2D {
  const dim = roi.settings.force2Ddimension;
  if (!roi.settings.force2D) {
    throw new RadiomicsInputError('Shape2D can only be calculated for 2D input or 3D input with force2D = true', {
      field: 'force2D',
      expected: 'true, with force2Ddimension naming the out-of-plane axis',
    });
  }
  if (dim !== 0 && dim !== 1 && dim !== 2) {
    throw new RadiomicsInputError(`force2Ddimension ${dim} is not an axis`, { field: 'force2Ddimension', expected: '0, 1 or 2' });
  }
  const outAxis = 2 - dim; // our axes are (x, y, z); numpy's are (z, y, x)
  const [rowAxis, colAxis] = dim === 0 ? [1, 0] : dim === 1 ? [2, 0] : [2, 1];
  const size = roi.geometry.size;
  let lo = Infinity;
  let hi = -Infinity;
  const idx = [0, 0, 0];
  let i = 0;
  for (idx[2] = 0; idx[2] < size[2]; idx[2]++) {
    for (idx[1] = 0; idx[1] < size[1]; idx[1]++) {
      for (idx[0] = 0; idx[0] < size[0]; idx[0]++, i++) {
        if (roi.mask[i] === 0) continue;
        if (idx[outAxis] < lo) lo = idx[outAxis];
        if (idx[outAxis] > hi) hi = idx[outAxis];
      }
    }
  }
  if (hi > lo) {
    throw new RadiomicsInputError(`Size of the mask in dimension ${dim} is ${hi - lo + 1} voxels, cannot compute 2D shape`, {
      field: 'force2Ddimension',
      expected: 'an ROI one voxel thick along the force2Ddimension axis',
    });
  }
  const rows = size[rowAxis];
  const cols = size[colAxis];
  const mask = new Uint8Array(rows * cols);
  const pixels = new Int32Array(2 * roi.voxelCount);
  let k = 0;
  i = 0;
  for (idx[2] = 0; idx[2] < size[2]; idx[2]++) {
    for (idx[1] = 0; idx[1] < size[1]; idx[1]++) {
      for (idx[0] = 0; idx[0] < size[0]; idx[0]++, i++) {
        if (roi.mask[i] === 0) continue;
        mask[idx[rowAxis] * cols + idx[colAxis]] = 1;
        pixels[k++] = idx[rowAxis];
        pixels[k++] = idx[colAxis];
      }
    }
  }
  return { mask, rows, cols, spacing: [roi.geometry.spacing[rowAxis], roi.geometry.spacing[colAxis]], pixels };
}

export function computeShape2D(roi: Roi, enabled?: readonly string[]): Record<string, number> {
  const want = new Set<string>(enabled ?? FEATURES);
  const slice = roiSlice(roi);
  const padded = padImage2D(slice.mask, slice.rows, slice.cols);
  const { perimeter: p, surface: a } = outlineMeasures(padded.data, padded.rows, padded.cols, slice.spacing);
  const [sr, sc] = slice.spacing;
  const np = slice.pixels.length / 2;
  const [minor, major] = roiCovarianceEigenvalues(slice.pixels, 2, slice.spacing);

  const out: Record<string, number> = {};
  const set = (name: string, value: () => number) => {
    if (want.has(name)) out[name] = value();
  };
  // PyRadiomics shape2D getMeshSurfaceFeatureValue: Σ signed triangle areas (origin, a, b) of the outline
  set('MeshSurface', () => a);
  // PyRadiomics shape2D getPixelSurfaceFeatureValue: Np · A_pixel
  set('PixelSurface', () => np * sr * sc);
  // PyRadiomics shape2D getPerimeterFeatureValue: Σ outline segment lengths
  set('Perimeter', () => p);
  // PyRadiomics shape2D getPerimeterSurfaceRatioFeatureValue: P / A
  set('PerimeterSurfaceRatio', () => p / a);
  // PyRadiomics shape2D getSphericityFeatureValue: 2 √(π A) / P
  set('Sphericity', () => (2 * Math.sqrt(Math.PI * a)) / p);
  // PyRadiomics shape2D getSphericalDisproportionFeatureValue (deprecated): P / (2 √(π A))
  set('SphericalDisproportion', () => p / (2 * Math.sqrt(Math.PI * a)));
  // PyRadiomics shape2D getMaximumDiameterFeatureValue: largest vertex–vertex distance of the outline
  set('MaximumDiameter', () => meshDiameter2D(outlineVertices(padded.data, padded.rows, padded.cols), [sr / 2, sc / 2]));
  // PyRadiomics shape2D getMajorAxisLengthFeatureValue: 4 √λ_major
  set('MajorAxisLength', () => (major < 0 ? NaN : 4 * Math.sqrt(major)));
  // PyRadiomics shape2D getMinorAxisLengthFeatureValue: 4 √λ_minor
  set('MinorAxisLength', () => (minor < 0 ? NaN : 4 * Math.sqrt(minor)));
  // PyRadiomics shape2D getElongationFeatureValue: √(λ_minor / λ_major)
  set('Elongation', () => (minor < 0 || major < 0 ? NaN : Math.sqrt(minor / major)));
  return out;
}

export const shape2D: FeatureClass = {
  name: 'shape2D',
  featureNames: [...FEATURES, ...DEPRECATED],
  deprecated: DEPRECATED,
  compute: computeShape2D,
};
