// The contract between the extractor and every feature class: one ROI, prepared once, read by all classes.
import type { Geometry } from '../../imaging/image';

/** PyRadiomics' feature-class settings (names as in its parameter files). */
export interface FeatureSettings {
  /** Fixed bin width (PyRadiomics default 25); ignored when binCount is set. */
  binWidth: number;
  binCount: number | null;
  /** GLCM/NGTDM/GLDM neighbour distances (Chebyshev), default [1]. */
  distances: number[];
  symmetricalGLCM: boolean;
  weightingNorm: 'manhattan' | 'euclidean' | 'infinity' | 'no_weighting' | null;
  /** GLDM dependence cut-off α. */
  gldm_a: number;
  force2D: boolean;
  force2Ddimension: 0 | 1 | 2;
  /** Added to intensities for Energy / TotalEnergy / RMS (PyRadiomics default 0; baselines use 2000). */
  voxelArrayShift: number;
}

export const DEFAULT_FEATURE_SETTINGS: FeatureSettings = {
  binWidth: 25,
  binCount: null,
  distances: [1],
  symmetricalGLCM: true,
  weightingNorm: null,
  gldm_a: 0,
  force2D: false,
  force2Ddimension: 0,
  voxelArrayShift: 0,
};

/** One region of interest after preprocessing and cropping to its bounding box (+ padDistance). */
export interface Roi {
  /** Geometry of the cropped box (size, spacing; origin of the box's first voxel). */
  geometry: Geometry;
  /** Preprocessed intensities in the box, x fastest. */
  image: Float64Array;
  /** 1 inside the ROI, 0 outside. */
  mask: Uint8Array;
  /** Gray level 1..Ng of each ROI voxel after discretisation (PyRadiomics binning), 0 outside the ROI. */
  binned: Int32Array;
  /** Number of voxels with mask = 1. */
  voxelCount: number;
  settings: FeatureSettings;
}

export interface FeatureClass {
  /** PyRadiomics class name: 'firstorder', 'shape', 'shape2D', 'glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm'. */
  readonly name: string;
  /** Feature names without prefix, as PyRadiomics spells them ('Contrast', 'JointEnergy', …). */
  readonly featureNames: readonly string[];
  /** Features PyRadiomics marks deprecated / disabled by default (computed only when named explicitly). */
  readonly deprecated?: readonly string[];
  /** Computes the enabled features (all non-deprecated when `enabled` is undefined). */
  compute(roi: Roi, enabled?: readonly string[]): Record<string, number>;
}
