// The `diagnostics_*` entries of a feature row, named as PyRadiomics' generalinfo names them, with our engine in
// place of PyRadiomics' versions and sha256 content hashes (volumeHash) in place of SimpleITK's sha1 Hash.
import type { Volume } from '../../imaging/image';
import type { ExtractionParams, ExtractionSettings } from '../params/types';
import { ENGINE_NAME, ENGINE_VERSION, PYRADIOMICS_COMPATIBILITY } from '../version';
import type { BoundingBox } from '../preprocessing/boundingBox';
import { maskStatistics } from './maskStatistics';
import { summarizeValues, type ValueSummary } from './volumeHash';

export type DiagnosticValue = string | number | boolean | null | readonly number[] | { readonly [key: string]: unknown };
export type Diagnostics = Record<string, DiagnosticValue>;

const PREFIX = 'diagnostics_';

/** The provenance every row carries, even with additionalInfo: false. */
export interface Provenance {
  paramsHash: string;
  imageHash: string | null;
  maskHash: string;
}

export function provenanceDiagnostics(p: Provenance): Diagnostics {
  const out: Diagnostics = {
    [`${PREFIX}Versions_Engine`]: `${ENGINE_NAME} ${ENGINE_VERSION}`,
    [`${PREFIX}Configuration_ParamsHash`]: p.paramsHash,
  };
  if (p.imageHash !== null) out[`${PREFIX}Image-original_Hash`] = p.imageHash;
  out[`${PREFIX}Mask-original_Hash`] = p.maskHash;
  return out;
}

/** generalinfo.addStaticElements, addGeneralSettings, addEnabledImageTypes. */
export function configurationDiagnostics(params: ExtractionParams, settings: ExtractionSettings): Diagnostics {
  const out: Diagnostics = {
    [`${PREFIX}Versions_PyRadiomicsCompatibility`]: PYRADIOMICS_COMPATIBILITY,
    [`${PREFIX}Versions_Node`]: process.versions.node,
    [`${PREFIX}Configuration_Settings`]: { ...settings },
    [`${PREFIX}Configuration_EnabledImageTypes`]: { ...params.imageTypes },
  };
  if (params.voxelSettings !== undefined) {
    out[`${PREFIX}Configuration_Ignored`] =
      'voxelSetting (applies to voxel-based extraction only: extractVoxelBased, osteoflow extract --voxel-based; these features are segment-based)';
  }
  return out;
}

/** generalinfo.addImageElements: spacing, size, mean, minimum, maximum of the whole image. */
export function imageDiagnostics(image: Volume, stage: 'original' | 'interpolated', summary: ValueSummary = summarizeValues(image.data)): Diagnostics {
  const key = `${PREFIX}Image-${stage}_`;
  const out: Diagnostics = {};
  if (stage === 'original') out[`${key}Dimensionality`] = '3D';
  out[`${key}Spacing`] = [...image.geometry.spacing];
  out[`${key}Size`] = [...image.geometry.size];
  out[`${key}Mean`] = summary.sum / image.data.length;
  out[`${key}Minimum`] = summary.min;
  out[`${key}Maximum`] = summary.max;
  return out;
}

/**
 * generalinfo.addMaskElements: the ROI's box, voxel and volume counts, centre of mass, and (when the image is on the
 * mask's grid) the image's mean/min/max inside the ROI.
 */
export function maskDiagnostics(
  roiMask: Uint8Array,
  mask: Volume,
  stage: 'original' | 'corrected' | 'interpolated' | 'resegmented',
  image?: Volume,
  box?: BoundingBox,
): Diagnostics {
  const stats = maskStatistics(roiMask, mask.geometry, image?.data, box);
  const key = `${PREFIX}Mask-${stage}_`;
  const out: Diagnostics = {
    [`${key}Spacing`]: [...mask.geometry.spacing],
    [`${key}Size`]: [...mask.geometry.size],
  };
  if (stats === null) return out;
  out[`${key}BoundingBox`] = stats.boundingBox;
  out[`${key}VoxelNum`] = stats.voxelNum;
  out[`${key}VolumeNum`] = stats.volumeNum;
  out[`${key}CenterOfMassIndex`] = stats.centerOfMassIndex;
  out[`${key}CenterOfMass`] = stats.centerOfMass;
  if (stats.intensity) {
    out[`${key}Mean`] = stats.intensity.mean;
    out[`${key}Minimum`] = stats.intensity.minimum;
    out[`${key}Maximum`] = stats.intensity.maximum;
  }
  return out;
}
