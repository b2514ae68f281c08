// Content hash of a volume: sha256 over its geometry and its voxel values, independent of the file format and the
// stored voxel type. The same image read from NRRD or NIfTI (or stored as int16 vs float32 with equal values)
// hashes the same; any changed voxel, spacing, origin or direction changes the hash. Values are hashed as
// little-endian int32 when every value is an integer in int32's range (label maps, CT, most MR), as float64 otherwise.
// Hashed bytes: canonical geometry JSON padded with spaces to a multiple of 8, an 8-byte value tag, the values.
import { createHash, webcrypto } from 'node:crypto';
import type { Geometry, Volume } from '../image';

// Geometry is hashed at float32 precision because NIfTI stores spacing and origin as float32 and NRRD as decimal
// text: Math.fround maps a double and its float32 copy to the same value (rounding to decimals would not, e.g.
// 0.7812499999999999 vs 0.78125). Direction cosines, which NIfTI readers recompute from a quaternion or an affine,
// are rounded to 1e-6, far below any orientation that matters and above that arithmetic's noise.
function canonicalGeometry(g: Geometry): string {
  const f32 = (v: number) => Math.fround(v) || 0; // || 0 turns -0 into 0
  const cos = (v: number) => Math.round(v * 1e6) / 1e6 || 0;
  return JSON.stringify({
    size: g.size,
    spacing: g.spacing.map(f32),
    origin: g.origin.map(f32),
    direction: g.direction.map(cos),
  });
}

/** Geometry JSON padded to 8-byte alignment, then the value tag: the bytes hashed before the values. */
function header(volume: Volume, asInt: boolean): Buffer {
  const json = canonicalGeometry(volume.geometry);
  return Buffer.from(json.padEnd(Math.ceil(json.length / 8) * 8, ' ') + (asInt ? 'int32   ' : 'float64 '), 'latin1');
}

/** Whether every value is an integer int32 can hold (true without a scan for the ≤ 32-bit integer array types). */
function int32Valued(data: Volume['data']): boolean {
  if (data instanceof Float32Array || data instanceof Float64Array || data instanceof Uint32Array) {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!(v === Math.trunc(v) && v >= -2147483648 && v <= 2147483647)) return false;
    }
  }
  return true;
}

/** Copies values into the canonical array (TypedArray.set converts natively); -0 becomes 0 in the float64 form. */
function fillCanonical(out: Int32Array | Float64Array, data: Volume['data'], start: number, n: number): void {
  out.set(data.subarray(start, start + n));
  if (out instanceof Float64Array) for (let i = 0; i < n; i++) if (out[i] === 0) out[i] = 0;
}

function assertLittleEndian(): void {
  // Typed arrays use the platform's byte order; every platform Node supports is little-endian, checked here.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('volumeHash assumes a little-endian platform');
}

const CHUNK = 1 << 16;

/** sha256 hex, streamed in chunks on the calling thread (no full-size copy). */
export function volumeHash(volume: Volume): string {
  assertLittleEndian();
  const data = volume.data;
  const asInt = int32Valued(data);
  const hash = createHash('sha256').update(header(volume, asInt));
  const buffer = asInt ? new Int32Array(Math.min(CHUNK, data.length)) : new Float64Array(Math.min(CHUNK, data.length));
  const bytes = new Uint8Array(buffer.buffer);
  for (let start = 0; start < data.length; start += CHUNK) {
    const n = Math.min(CHUNK, data.length - start);
    fillCanonical(buffer, data, start, n);
    hash.update(n === buffer.length ? bytes : bytes.subarray(0, n * buffer.BYTES_PER_ELEMENT));
  }
  return hash.digest('hex');
}

/**
 * The same hash computed off the main thread (WebCrypto's digest runs on libuv's thread pool), so that hashing
 * overlaps feature computation. Costs one canonical copy of the volume (4 or 8 bytes per voxel) until it resolves.
 */
export async function volumeHashAsync(volume: Volume): Promise<string> {
  assertLittleEndian();
  const data = volume.data;
  const asInt = int32Valued(data);
  const head = header(volume, asInt);
  const width = asInt ? 4 : 8;
  const bytes = new Uint8Array(head.length + data.length * width);
  bytes.set(head, 0);
  const values = asInt ? new Int32Array(bytes.buffer, head.length, data.length) : new Float64Array(bytes.buffer, head.length, data.length);
  fillCanonical(values, data, 0, data.length);
  const digest = await webcrypto.subtle.digest('SHA-256', bytes);
  return Buffer.from(digest).toString('hex');
}
