// PyRadiomics parameter files: load, validate against the schema, default, hash.
export * from './types';
export { DEFAULT_SETTINGS } from './defaults';
export { SETTING_RULES, VOXEL_SETTING_RULES, describeRule } from './schema';
export type { Rule, SettingRule } from './rules';
export { validateParams, imageTypeSettings, type ValidateOptions } from './validate';
export { parseParams, loadParamsFile } from './load';
export { canonicalJson, paramsHash } from './hash';
export { parsePythonLiteral, settingsFromPyRadiomicsDiagnostics } from './pythonLiteral';
