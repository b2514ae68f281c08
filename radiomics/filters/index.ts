// PyRadiomics' filters (image types other than Original) as registry entries for extraction/imageTypes.ts. Each
// computes only the region the extractor will read (the ROI's box) when it is given one. lbp-3D is not provided yet.
import type { ImageTypeFilter } from './types';
import type { ImageTypeName } from '../params/types';
import { gradientImage } from './gradient';
import { intensityImage } from './intensity';
import { lbp2DImage } from './lbp2d';
import { logImages } from './log';
import { waveletImages } from './wavelet';

export { gradientImage } from './gradient';
export { intensityImage, type IntensityFilterName } from './intensity';
export { lbp2DImage } from './lbp2d';
export { checkLogInput, logImage, logImages } from './log';
export { logImageName, pythonFloatText, waveletImageName } from './naming';
export type { IndexBox, RegionImage } from './region';
export { checkWaveletDepth, waveletAxes, waveletImages } from './wavelet';
export { SUPPORTED_WAVELETS, waveletBank } from './waveletBank';
export type { DerivedImage, ImageTypeContext, ImageTypeFilter } from './types';

export const FILTER_IMAGE_TYPES: Partial<Record<ImageTypeName, ImageTypeFilter>> = {
  // imageoperations.getLoGImage
  LoG: (image, settings, { region }) => logImages(image, settings, region),
  // imageoperations.getWaveletImage
  Wavelet: (image, settings, { region, wanted }) => waveletImages(image, settings, region, wanted),
  // imageoperations.getSquareImage, getSquareRootImage, getLogarithmImage, getExponentialImage
  Square: (image, _settings, { region }) => [intensityImage(image, 'square', region)],
  SquareRoot: (image, _settings, { region }) => [intensityImage(image, 'squareroot', region)],
  Logarithm: (image, _settings, { region }) => [intensityImage(image, 'logarithm', region)],
  Exponential: (image, _settings, { region }) => [intensityImage(image, 'exponential', region)],
  // imageoperations.getGradientImage
  Gradient: (image, settings, { region }) => [gradientImage(image, settings, region)],
  // imageoperations.getLBP2DImage
  LBP2D: (image, settings, { region }) => [lbp2DImage(image, settings, region)],
};
