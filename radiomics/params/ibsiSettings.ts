// IBSI mode's settings (`setting: { compliance: ibsi, … }`) and the checks that reject combinations which contradict
// each other. They are optional keys of ExtractionSettings with no default, so PyRadiomics parameter files keep their
// parameter hashes; the IBSI extractor reads them through ibsiSettings(), which fills in IBSI's defaults.
import { RadiomicsInputError } from '../../imaging/errors';
import {
  IBSI_FAMILIES,
  IBSI_INTERPOLATORS,
  IBSI_SETTING_RULES,
  type IbsiFamily,
  type IbsiInterpolator,
  type IbsiSettings,
  type TextureAggregation,
} from './ibsiKeys';
import { FEATURE_CLASS_NAMES, type ExtractionParams, type ExtractionSettings } from './types';

/** Everything the IBSI extractor needs, defaults filled in and contradictions rejected. */
export interface ResolvedIbsiSettings {
  settings: ExtractionSettings;
  aggregations: TextureAggregation[];
  families: Set<IbsiFamily>;
  interpolator: IbsiInterpolator | null;
  /** mm per axis after resampling (0 in the request keeps the axis), null without resampling. */
  spacing: number[] | null;
  roundIntensities: boolean;
  maskInterpolator: 'sitkNearestNeighbor' | 'sitkLinear';
  maskThreshold: number;
  range: { lower: number; upper: number } | null;
  outlierSigma: number | null;
  ivh: { kind: 'discrete' } | { kind: 'width'; width: number } | { kind: 'count'; count: number };
}

export function isIbsiMode(settings: Partial<ExtractionSettings>): boolean {
  return settings.compliance === 'ibsi';
}

const IBSI_ONLY_KEYS = Object.keys(IBSI_SETTING_RULES).filter((k) => k !== 'compliance') as (keyof IbsiSettings)[];

function contradiction(field: string, message: string, expected: string, file?: string): never {
  throw new RadiomicsInputError(message, { file, field, expected });
}

/**
 * PyRadiomics mode: the IBSI keys are meaningless there, and a file that sets them without `compliance: ibsi`
 * most likely forgot it.
 */
export function rejectIbsiKeysOutsideIbsiMode(params: ExtractionParams, file?: string): void {
  if (isIbsiMode(params.settings)) return;
  const used = IBSI_ONLY_KEYS.filter((k) => params.settings[k] !== undefined);
  if (used.length > 0) {
    contradiction(`setting.${used[0]}`, `${used.join(', ')} only apply in IBSI mode`, 'setting.compliance: ibsi, or none of the IBSI settings', file);
  }
}

/** Resolves IBSI mode's settings and rejects those that contradict each other or IBSI. */
export function resolveIbsiSettings(params: ExtractionParams, file?: string): ResolvedIbsiSettings {
  const s = params.settings;
  const imageTypes = Object.keys(params.imageTypes);
  if (imageTypes.length !== 1 || imageTypes[0] !== 'Original') {
    contradiction(
      'imageType',
      `IBSI mode computes the IBSI-1 features of the original image; got ${imageTypes.join(', ')}`,
      'imageType: {Original: {}} (filters are PyRadiomics mode)',
      file,
    );
  }
  const classes = Object.entries(params.featureClasses);
  if (classes.length !== FEATURE_CLASS_NAMES.length || classes.some(([, names]) => names !== null)) {
    contradiction(
      'featureClass',
      'IBSI mode names features by IBSI tag and does not take PyRadiomics feature classes',
      'no featureClass section; choose families with setting.ibsiFamilies',
      file,
    );
  }
  if (s.force2D) contradiction('setting.force2D', 'force2D is PyRadiomics’ 2D mode', 'setting.textureAggregation: [2D] or [2.5D] in IBSI mode', file);
  if (s.weightingNorm !== null)
    contradiction('setting.weightingNorm', 'IBSI mode merges directional matrices in its _comb aggregations', 'weightingNorm unset in IBSI mode', file);
  if (s.resegmentMode !== 'absolute') {
    contradiction(
      'setting.resegmentMode',
      `resegmentMode ${s.resegmentMode} is not IBSI re-segmentation`,
      'absolute (and setting.resegmentOutliers for IBSI’s outlier filter)',
      file,
    );
  }
  if (s.resegmentShape)
    contradiction(
      'setting.resegmentShape',
      'IBSI computes morphology on the morphological mask, before re-segmentation',
      'resegmentShape unset in IBSI mode',
      file,
    );
  if (s.ivhBinWidth != null && s.ivhBinCount != null) {
    contradiction('setting.ivhBinCount', 'ivhBinWidth and ivhBinCount are both set', 'one of them (or neither, for discrete intensities)', file);
  }
  let range: ResolvedIbsiSettings['range'] = null;
  if (s.resegmentRange !== null) {
    const lower = s.resegmentRange[0];
    const upper = s.resegmentRange.length > 1 ? s.resegmentRange[1] : Infinity;
    if (!(lower < upper)) contradiction('setting.resegmentRange', `range [${lower}, ${upper}] is empty`, 'lower < upper', file);
    range = { lower, upper };
  }
  let interpolator: IbsiInterpolator | null = null;
  if (s.resampledPixelSpacing !== null) {
    if (s.interpolator === null || !(IBSI_INTERPOLATORS as readonly string[]).includes(s.interpolator)) {
      contradiction('setting.interpolator', `interpolator ${String(s.interpolator)} is not an IBSI interpolator`, IBSI_INTERPOLATORS.join(', '), file);
    }
    interpolator = s.interpolator as IbsiInterpolator;
  }
  const maskThreshold = s.maskPartialVolumeThreshold ?? 0.5;
  const maskInterpolator = s.maskInterpolator ?? 'sitkLinear';
  if (maskInterpolator === 'sitkNearestNeighbor' && s.maskPartialVolumeThreshold !== undefined) {
    contradiction(
      'setting.maskPartialVolumeThreshold',
      'a nearest-neighbour mask has no partial volumes to threshold',
      'maskInterpolator: sitkLinear, or no threshold',
      file,
    );
  }
  const ivh: ResolvedIbsiSettings['ivh'] =
    s.ivhBinWidth != null ? { kind: 'width', width: s.ivhBinWidth } : s.ivhBinCount != null ? { kind: 'count', count: s.ivhBinCount } : { kind: 'discrete' };
  return {
    settings: s,
    aggregations: [...new Set<TextureAggregation>(s.textureAggregation ?? ['3D'])],
    families: new Set(s.ibsiFamilies ?? IBSI_FAMILIES),
    interpolator,
    spacing: s.resampledPixelSpacing,
    roundIntensities: s.roundIntensities ?? false,
    maskInterpolator,
    maskThreshold,
    range,
    outlierSigma: s.resegmentOutliers ?? null,
    ivh,
  };
}

/** Load-time check of a validated parameter document: IBSI keys only in IBSI mode, and no contradictions there. */
export function checkIbsiParams(params: ExtractionParams, file?: string): void {
  for (const [imageType, overrides] of Object.entries(params.imageTypes)) {
    const key = Object.keys(overrides ?? {}).find((k) => k in IBSI_SETTING_RULES);
    if (key) contradiction(`imageType.${imageType}.${key}`, `${key} applies to the whole extraction`, `setting.${key}`, file);
  }
  if (isIbsiMode(params.settings)) resolveIbsiSettings(params, file);
  else rejectIbsiKeysOutsideIbsiMode(params, file);
}
