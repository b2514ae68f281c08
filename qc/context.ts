// Reads what the rules look at once: every image (with one pass over its voxels) and the mask.
import { assertFiniteMask, readImage } from '../imaging/io';
import type { Volume } from '../imaging/image';
import { resolveQcProfile } from './profile';
import type { ImageScan, IntensityStats, MaskScan, QcContext, QcInput } from './types';

/** How a path becomes a volume (throws when it cannot be read). */
export type ImageReader = (path: string) => Volume;

export function buildQcContext(input: QcInput, read: ImageReader = readImage): QcContext {
  const images = input.images.map((image): ImageScan => {
    let volume: Volume;
    try {
      volume = read(image.path);
    } catch (err) {
      return { ...image, error: err as Error };
    }
    return { ...image, volume, intensities: intensityStats(volume) };
  });
  // The mask's reference grid: the image of the first modality that has a readable one (a modality filed twice counts
  // with its later image).
  const byModality = new Map<string, Volume>();
  for (const image of images) if (image.volume) byModality.set(image.modality, image.volume);
  return {
    images,
    requiredModalities: input.requiredModalities,
    segmentation: input.segmentation ?? 'manual-required',
    profile: resolveQcProfile(input.profile),
    mask: input.mask && readMask(input.mask.path, read),
    reference: images.map((i) => byModality.get(i.modality)).find((v) => v !== undefined),
  };
}

function readMask(path: string, read: ImageReader): MaskScan {
  let volume: Volume;
  try {
    volume = read(path);
    // NaN or infinite voxels in a mask are no tumour and no background: extraction refuses such a mask, so QC does.
    assertFiniteMask(volume, path);
  } catch (err) {
    return { path, tumourVoxels: 0, error: err as Error };
  }
  let tumourVoxels = 0;
  for (let i = 0; i < volume.data.length; i++) if (volume.data[i] !== 0) tumourVoxels++;
  return { path, volume, tumourVoxels };
}

export function intensityStats(volume: Volume): IntensityStats {
  const { data } = volume;
  const [nx, ny, nz] = volume.geometry.size;
  const plane = nx * ny;
  const sliceMin = new Float64Array(nz);
  const sliceMax = new Float64Array(nz);
  const sliceFirstFinite = new Uint8Array(nz);
  let nonFinite = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let z = 0; z < nz; z++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = z * plane, end = i + plane; i < end; i++) {
      const v = data[i];
      if (!Number.isFinite(v)) {
        nonFinite++;
        continue;
      }
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    sliceMin[z] = lo;
    sliceMax[z] = hi;
    sliceFirstFinite[z] = Number.isFinite(data[z * plane]) ? 1 : 0;
    if (lo < min) min = lo;
    if (hi > max) max = hi;
  }
  return { nonFinite, min, max, sliceMin, sliceMax, sliceFirstFinite };
}
