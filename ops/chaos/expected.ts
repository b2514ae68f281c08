// The feature rows a study's scans should produce, from the parameter file and the engine's feature catalogue — not
// from what a run stored — so that the checker can count what a run lost or doubled.
import { FEATURE_CLASSES, loadParamsFile, type FeatureClassName } from '../../radiomics';
import { petVolumetrics } from '../../radiomics/pet';
import { IDENTITY, type Geometry } from '../../imaging/image';

/** Feature names per modality that one timepoint stores under the study's parameter file. */
export function expectedFeatureNames(paramsFile: string, modalities: readonly string[]): Record<string, string[]> {
  const params = loadParamsFile(paramsFile);
  const imageTypes = Object.keys(params.imageTypes);
  if (imageTypes.some((t) => t !== 'Original')) {
    throw new Error(`the chaos check knows the feature names of the Original image type only; ${paramsFile} enables ${imageTypes.join(', ')}`);
  }
  const names: string[] = [];
  for (const [cls, listed] of Object.entries(params.featureClasses) as Array<[FeatureClassName, string[] | null]>) {
    const featureClass = FEATURE_CLASSES[cls];
    // null: every feature of the class that is not deprecated (PyRadiomics' default).
    const features = listed ?? featureClass.featureNames.filter((f) => !featureClass.deprecated?.includes(f));
    for (const feature of features) names.push(`original_${cls}_${feature}`);
  }
  return Object.fromEntries(modalities.map((m) => [m, m === 'PET' ? [...names, ...petFeatureNames()] : [...names]]));
}

/** The PET volumetrics stored beside the radiomic features (`derived_pet_SUVmax`, …). */
function petFeatureNames(): string[] {
  const geometry: Geometry = { size: [1, 1, 1], spacing: [1, 1, 1], origin: [0, 0, 0], direction: IDENTITY };
  const one = petVolumetrics({ geometry, data: Float32Array.of(3) }, { geometry, data: Uint8Array.of(1) });
  return Object.keys(one).map((name) => `derived_pet_${name}`);
}
