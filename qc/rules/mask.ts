// Rules on the tumour mask: there is one (or one will be made), it can be read, it marks a tumour, on the images' grid,
// of a plausible volume. Once the mask is missing, unreadable or empty, the later rules have nothing to check.
import { finding } from './finding';
import type { Volume } from '../../imaging/image';
import type { MaskScan, QcContext, ScanSetRule } from '../types';

/** The mask when it was read and marks at least one voxel. */
function usableMask({ mask }: QcContext): (MaskScan & { volume: Volume }) | undefined {
  return mask?.volume && mask.tumourVoxels > 0 ? { ...mask, volume: mask.volume } : undefined;
}

export const maskMissing: ScanSetRule = {
  codes: ['mask-missing'],
  check({ mask, segmentation }) {
    return !mask && segmentation !== 'automatic-allowed' ? [finding('mask-missing', 'no manual mask and no segmentation model for this study', 'mask')] : [];
  },
};

export const maskUnreadable: ScanSetRule = {
  codes: ['mask-unreadable'],
  check({ mask }) {
    return mask?.error ? [finding('mask-unreadable', `mask: unreadable (${mask.error.message})`, 'mask')] : [];
  },
};

export const maskEmpty: ScanSetRule = {
  codes: ['mask-empty'],
  check({ mask }) {
    return mask?.volume && mask.tumourVoxels === 0 ? [finding('mask-empty', 'mask: empty (no tumour voxel)', 'mask')] : [];
  },
};

export const maskGrid: ScanSetRule = {
  codes: ['mask-size-mismatch', 'mask-grid-mismatch'],
  check(context) {
    const mask = usableMask(context);
    const { reference, profile } = context;
    if (!mask || !reference) return [];
    const a = mask.volume.geometry;
    const b = reference.geometry;
    if (a.size.some((n, i) => n !== b.size[i])) {
      return [finding('mask-size-mismatch', `mask: size ${a.size.join('×')} differs from the image's ${b.size.join('×')}`, 'mask')];
    }
    const originOff = a.origin.some((o, i) => Math.abs(o - b.origin[i]) > profile.maskOriginTolerance * b.spacing[i]);
    const spacingOff = a.spacing.some((s, i) => Math.abs(s - b.spacing[i]) > profile.maskSpacingTolerance * b.spacing[i]);
    return originOff || spacingOff
      ? [finding('mask-grid-mismatch', 'mask: geometry (origin/spacing) does not match the image: it is not inside the image grid', 'mask')]
      : [];
  },
};

export const maskDirection: ScanSetRule = {
  codes: ['mask-direction-mismatch'],
  check(context) {
    const mask = usableMask(context);
    const { reference, profile } = context;
    if (!mask || !reference || mask.volume.geometry.size.some((n, i) => n !== reference.geometry.size[i])) return [];
    const a = mask.volume.geometry.direction;
    const b = reference.geometry.direction;
    const off = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    return off > profile.maskDirectionTolerance
      ? [
          finding(
            'mask-direction-mismatch',
            `mask: axis directions differ from the image's (largest cosine difference ${off.toPrecision(3)}; a flipped or transposed mask?)`,
            'mask',
          ),
        ]
      : [];
  },
};

export const tumourVolume: ScanSetRule = {
  codes: ['tumour-volume-implausible'],
  check(context) {
    const mask = usableMask(context);
    if (!mask) return [];
    const [sx, sy, sz] = mask.volume.geometry.spacing;
    const ml = (mask.tumourVoxels * sx * sy * sz) / 1000;
    const [lo, hi] = context.profile.tumourVolumeMl;
    return ml < lo || ml > hi
      ? [finding('tumour-volume-implausible', `mask: tumour volume ${ml.toFixed(2)} ml outside the plausible ${lo}–${hi} ml`, 'mask')]
      : [];
  },
};
