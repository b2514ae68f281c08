// Image types (PyRadiomics imageoperations.get<Name>Image), keyed by the name used in parameter files. Each entry
// turns the preprocessed image into one or more derived images, named as they prefix features (`original`,
// `log-sigma-1-0-mm-3D`, `wavelet-LLH`, …). Part 2 adds filters by adding entries here; nothing else changes.
import type { Volume } from '../image';
import type { ExtractionSettings, ImageTypeName } from '../params/types';

export interface DerivedImage {
  /** Feature-name prefix, as PyRadiomics names the image type ('original', 'wavelet-LLH', …). */
  name: string;
  image: Volume;
}

export interface ImageTypeContext {
  /** The ROI (0/1) on the image's grid, for filters that need it (PyRadiomics passes the mask to every filter). */
  mask: Volume<Uint8Array>;
}

/** A filter: the image (after normalisation/resampling) and the image type's settings → derived images. */
export type ImageTypeFilter = (image: Volume, settings: ExtractionSettings, context: ImageTypeContext) => Iterable<DerivedImage>;

export const IMAGE_TYPES: Partial<Record<ImageTypeName, ImageTypeFilter>> = {
  // imageoperations.getOriginalImage: the image itself.
  Original: (image) => [{ name: 'original', image }],
};

export function registeredImageTypes(): ImageTypeName[] {
  return Object.keys(IMAGE_TYPES) as ImageTypeName[];
}
