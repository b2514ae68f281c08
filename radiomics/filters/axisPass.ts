// One separable filter pass: every line of a 3D block along one axis is gathered into a buffer, run through one or
// more 1D filters, and the kept part of each result scattered into that filter's output block. Gathering once per
// line lets filters that share an input (a low and a high pass, a smoothing and a derivative) share the read.
import type { Vec3, VoxelArray } from '../image';

/** A dense 3D array, x fastest: float64 between passes; a pass may read the image's own voxel array directly. */
export interface Block<T extends VoxelArray = Float64Array> {
  data: T;
  size: Vec3;
}

/** Filters `src` (one line, length n) into `dst`; only dst[keepLo..keepHi] is read afterwards. */
export type LineFilter = (src: Float64Array, dst: Float64Array, n: number, keepLo: number, keepHi: number) => void;

export function strides(size: Vec3): Vec3 {
  return [1, size[0], size[0] * size[1]];
}

/**
 * Runs each filter along `axis` over every line of `input` and keeps output indices [keepLo, keepHi] along that axis.
 * Returns one block per filter, sized like `input` except along `axis` (keepHi − keepLo + 1).
 */
export function alongAxis(input: Block<VoxelArray>, axis: number, keepLo: number, keepHi: number, filters: LineFilter[]): Block[] {
  const size = input.size;
  const n = size[axis];
  const kept = keepHi - keepLo + 1;
  const outSize = [...size] as Vec3;
  outSize[axis] = kept;
  const outputs = filters.map(() => new Float64Array(outSize[0] * outSize[1] * outSize[2]));
  const [u, v] = [0, 1, 2].filter((a) => a !== axis);
  const inStride = strides(size);
  const outStride = strides(outSize);
  const src = new Float64Array(n);
  const dst = new Float64Array(n);
  const data = input.data;
  const sA = inStride[axis];
  const oA = outStride[axis];
  for (let j = 0; j < size[v]; j++) {
    for (let i = 0; i < size[u]; i++) {
      const inBase = i * inStride[u] + j * inStride[v];
      const outBase = i * outStride[u] + j * outStride[v];
      // Rows along x are contiguous: copied (and converted to float64) natively.
      if (sA === 1) src.set(data.subarray(inBase, inBase + n));
      else for (let k = 0, p = inBase; k < n; k++, p += sA) src[k] = data[p];
      for (let f = 0; f < filters.length; f++) {
        filters[f](src, dst, n, keepLo, keepHi);
        const out = outputs[f];
        if (oA === 1) out.set(dst.subarray(keepLo, keepHi + 1), outBase);
        else for (let k = 0, p = outBase; k < kept; k++, p += oA) out[p] = dst[keepLo + k];
      }
    }
  }
  return outputs.map((d) => ({ data: d, size: outSize }));
}
