// The synthetic osteosarcoma study generator: the public surface (see synthetic/README.md).
export { generateStudy, writeStudy, renderVisit, studyGeometry, DEFAULT_SIZE, FIELD_OF_VIEW_MM, UNITS } from './study';
export type { StudyOptions, WriteStudyOptions, RenderedVisit } from './study';
export type { DefectOptions } from './defects';
export * from './manifest';
export { synthesizeDwi, uniformValues, type SyntheticDwiOptions, type DiffusionTruth } from './dwi';
export {
  validateFunctionalOptions,
  functionalSeriesSettings,
  tumourPerfusion,
  FUNCTIONAL_DEFAULTS,
  type FunctionalOptions,
  type FunctionalProtocol,
  type FunctionalTruth,
} from './functional';
export { synthesizeDce, toftsConcentration, parkerNodes, type SyntheticDceOptions, type SyntheticDce, type DceTissue } from './dce';
