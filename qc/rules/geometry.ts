// Rules on each image's voxel grid: usable spacing, fine enough, enough slices.
import { finding } from './finding';
import type { ImageRule } from '../types';

export const spacing: ImageRule = {
  codes: ['spacing-invalid', 'spacing-too-coarse'],
  check({ modality, volume }, { profile }) {
    if (!volume) return [];
    const s = volume.geometry.spacing;
    if (!s.every((v) => Number.isFinite(v) && v > 0)) return [finding('spacing-invalid', `${modality}: spacing ${s.join('×')} mm is not positive`, modality)];
    if (Math.max(...s) > profile.maxSpacingMm) {
      return [finding('spacing-too-coarse', `${modality}: spacing ${s.map((v) => v.toFixed(2)).join('×')} mm exceeds ${profile.maxSpacingMm} mm`, modality)];
    }
    return [];
  },
};

export const sliceCount: ImageRule = {
  codes: ['too-few-slices'],
  check({ modality, volume }, { profile }) {
    // A radiograph is one image, one pixel thick: it has no slices to count.
    if (!volume || modality === 'XR') return [];
    const slices = volume.geometry.size[2];
    return slices < profile.minSlices ? [finding('too-few-slices', `${modality}: ${slices} slices, fewer than ${profile.minSlices}`, modality)] : [];
  },
};
