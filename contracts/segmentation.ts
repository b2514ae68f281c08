// The segmentTumour activity's contract: what the Timepoint workflow sends to the segmentation task queue and what a
// worker there returns. Written once as segmentation.schema.json, which the TypeScript worker (workers/gpu) and the
// Python worker both check; these types mirror it. Plain data only: workflows import this file.

export const SEGMENT_CONTRACT_VERSION = 1;

export interface SegmentationImage {
  modality: string;
  /** `<pseudonym>/<timepoint>/<file>`, relative to the study's folder on the worker's host (absolute: an earlier version's input). */
  path: string;
  /** The blob store address the worker fetches the image by when its host does not have it. */
  sha256: string;
}

export interface SegmentTumourInput {
  contractVersion: 1;
  studyId: string;
  pseudonym: string;
  timepoint: string;
  /** The timepoint's images; the worker takes those its model's channels name. */
  images: SegmentationImage[];
  /** `<pseudonym>/<timepoint>`: the mask's folder relative to the study's folder on the worker's host (absolute: an earlier version's input). */
  outDir: string;
  /** `name` or `name@version` of a model package the worker serves; absent: the worker's default. */
  model?: string;
  /** Mirroring test-time augmentation; absent: the worker's setting. */
  tta?: boolean;
}

export interface SegmentTumourResult {
  contractVersion: 1;
  /** NIfTI (uint8) on the grid of the image of the model's first channel: its store-relative name, and its address in the blob store it was put into. */
  mask: { path: string; sha256: string };
  model: { name: string; version: string };
  tumourVoxels: number;
  tumourMl: number;
  /** What ran the network: cpu, webgpu, cuda, cuda:0 … */
  device: string;
  precision: 'fp32' | 'fp16' | 'bf16';
  /** e.g. `onnxruntime-node 1.30.0`, `torch 2.13.0`. */
  runtime: string;
  /** Why the device is not the first one the worker prefers. */
  fallback?: string;
  tta?: boolean;
  windows: number;
  passes: number;
  timings: { totalMs: number; inferenceMs: number };
  /** Host and process of the worker that ran it. */
  worker: string;
}

export interface SegmentationActivities {
  /**
   * Segments the tumour of one timepoint and writes the mask. Bad input (a missing modality, an image smaller than
   * the patch, an unknown model) fails non-retryably with its reason; a mask with no tumour voxel is a failed QC.
   */
  segmentTumour(input: SegmentTumourInput): Promise<SegmentTumourResult>;
}
