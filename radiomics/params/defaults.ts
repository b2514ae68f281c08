// PyRadiomics 3.1's defaults for every setting: featureextractor._getDefaultSettings for the general ones, the
// `kwargs.get(name, default)` of each feature class and imageoperations function for the rest.
import { DEFAULT_FEATURE_SETTINGS } from '../features/types';
import type { ExtractionSettings } from './types';

export const DEFAULT_SETTINGS: Readonly<ExtractionSettings> = Object.freeze({
  ...DEFAULT_FEATURE_SETTINGS,
  // featureextractor._getDefaultSettings
  minimumROIDimensions: 2,
  minimumROISize: null,
  normalize: false,
  normalizeScale: 1,
  removeOutliers: null,
  resampledPixelSpacing: null,
  interpolator: 'sitkBSpline',
  preCrop: false,
  padDistance: 5,
  distances: [1],
  force2D: false,
  force2Ddimension: 0,
  resegmentRange: null,
  label: 1,
  additionalInfo: true,
  // imageoperations.getMask / checkMask / resegmentMask; SimpleITK's own tolerance when geometryTolerance is None
  label_channel: 0,
  correctMask: false,
  geometryTolerance: null,
  resegmentMode: 'absolute',
  resegmentShape: false,
  // imageoperations.getLoGImage / getWaveletImage / getGradientImage / getLBP2DImage / getLBP3DImage
  sigma: [],
  wavelet: 'coif1',
  level: 1,
  start_level: 0,
  gradientUseSpacing: true,
  lbp2DRadius: 1,
  lbp2DSamples: 8,
  lbp2DMethod: 'uniform',
  lbp3DLevels: 2,
  lbp3DIcosphereRadius: 1,
  lbp3DIcosphereSubdivision: 1,
} satisfies ExtractionSettings);
