// The `setting:` keys IBSI mode adds to a parameter file, as a table of schema rules merged into SETTING_RULES
// (schema.ts). Their resolution and the checks for contradicting settings are in ibsiSettings.ts.
import type { SettingRule } from './rules';

/** IBSI texture aggregation: per slice (2D), slices merged (2.5D), whole volume (3D). IBSI-1 §3.1 (5QB6). */
export const TEXTURE_AGGREGATIONS = ['2D', '2.5D', '3D'] as const;
export type TextureAggregation = (typeof TEXTURE_AGGREGATIONS)[number];

/** IBSI feature families, by the prefix of their tags. */
export const IBSI_FAMILIES = ['morph', 'loc', 'stat', 'ih', 'ivh', 'cm', 'rlm', 'szm', 'dzm', 'ngt', 'ngl'] as const;
export type IbsiFamily = (typeof IBSI_FAMILIES)[number];

/** Interpolators IBSI mode offers (IBSI-1 §2.4: nearest neighbour, (tri)linear, tricubic spline). */
export const IBSI_INTERPOLATORS = ['sitkNearestNeighbor', 'sitkLinear', 'sitkBSpline'] as const;
export type IbsiInterpolator = (typeof IBSI_INTERPOLATORS)[number];

/** The `setting:` keys IBSI mode adds; absent in PyRadiomics mode. */
export interface IbsiSettings {
  /** 'pyradiomics' (default) or 'ibsi'. */
  compliance: 'pyradiomics' | 'ibsi';
  /** Texture aggregations to compute (default ['3D']); each yields its own tag suffix (`_2D_avg`, `_2_5D_comb`, `_3D`, …). */
  textureAggregation: TextureAggregation[];
  /** Feature families to compute (default all). */
  ibsiFamilies: IbsiFamily[];
  /** Round intensities to integers after interpolation (IBSI-1 §2.4, 68QD). */
  roundIntensities: boolean;
  /** Interpolator for the ROI mask before thresholding (default sitkLinear). */
  maskInterpolator: 'sitkNearestNeighbor' | 'sitkLinear';
  /** Partial-volume threshold for the interpolated mask (IBSI-1 §2.4, E8H9; default 0.5). */
  maskPartialVolumeThreshold: number;
  /** Outlier filter: drop voxels further than this many σ from the ROI mean (IBSI-1 §2.5, 7ACA). */
  resegmentOutliers: number;
  /** Intensity-volume histogram discretisation: fixed bin size (intensity units)… */
  ivhBinWidth: number;
  /** …or fixed bin number; neither: discrete intensities with step 1 (IBSI-1 §4.5). */
  ivhBinCount: number;
}

const positiveFloat: SettingRule['rule'] = { type: 'float', minExclusive: 0 };

/** Schema rules of the IBSI keys, merged into SETTING_RULES. */
export const IBSI_SETTING_RULES: { readonly [K in keyof IbsiSettings]-?: SettingRule } = {
  compliance: { rule: { type: 'str', enum: ['pyradiomics', 'ibsi'] } },
  textureAggregation: { rule: { type: 'seq', item: { type: 'str', enum: TEXTURE_AGGREGATIONS }, minLength: 1 } },
  ibsiFamilies: { rule: { type: 'seq', item: { type: 'str', enum: IBSI_FAMILIES }, minLength: 1 } },
  roundIntensities: { rule: { type: 'bool' } },
  maskInterpolator: { rule: { type: 'str', enum: ['sitkNearestNeighbor', 'sitkLinear'] } },
  maskPartialVolumeThreshold: { rule: { type: 'float', minExclusive: 0, max: 1 } },
  resegmentOutliers: { rule: positiveFloat, nullable: true },
  ivhBinWidth: { rule: positiveFloat, nullable: true },
  ivhBinCount: { rule: { type: 'int', minExclusive: 0 }, nullable: true },
};
