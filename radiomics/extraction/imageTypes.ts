// Image types (PyRadiomics imageoperations.get<Name>Image), keyed by the name used in parameter files. Each entry
// turns the preprocessed image into one or more derived images, named as they prefix features (`original`,
// `log-sigma-1-0-mm-3D`, `wavelet-LLH`, …). The filters live in radiomics/filters; adding one is adding an entry.
import type { Vec3, Volume } from '../../imaging/image';
import { FILTER_IMAGE_TYPES } from '../filters';
import type { ExtractionSettings, ImageTypeName } from '../params/types';

export interface DerivedImage {
  /** Feature-name prefix, as PyRadiomics names the image type ('original', 'wavelet-LLH', …). */
  name: string;
  image: Volume;
  /** Index on the input grid of `image`'s first voxel, when a filter computed only the context's region. */
  offset?: Vec3;
}

export interface ImageTypeContext {
  /** The ROI (0/1) on the image's grid, for filters that need it (PyRadiomics passes the mask to every filter). */
  mask: Volume<Uint8Array>;
  /** The voxels the caller will read (inclusive indices): a filter may compute just these and return them with `offset`. */
  region?: { lower: Vec3; upper: Vec3 };
}

/** A filter: the image (after normalisation/resampling) and the image type's settings → derived images. */
export type ImageTypeFilter = (image: Volume, settings: ExtractionSettings, context: ImageTypeContext) => Iterable<DerivedImage>;

export const IMAGE_TYPES: Partial<Record<ImageTypeName, ImageTypeFilter>> = {
  // imageoperations.getOriginalImage: the image itself.
  Original: (image) => [{ name: 'original', image }],
  ...FILTER_IMAGE_TYPES,
};

export function registeredImageTypes(): ImageTypeName[] {
  return Object.keys(IMAGE_TYPES) as ImageTypeName[];
}
