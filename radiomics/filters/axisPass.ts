// One separable filter pass: the lines of a 3D block along one axis are gathered two at a time into buffers, run
// through one or more 1D filters, and the kept part of each result scattered into that filter's output block.
// Filters see two lines per call because a recursive filter is bound by the latency of its recursion: two
// independent lines interleaved in one loop cost little more than one.
import type { Vec3, VoxelArray } from '../../imaging/image';

/** A dense 3D array, x fastest: float between passes; a pass may read the image's own voxel array directly. */
export interface Block<T extends VoxelArray = Float64Array | Float32Array> {
  data: T;
  size: Vec3;
}

/** What a pass stores its results in: float64, or float32 where the reference keeps float images between passes. */
export type BlockStorage = Float64ArrayConstructor | Float32ArrayConstructor;

/** Filters lines xa and xb (length n) into ya and yb; only [keepLo..keepHi] of each is read afterwards. */
export type LineFilter = (xa: Float64Array, xb: Float64Array, ya: Float64Array, yb: Float64Array, n: number, keepLo: number, keepHi: number) => void;

export function strides(size: Vec3): Vec3 {
  return [1, size[0], size[0] * size[1]];
}

/**
 * Runs each filter along `axis` over every line of `input` and keeps output indices [keepLo, keepHi] along that axis.
 * Returns one block per filter, sized like `input` except along `axis` (keepHi − keepLo + 1). Lines are filtered
 * in float64 whatever the storage.
 */
export function alongAxis(
  input: Block<VoxelArray>,
  axis: number,
  keepLo: number,
  keepHi: number,
  filters: LineFilter[],
  Storage: BlockStorage = Float64Array,
): Block[] {
  const size = input.size;
  const n = size[axis];
  const kept = keepHi - keepLo + 1;
  const outSize = [...size] as Vec3;
  outSize[axis] = kept;
  const outputs = filters.map(() => new Storage(outSize[0] * outSize[1] * outSize[2]));
  const [u, v] = [0, 1, 2].filter((a) => a !== axis);
  const inStride = strides(size);
  const outStride = strides(outSize);
  const src = [new Float64Array(n), new Float64Array(n)];
  const dst = filters.map(() => [new Float64Array(n), new Float64Array(n)]);
  const data = input.data;
  const sA = inStride[axis];
  const oA = outStride[axis];
  const lines = size[u] * size[v];
  const inBase = [0, 0];
  const outBase = [0, 0];
  for (let l = 0; l < lines; l += 2) {
    // The last of an odd number of lines is filtered twice over, its second result unused.
    const pairCount = l + 1 < lines ? 2 : 1;
    for (let p = 0; p < 2; p++) {
      const line = l + Math.min(p, pairCount - 1);
      const i = line % size[u];
      const j = (line - i) / size[u];
      inBase[p] = i * inStride[u] + j * inStride[v];
      outBase[p] = i * outStride[u] + j * outStride[v];
      gatherLine(data, inBase[p], sA, n, src[p]);
    }
    for (let f = 0; f < filters.length; f++) {
      const [da, db] = dst[f];
      filters[f](src[0], src[1], da, db, n, keepLo, keepHi);
      const out = outputs[f];
      for (let p = 0; p < pairCount; p++) scatterLine(p === 0 ? da : db, keepLo, kept, out, outBase[p], oA);
    }
  }
  return outputs.map((d) => ({ data: d, size: outSize }));
}

// Copies between lines and blocks, in functions of their own so that each is optimised once for all passes (loops in
// alongAxis itself were compiled again for every pass, on-stack).

/** Line `s` (n voxels) from `data` at `from`, `stride` apart; rows along x (stride 1) copied (and converted) natively. */
function gatherLine(data: VoxelArray, from: number, stride: number, n: number, s: Float64Array): void {
  if (stride === 1) s.set(data.subarray(from, from + n));
  else for (let k = 0, q = from; k < n; k++, q += stride) s[k] = data[q];
}

/** d[keepLo .. keepLo + kept − 1] into `out` from `to`, `stride` apart. */
function scatterLine(d: Float64Array, keepLo: number, kept: number, out: Float64Array | Float32Array, to: number, stride: number): void {
  if (stride === 1) out.set(d.subarray(keepLo, keepLo + kept), to);
  else for (let k = 0, q = to; k < kept; k++, q += stride) out[q] = d[keepLo + k];
}
