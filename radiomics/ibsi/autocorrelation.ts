// Moran's I (IBSI-1 §3.1.28, N365) and Geary's C (§3.1.29, NPT7) over every pair of ROI voxels, with inverse-distance
// weights w = 1/‖x₁ − x₂‖ (mm). Both are computed exactly for any ROI size. On a grid every pair with the same offset d
// shares its weight, so each double sum is Σ_d w(d)·R(d) for a correlation R of two masked fields:
//   W = Σ_d w(d) N(d),  N = m ⋆ m            (pairs at offset d)
//   Σ w (X₁ − μ)(X₂ − μ) = Σ_d w(d) U(d),  U = u ⋆ u   (u = X − μ inside the ROI, 0 outside)
//   Σ w (X₁ − X₂)² = Σ_d w(d) (2 Q(d) − 2 U(d)),  Q = u² ⋆ m
// with (f ⋆ g)(d) = Σ_a f(a) g(a + d), computed by FFT on the ROI's box padded to at least 2n − 1 per axis (no wrap).
// Small ROIs (and boxes too large for the FFT's memory) sum the pairs directly.
import type { Geometry } from '../../imaging/image';
import { fft3d, smoothSize } from './fft';

export interface SpatialAutocorrelation {
  moran: number;
  geary: number;
}

export type AutocorrelationMethod = 'pairs' | 'fft';

/** Cells of the padded FFT grid above which the pairs are summed instead (two complex grids: 32 bytes a cell). */
export const MAX_FFT_CELLS = 1 << 23;

/** Pairs summed in the time the FFT method spends per cell·log₂(cells) of its grid (measured: 4 ns a pair, 21 ns). */
const PAIRS_PER_FFT_UNIT = 5;

interface Roi {
  /** Voxel coordinates relative to the box's corner, x y z per voxel. */
  coords: Int32Array;
  values: Float64Array;
  box: [number, number, number];
}

function roiOf(image: Float64Array, mask: Uint8Array, size: Geometry['size']): Roi {
  const [nx, ny, nz] = size;
  let n = 0;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  let i = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        if (!mask[i]) continue;
        n++;
        if (x < lo[0]) lo[0] = x;
        if (x > hi[0]) hi[0] = x;
        if (y < lo[1]) lo[1] = y;
        if (y > hi[1]) hi[1] = y;
        if (z < lo[2]) lo[2] = z;
        if (z > hi[2]) hi[2] = z;
      }
  const coords = new Int32Array(3 * n);
  const values = new Float64Array(n);
  let k = 0;
  i = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        if (!mask[i]) continue;
        coords[3 * k] = x - lo[0];
        coords[3 * k + 1] = y - lo[1];
        coords[3 * k + 2] = z - lo[2];
        values[k++] = image[i];
      }
  const box: Roi['box'] = n === 0 ? [0, 0, 0] : [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  return { coords, values, box };
}

function fftGrid(box: Roi['box']): [number, number, number] {
  return [smoothSize(2 * box[0] - 1), smoothSize(2 * box[1] - 1), smoothSize(2 * box[2] - 1)];
}

/** The cheaper exact method for this ROI: pairs cost n²/2, the FFT four transforms of its padded grid. */
export function autocorrelationMethod(n: number, box: Roi['box']): AutocorrelationMethod {
  const [px, py, pz] = fftGrid(box);
  const cells = px * py * pz;
  if (cells > MAX_FFT_CELLS) return 'pairs';
  return (n * n) / 2 <= PAIRS_PER_FFT_UNIT * cells * Math.log2(cells) ? 'pairs' : 'fft';
}

/**
 * Moran's I and Geary's C of the image over the mask (positions in mm from the spacing); NaN for a constant ROI or one
 * of fewer than two voxels. `method` forces one of the two exact computations (tests compare them).
 */
export function spatialAutocorrelation(image: Float64Array, mask: Uint8Array, geometry: Geometry, method?: AutocorrelationMethod): SpatialAutocorrelation {
  const roi = roiOf(image, mask, geometry.size);
  const n = roi.values.length;
  if (n < 2) return { moran: NaN, geary: NaN };
  let mean = 0;
  for (const v of roi.values) mean += v;
  mean /= n;
  const u = new Float64Array(n);
  let denom = 0;
  for (let k = 0; k < n; k++) {
    u[k] = roi.values[k] - mean;
    denom += u[k] * u[k];
  }
  if (denom === 0) return { moran: NaN, geary: NaN };
  const sums = (method ?? autocorrelationMethod(n, roi.box)) === 'fft' ? fftSums(roi, u, geometry.spacing) : pairSums(roi.coords, u, geometry.spacing);
  // ordered double sums over k₁ ≠ k₂, as the manual writes them
  return { moran: (n / sums.weights) * (sums.cross / denom), geary: ((n - 1) / (2 * sums.weights)) * (sums.squares / denom) };
}

interface PairSums {
  /** Σ w over ordered pairs. */
  weights: number;
  /** Σ w u₁ u₂ over ordered pairs. */
  cross: number;
  /** Σ w (u₁ − u₂)² over ordered pairs. */
  squares: number;
}

/** Every unordered pair once, doubled. */
function pairSums(coords: Int32Array, u: Float64Array, spacing: Geometry['spacing']): PairSums {
  const [sx, sy, sz] = spacing;
  const n = u.length;
  let weights = 0,
    cross = 0,
    squares = 0;
  for (let a = 0; a < n; a++) {
    const ax = coords[3 * a],
      ay = coords[3 * a + 1],
      az = coords[3 * a + 2];
    const ua = u[a];
    let wSum = 0,
      cSum = 0,
      sSum = 0;
    for (let b = a + 1; b < n; b++) {
      const dx = (coords[3 * b] - ax) * sx,
        dy = (coords[3 * b + 1] - ay) * sy,
        dz = (coords[3 * b + 2] - az) * sz;
      const w = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
      const ub = u[b];
      wSum += w;
      cSum += w * ub;
      sSum += w * (ua - ub) * (ua - ub);
    }
    weights += wSum;
    cross += ua * cSum;
    squares += sSum;
  }
  return { weights: 2 * weights, cross: 2 * cross, squares: 2 * squares };
}

/**
 * The three sums as Σ_d w(d)·R(d) over the correlations N, U, Q (see the header), each from one product of spectra:
 * one forward FFT of m + i·u gives both spectra M and U; an inverse of |M|² + i·|U|² gives N and U at once; a forward
 * FFT of u² and an inverse of conj(FFT(u²))·M give Q.
 */
function fftSums(roi: Roi, u: Float64Array, spacing: Geometry['spacing']): PairSums {
  const grid = fftGrid(roi.box);
  const [px, py, pz] = grid;
  const cells = px * py * pz;
  const n = u.length;
  const cell = (k: number) => roi.coords[3 * k] + px * (roi.coords[3 * k + 1] + py * roi.coords[3 * k + 2]);

  const zr = new Float64Array(cells),
    zi = new Float64Array(cells);
  for (let k = 0; k < n; k++) {
    const c = cell(k);
    zr[c] = 1;
    zi[c] = u[k];
  }
  fft3d(zr, zi, grid, -1);

  // M_k = (Z_k + conj Z_−k)/2, U_k = (Z_k − conj Z_−k)/(2i); A = |M|² + i|U|²; M is kept in (zr, zi).
  const ar = new Float64Array(cells),
    ai = new Float64Array(cells);
  const mirror = (x: number, y: number, z: number) => ((px - x) % px) + px * (((py - y) % py) + py * ((pz - z) % pz));
  for (let z = 0, k = 0; z < pz; z++)
    for (let y = 0; y < py; y++)
      for (let x = 0; x < px; x++, k++) {
        const j = mirror(x, y, z);
        if (j < k) continue;
        const mr = (zr[k] + zr[j]) / 2,
          mi = (zi[k] - zi[j]) / 2;
        const ur = (zi[k] + zi[j]) / 2,
          ui = (zr[j] - zr[k]) / 2;
        const m2 = mr * mr + mi * mi,
          u2 = ur * ur + ui * ui;
        ar[k] = ar[j] = m2;
        ai[k] = ai[j] = u2;
        zr[k] = mr;
        zi[k] = mi;
        zr[j] = mr;
        zi[j] = -mi;
      }
  fft3d(ar, ai, grid, 1);
  const weightOf = inverseDistances(grid, spacing);
  let weights = 0,
    cross = 0;
  for (let k = 1; k < cells; k++) {
    const w = weightOf(k);
    weights += w * ar[k];
    cross += w * ai[k];
  }

  ar.fill(0);
  ai.fill(0);
  for (let k = 0; k < n; k++) ar[cell(k)] = u[k] * u[k];
  fft3d(ar, ai, grid, -1);
  for (let k = 0; k < cells; k++) {
    const qr = ar[k],
      qi = -ai[k]; // conj
    ar[k] = qr * zr[k] - qi * zi[k];
    ai[k] = qr * zi[k] + qi * zr[k];
  }
  fft3d(ar, ai, grid, 1);
  let q = 0;
  for (let k = 1; k < cells; k++) q += weightOf(k) * ar[k];
  // the inverse transforms are unnormalised: every correlation carries a factor `cells`
  return { weights: weights / cells, cross: cross / cells, squares: (2 * q - 2 * cross) / cells };
}

/** w(d) = 1/‖d‖ in mm for the cell holding offset d (offsets past half a side wrap to negative ones); 0 at d = 0. */
function inverseDistances(grid: [number, number, number], spacing: Geometry['spacing']): (k: number) => number {
  const [px, py, pz] = grid;
  const axis = (p: number, s: number) => Float64Array.from({ length: p }, (_, i) => ((i <= p / 2 ? i : i - p) * s) ** 2);
  const dx2 = axis(px, spacing[0]),
    dy2 = axis(py, spacing[1]),
    dz2 = axis(pz, spacing[2]);
  return (k) => {
    const x = k % px,
      r = (k - x) / px,
      y = r % py,
      z = (r - y) / py;
    return 1 / Math.sqrt(dx2[x] + dy2[y] + dz2[z]);
  };
}
