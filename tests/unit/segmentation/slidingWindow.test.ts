// Sliding-window inference against nnU-Net's definitions (steps, Gaussian importance map) and against a network
// whose answer is known everywhere: a voxel-wise map reproduced exactly through windows, overlaps, batches and mirrors.
import {
  gaussianImportance,
  mirrorCombinations,
  roundHalfEven,
  slidingWindow,
  windowStarts,
  type PatchRunner,
} from '../../../models/segmentation/inference/slidingWindow';
import type { Vec3 } from '../../../models/segmentation/sidecar';

describe('windowStarts (nnU-Net compute_steps_for_sliding_window)', () => {
  it('spreads windows evenly with at least the requested overlap', () => {
    expect(windowStarts(48, 48, 0.5)).toEqual([0]);
    expect(windowStarts(64, 48, 0.5)).toEqual([0, 16]);
    expect(windowStarts(128, 48, 0.5)).toEqual([0, 20, 40, 60, 80]);
    expect(windowStarts(120, 32, 0.5)).toEqual([0, 15, 29, 44, 59, 73, 88]);
    expect(windowStarts(100, 48, 0)).toEqual([0, 26, 52]);
  });

  it('rounds halves to even as numpy does', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3]);
    // 3 windows over 5 extra voxels: steps of 2.5 → 0, 2, 5 (numpy), not 0, 3, 5.
    expect(windowStarts(15, 10, 0.6)).toEqual([0, 2, 5]);
    expect(windowStarts(20, 10, 0.8)).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it('refuses an image smaller than the patch', () => {
    expect(() => windowStarts(30, 32, 0.5)).toThrow('smaller than the patch');
  });
});

describe('gaussianImportance', () => {
  it('peaks at 1 on the patch centre (patch // 2), falls off with σ = patch / 8 and has no zeros', () => {
    const g = gaussianImportance([8, 6, 4], 0.125);
    const at = (x: number, y: number, z: number) => g[x + 8 * (y + 6 * z)];
    expect(at(4, 3, 2)).toBeCloseTo(1, 6);
    expect(Math.max(...g)).toBeCloseTo(1, 6);
    // Along x, σ = 1 voxel: one voxel off the centre weighs exp(−1/2).
    expect(at(5, 3, 2)).toBeCloseTo(Math.exp(-0.5), 5);
    expect(at(3, 3, 2)).toBeCloseTo(Math.exp(-0.5), 5);
    expect(Math.min(...g)).toBeGreaterThan(0);
  });
});

describe('mirrorCombinations', () => {
  it('gives every subset of the mirror axes, the identity first', () => {
    expect(mirrorCombinations([])).toEqual([[false, false, false]]);
    expect(mirrorCombinations(['x', 'z'])).toEqual([
      [false, false, false],
      [true, false, false],
      [false, false, true],
      [true, false, true],
    ]);
    expect(mirrorCombinations(['x', 'y', 'z'])).toHaveLength(8);
  });
});

/** A "network" computing per voxel p1 = sigmoid(a·c0 + b·c1), p0 = 1 − p1: its result is known for any tiling. */
function voxelwise(channels: number, patch: Vec3, calls: number[] = []): PatchRunner {
  const voxels = patch[0] * patch[1] * patch[2];
  return {
    async run(batch, count) {
      calls.push(count);
      expect(batch.length).toBe(count * channels * voxels);
      const out = new Float32Array(count * 2 * voxels);
      for (let b = 0; b < count; b++) {
        for (let i = 0; i < voxels; i++) {
          const c0 = batch[(b * channels + 0) * voxels + i];
          const c1 = batch[(b * channels + 1) * voxels + i];
          const p = 1 / (1 + Math.exp(-(0.7 * c0 - 0.4 * c1)));
          out[(b * 2 + 1) * voxels + i] = p;
          out[(b * 2 + 0) * voxels + i] = 1 - p;
        }
      }
      return out;
    },
  };
}

function image(size: Vec3, channels: number): Float32Array {
  const n = size[0] * size[1] * size[2];
  const data = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) data[c * n + i] = Math.sin(0.37 * i + c) * 2 + ((i * 7919) % 13) / 13;
  return data;
}

describe('slidingWindow', () => {
  const size: Vec3 = [23, 17, 11];
  const patch: Vec3 = [8, 6, 4];
  const input = image(size, 2);
  const n = size[0] * size[1] * size[2];
  const expected = new Float32Array(n);
  for (let i = 0; i < n; i++) expected[i] = 1 / (1 + Math.exp(-(0.7 * input[i] - 0.4 * input[n + i])));

  it.each([
    ['no overlap', 0, [] as const, 1],
    ['half overlap', 0.5, [] as const, 4],
    ['strong overlap, batches of 3', 0.75, [] as const, 3],
    ['mirroring along x, y, z', 0.5, ['x', 'y', 'z'] as const, 5],
    ['mirroring along y only', 0.3, ['y'] as const, 2],
  ])('reproduces a voxel-wise map exactly (%s)', async (_name, overlap, mirrorAxes, batchSize) => {
    const calls: number[] = [];
    const progress: Array<[number, number]> = [];
    const result = await slidingWindow(input, 2, size, voxelwise(2, patch, calls), {
      patch,
      classes: 2,
      overlap,
      gaussianSigmaScale: 0.125,
      mirrorAxes: [...mirrorAxes],
      batchSize,
      onProgress: (done, total) => void progress.push([done, total]),
    });
    const windows = [0, 1, 2].map((i) => windowStarts(size[i], patch[i], overlap).length).reduce((a, b) => a * b, 1);
    expect(result.windows).toBe(windows);
    expect(result.passes).toBe(windows * 2 ** mirrorAxes.length);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(result.passes);
    expect(Math.max(...calls)).toBeLessThanOrEqual(batchSize);
    expect(progress.at(-1)).toEqual([result.passes, result.passes]);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      worst = Math.max(worst, Math.abs(result.probabilities[n + i] - expected[i]), Math.abs(result.probabilities[i] - (1 - expected[i])));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('weights windows by the Gaussian: a window that disagrees counts less near its border', async () => {
    // Two windows along x over 12 voxels (patch 8, overlap 0.5 → starts 0 and 4); the first says p1 = 0, the second 1.
    const runner: PatchRunner = {
      async run(batch, count) {
        const voxels = 8 * 1 * 1;
        const out = new Float32Array(count * 2 * voxels);
        for (let b = 0; b < count; b++) for (let i = 0; i < voxels; i++) out[(b * 2 + 1) * voxels + i] = batch[b * voxels] === 0 ? 0 : 1;
        return out;
      },
    };
    const data = Float32Array.from({ length: 12 }, (_, i) => i);
    const { probabilities } = await slidingWindow(data, 1, [12, 1, 1], runner, {
      patch: [8, 1, 1],
      classes: 2,
      overlap: 0.5,
      gaussianSigmaScale: 0.125,
      mirrorAxes: [],
      batchSize: 1,
    });
    const p1 = Array.from(probabilities.subarray(12));
    expect(p1.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(p1.slice(8)).toEqual([1, 1, 1, 1]);
    // Voxel 4 is the first window's centre + 0 and the second's left edge: the first window wins it.
    expect(p1[4]).toBeLessThan(0.05);
    expect(p1[7]).toBeGreaterThan(0.95);
    expect(p1[5]).toBeLessThan(p1[6]);
  });

  it('names the fault when the network returns the wrong amount of output', async () => {
    const runner: PatchRunner = { run: async () => new Float32Array(5) };
    await expect(
      slidingWindow(image([8, 6, 4], 2), 2, [8, 6, 4], runner, {
        patch: [8, 6, 4],
        classes: 2,
        overlap: 0.5,
        gaussianSigmaScale: 0.125,
        mirrorAxes: [],
        batchSize: 1,
      }),
    ).rejects.toThrow('the network returned 5 values for 1 window(s); expected 1 × 2 classes × 192 voxels');
  });
});
