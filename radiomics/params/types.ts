// The validated form of a PyRadiomics parameter file: every setting typed and defaulted, image types and
// feature classes resolved. The extractor is the only consumer; nothing downstream sees raw YAML.
import type { FeatureSettings } from '../features/types';
import type { IbsiSettings } from './ibsiKeys';

/** PyRadiomics image types (imageoperations.get<Name>Image); only registered ones can be extracted. */
export const IMAGE_TYPE_NAMES = ['Original', 'Wavelet', 'LoG', 'Square', 'SquareRoot', 'Logarithm', 'Exponential', 'Gradient', 'LBP2D', 'LBP3D'] as const;
export type ImageTypeName = (typeof IMAGE_TYPE_NAMES)[number];

/** PyRadiomics feature classes (radiomics.getFeatureClasses()). */
export const FEATURE_CLASS_NAMES = ['firstorder', 'shape', 'shape2D', 'glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm'] as const;
export type FeatureClassName = (typeof FEATURE_CLASS_NAMES)[number];

/** SimpleITK interpolators PyRadiomics' schema accepts (schemaFuncs.checkInterpolator). */
export const INTERPOLATORS = [
  'sitkNearestNeighbor',
  'sitkLinear',
  'sitkBSpline',
  'sitkGaussian',
  'sitkLabelGaussian',
  'sitkHammingWindowedSinc',
  'sitkCosineWindowedSinc',
  'sitkWelchWindowedSinc',
  'sitkLanczosWindowedSinc',
  'sitkBlackmanWindowedSinc',
] as const;
export type Interpolator = (typeof INTERPOLATORS)[number];

export type ResegmentMode = 'absolute' | 'relative' | 'sigma';
export type Lbp2DMethod = 'default' | 'ror' | 'uniform' | 'var';

/**
 * Every `setting:` key of paramSchema.yaml, with PyRadiomics 3.1's default where it has one. IBSI mode's keys
 * (radiomics/ibsi/settings.ts) are optional and have no default, so PyRadiomics files hash as before.
 */
export interface ExtractionSettings extends FeatureSettings, Partial<IbsiSettings> {
  minimumROIDimensions: number;
  minimumROISize: number | null;
  geometryTolerance: number | null;
  correctMask: boolean;
  additionalInfo: boolean;
  label: number;
  label_channel: number;
  normalize: boolean;
  normalizeScale: number;
  removeOutliers: number | null;
  resampledPixelSpacing: number[] | null;
  interpolator: Interpolator | null;
  padDistance: number;
  preCrop: boolean;
  resegmentRange: number[] | null;
  resegmentMode: ResegmentMode;
  resegmentShape: boolean;
  // Filter settings (image types other than Original); always validated and defaulted, so parameter hashes are stable.
  sigma: number[];
  start_level: number;
  level: number;
  wavelet: string;
  gradientUseSpacing: boolean;
  lbp2DRadius: number;
  lbp2DSamples: number;
  lbp2DMethod: Lbp2DMethod;
  lbp3DLevels: number;
  lbp3DIcosphereRadius: number;
  lbp3DIcosphereSubdivision: number;
}

/** `voxelSetting:` (voxel-based extraction, radiomics/voxel; segment-based extraction ignores it and says so). */
export interface VoxelSettings {
  kernelRadius?: number;
  maskedKernel?: boolean;
  initValue?: number;
  voxelBatch?: number;
}

export interface ExtractionParams {
  settings: ExtractionSettings;
  /** Enabled image types, each with its own setting overrides (`imageType: {LoG: {sigma: [1, 2]}}`). */
  imageTypes: Partial<Record<ImageTypeName, Partial<ExtractionSettings>>>;
  /** Enabled classes: null = all non-deprecated features, a list = exactly those (deprecated ones included). */
  featureClasses: Partial<Record<FeatureClassName, string[] | null>>;
  /** Present when the file had a `voxelSetting:` section: voxel-based extraction's settings (segment-based ignores them). */
  voxelSettings?: VoxelSettings;
}

/** Feature names each class offers; any FeatureClass satisfies it. Used to reject unknown feature names. */
export type FeatureCatalog = Readonly<Record<string, { readonly featureNames: readonly string[]; readonly deprecated?: readonly string[] }>>;
