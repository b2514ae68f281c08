// The ROI neighbourhood of every voxel, as NGTDM and GLDM both read it: over the neighbours within the distances
// (both directions of each ± pair) that lie in the ROI, how many there are, the sum of their gray levels, and how many
// are dependent (|i − j| ≤ gldm_a). One pass over the voxel pairs serves both classes; it is kept per ROI, which every
// class of a derived image shares. Counts and sums of integer gray levels are exact in any order.
import { directionOptions, offsetStep, pairedRange, textureDirections } from './directions';
import type { Roi } from './types';

export interface Neighbourhood {
  /** ROI neighbours of each voxel. */
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
  const { binned, geometry } = roi;
  const size = geometry.size;
  const [nx, ny, nz] = size;
  const directions = textureDirections(size, directionOptions(roi.settings, false));
  const count = new Uint16Array(binned.length);
  const sum = new Float64Array(binned.length);
  const dependents = new Uint16Array(binned.length);
  for (const offset of directions) {
    const [x0, x1] = pairedRange(nx, offset[2]);
    const [y0, y1] = pairedRange(ny, offset[1]);
    const [z0, z1] = pairedRange(nz, offset[0]);
    const step = offsetStep(offset, size);
    for (let z = z0; z < z1; z++) {
      for (let y = y0; y < y1; y++) {
        let i = x0 + nx * (y + ny * z);
        for (let x = x0; x < x1; x++, i++) {
          const gi = binned[i];
          if (gi === 0) continue;
          const j = i + step;
          const gj = binned[j];
          if (gj === 0) continue;
          count[i]++;
          sum[i] += gj;
          count[j]++;
          sum[j] += gi;
          if (Math.abs(gi - gj) <= alpha) {
            dependents[i]++;
            dependents[j]++;
          }
        }
      }
    }
  }
  const result = { count, sum, dependents, alpha, directions: directions.length };
  computed.set(roi, result);
  return result;
}
