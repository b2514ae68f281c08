// Voxel-based extraction (PyRadiomics featureextractor.execute(image, mask, voxelBased=True)): the same loading and
// preprocessing as segment-based extraction, then for each derived image of each image type, every enabled class but
// shape in a kernel around each ROI voxel, one map per feature. Maps cover the ROI's box padded by kernelRadius and
// clipped to the image (the cropped region PyRadiomics returns), with initValue outside the ROI.
import { RadiomicsInputError } from '../../imaging/errors';
import type { Volume } from '../../imaging/image';
import { preprocess, resolveParams, type Diagnostics, type ExtractionInput, type ExtractOptions, type ParamsInput, type Preprocessed } from '../extractor';
import { provenanceDiagnostics } from '../extraction/diagnostics';
import { SHAPE_CLASSES } from '../extraction/featureClasses';
import { IMAGE_TYPES } from '../extraction/imageTypes';
import { padBox } from '../preprocessing/boundingBox';
import { boxGeometry, copyBox } from '../preprocessing/crop';
import { discretise } from '../preprocessing/discretise';
import { isIbsiMode } from '../params/ibsiSettings';
import type { ExtractionParams, ExtractionSettings, FeatureClassName, ImageTypeName, VoxelSettings } from '../params/types';
import { imageTypeSettings } from '../params/validate';
import { computeVoxelRange, finishGlcm, glcmAnglesIncomplete, type VoxelChunk, type VoxelGrid } from './kernels';

/** Voxel settings with PyRadiomics' defaults applied (voxelBatch: null = all ROI voxels in one batch). */
export interface ResolvedVoxelSettings {
  kernelRadius: number;
  maskedKernel: boolean;
  initValue: number;
  voxelBatch: number | null;
}

export interface VoxelExtractOptions extends ExtractOptions {
  /** Overrides the parameter file's `voxelSetting:` entries. */
  voxelSettings?: Partial<VoxelSettings>;
}

export interface VoxelExtractionResult {
  /** `<imageType>_<class>_<Feature>` → its map on the maps' grid (Float64, initValue outside the ROI). */
  maps: Record<string, Volume<Float64Array>>;
  /** The ROI (0/1) on the maps' grid: the voxels that hold a value. */
  roi: Volume<Uint8Array> | null;
  diagnostics: Diagnostics;
  settings: ResolvedVoxelSettings;
}

/** PyRadiomics' voxel defaults (base._calculateVoxels, firstorder/cmatrices kernelRadius) applied to the given settings. */
export function resolveVoxelSettings(params: ExtractionParams, overrides: Partial<VoxelSettings> = {}): ResolvedVoxelSettings {
  const given: Partial<VoxelSettings> = { ...(params.voxelSettings ?? {}), ...overrides };
  const s: ResolvedVoxelSettings = {
    kernelRadius: given.kernelRadius ?? 1,
    maskedKernel: given.maskedKernel ?? true,
    initValue: given.initValue ?? 0,
    voxelBatch: given.voxelBatch ?? null,
  };
  if (typeof s.kernelRadius !== 'number' || !Number.isInteger(s.kernelRadius) || s.kernelRadius < 1) {
    throw new RadiomicsInputError(`kernelRadius ${String(s.kernelRadius)} is not an integer ≥ 1`, {
      field: 'voxelSetting.kernelRadius',
      expected: 'an integer ≥ 1 (voxels from the centre to the kernel edge)',
    });
  }
  if (typeof s.maskedKernel !== 'boolean') {
    throw new RadiomicsInputError(`maskedKernel ${String(s.maskedKernel)} is not a boolean`, { field: 'voxelSetting.maskedKernel', expected: 'true or false' });
  }
  if (typeof s.initValue !== 'number') {
    throw new RadiomicsInputError(`initValue ${String(s.initValue)} is not a number`, { field: 'voxelSetting.initValue', expected: 'a number' });
  }
  if (s.voxelBatch !== null && (typeof s.voxelBatch !== 'number' || !Number.isInteger(s.voxelBatch) || s.voxelBatch < 1)) {
    throw new RadiomicsInputError(`voxelBatch ${String(s.voxelBatch)} is not an integer ≥ 1`, {
      field: 'voxelSetting.voxelBatch',
      expected: 'an integer ≥ 1 (ROI voxels per batch), or nothing for all at once',
    });
  }
  return s;
}

/** The enabled classes voxel mode computes (every class but shape); refuses a shape-only configuration. */
function voxelClasses(params: ExtractionParams): Partial<Record<FeatureClassName, string[] | null>> {
  const out: Partial<Record<FeatureClassName, string[] | null>> = {};
  for (const [name, enabled] of Object.entries(params.featureClasses) as [FeatureClassName, string[] | null][]) {
    if (!SHAPE_CLASSES.includes(name)) out[name] = enabled;
  }
  if (Object.keys(out).length === 0) {
    throw new RadiomicsInputError('voxel-based extraction has no feature class to compute: shape classes have no voxel-based form', {
      field: 'featureClass',
      expected: 'at least one of firstorder, glcm, glrlm, glszm, gldm, ngtdm',
    });
  }
  return out;
}

/** Everything decided before the kernels run: one grid per derived image, and the diagnostics. */
export interface VoxelPlan {
  grids: VoxelGrid[];
  diagnostics: Diagnostics;
  settings: ResolvedVoxelSettings;
}

export function planVoxelExtraction(
  imageInput: ExtractionInput,
  maskInput: ExtractionInput,
  paramsInput?: ParamsInput,
  options: VoxelExtractOptions = {},
): VoxelPlan {
  const params = resolveParams(paramsInput);
  if (isIbsiMode(params.settings)) {
    throw new RadiomicsInputError('voxel-based extraction follows PyRadiomics, not IBSI mode', {
      field: 'setting.compliance',
      expected: 'no compliance: ibsi with voxel-based extraction',
    });
  }
  const settings = resolveVoxelSettings(params, options.voxelSettings);
  const classes = voxelClasses(params);
  if (imageInput === null || imageInput === undefined) {
    throw new RadiomicsInputError('no image given', { field: 'image', expected: 'an image (voxel-based features read intensities)' });
  }
  const pre = preprocess(imageInput, maskInput, params, options);
  const grids: VoxelGrid[] = [];
  for (const imageType of Object.keys(pre.params.imageTypes) as ImageTypeName[]) {
    grids.push(...derivedGrids(pre, imageType, imageTypeSettings(pre.params, imageType), settings, classes));
  }
  const diagnostics: Diagnostics = { ...pre.info };
  delete diagnostics.diagnostics_Configuration_Ignored;
  diagnostics.diagnostics_Configuration_VoxelSettings = { ...settings };
  if ('shape' in params.featureClasses || 'shape2D' in params.featureClasses) {
    diagnostics.diagnostics_Configuration_Skipped = 'shape, shape2D: no voxel-based form (PyRadiomics computes shape only segment-based)';
  }
  if (grids.length > 0) {
    diagnostics['diagnostics_Mask-voxelBased_BoundingBox'] = [...grids[0].geometry.size];
    diagnostics['diagnostics_Mask-voxelBased_VoxelNum'] = grids[0].roiVoxels.length;
  }
  return { grids, diagnostics: { ...provenanceDiagnostics(pre.hashes), ...diagnostics }, settings };
}

/** The derived images of one image type, each cropped to the maps' grid and discretised once (base._applyBinning). */
function derivedGrids(
  pre: Preprocessed,
  imageType: ImageTypeName,
  typeSettings: ExtractionSettings,
  voxel: ResolvedVoxelSettings,
  classes: VoxelGrid['classes'],
): VoxelGrid[] {
  const { image, textureRoi } = pre;
  const size = image.geometry.size;
  const { lower, upper } = padBox(textureRoi.box, voxel.kernelRadius, size);
  const geometry = boxGeometry(image.geometry, lower, upper);
  const n = geometry.size[0] * geometry.size[1] * geometry.size[2];
  const roi = new Uint8Array(n);
  copyBox(textureRoi.roi, size, lower, upper, roi);
  const roiVoxels: number[] = [];
  for (let i = 0; i < n; i++) if (roi[i] !== 0) roiVoxels.push(i);
  const kernelMask = voxel.maskedKernel ? roi : new Uint8Array(n).fill(1);
  const filter = IMAGE_TYPES[imageType]!;
  const context = { mask: { geometry: textureRoi.mask.geometry, data: textureRoi.roi, source: textureRoi.mask.source }, region: { lower, upper } };
  const grids: VoxelGrid[] = [];
  for (const derived of filter(image, typeSettings, context)) {
    const off = derived.offset ?? [0, 0, 0];
    const values = new Float64Array(n);
    copyBox(
      derived.image.data,
      derived.image.geometry.size,
      [lower[0] - off[0], lower[1] - off[1], lower[2] - off[2]],
      [upper[0] - off[0], upper[1] - off[1], upper[2] - off[2]],
      values,
    );
    for (let i = 0; i < n; i++) {
      if (kernelMask[i] !== 0 && !Number.isFinite(values[i])) {
        throw new RadiomicsInputError(`${derived.name}: a kernel voxel holds a non-finite intensity (${values[i]})`, {
          file: image.source,
          field: 'intensity',
          expected: 'finite intensities inside every kernel',
        });
      }
    }
    const { binned } = discretise(values, kernelMask, typeSettings);
    let maxLevel = 0;
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      if (kernelMask[i] === 0) continue;
      seen.add(binned[i]);
      if (binned[i] > maxLevel) maxLevel = binned[i];
    }
    const grid: VoxelGrid = {
      name: derived.name,
      geometry,
      image: values,
      roi,
      kernelMask,
      binned,
      maxLevel,
      levelCount: seen.size,
      roiVoxels: Int32Array.from(roiVoxels),
      settings: typeSettings,
      classes,
      kernelRadius: voxel.kernelRadius,
    };
    const mcc = classes.glcm !== undefined && (classes.glcm === null || classes.glcm.includes('MCC'));
    const weighted = typeSettings.weightingNorm !== null && typeSettings.weightingNorm !== undefined;
    if (mcc && !weighted) grid.glcmIncomplete = glcmAnglesIncomplete(grid);
    grids.push(grid);
  }
  return grids;
}

/** Ranges [from, to) of ROI voxels: voxelBatch voxels each (or all at once), the unit of work and of memory. */
export function voxelRanges(count: number, batch: number | null): [number, number][] {
  const step = batch ?? Math.max(1, count);
  const out: [number, number][] = [];
  for (let from = 0; from < count; from += step) out.push([from, Math.min(count, from + step)]);
  return out;
}

/** Collects computed ranges of one grid into maps; GLCM's whole-ROI steps are applied once every range is in. */
export class GridMaps {
  readonly maps: Record<string, Volume<Float64Array>> = {};
  private readonly angles = new Set<string>();
  private readonly angleCount: Uint8Array;
  private readonly rows: Record<string, Float64Array> = {};

  constructor(
    private readonly grid: VoxelGrid,
    private readonly initValue: number,
  ) {
    this.angleCount = new Uint8Array(grid.roiVoxels.length);
  }

  add(from: number, chunk: VoxelChunk): void {
    for (const [name, values] of Object.entries(chunk.values)) {
      let row = this.rows[name];
      if (!row) row = this.rows[name] = new Float64Array(this.grid.roiVoxels.length);
      row.set(values, from);
    }
    for (const a of chunk.glcmAngles) this.angles.add(a);
    this.angleCount.set(chunk.glcmAngleCount, from);
  }

  finish(): Record<string, Volume<Float64Array>> {
    if ('glcm' in this.grid.classes) finishGlcm(this.rows, this.angles.size, this.angleCount, this.initValue);
    const n = this.grid.image.length;
    for (const [name, row] of Object.entries(this.rows)) {
      const data = new Float64Array(n).fill(this.initValue);
      const voxels = this.grid.roiVoxels;
      for (let k = 0; k < voxels.length; k++) data[voxels[k]] = row[k];
      this.maps[`${this.grid.name}_${name}`] = { geometry: this.grid.geometry, data };
    }
    return this.maps;
  }
}

/** Voxel-based extraction on the calling thread, one voxelBatch at a time. */
export function extractVoxelBasedSync(
  image: ExtractionInput,
  mask: ExtractionInput,
  params?: ParamsInput,
  options: VoxelExtractOptions = {},
): VoxelExtractionResult {
  const plan = planVoxelExtraction(image, mask, params, options);
  const maps: Record<string, Volume<Float64Array>> = {};
  for (const grid of plan.grids) {
    const collect = new GridMaps(grid, plan.settings.initValue);
    for (const [from, to] of voxelRanges(grid.roiVoxels.length, plan.settings.voxelBatch)) collect.add(from, computeVoxelRange(grid, from, to));
    Object.assign(maps, collect.finish());
  }
  return { maps, roi: roiOf(plan), diagnostics: plan.diagnostics, settings: plan.settings };
}

/** The ROI on the maps' grid (every derived image shares it). */
export function roiOf(plan: VoxelPlan): Volume<Uint8Array> | null {
  const grid = plan.grids[0];
  return grid ? { geometry: grid.geometry, data: grid.roi } : null;
}
