// Whole-image intensity normalisation (PyRadiomics normalizeImage): z-score over every voxel of the image (not just
// the ROI), optional clipping at ±removeOutliers standard deviations, then scaling by normalizeScale.
import { RadiomicsInputError } from '../../imaging/errors';
import type { Volume } from '../../imaging/image';

export interface NormalisationSettings {
  normalizeScale?: number | null;
  removeOutliers?: number | null;
}

/** f(x) = s · clip((x − μ) / σ, ±n); μ and σ as ITK's NormalizeImageFilter computes them (σ with n − 1). */
export function normaliseImage(image: Volume, settings: NormalisationSettings = {}): Volume<Float64Array> {
  const data = image.data;
  const n = data.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      throw new RadiomicsInputError(`image contains a non-finite intensity (${v}); cannot normalise`, {
        file: image.source,
        field: 'intensity',
        expected: 'finite intensities',
      });
    }
    sum += v;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = data[i] - mean;
    ss += d * d;
  }
  const sigma = Math.sqrt(ss / (n - 1));
  if (!(sigma > 0)) {
    throw new RadiomicsInputError('image is constant; cannot normalise by its standard deviation', {
      file: image.source,
      field: 'normalize',
      expected: 'an image with more than one intensity',
    });
  }
  const scale = settings.normalizeScale ?? 1;
  const outliers = settings.removeOutliers;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = (data[i] - mean) / sigma;
    if (outliers !== null && outliers !== undefined) {
      if (z > outliers) z = outliers;
      else if (z < -outliers) z = -outliers;
    }
    out[i] = z * scale;
  }
  return { geometry: image.geometry, data: out, source: image.source };
}
