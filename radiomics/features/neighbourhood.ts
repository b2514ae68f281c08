// The ROI neighbourhood of every voxel, as NGTDM and GLDM both read it: over the neighbours within the distances
// (both directions of each ± pair) that lie in the ROI, how many there are, the sum of their gray levels, and how many
// are dependent (|i − j| ≤ gldm_a). One pass over the ROI's voxels serves both classes; it is kept per ROI, which
// every class of a derived image shares. Counts and sums of integer gray levels are exact in any order.
import { directionOptions, textureDirections } from './directions';
import { neighbourPad, paddedLevels, paddedStep } from './paddedLevels';
import type { Roi } from './types';

export interface Neighbourhood {
  /** Index in `padded.levels` of each ROI voxel, in box order (the order of the arrays below). */
  voxels: Int32Array;
  /** The ROI's padded gray levels. */
  levels: Int32Array;
  /** ROI neighbours of each ROI voxel. */
  count: Uint16Array;
  /** Sum of their gray levels. */
  sum: Float64Array;
  /** Those with |i − j| ≤ alpha. */
  dependents: Uint16Array;
  alpha: number;
  /** Directions walked (one of each ± pair). */
  directions: number;
}

const computed = new WeakMap<Roi, Neighbourhood>();

/** The neighbourhood of `roi`'s voxels with dependence cut-off `alpha` (settings.gldm_a), computed once per ROI. */
export function roiNeighbourhood(roi: Roi, alpha: number): Neighbourhood {
  const known = computed.get(roi);
  if (known && known.alpha === alpha) return known;
  const directions = textureDirections(roi.geometry.size, directionOptions(roi.settings, false));
  const padded = paddedLevels(roi, neighbourPad(roi));
  const { levels, voxels } = padded;
  // Both directions of each ± pair, read from each ROI voxel: the zero border stands for neighbours outside the box.
  const steps = Int32Array.from(directions.flatMap((offset) => [paddedStep(offset, padded), -paddedStep(offset, padded)]));
  const n = voxels.length;
  const count = new Uint16Array(n);
  const sum = new Float64Array(n);
  const dependents = new Uint16Array(n);
  // |i − j| ≤ alpha for integer levels is |i − j| ≤ ⌊alpha⌋; −1 where nothing is (a negative or NaN alpha)
  const a = alpha >= 0 ? Math.min(2 ** 30, Math.floor(alpha)) : -1;
  for (let k = 0; k < n; k++) {
    const p = voxels[k];
    const gi = levels[p];
    let c = 0;
    let s = 0;
    let d = 0;
    // Branch-free integer tests (sign bits): whether a neighbour is in the ROI and whether it is dependent change
    // from voxel to voxel too irregularly for branches to be predicted.
    for (let m = 0; m < steps.length; m++) {
      const gj = levels[p + steps[m]];
      const inRoi = (gj | -gj) >>> 31;
      const x = gi - gj;
      c += inRoi;
      s += gj;
      d += inRoi & ~(((a - x) | (a + x)) >>> 31);
    }
    count[k] = c;
    sum[k] = s;
    dependents[k] = d;
  }
  const result = { voxels, levels, count, sum, dependents, alpha, directions: directions.length };
  computed.set(roi, result);
  return result;
}
