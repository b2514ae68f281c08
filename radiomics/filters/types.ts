// What every image type produces and takes: derived images from the preprocessed image, its settings and the ROI.
import type { Vec3, Volume } from '../../imaging/image';
import type { ExtractionSettings } from '../params/types';

export interface DerivedImage {
  /** Feature-name prefix, as PyRadiomics names the image type ('original', 'wavelet-LLH', …). */
  name: string;
  image: Volume;
  /** Index on the input grid of `image`'s first voxel, when a filter computed only the context's region. */
  offset?: Vec3;
  /** Position among the image type's derived images, given by a filter that honours `wanted` and skips some. */
  index?: number;
}

export interface ImageTypeContext {
  /** The ROI (0/1) on the image's grid, for filters that need it (PyRadiomics passes the mask to every filter). */
  mask: Volume<Uint8Array>;
  /** The voxels the caller will read (inclusive indices): a filter may compute just these and return them with `offset`. */
  region?: { lower: Vec3; upper: Vec3 };
  /** The derived images the caller will read, by position: a filter may leave the others out (or yield them anyway). */
  wanted?: (index: number) => boolean;
}

/** A filter: the image (after normalisation/resampling) and the image type's settings → derived images. */
export type ImageTypeFilter = (image: Volume, settings: ExtractionSettings, context: ImageTypeContext) => Iterable<DerivedImage>;
