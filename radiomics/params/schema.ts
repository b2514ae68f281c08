// PyRadiomics' parameter schema (radiomics/schemas/paramSchema.yaml + schemaFuncs.py) as typed rules. The rules
// mirror pykwalify's types: `int` is an integral number, `float` any number (or a numeric string, as pykwalify's
// is_float accepts), `bool` a YAML boolean, `str` a string. A few checks PyRadiomics only makes later, at extraction
// (sequence lengths), are made here too, so that a bad file fails at load with the key's path.
import { IBSI_SETTING_RULES } from './ibsiKeys';
import type { NumberRange, Rule, SettingRule } from './rules';
import { INTERPOLATORS, type ExtractionSettings, type VoxelSettings } from './types';

// SimpleITK 1.x interpolator codes, the ones schemaFuncs.checkInterpolator accepts (range 1–10).
const INTERPOLATOR_CODES: Readonly<Record<number, string>> = Object.fromEntries(INTERPOLATORS.map((n, i) => [i + 1, n]));

// pywt.wavelist(kind='discrete') of PyWavelets 1.x: the wavelets imageoperations.getWaveletImage can use.
const WAVELETS: readonly string[] = [
  'haar',
  'dmey',
  ...range(1, 38).map((i) => `db${i}`),
  ...range(2, 20).map((i) => `sym${i}`),
  ...range(1, 17).map((i) => `coif${i}`),
  ...['1.1', '1.3', '1.5', '2.2', '2.4', '2.6', '2.8', '3.1', '3.3', '3.5', '3.7', '3.9', '4.4', '5.5', '6.8'].flatMap((v) => [`bior${v}`, `rbio${v}`]),
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const positiveInt: Rule = { type: 'int', minExclusive: 0 };
const positiveFloat: Rule = { type: 'float', minExclusive: 0 };
const bool: Rule = { type: 'bool' };

/** `setting:` (and each `imageType.<name>:` override), key by key as in paramSchema.yaml. */
export const SETTING_RULES: { readonly [K in keyof ExtractionSettings]-?: SettingRule } = {
  minimumROIDimensions: { rule: { type: 'int', min: 1, max: 3 } },
  minimumROISize: { rule: positiveInt, nullable: true },
  geometryTolerance: { rule: positiveFloat, nullable: true },
  correctMask: { rule: bool },
  additionalInfo: { rule: bool },
  label: { rule: positiveInt },
  label_channel: { rule: { type: 'int', min: 0 } },
  binWidth: { rule: positiveFloat },
  binCount: { rule: positiveInt, nullable: true },
  normalize: { rule: bool },
  normalizeScale: { rule: positiveFloat },
  removeOutliers: { rule: positiveFloat, nullable: true },
  // PyRadiomics requires one spacing per image dimension (imageoperations.resampleImage); images here are 3D.
  resampledPixelSpacing: {
    rule: { type: 'seq', item: { type: 'float', min: 0 }, minLength: 3, maxLength: 3 },
    nullable: true,
  },
  interpolator: { rule: { type: 'code', names: INTERPOLATORS, codes: INTERPOLATOR_CODES }, nullable: true },
  padDistance: { rule: { type: 'int', min: 0 } },
  distances: { rule: { type: 'seq', item: positiveInt, minLength: 1 } },
  force2D: { rule: bool },
  force2Ddimension: { rule: { type: 'int', min: 0, max: 2 } },
  // imageoperations.resegmentMask takes [lower] or [lower, upper].
  resegmentRange: { rule: { type: 'seq', item: { type: 'float' }, minLength: 1, maxLength: 2 }, nullable: true },
  resegmentMode: { rule: { type: 'str', enum: ['absolute', 'relative', 'sigma'] } },
  resegmentShape: { rule: bool },
  preCrop: { rule: bool },
  sigma: { rule: { type: 'seq', item: positiveFloat } },
  start_level: { rule: { type: 'int', min: 0 } },
  level: { rule: positiveInt },
  wavelet: { rule: { type: 'code', names: WAVELETS } },
  gradientUseSpacing: { rule: bool },
  lbp2DRadius: { rule: positiveFloat },
  lbp2DSamples: { rule: { type: 'int', min: 1 } },
  lbp2DMethod: { rule: { type: 'str', enum: ['default', 'ror', 'uniform', 'var'] } },
  lbp3DLevels: { rule: { type: 'int', min: 1 } },
  lbp3DIcosphereRadius: { rule: positiveFloat },
  lbp3DIcosphereSubdivision: { rule: { type: 'int', min: 0 } },
  voxelArrayShift: { rule: { type: 'int' } },
  symmetricalGLCM: { rule: bool },
  weightingNorm: {
    rule: { type: 'code', names: ['euclidean', 'manhattan', 'infinity', 'no_weighting'] },
    nullable: true,
  },
  gldm_a: { rule: { type: 'int', min: 0 } },
  // IBSI mode (setting.compliance: ibsi)
  ...IBSI_SETTING_RULES,
};

/** `voxelSetting:` as in paramSchema.yaml. */
export const VOXEL_SETTING_RULES: { readonly [K in keyof VoxelSettings]-?: SettingRule } = {
  kernelRadius: { rule: positiveInt },
  maskedKernel: { rule: bool },
  initValue: { rule: { type: 'float' } },
  voxelBatch: { rule: positiveInt },
};

/** Words for an error message: what a rule expects, e.g. "an integer ≥ 1 and ≤ 3". */
export function describeRule(rule: Rule, nullable = false): string {
  const text = describe(rule);
  return nullable ? `${text}, or null` : text;
}

function describe(rule: Rule): string {
  switch (rule.type) {
    case 'int':
      return `an integer${describeRange(rule)}`;
    case 'float':
      return `a number${describeRange(rule)}`;
    case 'bool':
      return 'true or false';
    case 'str':
      return rule.enum ? `one of ${rule.enum.join(', ')}` : 'a string';
    case 'code': {
      const names = rule.names.length > 12 ? `${rule.names.slice(0, 12).join(', ')}, …` : rule.names.join(', ');
      const codes = rule.codes ? ` (or its code ${Object.keys(rule.codes)[0]}–${Object.keys(rule.codes).at(-1)})` : '';
      return `one of ${names}${codes}`;
    }
    case 'seq': {
      const n =
        rule.minLength !== undefined && rule.minLength === rule.maxLength
          ? `${rule.minLength} `
          : rule.maxLength !== undefined
            ? `${rule.minLength ?? 0}–${rule.maxLength} `
            : rule.minLength
              ? `at least ${rule.minLength} `
              : '';
      return `a list of ${n}item(s), each ${describe(rule.item)}`;
    }
  }
}

function describeRange(r: NumberRange): string {
  const parts: string[] = [];
  if (r.minExclusive !== undefined) parts.push(`> ${r.minExclusive}`);
  if (r.min !== undefined) parts.push(`≥ ${r.min}`);
  if (r.max !== undefined) parts.push(`≤ ${r.max}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}
