// IBSI mode's extraction (`setting: { compliance: ibsi }`): IBSI-1 preprocessing, then every enabled family, features
// named by their IBSI tags (`morph_volume`, `stat_mean`, `cm_joint_max_3D_avg`, …) with the same diagnostics_*
// provenance as PyRadiomics mode. The extractor hands parameter files with compliance: ibsi here.
import { DEFAULT_FEATURE_SETTINGS, type FeatureSettings, type Roi } from '../features/types';
import type { Volume } from '../../imaging/image';
import type { BoundingBox } from '../preprocessing/boundingBox';
import type { Diagnostics } from '../extraction/diagnostics';
import { ibsiDiscretise, type IbsiBinning } from './discretise';
import { histogramFeatures, ivhFeatures, localIntensityFeatures, maskedSorted, statisticsFeatures } from './intensity';
import { morphologyFeatures } from './morphology';
import { ibsiPreprocess } from './preprocess';
import type { ResolvedIbsiSettings } from '../params/ibsiSettings';
import { textureFeatures } from './texture';

/** Features of one image and its label's 0/1 mask (same grid, `box` its bounding box if known) under resolved IBSI settings. */
export function ibsiFeatures(
  image: Volume,
  morphMask: Uint8Array,
  s: ResolvedIbsiSettings,
  box?: BoundingBox,
): { features: Record<string, number>; diagnostics: Diagnostics } {
  const v = ibsiPreprocess(image, morphMask, s, box);
  const settings = s.settings;
  const binning: IbsiBinning =
    settings.binCount !== null ? { kind: 'count', count: settings.binCount } : { kind: 'width', width: settings.binWidth, lower: s.range?.lower ?? null };
  const features: Record<string, number> = {};
  const f = s.families;
  if (f.has('morph')) Object.assign(features, morphologyFeatures(v.image, v.morph, v.intensity, v.geometry));
  if (f.has('loc')) Object.assign(features, localIntensityFeatures(v.image, v.intensity, v.geometry));
  const intensities = maskedSorted(v.image, v.intensity);
  if (f.has('stat')) Object.assign(features, statisticsFeatures(intensities));
  if (f.has('ivh')) Object.assign(features, ivhFeatures(intensities, s));
  const needsLevels = ['ih', 'cm', 'rlm', 'szm', 'dzm', 'ngt', 'ngl'].some((family) => f.has(family as never));
  let ng = 0;
  if (needsLevels) {
    const d = ibsiDiscretise(v.image, v.intensity, binning);
    ng = d.ng;
    if (f.has('ih')) Object.assign(features, histogramFeatures(maskedSorted(d.binned, v.intensity), d.ng));
    const featureSettings: FeatureSettings = {
      ...DEFAULT_FEATURE_SETTINGS,
      binWidth: settings.binWidth,
      binCount: settings.binCount,
      distances: settings.distances,
      symmetricalGLCM: true, // IBSI-1 §3.6: symmetric co-occurrence
      gldm_a: settings.gldm_a,
    };
    const roi: Roi = { geometry: v.geometry, image: v.image, mask: v.intensity, binned: d.binned, voxelCount: v.intensityCount, settings: featureSettings };
    Object.assign(features, textureFeatures({ roi, morph: v.morph, ng }, f, s.aggregations));
  }
  const diagnostics: Diagnostics = {
    diagnostics_Configuration_Compliance: 'ibsi',
    'diagnostics_Mask-morphological_VoxelNum': v.morphCount,
    'diagnostics_Mask-intensity_VoxelNum': v.intensityCount,
    diagnostics_Configuration_Aggregation: s.aggregations.join(', '),
  };
  if (needsLevels) diagnostics.diagnostics_Configuration_GrayLevels = ng;
  if (v.grid) {
    diagnostics['diagnostics_Image-interpolated_Spacing'] = [...v.grid.spacing];
    diagnostics['diagnostics_Image-interpolated_Size'] = [...v.grid.size];
  }
  return { features, diagnostics };
}
