// Voxel storage types shared by the readers and writers: decoding a byte run into an aligned typed array
// (one copy, byte-swapped in place when the file's endianness differs from the host's).
import type { VoxelArray } from '../image';
import { RadiomicsInputError } from '../errors';

export type VoxelType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64';

export const BYTES_PER_VOXEL: Record<VoxelType, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float32: 4,
  float64: 8,
};

export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `width`-byte word in place (width 2, 4 or 8). */
export function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  const n = bytes.length - (bytes.length % width);
  for (let i = 0; i < n; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

function allocate(type: VoxelType, count: number): VoxelArray | BigInt64Array | BigUint64Array {
  switch (type) {
    case 'int8':
      return new Int8Array(count);
    case 'uint8':
      return new Uint8Array(count);
    case 'int16':
      return new Int16Array(count);
    case 'uint16':
      return new Uint16Array(count);
    case 'int32':
      return new Int32Array(count);
    case 'uint32':
      return new Uint32Array(count);
    case 'int64':
      return new BigInt64Array(count);
    case 'uint64':
      return new BigUint64Array(count);
    case 'float32':
      return new Float32Array(count);
    case 'float64':
      return new Float64Array(count);
  }
}

const VIEW_CONSTRUCTORS: Partial<Record<VoxelType, new (buffer: ArrayBufferLike, byteOffset: number, length: number) => VoxelArray>> = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
};

/**
 * `count` voxels of `type` from `bytes` (starting at `offset`) as a typed array.
 * With `owned` (the caller will not touch `bytes` again, e.g. a freshly inflated buffer), an aligned run in the
 * host's byte order becomes a view without copying; otherwise the bytes are copied into an aligned array and
 * swapped in place when needed. 64-bit integers have no VoxelArray and come back as Float64Array (exact to 2^53).
 * The caller checks that enough bytes are present.
 */
export function decodeVoxels(bytes: Uint8Array, offset: number, type: VoxelType, count: number, littleEndian: boolean, owned = false): VoxelArray {
  const width = BYTES_PER_VOXEL[type];
  const start = bytes.byteOffset + offset;
  const View = VIEW_CONSTRUCTORS[type];
  // Don't let a small volume pin a much larger buffer (e.g. a pooled slab).
  const wasteOk = bytes.buffer.byteLength <= 2 * count * width + 65536;
  if (owned && View && littleEndian === HOST_IS_LITTLE_ENDIAN && start % width === 0 && wasteOk) {
    return new View(bytes.buffer, start, count);
  }
  const out = allocate(type, count);
  const outBytes = new Uint8Array(out.buffer, out.byteOffset, count * width);
  outBytes.set(bytes.subarray(offset, offset + count * width));
  if (littleEndian !== HOST_IS_LITTLE_ENDIAN) swapBytes(outBytes, width);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    const wide = new Float64Array(count);
    for (let i = 0; i < count; i++) wide[i] = Number(out[i]);
    return wide;
  }
  return out;
}

/** A zeroed VoxelArray for `count` voxels of `type` (64-bit integers as Float64Array). */
export function allocateVoxels(type: VoxelType, count: number): VoxelArray {
  if (type === 'int64' || type === 'uint64') return new Float64Array(count);
  return allocate(type, count) as VoxelArray;
}

/** The VoxelType of a typed array (for writers). */
export function voxelTypeOf(data: VoxelArray): VoxelType {
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  throw new RadiomicsInputError('unsupported voxel array', { field: 'data', expected: 'a VoxelArray' });
}
