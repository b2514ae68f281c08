// Validates a parsed parameter document (YAML, JSON or a plain object) against PyRadiomics' schema and fills in
// PyRadiomics' defaults. Every rejection names the key's path (`setting.binWidth`) and what was expected.
import { RadiomicsInputError } from '../../imaging/errors';
import { checkIbsiParams } from './ibsiSettings';
import { DEFAULT_SETTINGS } from './defaults';
import { describeRule, SETTING_RULES, VOXEL_SETTING_RULES } from './schema';
import type { Rule, SettingRule } from './rules';
import {
  FEATURE_CLASS_NAMES,
  IMAGE_TYPE_NAMES,
  type ExtractionParams,
  type ExtractionSettings,
  type FeatureCatalog,
  type FeatureClassName,
  type ImageTypeName,
  type VoxelSettings,
} from './types';

export interface ValidateOptions {
  /** The parameter file, for error messages. */
  file?: string;
  /** Feature names per class; without it feature names are not checked here (the feature classes check them). */
  catalog?: FeatureCatalog;
}

const SECTIONS = ['setting', 'voxelSetting', 'featureClass', 'imageType'] as const;

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Readable form of an offending value for messages. */
function show(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

class Validator {
  constructor(private readonly options: ValidateOptions) {}

  fail(path: string, message: string, expected: string): never {
    throw new RadiomicsInputError(message, { file: this.options.file, field: path, expected });
  }

  params(raw: unknown): ExtractionParams {
    // An empty document is PyRadiomics' default extraction.
    const doc: Mapping = raw === null || raw === undefined ? {} : this.mapping(raw, '(document)', 'a mapping with keys ' + SECTIONS.join(', '));
    for (const key of Object.keys(doc)) {
      if (!(SECTIONS as readonly string[]).includes(key)) {
        this.fail(key, `unknown section${suggest(key, SECTIONS)}`, `one of ${SECTIONS.join(', ')}`);
      }
    }
    const overrides = doc.setting === null || doc.setting === undefined ? {} : this.settings(doc.setting, 'setting');
    const settings = { ...cloneSettings(DEFAULT_SETTINGS), ...overrides } as ExtractionSettings;
    const params: ExtractionParams = {
      settings,
      imageTypes: this.imageTypes(doc.imageType),
      featureClasses: this.featureClasses(doc.featureClass),
    };
    if (doc.voxelSetting !== undefined) params.voxelSettings = this.voxelSettings(doc.voxelSetting);
    return params;
  }

  mapping(value: unknown, path: string, expected: string): Mapping {
    if (!isMapping(value)) this.fail(path, `got ${show(value)}`, expected);
    return value;
  }

  /** Setting overrides (`setting:` or an image type's own), each key checked against SETTING_RULES. */
  settings(value: unknown, path: string): Partial<ExtractionSettings> {
    const map = this.mapping(value, path, 'a mapping of settings');
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(map)) {
      const rule = (SETTING_RULES as Record<string, SettingRule | undefined>)[key];
      if (!rule) {
        this.fail(`${path}.${key}`, `unknown setting${suggest(key, Object.keys(SETTING_RULES))}`, 'a setting of paramSchema.yaml');
      }
      out[key] = this.setting(v, `${path}.${key}`, rule);
    }
    return out as Partial<ExtractionSettings>;
  }

  setting(value: unknown, path: string, { rule, nullable }: SettingRule): unknown {
    if (value === null || value === undefined) {
      if (nullable) return null;
      this.fail(path, 'got null (an empty value)', describeRule(rule));
    }
    return this.value(value, path, rule, nullable);
  }

  value(value: unknown, path: string, rule: Rule, nullable = false): unknown {
    const expected = describeRule(rule, nullable);
    switch (rule.type) {
      case 'int': {
        if (typeof value !== 'number' || !Number.isInteger(value)) this.fail(path, `got ${show(value)}`, expected);
        this.checkRange(value, path, rule, expected);
        return value;
      }
      case 'float': {
        const n = toFloat(value);
        if (n === undefined) this.fail(path, `got ${show(value)}`, expected);
        this.checkRange(n, path, rule, expected);
        return n;
      }
      case 'bool':
        if (typeof value !== 'boolean') this.fail(path, `got ${show(value)}`, expected);
        return value;
      case 'str':
        if (typeof value !== 'string' || (rule.enum && !rule.enum.includes(value))) {
          this.fail(path, `got ${show(value)}`, expected);
        }
        return value;
      case 'code': {
        if (typeof value === 'string' && rule.names.includes(value)) return value;
        if (typeof value === 'number' && rule.codes?.[value] !== undefined) return rule.codes[value];
        this.fail(path, `got ${show(value)}`, expected);
      }
      // falls through: fail() never returns
      case 'seq': {
        if (!Array.isArray(value)) this.fail(path, `got ${show(value)}`, expected);
        if ((rule.minLength !== undefined && value.length < rule.minLength) || (rule.maxLength !== undefined && value.length > rule.maxLength)) {
          this.fail(path, `got a list of ${value.length} item(s)`, expected);
        }
        return value.map((item, i) => {
          if (item === null || item === undefined) this.fail(`${path}[${i}]`, 'got null', describeRule(rule.item));
          return this.value(item, `${path}[${i}]`, rule.item);
        });
      }
    }
  }

  checkRange(n: number, path: string, r: { min?: number; max?: number; minExclusive?: number }, expected: string): void {
    const hasRange = r.min !== undefined || r.max !== undefined || r.minExclusive !== undefined;
    if (
      (hasRange && Number.isNaN(n)) ||
      (r.min !== undefined && n < r.min) ||
      (r.max !== undefined && n > r.max) ||
      (r.minExclusive !== undefined && n <= r.minExclusive)
    ) {
      this.fail(path, `got ${n}`, expected);
    }
  }

  imageTypes(value: unknown): ExtractionParams['imageTypes'] {
    if (value === undefined) return { Original: {} };
    const map = this.mapping(value, 'imageType', `a mapping of image types (${IMAGE_TYPE_NAMES.join(', ')})`);
    const out: ExtractionParams['imageTypes'] = {};
    for (const [name, custom] of Object.entries(map)) {
      if (!(IMAGE_TYPE_NAMES as readonly string[]).includes(name)) {
        this.fail(`imageType.${name}`, `unknown image type${suggest(name, IMAGE_TYPE_NAMES)}`, `one of ${IMAGE_TYPE_NAMES.join(', ')}`);
      }
      // Params.yaml: "for dictionaries / mappings, None values are not allowed, '{}' is an empty dictionary".
      out[name as ImageTypeName] = this.settings(custom, `imageType.${name}`);
    }
    // featureextractor._applyParams: no image type given → Original only.
    return Object.keys(out).length === 0 ? { Original: {} } : out;
  }

  featureClasses(value: unknown): ExtractionParams['featureClasses'] {
    const out: ExtractionParams['featureClasses'] = {};
    if (value !== undefined) {
      const map = this.mapping(value, 'featureClass', `a mapping of feature classes (${FEATURE_CLASS_NAMES.join(', ')})`);
      for (const [name, features] of Object.entries(map)) {
        const path = `featureClass.${name}`;
        if (!(FEATURE_CLASS_NAMES as readonly string[]).includes(name)) {
          this.fail(path, `unknown feature class${suggest(name, FEATURE_CLASS_NAMES)}`, `one of ${FEATURE_CLASS_NAMES.join(', ')}`);
        }
        out[name as FeatureClassName] = this.featureNames(features, path, name);
      }
    }
    // featureextractor._applyParams: no class given → every class, each with all (non-deprecated) features.
    if (Object.keys(out).length === 0) for (const name of FEATURE_CLASS_NAMES) out[name] = null;
    return out;
  }

  featureNames(value: unknown, path: string, className: string): string[] | null {
    if (value === null || value === undefined) return null;
    const known = this.options.catalog?.[className];
    const allowed = known ? [...known.featureNames, ...(known.deprecated ?? [])] : undefined;
    const expected = allowed ? `a list of ${className} feature names (${allowed.join(', ')}), or nothing for all` : 'a list of feature names';
    if (!Array.isArray(value)) this.fail(path, `got ${show(value)}`, expected);
    value.forEach((name, i) => {
      if (typeof name !== 'string') this.fail(`${path}[${i}]`, `got ${show(name)}`, 'a feature name');
      if (allowed && !allowed.includes(name)) {
        this.fail(`${path}[${i}]`, `unknown ${className} feature ${JSON.stringify(name)}${suggest(name, allowed)}`, expected);
      }
    });
    // An empty list means "all", as in PyRadiomics; names are a set, kept sorted so that equal params hash equal.
    return value.length === 0 ? null : [...new Set(value as string[])].sort();
  }

  voxelSettings(value: unknown): VoxelSettings {
    if (value === null) return {};
    const map = this.mapping(value, 'voxelSetting', 'a mapping of voxel settings');
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(map)) {
      const rule = (VOXEL_SETTING_RULES as Record<string, SettingRule | undefined>)[key];
      if (!rule) {
        this.fail(
          `voxelSetting.${key}`,
          `unknown voxel setting${suggest(key, Object.keys(VOXEL_SETTING_RULES))}`,
          `one of ${Object.keys(VOXEL_SETTING_RULES).join(', ')}`,
        );
      }
      out[key] = this.setting(v, `voxelSetting.${key}`, rule);
    }
    return out as VoxelSettings;
  }
}

/** pykwalify's is_float: a number, or a string float() accepts ('1e-06', 'nan'). */
function toFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const s = value.trim().toLowerCase();
  if (/^[+-]?(nan)$/.test(s)) return NaN;
  if (/^[+-]?(inf|infinity)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/.test(s)) return Number(s);
  return undefined;
}

/** " (did you mean binWidth?)" for a key that differs from a known one only in case. */
function suggest(key: string, known: readonly string[]): string {
  const match = known.find((k) => k.toLowerCase() === key.toLowerCase());
  return match ? ` (did you mean ${match}?)` : '';
}

function cloneSettings(s: Readonly<ExtractionSettings>): ExtractionSettings {
  return JSON.parse(JSON.stringify(s)) as ExtractionSettings;
}

export function validateParams(raw: unknown, options: ValidateOptions = {}): ExtractionParams {
  const params = new Validator(options).params(raw);
  // IBSI mode's settings are checked against each other at load, as the schema's rules are.
  checkIbsiParams(params, options.file);
  return params;
}

/** The settings an image type runs with: the global settings overridden by its own (featureextractor.execute). */
export function imageTypeSettings(params: ExtractionParams, imageType: ImageTypeName): ExtractionSettings {
  return { ...params.settings, ...(params.imageTypes[imageType] ?? {}) };
}
