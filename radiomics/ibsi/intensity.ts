// IBSI intensity families on the intensity mask: statistics (IBSI-1 §3.3, on intensities), intensity histogram
// (§3.4, on discretised gray levels), intensity-volume histogram (§3.5) and local intensity peaks (§3.2, on the whole
// box around the ROI). Percentiles are numpy's linear ones, as PyRadiomics' firstorder computes them.
import { percentileSorted } from '../features/firstorder';
import type { Geometry } from '../../imaging/image';
import { PEAK_RADIUS_MM } from './preprocess';
import type { ResolvedIbsiSettings } from '../params/ibsiSettings';

/** Values of `data` where `mask` is set, ascending. */
export function maskedSorted(data: ArrayLike<number>, mask: Uint8Array): Float64Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[k++] = data[i];
  return out.sort();
}

/** The distribution statistics §3.3 and §3.4 share, on ascending values; `prefix` is 'stat' or 'ih'. */
function distribution(prefix: string, x: Float64Array, out: Record<string, number>): { mean: number } {
  const n = x.length;
  let sum = 0;
  for (const v of x) sum += v;
  const mean = sum / n;
  let m2 = 0,
    m3 = 0,
    m4 = 0,
    mad = 0;
  for (const v of x) {
    const d = v - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
    mad += Math.abs(d);
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const median = percentileSorted(x, 50);
  const p10 = percentileSorted(x, 10);
  const p90 = percentileSorted(x, 90);
  const p25 = percentileSorted(x, 25);
  const p75 = percentileSorted(x, 75);
  let robust = 0,
    robustN = 0;
  for (const v of x) {
    if (v >= p10 && v <= p90) {
      robust += v;
      robustN++;
    }
  }
  const robustMean = robust / robustN;
  let rmad = 0,
    medad = 0;
  for (const v of x) {
    if (v >= p10 && v <= p90) rmad += Math.abs(v - robustMean);
    medad += Math.abs(v - median);
  }
  const set = (tag: string, v: number) => (out[`${prefix}_${tag}`] = v);
  set('mean', mean); // Q4LE / X6K6: (1/N) Σ X
  set('var', m2); // ECT3 / CH89: (1/N) Σ (X − μ)², no bias correction
  set('skew', m2 === 0 ? 0 : m3 / m2 ** 1.5); // KE2A / 88K1: μ3 / σ³, 0 for a flat ROI
  set('kurt', m2 === 0 ? 0 : m4 / (m2 * m2) - 3); // IPH6 / C3I7: excess kurtosis μ4 / σ⁴ − 3, 0 for a flat ROI
  set('median', median); // Y12H / WIFQ
  set('min', x[0]); // 1GSF / 1PR8
  set('p10', p10); // QG58 / GPMT
  set('p90', p90); // 8DWT / OZ0C
  set('max', x[n - 1]); // 84IY / 3NCY
  set('iqr', p75 - p25); // SALO / WR0O: P75 − P25
  set('range', x[n - 1] - x[0]); // 2OJQ / 5Z3W
  set('mad', mad / n); // 4FUA / D2ZX: (1/N) Σ |X − μ|
  set('rmad', rmad / robustN); // 1128 / WRZB: mean absolute deviation of the voxels in [P10, P90]
  set('medad', medad / n); // N72L / 4RNL: (1/N) Σ |X − median|
  set('cov', Math.sqrt(m2) / mean); // 7TET / CWYJ: σ / μ
  set('qcod', (p75 - p25) / (p75 + p25)); // 9S40 / SLWD: (P75 − P25)/(P75 + P25)
  return { mean };
}

/** IBSI-1 §3.3 intensity-based statistics of the intensity mask's intensities. */
export function statisticsFeatures(x: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  distribution('stat', x, out);
  let energy = 0;
  for (const v of x) energy += v * v;
  out.stat_energy = energy; // N8CA: Σ X²
  out.stat_rms = Math.sqrt(energy / x.length); // 5ZWQ: √(Σ X² / N)
  return out;
}

/** IBSI-1 §3.4 intensity histogram features of the discretised gray levels (1..ng). */
export function histogramFeatures(levels: Float64Array, ng: number): Record<string, number> {
  const out: Record<string, number> = {};
  const { mean } = distribution('ih', levels, out);
  const n = levels.length;
  const counts = new Float64Array(ng + 1);
  for (const g of levels) counts[g]++;
  // AMMC: the most frequent gray level; among equally frequent ones, the one closest to the mean
  let mode = 1;
  for (let g = 1; g <= ng; g++) {
    if (counts[g] > counts[mode] || (counts[g] === counts[mode] && Math.abs(g - mean) < Math.abs(mode - mean))) mode = g;
  }
  out.ih_mode = mode;
  let entropy = 0,
    uniformity = 0;
  for (let g = 1; g <= ng; g++) {
    const p = counts[g] / n;
    if (p > 0) entropy -= p * Math.log2(p);
    uniformity += p * p;
  }
  out.ih_entropy = entropy; // TLU2: −Σ p_i log2 p_i
  out.ih_uniformity = uniformity; // BJ5W: Σ p_i²
  // 12CE, 8E6O, VQB3, RHQZ: gradient of the non-sparse histogram, one-sided at its ends, central inside
  let maxGrad = -Infinity,
    maxAt = 1,
    minGrad = Infinity,
    minAt = 1;
  for (let g = 1; g <= ng; g++) {
    const grad = ng === 1 ? 0 : g === 1 ? counts[2] - counts[1] : g === ng ? counts[ng] - counts[ng - 1] : (counts[g + 1] - counts[g - 1]) / 2;
    if (grad > maxGrad) {
      maxGrad = grad;
      maxAt = g;
    }
    if (grad < minGrad) {
      minGrad = grad;
      minAt = g;
    }
  }
  out.ih_max_grad = maxGrad;
  out.ih_max_grad_g = maxAt;
  out.ih_min_grad = minGrad;
  out.ih_min_grad_g = minAt;
  return out;
}

/**
 * IBSI-1 §3.5 intensity-volume histogram. Discrete intensities (step 1 over the re-segmentation range or the ROI's),
 * fixed bin size (bin centres, range shrunk by half a bin) or fixed bin number (gray levels 1..N).
 */
export function ivhFeatures(x: Float64Array, s: Pick<ResolvedIbsiSettings, 'ivh' | 'range'>): Record<string, number> {
  const n = x.length;
  const min = x[0];
  const max = x[n - 1];
  let values: Float64Array;
  let gMin: number, gMax: number, step: number;
  const lower = s.range && Number.isFinite(s.range.lower) ? s.range.lower : min;
  const upper = s.range && Number.isFinite(s.range.upper) ? s.range.upper : max;
  if (s.ivh.kind === 'discrete') {
    values = x;
    gMin = lower;
    gMax = upper;
    step = 1;
  } else if (s.ivh.kind === 'width') {
    const w = s.ivh.width;
    values = x.map((v) => lower + (Math.floor((v - lower) / w + 1e-9) + 0.5) * w);
    gMin = lower + 0.5 * w;
    gMax = upper - 0.5 * w;
    step = w;
  } else {
    const nb = s.ivh.count;
    const range = max - min;
    values = x.map((v) => (range === 0 ? 1 : Math.min(nb, Math.floor((nb * (v - min)) / range) + 1)));
    gMin = 1;
    gMax = nb;
    step = 1;
  }
  values.sort();
  // ν_i = 1 − (voxels below i)/N and γ_i = (i − min G)/(max G − min G) at every i of G, present or not
  const points = Math.max(1, Math.round((gMax - gMin) / step) + 1);
  const nu = new Float64Array(points);
  const gamma = new Float64Array(points);
  const intensity = new Float64Array(points);
  let below = 0;
  for (let k = 0; k < points; k++) {
    const i = gMin + k * step;
    while (below < n && values[below] < i - 1e-9 * Math.max(1, Math.abs(i))) below++;
    intensity[k] = i;
    nu[k] = 1 - below / n;
    gamma[k] = points === 1 ? 0 : (i - gMin) / (gMax - gMin);
  }
  const volumeAt = (f: number) => {
    for (let k = 0; k < points; k++) if (gamma[k] >= f - 1e-12) return nu[k];
    return 0;
  };
  const intensityAt = (f: number) => {
    for (let k = 0; k < points; k++) if (nu[k] <= f + 1e-12) return intensity[k];
    return gMax + step;
  };
  let auc = 0;
  for (let k = 0; k + 1 < points; k++) auc += ((gamma[k + 1] - gamma[k]) * (nu[k] + nu[k + 1])) / 2;
  const v10 = volumeAt(0.1),
    v90 = volumeAt(0.9),
    i10 = intensityAt(0.1),
    i90 = intensityAt(0.9);
  return {
    ivh_v10: v10, // BC2M: largest ν with γ ≥ 10 %
    ivh_v90: v90,
    ivh_i10: i10, // GBPN: smallest i with ν ≤ 10 %
    ivh_i90: i90,
    ivh_diff_v10_v90: v10 - v90, // DDTU
    ivh_diff_i10_i90: i10 - i90, // CNV2
    ivh_auc: auc, // 9CMM: trapezoidal area under ν(γ)
  };
}

/**
 * IBSI-1 §3.2 local intensity peaks: the mean intensity of every voxel whose centre lies within the radius of a 1 cm³
 * sphere, around the maximum-intensity voxel(s) of the intensity mask (loc_peak_loc, VJGA), and the largest such mean
 * around any intensity-mask voxel (loc_peak_glob, 0F91). Voxels outside the ROI count; voxels beyond the image do not.
 */
export function localIntensityFeatures(image: Float64Array, mask: Uint8Array, geometry: Geometry): Record<string, number> {
  const [nx, ny, nz] = geometry.size;
  const [sx, sy, sz] = geometry.spacing;
  const r = PEAK_RADIUS_MM;
  const ry = Math.floor(r / sy),
    rz = Math.floor(r / sz);
  // the sphere as x runs: for each (dy, dz) the offsets dx ∈ [−w, w] with (dx sx)² + (dy sy)² + (dz sz)² ≤ r²
  const rows: [number, number, number][] = [];
  for (let dz = -rz; dz <= rz; dz++) {
    for (let dy = -ry; dy <= ry; dy++) {
      const rest = r * r - (dy * sy) ** 2 - (dz * sz) ** 2;
      if (rest >= 0) rows.push([dy, dz, Math.floor(Math.sqrt(rest) / sx + 1e-9)]);
    }
  }
  // prefix sums along x: any run of a row sums in O(1)
  const prefix = new Float64Array((nx + 1) * ny * nz);
  for (let row = 0; row < ny * nz; row++) {
    let acc = 0;
    for (let x = 0; x < nx; x++) {
      acc += image[row * nx + x];
      prefix[row * (nx + 1) + x + 1] = acc;
    }
  }
  let maxIntensity = -Infinity;
  for (let i = 0; i < mask.length; i++) if (mask[i] && image[i] > maxIntensity) maxIntensity = image[i];
  let local = -Infinity;
  let global = -Infinity;
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        if (!mask[i]) continue;
        let sum = 0;
        let count = 0;
        for (const [dy, dz, w] of rows) {
          const y2 = y + dy,
            z2 = z + dz;
          if (y2 < 0 || y2 >= ny || z2 < 0 || z2 >= nz) continue;
          const xa = x - w < 0 ? 0 : x - w;
          const xb = x + w >= nx ? nx - 1 : x + w;
          const base = (y2 + ny * z2) * (nx + 1);
          sum += prefix[base + xb + 1] - prefix[base + xa];
          count += xb - xa + 1;
        }
        const mean = sum / count;
        if (mean > global) global = mean;
        if (image[i] === maxIntensity && mean > local) local = mean;
      }
    }
  }
  return { loc_peak_loc: local, loc_peak_glob: global };
}
