// 3D shape descriptors of the ROI (PyRadiomics 3.1 RadiomicsShape), IBSI chapter 3.1. Mesh features come from the
// marching-cubes surface of the mask padded by one voxel; axis lengths from the PCA of voxel centres.
import { meshMeasures, meshVertices, padMask } from './marchingCubes';
import { meshDiameters } from './meshDiameters';
import { roiCovarianceEigenvalues } from './principalAxes';
import type { FeatureClass, Roi } from './types';

const FEATURES = [
  'MeshVolume',
  'VoxelVolume',
  'SurfaceArea',
  'SurfaceVolumeRatio',
  'Sphericity',
  'Maximum3DDiameter',
  'Maximum2DDiameterSlice',
  'Maximum2DDiameterColumn',
  'Maximum2DDiameterRow',
  'MajorAxisLength',
  'MinorAxisLength',
  'LeastAxisLength',
  'Elongation',
  'Flatness',
] as const;

const DEPRECATED = ['Compactness1', 'Compactness2', 'SphericalDisproportion'] as const;

const DIAMETER_FEATURES = new Set(['Maximum3DDiameter', 'Maximum2DDiameterSlice', 'Maximum2DDiameterColumn', 'Maximum2DDiameterRow']);
const AXIS_FEATURES = new Set(['MajorAxisLength', 'MinorAxisLength', 'LeastAxisLength', 'Elongation', 'Flatness']);

/** (x, y, z) index of every ROI voxel. */
function roiVoxelIndices(roi: Roi): Int32Array {
  const [nx, ny, nz] = roi.geometry.size;
  const out = new Int32Array(3 * roi.voxelCount);
  let k = 0;
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        if (roi.mask[i] === 0) continue;
        out[k++] = x;
        out[k++] = y;
        out[k++] = z;
      }
    }
  }
  return out;
}

/** PyRadiomics returns NaN (with a warning) when an eigenvalue is negative. */
function axisLength(eigenvalue: number): number {
  return eigenvalue < 0 ? NaN : 4 * Math.sqrt(eigenvalue);
}

export function computeShape(roi: Roi, enabled?: readonly string[]): Record<string, number> {
  const want = new Set<string>(enabled ?? FEATURES);
  const spacing = roi.geometry.spacing;
  const [sx, sy, sz] = spacing;
  const padded = padMask(roi.mask, roi.geometry.size);
  const { surfaceArea: a, volume: v } = meshMeasures(padded, spacing);

  let diameters = { inPlane: [NaN, NaN, NaN], overall: NaN };
  if ([...want].some((f) => DIAMETER_FEATURES.has(f))) {
    // vertices are (z, y, x) in half-voxel units, so half a spacing per unit
    diameters = meshDiameters(meshVertices(padded), [sz / 2, sy / 2, sx / 2]);
  }
  let ev = [NaN, NaN, NaN];
  if ([...want].some((f) => AXIS_FEATURES.has(f))) ev = roiCovarianceEigenvalues(roiVoxelIndices(roi), 3, spacing);
  const [least, minor, major] = ev;

  const out: Record<string, number> = {};
  const set = (name: string, value: () => number) => {
    if (want.has(name)) out[name] = value();
  };
  // IBSI 3.1.1 (RNU0) · PyRadiomics getMeshVolumeFeatureValue: Σ signed tetrahedron volumes of the mesh
  set('MeshVolume', () => v);
  // IBSI 3.1.2 (YEKZ) · PyRadiomics getVoxelVolumeFeatureValue: Np · V_voxel
  set('VoxelVolume', () => roi.voxelCount * sx * sy * sz);
  // IBSI 3.1.3 (C0JK) · PyRadiomics getSurfaceAreaFeatureValue: Σ triangle areas
  set('SurfaceArea', () => a);
  // IBSI 3.1.4 (2PR5) · PyRadiomics getSurfaceVolumeRatioFeatureValue: A / V
  set('SurfaceVolumeRatio', () => a / v);
  // IBSI 3.1.8 (QCFX) · PyRadiomics getSphericityFeatureValue: ∛(36 π V²) / A
  set('Sphericity', () => Math.cbrt(36 * Math.PI * v * v) / a);
  // IBSI 3.1.5 (SKGS) · PyRadiomics getCompactness1FeatureValue (deprecated): V / (√π · A^(3/2))
  set('Compactness1', () => v / (Math.pow(a, 1.5) * Math.sqrt(Math.PI)));
  // IBSI 3.1.6 (BQWJ) · PyRadiomics getCompactness2FeatureValue (deprecated): 36 π V² / A³
  set('Compactness2', () => (36 * Math.PI * v * v) / (a * a * a));
  // IBSI 3.1.7 (KRCK) · PyRadiomics getSphericalDisproportionFeatureValue (deprecated): A / ∛(36 π V²)
  set('SphericalDisproportion', () => a / Math.cbrt(36 * Math.PI * v * v));
  // IBSI 3.1.11 (L0JK) · PyRadiomics getMaximum3DDiameterFeatureValue: largest vertex–vertex distance
  set('Maximum3DDiameter', () => diameters.overall);
  // PyRadiomics getMaximum2DDiameterSliceFeatureValue: largest distance between vertices in one axial (row-column) plane
  set('Maximum2DDiameterSlice', () => diameters.inPlane[0]);
  // PyRadiomics getMaximum2DDiameterColumnFeatureValue: ... in one coronal (row-slice) plane
  set('Maximum2DDiameterColumn', () => diameters.inPlane[1]);
  // PyRadiomics getMaximum2DDiameterRowFeatureValue: ... in one sagittal (column-slice) plane
  set('Maximum2DDiameterRow', () => diameters.inPlane[2]);
  // IBSI 3.1.12 (TDIC) · PyRadiomics getMajorAxisLengthFeatureValue: 4 √λ_major
  set('MajorAxisLength', () => axisLength(major));
  // IBSI 3.1.13 (P9VJ) · PyRadiomics getMinorAxisLengthFeatureValue: 4 √λ_minor
  set('MinorAxisLength', () => axisLength(minor));
  // IBSI 3.1.14 (7J51) · PyRadiomics getLeastAxisLengthFeatureValue: 4 √λ_least
  set('LeastAxisLength', () => axisLength(least));
  // IBSI 3.1.15 (Q3CK) · PyRadiomics getElongationFeatureValue: √(λ_minor / λ_major)
  set('Elongation', () => (minor < 0 || major < 0 ? NaN : Math.sqrt(minor / major)));
  // IBSI 3.1.16 (N17B) · PyRadiomics getFlatnessFeatureValue: √(λ_least / λ_major)
  set('Flatness', () => (least < 0 || major < 0 ? NaN : Math.sqrt(least / major)));
  return out;
}

export const shape: FeatureClass = {
  name: 'shape',
  featureNames: [...FEATURES, ...DEPRECATED],
  deprecated: DEPRECATED,
  compute: computeShape,
};
