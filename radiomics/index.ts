// The radiomics engine's public surface: extraction (on the calling thread or on worker threads), parameter files,
// voxel-based feature maps, image I/O, the CSV of batch cases and results, and the engine's identity.
// Everything else in radiomics/ is internal to the engine.
export { extract, extractSync, planExtraction, resolveParams, runTask } from './extractor';
export type { ExtractionInput, ExtractionResult, ExtractOptions, ParamsInput, Diagnostics, DiagnosticValue } from './extractor';
export { loadParamsFile, parseParams, validateParams, paramsHash, DEFAULT_SETTINGS } from './params';
export type { ExtractionParams, ExtractionSettings, ImageTypeName, FeatureClassName } from './params';
export { IMAGE_TYPES } from './extraction/imageTypes';
export type { ImageTypeFilter, DerivedImage } from './filters/types';
export { FEATURE_CLASSES } from './extraction/featureClasses';
export { volumeHash } from './extraction/volumeHash';
export { csvLine, parseCsv } from './extraction/csv';
export { readImage } from '../imaging/io';
export { RadiomicsInputError } from '../imaging/errors';
export type { Volume, Geometry } from '../imaging/image';
export { ENGINE_NAME, ENGINE_VERSION, PYRADIOMICS_COMPATIBILITY } from './version';
export { extractOnWorkers, ExtractionPool, poolPays, sharedExtractionPool } from './extraction/pool';
export type { ExtractionProgress, PooledExtractOptions } from './extraction/pool';
export { extractVoxelBasedSync, planVoxelExtraction, resolveVoxelSettings } from './voxel/extract';
export type { ResolvedVoxelSettings, VoxelExtractionResult, VoxelExtractOptions } from './voxel/extract';
export { extractVoxelBased } from './voxel/pool';
export type { VoxelPoolOptions } from './voxel/pool';
export { writeVoxelMaps } from './voxel/write';
