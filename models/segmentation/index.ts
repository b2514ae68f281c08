// Tumour segmentation: model packages (ONNX + sidecar + card), inference (sliding window, mirroring, post-processing)
// and the measures reported with a mask. Knows nothing of Temporal; activities/segmentation adapts it.
import path from 'node:path';

export { loadModelPackage, sha256File, type ModelPackage } from './package';
export { validateSidecar, SIDECAR_FILE, type Sidecar } from './sidecar';
export { SegmentationInputError, SegmentationModelError } from './errors';
export { segmentVolumes, type SegmentOptions, type SegmentResult } from './segment';
export { ModelSession, parseProviders, EXECUTION_PROVIDERS, type ExecutionProvider } from './inference/onnxSession';
export { dice, volumeMl, countNonZero } from './inference/postprocess';

/** The package shipped with osteoflow (trained by training/train.py on synthetic studies). */
export const DEFAULT_MODEL_DIR = path.join(__dirname, 'packages', 'osteoflow-tumour-unet3d-1.0.0');
