// Re-segmentation of the ROI by intensity (PyRadiomics resegmentMask): keeps the label's voxels whose intensity lies
// in [lower, upper] (one value: lower bound only), thresholds absolute, relative to the ROI maximum, or in standard
// deviations around the ROI mean. The result is always a subset of the label.
import { RadiomicsInputError } from '../../imaging/errors';
import type { Volume, VoxelArray } from '../../imaging/image';

export type ResegmentMode = 'absolute' | 'relative' | 'sigma';

export interface ResegmentSettings {
  label: number;
  resegmentRange: readonly number[];
  resegmentMode?: ResegmentMode | null;
}

/** A new label map (same grid and voxel type) holding `label` where the voxel survives re-segmentation, 0 elsewhere. */
export function resegmentMask<T extends VoxelArray>(image: Volume, mask: Volume<T>, settings: ResegmentSettings): Volume<T> {
  const range = settings.resegmentRange;
  const mode = settings.resegmentMode ?? 'absolute';
  const label = settings.label;
  if (!Array.isArray(range) || range.length === 0 || range.length > 2 || range.some((v) => typeof v !== 'number' || Number.isNaN(v))) {
    throw new RadiomicsInputError(`resegmentRange ${JSON.stringify(range)} is not allowed`, {
      field: 'resegmentRange',
      expected: 'one or two numbers',
    });
  }
  const img = image.data;
  const msk = mask.data;
  let count = 0;
  let sum = 0;
  let max = -Infinity;
  for (let i = 0; i < msk.length; i++) {
    if (msk[i] !== label) continue;
    count++;
    sum += img[i];
    if (img[i] > max) max = img[i];
  }
  if (count === 0) {
    throw new RadiomicsInputError(`Label (${label}) not present in mask`, { file: mask.source, field: 'label', expected: 'a label present in the mask' });
  }
  const sorted = [...range].sort((a, b) => a - b);
  let thresholds: number[];
  if (mode === 'absolute') {
    thresholds = sorted;
  } else if (mode === 'relative') {
    thresholds = sorted.map((t) => max * t);
  } else if (mode === 'sigma') {
    const mean = sum / count;
    let ss = 0;
    for (let i = 0; i < msk.length; i++) if (msk[i] === label) ss += (img[i] - mean) ** 2;
    const sd = Math.sqrt(ss / count); // numpy.std: population standard deviation
    thresholds = sorted.map((t) => mean + sd * t);
  } else {
    throw new RadiomicsInputError(`Resegment mode ${JSON.stringify(mode)} not recognized`, {
      field: 'resegmentMode',
      expected: 'absolute, relative or sigma',
    });
  }
  const [lower, upper] = thresholds.length === 2 ? thresholds : [thresholds[0], Infinity];
  const out = new (msk.constructor as new (n: number) => T)(msk.length);
  let kept = 0;
  for (let i = 0; i < msk.length; i++) {
    if (msk[i] === label && img[i] >= lower && img[i] <= upper) {
      out[i] = label;
      kept++;
    }
  }
  if (kept <= 1) {
    throw new RadiomicsInputError(`Resegmentation excluded too many voxels with label ${label} (retained ${kept} voxel(s))! Cannot extract features`, {
      file: mask.source,
      field: 'resegmentRange',
      expected: 'a range that keeps more than one voxel',
    });
  }
  return { geometry: mask.geometry, data: out, source: mask.source };
}
