// Image types (PyRadiomics imageoperations.get<Name>Image), keyed by the name used in parameter files. Each entry
// turns the preprocessed image into one or more derived images, named as they prefix features (`original`,
// `log-sigma-1-0-mm-3D`, `wavelet-LLH`, …). The filters live in radiomics/filters; adding one is adding an entry.
import { FILTER_IMAGE_TYPES, waveletAxes } from '../filters';
import type { ImageTypeFilter } from '../filters/types';
import type { ExtractionSettings, ImageTypeName } from '../params/types';

export const IMAGE_TYPES: Partial<Record<ImageTypeName, ImageTypeFilter>> = {
  // imageoperations.getOriginalImage: the image itself.
  Original: (image) => [{ name: 'original', image }],
  ...FILTER_IMAGE_TYPES,
};

export function registeredImageTypes(): ImageTypeName[] {
  return Object.keys(IMAGE_TYPES) as ImageTypeName[];
}

/**
 * How many derived images an image type yields with its settings (progress reports "image k of n" before any is
 * computed): one per LoG sigma, 2^axes − 1 detail sub-bands per wavelet level plus the last approximation, else one.
 */
export function derivedImageCount(imageType: ImageTypeName, settings: ExtractionSettings): number {
  if (imageType === 'LoG') return settings.sigma.length;
  if (imageType === 'Wavelet') return (2 ** waveletAxes(settings).length - 1) * settings.level + 1;
  return 1;
}
