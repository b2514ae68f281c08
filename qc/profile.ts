// Defaults for the QC profile keys a study file may leave out (protocols recorded before a key existed have none).
import { DEFAULT_MAP_FIT_FAILURE_MAX_FRACTION, DEFAULT_MAP_OUT_OF_RANGE_MAX_FRACTION, type QcProfile } from '../contracts/study';
import type { ResolvedQcProfile } from './types';

type OptionalKey = Exclude<keyof QcProfile, 'minSlices' | 'maxSpacingMm' | 'tumourVolumeMl'>;

export const QC_PROFILE_DEFAULTS: Readonly<Pick<ResolvedQcProfile, OptionalKey>> = {
  maskOriginTolerance: 0.01,
  maskSpacingTolerance: 0.001,
  // The extractor's default geometry tolerance (PyRadiomics geometryTolerance, ITK's 1e-6): a QC pass means the
  // mask's direction is one extraction accepts.
  maskDirectionTolerance: 1e-6,
  constantImageMaxRange: 0,
  blankSliceMaxRange: 0,
  mapFitFailureMaxFraction: DEFAULT_MAP_FIT_FAILURE_MAX_FRACTION,
  mapOutOfRangeMaxFraction: DEFAULT_MAP_OUT_OF_RANGE_MAX_FRACTION,
};

export function resolveQcProfile(profile: QcProfile): ResolvedQcProfile {
  return {
    minSlices: profile.minSlices,
    maxSpacingMm: profile.maxSpacingMm,
    tumourVolumeMl: profile.tumourVolumeMl,
    maskOriginTolerance: profile.maskOriginTolerance ?? QC_PROFILE_DEFAULTS.maskOriginTolerance,
    maskSpacingTolerance: profile.maskSpacingTolerance ?? QC_PROFILE_DEFAULTS.maskSpacingTolerance,
    maskDirectionTolerance: profile.maskDirectionTolerance ?? QC_PROFILE_DEFAULTS.maskDirectionTolerance,
    constantImageMaxRange: profile.constantImageMaxRange ?? QC_PROFILE_DEFAULTS.constantImageMaxRange,
    blankSliceMaxRange: profile.blankSliceMaxRange ?? QC_PROFILE_DEFAULTS.blankSliceMaxRange,
    mapFitFailureMaxFraction: profile.mapFitFailureMaxFraction ?? QC_PROFILE_DEFAULTS.mapFitFailureMaxFraction,
    mapOutOfRangeMaxFraction: profile.mapOutOfRangeMaxFraction ?? QC_PROFILE_DEFAULTS.mapOutOfRangeMaxFraction,
  };
}
