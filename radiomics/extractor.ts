// The feature extractor: PyRadiomics' featureextractor.execute in TypeScript. Settings → image and mask checks →
// normalise / resample / crop → shape on the original mask → image types (filters) → feature classes, with
// features named `<imageType>_<class>_<Feature>` and PyRadiomics' `diagnostics_*` beside them.
// This is the only module that knows parameter files; feature classes see a prepared Roi and its settings.
import { RadiomicsInputError } from '../imaging/errors';
import type { Roi } from './features/types';
import type { Vec3, Volume } from '../imaging/image';
import { assertFiniteMask, readImage } from '../imaging/io';
import { configurationDiagnostics, imageDiagnostics, maskDiagnostics, provenanceDiagnostics, type Diagnostics } from './extraction/diagnostics';
import { FEATURE_CATALOG, FEATURE_CLASSES, SHAPE_CLASSES } from './extraction/featureClasses';
import { IMAGE_TYPES, registeredImageTypes } from './extraction/imageTypes';
import { roiOnGrid, type RoiOnGrid } from './extraction/labelPass';
import { summarizeValues, volumeHash } from './extraction/volumeHash';
import { loadParamsFile, paramsHash, validateParams } from './params';
import type { ExtractionParams, ExtractionSettings, FeatureClassName, ImageTypeName } from './params/types';
import { imageTypeSettings } from './params/validate';
import { boxExtent, padBox, type BoundingBox } from './preprocessing/boundingBox';
import { alignMaskToImage } from './preprocessing/maskGeometry';
import { normaliseImage } from './preprocessing/normalise';
import { INTERPOLATORS, type Interpolator } from '../imaging/resample';
import { resampleImageAndMask } from './preprocessing/resampleToSpacing';
import { resegmentMask } from './preprocessing/resegment';
import { buildRoi } from './preprocessing/roi';
import { checkRoiSize } from './preprocessing/roiChecks';
import { cropVolume } from './preprocessing/crop';
import { ibsiFeatures } from './ibsi/extract';
import { isIbsiMode, rejectIbsiKeysOutsideIbsiMode, resolveIbsiSettings } from './params/ibsiSettings';

export type { Diagnostics, DiagnosticValue } from './extraction/diagnostics';

/** A volume already in memory, or a path readImage understands (NRRD, NIfTI, DICOM folder). */
export type ExtractionInput = Volume | string;

/** Validated params, a parameter-file path, a parsed parameter document, or nothing for PyRadiomics' defaults. */
export type ParamsInput = ExtractionParams | string | Record<string, unknown> | undefined;

export interface ExtractOptions {
  /** Overrides `setting.label` (the CLI's --label, the batch CSV's Label column). */
  label?: number;
}

export interface ExtractionResult {
  /** `<imageType>_<class>_<Feature>` → value (NaN where PyRadiomics gives NaN). */
  features: Record<string, number>;
  /** `diagnostics_*` entries: engine version, parameter and input hashes, configuration, image and mask facts. */
  diagnostics: Diagnostics;
}

/** One feature class to run on one prepared ROI. */
export interface FeatureTask {
  /** `original_glcm`, the prefix of every feature name it yields. */
  prefix: string;
  className: FeatureClassName;
  roi: Roi;
  /** null: every non-deprecated feature of the class. */
  enabled: string[] | null;
}

/** Everything decided before features are computed: the tasks and the diagnostics. */
export interface ExtractionPlan {
  tasks: FeatureTask[];
  diagnostics: Diagnostics;
}

export function resolveParams(params: ParamsInput): ExtractionParams {
  if (params === undefined) return validateParams(null, { catalog: FEATURE_CATALOG });
  if (typeof params === 'string') return loadParamsFile(params, { catalog: FEATURE_CATALOG });
  if (isExtractionParams(params)) return params;
  return validateParams(params, { catalog: FEATURE_CATALOG });
}

function isExtractionParams(p: object): p is ExtractionParams {
  return 'settings' in p && 'imageTypes' in p && 'featureClasses' in p;
}

function load(input: ExtractionInput, role: 'image' | 'mask'): Volume {
  // A mask with NaN or infinite voxels is refused, not read as background.
  if (typeof input === 'string') return readImage(input, { mask: role === 'mask' });
  if (!input || !input.geometry || !input.data) {
    throw new RadiomicsInputError(`${role} is neither a path nor a volume`, { field: role, expected: 'a file path or a Volume' });
  }
  if (role === 'mask') assertFiniteMask(input);
  return input;
}

/** The parameters actually used: the label override applied, so the hash says what was computed. */
function effectiveParams(params: ExtractionParams, options: ExtractOptions): ExtractionParams {
  if (options.label === undefined) return params;
  if (!Number.isInteger(options.label) || options.label <= 0) {
    throw new RadiomicsInputError(`label ${options.label} is not a positive integer`, { field: 'label', expected: 'an integer > 0' });
  }
  return { ...params, settings: { ...params.settings, label: options.label } };
}

function checkSupported(params: ExtractionParams): void {
  rejectIbsiKeysOutsideIbsiMode(params);
  // Params validated without the catalog (parseParams with no options) still get their feature names checked here.
  for (const [className, names] of Object.entries(params.featureClasses)) {
    const known = FEATURE_CATALOG[className];
    const unknown = (names ?? []).filter((n) => !known?.featureNames.includes(n) && !known?.deprecated?.includes(n));
    if (!known || unknown.length > 0) {
      throw new RadiomicsInputError(`unknown ${known ? `${className} feature(s) ${unknown.join(', ')}` : 'feature class'}`, {
        field: `featureClass.${className}`,
        expected: known ? `names from ${known.featureNames.join(', ')}` : `one of ${Object.keys(FEATURE_CATALOG).join(', ')}`,
      });
    }
  }
  for (const name of Object.keys(params.imageTypes) as ImageTypeName[]) {
    if (!IMAGE_TYPES[name]) {
      throw new RadiomicsInputError(`image type ${name} is not available in this engine yet`, {
        field: `imageType.${name}`,
        expected: `one of ${registeredImageTypes().join(', ')}`,
      });
    }
  }
  const { interpolator, resampledPixelSpacing } = params.settings;
  if (resampledPixelSpacing !== null && interpolator !== null && !(INTERPOLATORS as readonly string[]).includes(interpolator)) {
    throw new RadiomicsInputError(`interpolator ${interpolator} is not available in this engine`, {
      field: 'setting.interpolator',
      expected: `one of ${INTERPOLATORS.join(', ')}`,
    });
  }
}

/** A volume of zeros on the mask's grid: the stand-in image for shape-only extraction from a mask alone. */
function blankImage(mask: Volume): Volume {
  return { geometry: mask.geometry, data: new Uint8Array(mask.data.length), source: mask.source };
}

/** A 0/1 ROI mask as a volume on `grid`'s geometry (label 1), for filters and the ROI builder. */
function roiVolume(roiMask: Uint8Array, grid: Volume): Volume<Uint8Array> {
  return { geometry: grid.geometry, data: roiMask, source: grid.source };
}

/**
 * Preprocesses image and mask as PyRadiomics does and lists the feature computations to run.
 * `image` may be null when only shape classes are enabled (shape reads the mask alone).
 */
export function planExtraction(
  imageInput: ExtractionInput | null,
  maskInput: ExtractionInput,
  paramsInput?: ParamsInput,
  options: ExtractOptions = {},
): ExtractionPlan {
  const prepared = prepare(imageInput, maskInput, paramsInput, options);
  return { tasks: prepared.tasks, diagnostics: { ...provenanceDiagnostics(prepared.hashes), ...prepared.info } };
}

interface Prepared {
  tasks: FeatureTask[];
  info: Diagnostics;
  hashes: { paramsHash: string; imageHash: string | null; maskHash: string };
}

/** What PyRadiomics' preprocessing leaves for the feature classes: the image and the ROIs on its grid. */
export interface Preprocessed {
  params: ExtractionParams;
  image: Volume;
  /** The ROI shape classes read (re-segmented only with resegmentShape). */
  shapeRoi: RoiOnGrid;
  /** The ROI every other class reads (after re-segmentation). */
  textureRoi: RoiOnGrid;
  info: Diagnostics;
  hashes: Prepared['hashes'];
}

function prepare(imageInput: ExtractionInput | null, maskInput: ExtractionInput, paramsInput: ParamsInput, options: ExtractOptions): Prepared {
  const pre = preprocess(imageInput, maskInput, paramsInput, options);
  const roiFor = roiBuilder();
  const tasks = shapeTasks(pre, roiFor);
  for (const imageType of Object.keys(pre.params.imageTypes) as ImageTypeName[]) {
    for (const derived of derivedImageTasks(pre, imageType, imageTypeSettings(pre.params, imageType), roiFor)) tasks.push(...derived.tasks);
  }
  return { tasks, info: pre.info, hashes: pre.hashes };
}

/** Loading, label selection, normalisation, resampling or pre-cropping, the mask checks and re-segmentation. */
export function preprocess(imageInput: ExtractionInput | null, maskInput: ExtractionInput, paramsInput: ParamsInput, options: ExtractOptions): Preprocessed {
  const params = effectiveParams(resolveParams(paramsInput), options);
  if (isIbsiMode(params.settings)) {
    throw new RadiomicsInputError('IBSI mode has no PyRadiomics feature tasks to plan', {
      field: 'setting.compliance',
      expected: 'extract() / extractSync() for compliance: ibsi',
    });
  }
  checkSupported(params);
  const settings = params.settings;
  const label = settings.label;
  const enabledClasses = Object.keys(params.featureClasses) as FeatureClassName[];
  const shapeOnly = enabledClasses.every((c) => SHAPE_CLASSES.includes(c));
  if (imageInput === null && !shapeOnly) {
    throw new RadiomicsInputError('no image given, but intensity feature classes are enabled', {
      field: 'image',
      expected: 'an image, or featureClass limited to shape/shape2D',
    });
  }
  const hasImage = imageInput !== null;

  let mask = load(maskInput, 'mask');
  let image = hasImage ? load(imageInput, 'image') : blankImage(mask);
  // featureextractor.loadImage: label selection (getMask), then normalise, then resample or pre-crop.
  let current = roiOnGrid(mask, label);
  // One pass over the image serves its hash and its diagnostics; the label pass above served the mask's hash.
  const imageSummary = hasImage ? summarizeValues(image.data) : null;
  const hashes = {
    paramsHash: paramsHash(params),
    imageHash: imageSummary ? volumeHash(image, imageSummary) : null,
    maskHash: volumeHash(mask, current.summary),
  };
  const info: Diagnostics = {};
  const record = (d: () => Diagnostics) => settings.additionalInfo && Object.assign(info, d());

  record(() => configurationDiagnostics(params, settings));
  if (imageSummary) record(() => imageDiagnostics(image, 'original', imageSummary));
  record(() => maskDiagnostics(current.roi, mask, 'original', undefined, current.box));

  if (settings.normalize && hasImage) image = normaliseImage(image, settings);
  if (settings.interpolator !== null && settings.resampledPixelSpacing !== null) {
    ({ image, mask } = resampleImageAndMask(image, mask, {
      label,
      resampledPixelSpacing: settings.resampledPixelSpacing,
      // A stand-in blank image needs no B-spline: every interpolator gives 0.
      interpolator: hasImage ? (settings.interpolator as Interpolator) : 'sitkNearestNeighbor',
      padDistance: settings.padDistance,
    }));
    current = roiOnGrid(mask, label);
    if (hasImage) record(() => imageDiagnostics(image, 'interpolated'));
    record(() => maskDiagnostics(current.roi, mask, 'interpolated', hasImage ? image : undefined, current.box));
  } else if (settings.preCrop) {
    mask = alignMaskToImage(image, mask, settings);
    current = mask === current.mask ? current : roiOnGrid(mask, label);
    checkRoiSize(current.box, settings, mask.source);
    const { lower, upper } = padBox(current.box, settings.padDistance, mask.geometry.size);
    image = cropVolume(image, lower, upper);
    mask = cropVolume(mask, lower, upper);
    current = roiOnGrid(mask, label);
  }

  // imageoperations.checkMask: the mask on the image's grid (or corrected onto it), then the ROI size checks.
  const aligned = alignMaskToImage(image, mask, settings);
  if (aligned !== mask) {
    mask = aligned;
    current = roiOnGrid(mask, label);
    record(() => maskDiagnostics(current.roi, mask, 'corrected', hasImage ? image : undefined, current.box));
  }
  checkRoiSize(current.box, settings, mask.source);

  // Re-segmentation applies to every class but shape, unless resegmentShape asks for it there too.
  let textureRoi = current;
  if (settings.resegmentRange !== null && hasImage) {
    const resegmented = resegmentMask(image, mask, {
      label,
      resegmentRange: settings.resegmentRange,
      resegmentMode: settings.resegmentMode,
    });
    textureRoi = roiOnGrid(resegmented, label);
    checkRoiSize(textureRoi.box, settings, mask.source);
    record(() => maskDiagnostics(textureRoi.roi, resegmented, 'resegmented', image, textureRoi.box));
  }
  const shapeRoi = settings.resegmentShape ? textureRoi : current;
  // shape2D that cannot run is reported, not computed
  if ('shape2D' in params.featureClasses) {
    const reason = shape2DSkipReason(shapeRoi.box, settings);
    if (reason) info.diagnostics_Configuration_Skipped = `shape2D: ${reason}`;
  }
  return { params, image, shapeRoi, textureRoi, info, hashes };
}

/** Preprocessing and the shape tasks, with the extraction's diagnostics: the extraction pool's first step. */
export function preprocessWithShape(
  imageInput: ExtractionInput | null,
  maskInput: ExtractionInput,
  paramsInput: ParamsInput,
  options: ExtractOptions,
  roiFor: RoiFor = roiBuilder(),
): { pre: Preprocessed; shapeTasks: FeatureTask[]; diagnostics: Diagnostics } {
  const pre = preprocess(imageInput, maskInput, paramsInput, options);
  return { pre, shapeTasks: shapeTasks(pre, roiFor), diagnostics: { ...provenanceDiagnostics(pre.hashes), ...pre.info } };
}

type RoiFor = (derived: Volume, state: RoiOnGrid, key: string, s: ExtractionSettings, offset?: Vec3) => Roi;

/**
 * The ROI of a derived image as feature classes see it. Only the original image's is kept for reuse (shape and the
 * texture classes share it); every other key is asked for once, and keeping those ROIs would hold each derived
 * image's intensities, mask and gray levels until the extraction ends.
 */
function roiBuilder(): RoiFor {
  const cache = new Map<string, Roi>();
  return (derived, state, key, s, offset) => {
    let roi = cache.get(key);
    if (!roi) {
      // Feature classes see the ROI cropped to its box without padding (cropToTumorMask, padDistance = kernelRadius 0);
      // cropping first keeps the ROI builder's passes to the box. A filter's region image starts at `offset`.
      const { lower, upper } = state.box;
      const croppedMask = cropVolume(roiVolume(state.roi, state.mask), lower, upper);
      const at = (v: Vec3): Vec3 => (offset ? [v[0] - offset[0], v[1] - offset[1], v[2] - offset[2]] : v);
      // a filter's region image that is already the box is read as it is, not copied
      const whole = at(lower).every((v) => v === 0) && at(upper).every((v, a) => v === derived.geometry.size[a] - 1);
      roi = buildRoi(whole ? derived : cropVolume(derived, at(lower), at(upper)), croppedMask, { label: 1, padDistance: 0, settings: s });
      if (key === 'original') cache.set(key, roi);
    }
    return roi;
  };
}

/** featureextractor.computeShape: shape classes once, on the original image and the (un-resegmented) mask. */
function shapeTasks(pre: Preprocessed, roiFor: RoiFor): FeatureTask[] {
  const { params, image, shapeRoi, textureRoi } = pre;
  const tasks: FeatureTask[] = [];
  for (const className of SHAPE_CLASSES) {
    if (!(className in params.featureClasses)) continue;
    if (className === 'shape2D' && shape2DSkipReason(shapeRoi.box, params.settings)) continue;
    const key = shapeRoi === textureRoi ? 'original' : 'original/shape';
    tasks.push({
      prefix: `original_${className}`,
      className,
      roi: roiFor(image, shapeRoi, key, params.settings),
      enabled: params.featureClasses[className] ?? null,
    });
  }
  return tasks;
}

/**
 * Every class but shape on each derived image of one image type (with that type's settings), in the order the filter
 * yields them, each with its position among the type's derived images; with `wanted`, only the derived images at
 * those positions (a filter that can leaves the others uncomputed). The original image's ROI is shared with the
 * shape classes when `pre.shapeRoi` is the texture ROI.
 */
export function* derivedImageTasks(
  pre: Pick<Preprocessed, 'params' | 'image' | 'textureRoi'> & { shapeRoi?: RoiOnGrid },
  imageType: ImageTypeName,
  typeSettings: ExtractionSettings,
  roiFor: RoiFor = roiBuilder(),
  wanted: (index: number) => boolean = () => true,
): Generator<{ name: string; index: number; tasks: FeatureTask[] }> {
  const { params, image, textureRoi } = pre;
  const intensityClasses = (Object.keys(params.featureClasses) as FeatureClassName[]).filter((c) => !SHAPE_CLASSES.includes(c));
  if (intensityClasses.length === 0) return;
  const filter = IMAGE_TYPES[imageType]!;
  const context = { mask: roiVolume(textureRoi.roi, textureRoi.mask), region: textureRoi.box, wanted };
  let counted = -1;
  for (const derived of filter(image, typeSettings, context)) {
    const index = derived.index ?? ++counted;
    if (!wanted(index)) continue;
    const sameAsShape = derived.image === image && imageType === 'Original' && textureRoi === pre.shapeRoi;
    const key = sameAsShape ? 'original' : `${imageType}/${derived.name}`;
    const roi = roiFor(derived.image, textureRoi, key, typeSettings, derived.offset);
    yield {
      name: derived.name,
      index,
      tasks: intensityClasses.map((className) => ({
        prefix: `${derived.name}_${className}`,
        className,
        roi,
        enabled: params.featureClasses[className] ?? null,
      })),
    };
  }
}

/** Runs the tasks of one derived image (or the shape tasks) into one feature record, in task order. */
export function runTasks(tasks: Iterable<FeatureTask>): Record<string, number> {
  const features: Record<string, number> = {};
  for (const task of tasks) Object.assign(features, runTask(task));
  return features;
}

/**
 * Why shape2D cannot run, or null. It needs force2D and an ROI one voxel thick along force2Ddimension (numpy axis
 * order: 0 = z). PyRadiomics warns and skips without force2D, and fails on a thicker ROI; here both are skipped
 * and reported in diagnostics_Configuration_Skipped, so that "all classes" works on 3D masks.
 */
function shape2DSkipReason(box: BoundingBox, settings: ExtractionSettings): string | null {
  if (!settings.force2D) return 'needs force2D: true';
  const thickness = boxExtent(box)[2 - settings.force2Ddimension];
  return thickness > 1 ? `the ROI is ${thickness} voxels thick along force2Ddimension ${settings.force2Ddimension}` : null;
}

/** Runs one task: the class's enabled features, named with the task's prefix. */
export function runTask(task: FeatureTask): Record<string, number> {
  const values = FEATURE_CLASSES[task.className].compute(task.roi, task.enabled ?? undefined);
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(values)) out[`${task.prefix}_${name}`] = value;
  return out;
}

/** Single-threaded extraction: the reference path, and the one tests and small ROIs use. */
export function extractSync(image: ExtractionInput | null, mask: ExtractionInput, params?: ParamsInput, options: ExtractOptions = {}): ExtractionResult {
  const resolved = effectiveParams(resolveParams(params), options);
  if (isIbsiMode(resolved.settings)) return extractIbsiMode(image, mask, resolved);
  // Each derived image's features are computed as soon as it is made, so that only one derived image and its ROI are
  // alive at a time (planning every task first would hold all of them).
  const roiFor = roiBuilder();
  const { pre, shapeTasks: shape, diagnostics } = preprocessWithShape(image, mask, resolved, options, roiFor);
  const features = runTasks(shape);
  for (const imageType of Object.keys(pre.params.imageTypes) as ImageTypeName[]) {
    for (const derived of derivedImageTasks(pre, imageType, imageTypeSettings(pre.params, imageType), roiFor)) {
      Object.assign(features, runTasks(derived.tasks));
    }
  }
  return { features, diagnostics };
}

/**
 * IBSI mode (setting.compliance: ibsi): the same loading, label selection, mask geometry check, normalisation and
 * provenance as PyRadiomics mode, then IBSI-1 preprocessing and families (radiomics/ibsi), named by IBSI tag.
 */
function extractIbsiMode(imageInput: ExtractionInput | null, maskInput: ExtractionInput, params: ExtractionParams): ExtractionResult {
  const ibsi = resolveIbsiSettings(params);
  const settings = params.settings;
  if (imageInput === null) {
    throw new RadiomicsInputError('no image given', { field: 'image', expected: 'an image (IBSI mode computes intensity families)' });
  }
  const mask = load(maskInput, 'mask');
  let image = load(imageInput, 'image');
  let current = roiOnGrid(mask, settings.label);
  const imageSummary = summarizeValues(image.data);
  const hashes = { paramsHash: paramsHash(params), imageHash: volumeHash(image, imageSummary), maskHash: volumeHash(mask, current.summary) };
  const aligned = alignMaskToImage(image, mask, settings);
  if (aligned !== mask) current = roiOnGrid(aligned, settings.label);
  if (settings.normalize) image = normaliseImage(image, settings);
  const { features, diagnostics } = ibsiFeatures(image, current.roi, ibsi, current.box);
  const info: Diagnostics = settings.additionalInfo
    ? { ...configurationDiagnostics(params, settings), ...imageDiagnostics(image, 'original', imageSummary), ...diagnostics }
    : {};
  return { features, diagnostics: { ...provenanceDiagnostics(hashes), ...info } };
}

/**
 * Extraction as a promise (the API the CLI and activities use). It runs on the calling thread: worker threads were
 * measured (a pool splitting the feature classes of the 60,000-voxel synthetic case) and did not pay on 2 shared
 * cores — about 0.5 s to start a worker that loads the engine, against at most half of 0.2–0.4 s of feature time.
 * Filters are another matter: extractOnWorkers (extraction/pool.ts) computes each image type's derived images on a
 * pool of worker threads, with progress, and keeps the calling thread's event loop free.
 */
export async function extract(
  image: ExtractionInput | null,
  mask: ExtractionInput,
  params?: ParamsInput,
  options: ExtractOptions = {},
): Promise<ExtractionResult> {
  return extractSync(image, mask, params, options);
}
