// Rules on the tumour masks: every image has a contour (its own, or the shared mask on its grid), each mask can be read
// (or made, for an RTSTRUCT or SEG), marks a tumour, lies on its image's grid, and has a plausible volume. Once a mask
// is missing, unreadable, unusable or empty, the later rules have nothing to check on it.
import { finding } from './finding';
import type { Volume } from '../../imaging/image';
import type { QcFinding } from '../../contracts/qc';
import { MASK_MODALITIES } from '../../contracts/study';
import type { ImageScan, MaskScan, QcContext, ScanSetRule } from '../types';

type UsableMask = MaskScan & { volume: Volume };

/** The mask when it was read and marks at least one voxel. */
function usable(mask: MaskScan | undefined): UsableMask | undefined {
  return mask?.volume && mask.tumourVoxels > 0 ? { ...mask, volume: mask.volume } : undefined;
}

/** Every mask of the scan set: the shared one first, then the images' own contours. */
function allMasks({ mask, contours }: QcContext): MaskScan[] {
  return mask ? [mask, ...contours] : contours;
}

/** How a finding names a mask, and the scan it is about: 'mask' for the shared one, the image modality for a contour. */
const label = (mask: MaskScan) => (mask.for ? `${mask.for} mask` : 'mask');
const about = (mask: MaskScan) => mask.for ?? 'mask';

/** Each readable image once (a modality filed twice counts with its later image), with the contour it is extracted in. */
function imagesWithContours(context: QcContext): Array<{ image: ImageScan & { volume: Volume }; contour: UsableMask }> {
  const latest = new Map<string, ImageScan & { volume: Volume }>();
  for (const image of context.images) if (image.volume) latest.set(image.modality, { ...image, volume: image.volume });
  const out: Array<{ image: ImageScan & { volume: Volume }; contour: UsableMask }> = [];
  for (const image of latest.values()) {
    const own = context.contours.find((c) => c.for === image.modality);
    // An image with a contour of its own never falls back to the shared mask: a bad contour is reported, not bypassed.
    const contour = own ? usable(own) : usable(context.mask);
    if (contour) out.push({ image, contour });
  }
  return out;
}

export const maskMissing: ScanSetRule = {
  codes: ['mask-missing'],
  check({ mask, contours, segmentation }) {
    return !mask && contours.length === 0 && segmentation !== 'automatic-allowed'
      ? [finding('mask-missing', 'no manual mask and no segmentation model for this study', 'mask')]
      : [];
  },
};

/**
 * Once any mask is registered, every image needs a contour: its own or the shared mask. (With no mask at all, either
 * the mask is missing or automatic segmentation will make the shared one.)
 */
export const contourMissing: ScanSetRule = {
  codes: ['contour-missing'],
  check({ images, mask, contours }) {
    if (mask || contours.length === 0) return [];
    const own = new Set(contours.map((c) => c.for));
    // Masks registered as scans of their own (an arterial ROI, a bone mask) need no contour.
    const modalities = [...new Set(images.map((i) => i.modality))].filter((m) => !own.has(m) && !(MASK_MODALITIES as readonly string[]).includes(m));
    return modalities.map((m) =>
      finding('contour-missing', `${m}: no contour (no mask registered for ${m} and no shared mask; register one with --for ${m})`, m),
    );
  },
};

export const maskUnreadable: ScanSetRule = {
  codes: ['mask-unreadable'],
  check(context) {
    return allMasks(context)
      .filter((m) => m.error)
      .map((m) => finding('mask-unreadable', `${label(m)}: unreadable (${m.error!.message})`, about(m)));
  },
};

export const contourUnusable: ScanSetRule = {
  codes: ['contour-unusable'],
  check(context) {
    return allMasks(context)
      .filter((m) => m.unusable !== undefined)
      .map((m) => finding('contour-unusable', `${label(m)}: unusable (${m.unusable})`, about(m)));
  },
};

export const maskEmpty: ScanSetRule = {
  codes: ['mask-empty'],
  check(context) {
    return allMasks(context)
      .filter((m) => m.volume && m.tumourVoxels === 0)
      .map((m) => finding('mask-empty', `${label(m)}: empty (no tumour voxel)`, about(m)));
  },
};

/** How a grid finding names the pair: 'T1 mask: … the image's' for a contour, 'mask: … the T1 image's' for the shared mask. */
function pair(contour: MaskScan, image: ImageScan): { mask: string; image: string } {
  return contour.for ? { mask: `${contour.for} mask`, image: "the image's" } : { mask: 'mask', image: `the ${image.modality} image's` };
}

export const maskGrid: ScanSetRule = {
  codes: ['mask-size-mismatch', 'mask-grid-mismatch'],
  check(context) {
    const { profile } = context;
    const out: QcFinding[] = [];
    for (const { image, contour } of imagesWithContours(context)) {
      const a = contour.volume.geometry;
      const b = image.volume.geometry;
      const names = pair(contour, image);
      if (a.size.some((n, i) => n !== b.size[i])) {
        out.push(finding('mask-size-mismatch', `${names.mask}: size ${a.size.join('×')} differs from ${names.image} ${b.size.join('×')}`, image.modality));
        continue;
      }
      const originOff = a.origin.some((o, i) => Math.abs(o - b.origin[i]) > profile.maskOriginTolerance * b.spacing[i]);
      const spacingOff = a.spacing.some((s, i) => Math.abs(s - b.spacing[i]) > profile.maskSpacingTolerance * b.spacing[i]);
      if (originOff || spacingOff) {
        const where = contour.for ? 'the image' : `the ${image.modality} image`;
        out.push(
          finding('mask-grid-mismatch', `${names.mask}: geometry (origin/spacing) does not match ${where}: it is not inside the image grid`, image.modality),
        );
      }
    }
    return out;
  },
};

export const maskDirection: ScanSetRule = {
  codes: ['mask-direction-mismatch'],
  check(context) {
    const out: QcFinding[] = [];
    for (const { image, contour } of imagesWithContours(context)) {
      if (contour.volume.geometry.size.some((n, i) => n !== image.volume.geometry.size[i])) continue;
      const a = contour.volume.geometry.direction;
      const b = image.volume.geometry.direction;
      const off = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
      if (off > context.profile.maskDirectionTolerance) {
        const names = pair(contour, image);
        out.push(
          finding(
            'mask-direction-mismatch',
            `${names.mask}: axis directions differ from ${names.image} (largest cosine difference ${off.toPrecision(3)}; a flipped or transposed mask?)`,
            image.modality,
          ),
        );
      }
    }
    return out;
  },
};

export const tumourVolume: ScanSetRule = {
  codes: ['tumour-volume-implausible'],
  check(context) {
    const out: QcFinding[] = [];
    for (const candidate of allMasks(context)) {
      const mask = usable(candidate);
      if (!mask) continue;
      const [sx, sy, sz] = mask.volume.geometry.spacing;
      const ml = (mask.tumourVoxels * sx * sy * sz) / 1000;
      const [lo, hi] = context.profile.tumourVolumeMl;
      if (ml < lo || ml > hi)
        out.push(finding('tumour-volume-implausible', `${label(mask)}: tumour volume ${ml.toFixed(2)} ml outside the plausible ${lo}–${hi} ml`, about(mask)));
    }
    return out;
  },
};
