// Content hash of a volume: sha256 over its geometry and its voxel values, independent of the file format and the
// stored voxel type. The same image read from NRRD or NIfTI (or stored as int16 vs float32 with equal values)
// hashes the same; any changed voxel, spacing, origin or direction changes the hash.
// Hashed bytes: canonical geometry JSON padded with spaces to a multiple of 8, an 8-byte tag naming the value
// encoding, then every value little-endian in the narrowest of uint8 / int16 / int32 that holds all of them when they
// are integers (label maps, CT, most MR), float64 otherwise. The encoding follows from the values alone, so equal
// values always give equal bytes, and a label map hashes 1 byte per voxel rather than 4 or 8.
import { createHash } from 'node:crypto';
import type { Geometry, Volume } from '../../imaging/image';

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

/** One pass over the values: what image diagnostics report, and what the hash's encoding depends on. */
export interface ValueSummary {
  sum: number;
  min: number;
  max: number;
  /** Every value is a finite integer. */
  integral: boolean;
}

const CHUNK = 1 << 14;

/** Σ, min, max and integrality; chunks are converted natively (TypedArray.set) so the hot loop sees one type. */
export function summarizeValues(data: Volume['data']): ValueSummary {
  const buffer = new Float64Array(Math.min(CHUNK, data.length));
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let integral = true;
  for (let start = 0; start < data.length; start += CHUNK) {
    const n = Math.min(CHUNK, data.length - start);
    buffer.set(data.subarray(start, start + n));
    for (let i = 0; i < n; i++) {
      const v = buffer[i];
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
      if (integral && v !== Math.trunc(v)) integral = false; // NaN and ±Infinity fail too
    }
  }
  return { sum, min, max, integral };
}

type Encoding = { tag: string; Array: Uint8ArrayConstructor | Int16ArrayConstructor | Int32ArrayConstructor | Float64ArrayConstructor };

function encodingOf(s: ValueSummary): Encoding {
  if (s.integral && s.min >= 0 && s.max <= 255) return { tag: 'uint8', Array: Uint8Array };
  if (s.integral && s.min >= -32768 && s.max <= 32767) return { tag: 'int16', Array: Int16Array };
  if (s.integral && s.min >= -2147483648 && s.max <= 2147483647) return { tag: 'int32', Array: Int32Array };
  return { tag: 'float64', Array: Float64Array };
}

/** sha256 hex, streamed in chunks (no full-size copy); pass the summary when it is already known. */
export function volumeHash(volume: Volume, summary: ValueSummary = summarizeValues(volume.data)): string {
  // Typed arrays use the platform's byte order; every platform Node supports is little-endian, checked here.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('volumeHash assumes a little-endian platform');
  const data = volume.data;
  const encoding = encodingOf(summary);
  const json = canonicalGeometry(volume.geometry);
  const hash = createHash('sha256').update(json.padEnd(Math.ceil(json.length / 8) * 8, ' ') + encoding.tag.padEnd(8, ' '), 'latin1');
  const buffer = new encoding.Array(Math.min(CHUNK * 4, data.length));
  const bytes = new Uint8Array(buffer.buffer);
  for (let start = 0; start < data.length; start += buffer.length) {
    const n = Math.min(buffer.length, data.length - start);
    buffer.set(data.subarray(start, start + n));
    // -0 and 0 are equal values: only the float64 encoding can tell them apart, so normalise there.
    if (buffer instanceof Float64Array) for (let i = 0; i < n; i++) if (buffer[i] === 0) buffer[i] = 0;
    hash.update(n === buffer.length ? bytes : bytes.subarray(0, n * buffer.BYTES_PER_ELEMENT));
  }
  return hash.digest('hex');
}
