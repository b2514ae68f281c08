// One volume through a model package: images → model grid → sliding window (+ mirroring) → argmax → back to the
// first image's grid (nearest) → connected-component clean-up → a mask Volume with the tumour volume.
import type { Volume } from '../../imaging/image';
import { resampleVolume } from '../../imaging/resample';
import type { ModelPackage } from './package';
import { prepareInput } from './inference/preprocess';
import { argmaxLabels, countNonZero, filterComponents, volumeMl, type ComponentRule } from './inference/postprocess';
import { slidingWindow, type PatchRunner } from './inference/slidingWindow';
import type { Vec3 } from './sidecar';

export interface SegmentOptions {
  /** Mirroring test-time augmentation over the sidecar's mirror axes (default off: 2^axes times the work). */
  tta?: boolean;
  /** Windows per network run (default: the sidecar's). */
  batchSize?: number;
  /** Overrides the sidecar's overlap (0 … 0.9). */
  overlap?: number;
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

export interface SegmentResult {
  /** On the first image's grid; label values as the sidecar's classes. */
  mask: Volume<Uint8Array>;
  /** Voxels of any non-background label. */
  tumourVoxels: number;
  tumourMl: number;
  windows: number;
  passes: number;
  /** Size of the model grid the network saw (x, y, z). */
  modelGrid: Vec3;
  /** Voxels the component rule removed. */
  removedVoxels: number;
  timings: { preprocessMs: number; inferenceMs: number; postprocessMs: number; totalMs: number };
}

export async function segmentVolumes(volumes: Volume[], pkg: ModelPackage, runner: PatchRunner, options: SegmentOptions = {}): Promise<SegmentResult> {
  const { sidecar } = pkg;
  const t0 = performance.now();
  const input = prepareInput(volumes, sidecar);
  const t1 = performance.now();
  const classes = sidecar.output.classes;
  const overlap = options.overlap ?? sidecar.inference.overlap;
  if (!(overlap >= 0 && overlap <= 0.9)) throw new Error(`overlap ${overlap} is outside 0 … 0.9`);
  const { probabilities, windows, passes } = await slidingWindow(input.data, input.channels, input.geometry.size, runner, {
    patch: sidecar.input.patchSize,
    classes: classes.length,
    overlap,
    gaussianSigmaScale: sidecar.inference.gaussianSigmaScale,
    mirrorAxes: options.tta ? sidecar.inference.mirrorAxes : [],
    batchSize: options.batchSize ?? sidecar.inference.batchSize,
    onProgress: options.onProgress,
  });
  const t2 = performance.now();
  const voxels = input.geometry.size[0] * input.geometry.size[1] * input.geometry.size[2];
  const labels = classes.map((c) => c.label);
  const onModelGrid: Volume<Uint8Array> = { geometry: input.geometry, data: argmaxLabels(probabilities, classes.length, voxels, labels) };
  const reference = volumes[0].geometry;
  const mask = input.geometry === reference ? onModelGrid : resampleVolume(onModelGrid, reference, 'sitkNearestNeighbor');
  // Components are judged on the image's own grid, the one the mask is delivered on.
  const spacing = reference.spacing;
  const rule: ComponentRule =
    sidecar.postprocessing.components === 'above-size'
      ? { keep: 'above-size', minVoxels: Math.ceil(((sidecar.postprocessing.minComponentMl ?? 0) * 1000) / (spacing[0] * spacing[1] * spacing[2])) }
      : { keep: sidecar.postprocessing.components };
  const removedVoxels = filterComponents(mask.data, reference.size, labels, rule);
  const tumourVoxels = countNonZero(mask.data);
  const t3 = performance.now();
  return {
    mask: { geometry: mask.geometry, data: mask.data, source: volumes[0].source },
    tumourVoxels,
    tumourMl: volumeMl(tumourVoxels, spacing),
    windows,
    passes,
    modelGrid: input.geometry.size,
    removedVoxels,
    timings: { preprocessMs: t1 - t0, inferenceMs: t2 - t1, postprocessMs: t3 - t2, totalMs: t3 - t0 },
  };
}
