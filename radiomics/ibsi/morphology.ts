// IBSI-1 §3.1 morphological features. The mesh, diameter and principal axes come from PyRadiomics' shape class (features/shape.ts);
// IBSI adds compactness/asphericity, the centre-of-mass shift, bounding-box, enclosing-ellipsoid and convex-hull
// densities, integrated intensity and the spatial autocorrelations (exact at any ROI size: autocorrelation.ts).
// Morphology reads the morphological mask; the intensity-weighted features read the intensity mask. OMBB and MVEE
// densities are left out: IBSI-1 gives no reference for them.
import type { Geometry } from '../../imaging/image';
import { meshMeasures, meshVertices, padMask } from '../features/marchingCubes';
import { meshDiameters } from '../features/meshDiameters';
import { roiCovarianceEigenvalues } from '../features/principalAxes';
import { spatialAutocorrelation } from './autocorrelation';
import { convexHull } from './convexHull';

function voxelIndices(mask: Uint8Array, size: Geometry['size']): Int32Array {
  const [nx, ny, nz] = size;
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  const out = new Int32Array(3 * n);
  let k = 0,
    i = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        if (!mask[i]) continue;
        out[k++] = x;
        out[k++] = y;
        out[k++] = z;
      }
  return out;
}

/**
 * Surface area of an ellipsoid with semi-axes a ≥ b ≥ c (IBSI-1 §3.1.22, RDD2): 4πab Σ_{ν=0}^{20} (αβ)^ν/(1 − 4ν²)
 * P_ν((α² + β²)/(2αβ)), α = √(1 − b²/a²), β = √(1 − c²/a²); Q_ν = (αβ)^ν P_ν by Bonnet's recursion stays finite at αβ = 0.
 * This is the manual's series as written, which its reference values follow (digital phantom: A/A_aee = 1.35 against
 * 1.36 ± 0.01); it is not the exact area of a spheroid (that series takes α = √(1 − c²/a²), β = √(1 − c²/b²), and gives
 * 1.30 on the phantom).
 */
export function ellipsoidArea(a: number, b: number, c: number): number {
  const alpha = Math.sqrt(1 - (b * b) / (a * a));
  const beta = Math.sqrt(1 - (c * c) / (a * a));
  const ab = alpha * beta;
  const half = (alpha * alpha + beta * beta) / 2; // αβ·x
  let qPrev = 1; // Q_0
  let q = half; // Q_1
  let sum = qPrev + q / (1 - 4);
  for (let nu = 1; nu < 20; nu++) {
    const next = ((2 * nu + 1) * half * q - nu * ab * ab * qPrev) / (nu + 1);
    qPrev = q;
    q = next;
    sum += q / (1 - 4 * (nu + 1) * (nu + 1));
  }
  return 4 * Math.PI * a * b * sum;
}

export function morphologyFeatures(image: Float64Array, morph: Uint8Array, intensity: Uint8Array, geometry: Geometry): Record<string, number> {
  const size = geometry.size;
  const spacing = geometry.spacing;
  const [sx, sy, sz] = spacing;
  const padded = padMask(morph, size);
  const { surfaceArea: area, volume } = meshMeasures(padded, spacing);
  const vertices = meshVertices(padded); // (z2, y2, x2) in half-voxel units
  const xyz = new Int32Array(vertices.length);
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let k = 0; k < vertices.length; k += 3) {
    xyz[k] = vertices[k + 2];
    xyz[k + 1] = vertices[k + 1];
    xyz[k + 2] = vertices[k];
    for (let d = 0; d < 3; d++) {
      lo[d] = Math.min(lo[d], xyz[k + d]);
      hi[d] = Math.max(hi[d], xyz[k + d]);
    }
  }
  const coords = voxelIndices(morph, size);
  const nMorph = coords.length / 3;
  // PyRadiomics' covariance divides by N; IBSI's PCA uses the sample covariance (÷ N − 1)
  const [least, minor, major] = roiCovarianceEigenvalues(coords, 3, spacing).map((l) => (l * nMorph) / (nMorph - 1));

  // centres of mass: geometric over the morphological mask, intensity-weighted over the intensity mask
  let gx = 0,
    gy = 0,
    gz = 0;
  for (let k = 0; k < coords.length; k += 3) {
    gx += coords[k] * sx;
    gy += coords[k + 1] * sy;
    gz += coords[k + 2] * sz;
  }
  let wx = 0,
    wy = 0,
    wz = 0,
    wsum = 0,
    isum = 0,
    icount = 0;
  const [nx, ny, nz] = size;
  let i = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        if (!intensity[i]) continue;
        const v = image[i];
        wx += v * x * sx;
        wy += v * y * sy;
        wz += v * z * sz;
        wsum += v;
        isum += v;
        icount++;
      }

  const aabb = [0, 1, 2].map((d) => ((hi[d] - lo[d]) / 2) * spacing[d]);
  const hull = convexHull(xyz, [sx / 2, sy / 2, sz / 2]);
  const [a, b, c] = [2 * Math.sqrt(major), 2 * Math.sqrt(minor), 2 * Math.sqrt(least)];
  const { moran, geary } = spatialAutocorrelation(image, intensity, geometry);
  const sphere = Math.cbrt(36 * Math.PI * volume * volume);
  return {
    morph_volume: volume, // RNU0: mesh volume
    morph_vol_approx: nMorph * sx * sy * sz, // YEKZ: voxel counting
    morph_area_mesh: area, // C0JK
    morph_av: area / volume, // 2PR5
    morph_comp_1: volume / (Math.sqrt(Math.PI) * area ** 1.5), // SKGS: V / (√π A^{3/2})
    morph_comp_2: (36 * Math.PI * volume * volume) / area ** 3, // BQWJ: 36π V² / A³
    morph_sph_dispr: area / sphere, // KRCK: A / (36π V²)^{1/3}
    morph_sphericity: sphere / area, // QCFX
    morph_asphericity: area / sphere - 1, // 25C7: (A³ / (36π V²))^{1/3} − 1
    morph_com: Math.hypot(gx / nMorph - wx / wsum, gy / nMorph - wy / wsum, gz / nMorph - wz / wsum), // KLMA
    morph_diam: meshDiameters(vertices, [sz / 2, sy / 2, sx / 2]).overall, // L0JK
    morph_pca_maj_axis: 4 * Math.sqrt(major), // TDIC
    morph_pca_min_axis: 4 * Math.sqrt(minor), // P9VJ
    morph_pca_least_axis: 4 * Math.sqrt(least), // 7J51
    morph_pca_elongation: Math.sqrt(minor / major), // Q3CK
    morph_pca_flatness: Math.sqrt(least / major), // N17B
    morph_vol_dens_aabb: volume / (aabb[0] * aabb[1] * aabb[2]), // PBX1
    morph_area_dens_aabb: area / (2 * (aabb[0] * aabb[1] + aabb[1] * aabb[2] + aabb[0] * aabb[2])), // R59B
    morph_vol_dens_aee: volume / ((4 * Math.PI * a * b * c) / 3), // 6BDE
    morph_area_dens_aee: area / ellipsoidArea(a, b, c), // RDD2
    morph_vol_dens_conv_hull: volume / hull.volume, // R3ER
    morph_area_dens_conv_hull: area / hull.area, // 7T7F
    morph_integ_int: volume * (isum / icount), // 99N0: V · mean intensity of the intensity mask
    morph_moran_i: moran, // N365
    morph_geary_c: geary, // NPT7
  };
}
