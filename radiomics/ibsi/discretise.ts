// IBSI-1 §2.7 discretisation of the intensity mask's voxels. Fixed bin size (Q3RU): bins of width w starting at the
// re-segmentation range's lower bound (the ROI minimum without one), g = ⌊(x − X_min)/w⌋ + 1. Fixed bin number (K15C):
// g = ⌊N_g (x − X_min)/(X_max − X_min)⌋ + 1 over the ROI's range, with X_max in bin N_g. PyRadiomics' 0-aligned edges
// (preprocessing/discretise.ts) differ from the first rule whenever the lower bound is not a multiple of w.
import { RadiomicsInputError } from '../../imaging/errors';

export type IbsiBinning = { kind: 'width'; width: number; lower: number | null } | { kind: 'count'; count: number };

export interface IbsiDiscretisation {
  /** Gray level 1..Ng inside the mask, 0 outside. */
  binned: Int32Array;
  /** Number of bins the discretisation defines (IBSI's N_g), absent levels included. */
  ng: number;
  /** Lowest intensity of bin 1 (X_min) and the bin width, to map levels back to intensities. */
  min: number;
  width: number;
}

export function ibsiDiscretise(image: Float64Array, mask: Uint8Array, binning: IbsiBinning): IbsiDiscretisation {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    if (image[i] < min) min = image[i];
    if (image[i] > max) max = image[i];
  }
  if (min === Infinity) throw new RadiomicsInputError('cannot discretise an empty ROI', { field: 'mask', expected: 'at least one ROI voxel' });
  const binned = new Int32Array(mask.length);
  if (binning.kind === 'width') {
    const w = binning.width;
    const lower = binning.lower !== null && Number.isFinite(binning.lower) ? binning.lower : min;
    if (lower > min)
      throw new RadiomicsInputError(`bin edge ${lower} lies above the ROI minimum ${min}`, {
        field: 'setting.resegmentRange',
        expected: 'a lower bound ≤ every ROI intensity',
      });
    let ng = 0;
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      const g = Math.floor((image[i] - lower) / w + 1e-9) + 1; // + 1e-9: an intensity on an edge opens the next bin
      binned[i] = g;
      if (g > ng) ng = g;
    }
    return { binned, ng, min: lower, width: w };
  }
  const nb = binning.count;
  const range = max - min;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    binned[i] = range === 0 ? 1 : Math.min(nb, Math.floor((nb * (image[i] - min)) / range) + 1);
  }
  return { binned, ng: range === 0 ? 1 : nb, min, width: range === 0 ? 1 : range / nb };
}
