// Gray-level discretisation of ROI intensities, as PyRadiomics 3.1 does it (imageoperations.getBinEdges / binImage).
// Fixed bin width: edges are multiples of the width (aligned to 0), the lowest edge ≤ min(ROI).
// Fixed bin count: numpy.histogram's equal-width edges over [min, max]; the top edge is raised by 1 so max falls in bin Nb.
// IBSI mode adds IBSI's edges (starting at the re-segmentation minimum) beside these.
import { RadiomicsInputError } from '../../imaging/errors';

export interface BinningSettings {
  binWidth: number;
  binCount: number | null;
}

export interface Discretisation {
  /** Gray level 1..Ng of each voxel inside the ROI, 0 outside. */
  binned: Int32Array;
  /** Bin edges as PyRadiomics passes them to numpy.digitize (length = bins + 1). */
  edges: Float64Array;
  /** Highest gray level present in the ROI. */
  ng: number;
}

/** Python's float modulo (sign of the divisor), which PyRadiomics uses to find the lowest edge. */
function pythonModulo(a: number, b: number): number {
  let m = a % b;
  if (m !== 0 && b < 0 !== m < 0) m += b;
  return m;
}

/** numpy.arange(start, stop, step) for floats: length ceil((stop - start) / step), values start + i * step. */
function numpyArange(start: number, stop: number, step: number): Float64Array {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = start + i * delta;
  if (n > 1) out[1] = start + step;
  return out;
}

/** numpy.linspace(start, stop, num) with the endpoint set exactly, as numpy.histogram builds its edges. */
function numpyLinspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const step = (stop - start) / div;
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** PyRadiomics getBinEdges over the ROI's intensity range [min, max]. */
export function pyradiomicsBinEdges(min: number, max: number, settings: BinningSettings): Float64Array {
  if (settings.binCount !== null && settings.binCount !== undefined) {
    if (!Number.isInteger(settings.binCount) || settings.binCount < 1) {
      throw new RadiomicsInputError(`binCount ${settings.binCount} is not a positive integer`, {
        field: 'binCount',
        expected: 'an integer ≥ 1',
      });
    }
    // numpy.histogram: a flat range becomes [min - 0.5, max + 0.5]
    const lo = min === max ? min - 0.5 : min;
    const hi = min === max ? max + 0.5 : max;
    const edges = numpyLinspace(lo, hi, settings.binCount + 1);
    edges[edges.length - 1] += 1; // keeps the maximum inside the top bin under numpy.digitize
    return edges;
  }
  const width = settings.binWidth;
  if (!(width > 0) || !Number.isFinite(width)) {
    throw new RadiomicsInputError(`binWidth ${width} is not a positive number`, {
      field: 'binWidth',
      expected: 'a number > 0',
    });
  }
  const lowBound = min - pythonModulo(min, width);
  // + 2 widths: numpy.arange then includes max, and every bin stays half-open
  const edges = numpyArange(lowBound, max + 2 * width, width);
  if (edges.length === 1) return Float64Array.of(edges[0] - 0.5, edges[0] + 0.5);
  return edges;
}

/** numpy.digitize(x, edges) for increasing edges: the number of edges ≤ x. */
export function digitize(x: number, edges: Float64Array): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Discretises the intensities of the voxels with mask = 1 (PyRadiomics binImage).
 * Values are gray levels 1..Ng inside the ROI and 0 outside.
 */
export function discretise(image: Float64Array, mask: Uint8Array, settings: BinningSettings): Discretisation {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) continue;
    const v = image[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === Infinity) {
    throw new RadiomicsInputError('cannot discretise an empty ROI', { field: 'mask', expected: 'at least one ROI voxel' });
  }
  const edges = pyradiomicsBinEdges(min, max, settings);
  const binned = new Int32Array(mask.length);
  let ng = 0;
  const fixedWidth = settings.binCount === null || settings.binCount === undefined;
  const width = settings.binWidth;
  const low = edges[0];
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) continue;
    const v = image[i];
    let level: number;
    if (fixedWidth && edges.length > 2) {
      // O(1) guess from the width, corrected against the exact edges numpy.digitize would use
      level = Math.floor((v - low) / width) + 1;
      if (level < 1) level = 1;
      if (level > edges.length) level = edges.length;
      while (level > 0 && edges[level - 1] > v) level--;
      while (level < edges.length && edges[level] <= v) level++;
    } else {
      level = digitize(v, edges);
    }
    binned[i] = level;
    if (level > ng) ng = level;
  }
  return { binned, edges, ng };
}
