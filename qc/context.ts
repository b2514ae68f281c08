// Reads what the rules look at once: every image (with one pass over its voxels), the shared mask and each image's contour.
import { assertFiniteMask, readImage } from '../imaging/io';
import type { Volume } from '../imaging/image';
import { resolveQcProfile } from './profile';
import type { ImageScan, IntensityStats, MaskScan, QcContext, QcInput, QcMask } from './types';

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
  // One contour per image modality: a later registration replaces an earlier one.
  const latest = new Map<string, QcMask & { for: string }>();
  for (const contour of input.contours ?? []) latest.set(contour.for, contour);
  const order = [...new Set(images.map((i) => i.modality))];
  const ordered = [...latest.values()].sort((a, b) => rank(order, a.for) - rank(order, b.for));
  return {
    images,
    requiredModalities: input.requiredModalities,
    segmentation: input.segmentation ?? 'manual-required',
    profile: resolveQcProfile(input.profile),
    mask: input.mask && readMask(input.mask, read),
    contours: ordered.map((c) => ({ ...readMask(c, read), for: c.for })),
    maps: input.maps ?? [],
  };
}

/** Position of a modality among the images (a contour for a modality without an image comes last). */
function rank(order: string[], modality: string): number {
  const at = order.indexOf(modality);
  return at < 0 ? order.length : at;
}

function readMask({ path, unusable }: QcMask, read: ImageReader): MaskScan {
  // A contour that could not be made has no voxel mask to read: the reason is the finding.
  if (unusable !== undefined) return { path, tumourVoxels: 0, unusable };
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
