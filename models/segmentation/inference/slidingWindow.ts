// Sliding-window inference as nnU-Net v2 does it (predict_sliding_window_return_logits): windows of the patch size
// at evenly spread steps with the given overlap, each window's output weighted by a Gaussian importance map
// (σ = patch / 8, peak 1) so that window borders count less, optional mirroring test-time augmentation (every
// combination of the mirror axes, flipped back and averaged), then the weighted sum divided by the summed weights.
import type { Axis, Vec3 } from '../sidecar';
import { AXIS_INDEX } from '../sidecar';

/** Runs the network on `count` windows: input [count, C, pz, py, px] → probabilities [count, K, pz, py, px]. */
export interface PatchRunner {
  run(batch: Float32Array, count: number): Promise<Float32Array>;
}

export interface SlidingWindowOptions {
  /** x, y, z. */
  patch: Vec3;
  classes: number;
  overlap: number;
  gaussianSigmaScale: number;
  /** Axes flipped by test-time augmentation; empty = none. */
  mirrorAxes: Axis[];
  batchSize: number;
  /** Called after every batch (the worker heartbeats here). */
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

export interface SlidingWindowResult {
  /** [K, z, y, x] class probabilities on the input grid. */
  probabilities: Float32Array;
  windows: number;
  /** Network runs: windows × mirror combinations. */
  passes: number;
}

/** nnU-Net's compute_steps_for_sliding_window along one axis. */
export function windowStarts(imageSize: number, patchSize: number, overlap: number): number[] {
  if (imageSize < patchSize) throw new Error(`image size ${imageSize} is smaller than the patch ${patchSize}`);
  const targetStep = patchSize - patchSize * overlap; // not patch × (1 − overlap): 1 − 0.8 is not 0.2 in binary
  const count = Math.ceil((imageSize - patchSize) / Math.max(targetStep, 1)) + 1;
  if (count === 1) return [0];
  const step = (imageSize - patchSize) / (count - 1);
  return Array.from({ length: count }, (_, i) => roundHalfEven(step * i));
}

/** numpy.round (and Python's round): halves go to the even neighbour, so the steps match nnU-Net's exactly. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The importance map over one patch, [z, y, x] with x fastest: a Gaussian centred on the patch, peak 1, no zeros. */
export function gaussianImportance(patch: Vec3, sigmaScale: number): Float32Array {
  const [px, py, pz] = patch;
  const axis = (n: number) => {
    const sigma = n * sigmaScale;
    const centre = Math.floor(n / 2); // nnU-Net puts the 1 at patch // 2
    return Float64Array.from({ length: n }, (_, i) => Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma)));
  };
  const gx = axis(px);
  const gy = axis(py);
  const gz = axis(pz);
  const out = new Float32Array(px * py * pz);
  let peak = 0;
  for (let z = 0, o = 0; z < pz; z++)
    for (let y = 0; y < py; y++)
      for (let x = 0; x < px; x++, o++) {
        out[o] = gx[x] * gy[y] * gz[z];
        if (out[o] > peak) peak = out[o];
      }
  let smallest = Infinity;
  for (let i = 0; i < out.length; i++) {
    out[i] /= peak;
    if (out[i] > 0 && out[i] < smallest) smallest = out[i];
  }
  for (let i = 0; i < out.length; i++) if (out[i] === 0) out[i] = smallest;
  return out;
}

/** Every subset of the mirror axes as flags [x, y, z], the identity first (nnU-Net's mirroring TTA). */
export function mirrorCombinations(axes: Axis[]): Array<[boolean, boolean, boolean]> {
  const indices = [...new Set(axes.map((a) => AXIS_INDEX[a]))];
  const out: Array<[boolean, boolean, boolean]> = [];
  for (let mask = 0; mask < 1 << indices.length; mask++) {
    const flags: [boolean, boolean, boolean] = [false, false, false];
    indices.forEach((axis, bit) => {
      if (mask & (1 << bit)) flags[axis] = true;
    });
    out.push(flags);
  }
  return out;
}

interface Item {
  start: Vec3;
  flip: [boolean, boolean, boolean];
}

/** Sliding-window class probabilities of `input` ([C, z, y, x] on a grid of `size`). */
export async function slidingWindow(
  input: Float32Array,
  channels: number,
  size: Vec3,
  runner: PatchRunner,
  options: SlidingWindowOptions,
): Promise<SlidingWindowResult> {
  const [nx, ny, nz] = size;
  const [px, py, pz] = options.patch;
  const n = nx * ny * nz;
  const patchVoxels = px * py * pz;
  const K = options.classes;
  const starts = [0, 1, 2].map((i) => windowStarts(size[i], options.patch[i], options.overlap));
  const combos = mirrorCombinations(options.mirrorAxes);
  const items: Item[] = [];
  for (const sz of starts[2]) for (const sy of starts[1]) for (const sx of starts[0]) for (const flip of combos) items.push({ start: [sx, sy, sz], flip });
  const windows = starts[0].length * starts[1].length * starts[2].length;

  const importance = gaussianImportance(options.patch, options.gaussianSigmaScale);
  const accumulated = new Float32Array(K * n);
  const weights = new Float32Array(n);
  const batchSize = Math.max(1, Math.min(options.batchSize, items.length));
  const batch = new Float32Array(batchSize * channels * patchVoxels);

  for (let first = 0; first < items.length; first += batchSize) {
    const chunk = items.slice(first, first + batchSize);
    chunk.forEach((item, b) =>
      copyWindow(input, channels, size, item, options.patch, batch.subarray(b * channels * patchVoxels, (b + 1) * channels * patchVoxels)),
    );
    const output = await runner.run(chunk.length === batchSize ? batch : batch.subarray(0, chunk.length * channels * patchVoxels), chunk.length);
    if (output.length !== chunk.length * K * patchVoxels) {
      throw new Error(
        `the network returned ${output.length} values for ${chunk.length} window(s); expected ${chunk.length} × ${K} classes × ${patchVoxels} voxels`,
      );
    }
    chunk.forEach((item, b) =>
      addWindow(output.subarray(b * K * patchVoxels, (b + 1) * K * patchVoxels), K, size, item, options.patch, importance, accumulated, weights),
    );
    await options.onProgress?.(Math.min(first + batchSize, items.length), items.length);
  }
  for (let k = 0; k < K; k++) {
    const block = accumulated.subarray(k * n, (k + 1) * n);
    for (let i = 0; i < n; i++) block[i] /= weights[i];
  }
  return { probabilities: accumulated, windows, passes: items.length };
}

/** Copies one (possibly mirrored) window of every channel into `out` ([C, pz, py, px]). */
function copyWindow(input: Float32Array, channels: number, size: Vec3, item: Item, patch: Vec3, out: Float32Array): void {
  const [nx, ny, nz] = size;
  const [px, py, pz] = patch;
  const [sx, sy, sz] = item.start;
  const [fx, fy, fz] = item.flip;
  const n = nx * ny * nz;
  let o = 0;
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    for (let z = 0; z < pz; z++) {
      const iz = sz + (fz ? pz - 1 - z : z);
      for (let y = 0; y < py; y++) {
        const iy = sy + (fy ? py - 1 - y : y);
        const row = base + nx * (iy + ny * iz) + sx;
        if (fx) for (let x = px - 1; x >= 0; x--) out[o++] = input[row + x];
        else for (let x = 0; x < px; x++) out[o++] = input[row + x];
      }
    }
  }
}

/** Adds one window's probabilities, mirrored back and weighted by the importance map, into the accumulators. */
function addWindow(
  probabilities: Float32Array,
  K: number,
  size: Vec3,
  item: Item,
  patch: Vec3,
  importance: Float32Array,
  accumulated: Float32Array,
  weights: Float32Array,
): void {
  const [nx, ny, nz] = size;
  const [px, py, pz] = patch;
  const [sx, sy, sz] = item.start;
  const [fx, fy, fz] = item.flip;
  const n = nx * ny * nz;
  const patchVoxels = px * py * pz;
  for (let z = 0; z < pz; z++) {
    // The output's voxel (x, y, z) of a mirrored window lies at the mirrored position of the image.
    const iz = sz + (fz ? pz - 1 - z : z);
    for (let y = 0; y < py; y++) {
      const iy = sy + (fy ? py - 1 - y : y);
      const row = nx * (iy + ny * iz) + sx;
      const p = px * (y + py * z);
      for (let x = 0; x < px; x++) {
        const target = row + (fx ? px - 1 - x : x);
        const w = importance[(fx ? px - 1 - x : x) + px * ((fy ? py - 1 - y : y) + py * (fz ? pz - 1 - z : z))];
        weights[target] += w;
        for (let k = 0; k < K; k++) accumulated[k * n + target] += w * probabilities[k * patchVoxels + p + x];
      }
    }
  }
}
