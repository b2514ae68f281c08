// The readers' safety nets on their own: capped inflation (whole streams and header prefixes), sanitised tokens,
// regular-file checks and the finite-mask check.
import { mkfifoSync } from './support/fifo';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { inflate, inflatePrefix } from '../../../../imaging/io/compression';
import { DEFAULT_MAX_VOXELS, maxVoxelsOf, regularFileSize, token } from '../../../../imaging/io/limits';
import { assertFiniteMask } from '../../../../imaging/mask';
import { RadiomicsInputError } from '../../../../imaging/errors';
import type { Volume } from '../../../../imaging/image';
import { expectInputError, scratchDir } from './support/files';

const { file } = scratchDir('limits');
const where = { file: 'x.nii.gz', field: 'data', sizeField: 'dim', declared: 'the header declares' };

describe('inflate', () => {
  const data = randomBytes(5000);
  const gz = gzipSync(data);

  it('returns output of exactly the ceiling', () => {
    expect(inflate(gz, 5000, where).equals(data)).toBe(true);
  });

  it('refuses one byte more than the ceiling, naming the size field', () => {
    const err = expectInputError(() => inflate(gz, 4999, where), {
      file: 'x.nii.gz',
      field: 'dim',
      message: /inflates to more than the 4999 bytes the header declares/,
    });
    expect(err.expected).toBe('at most 4999 bytes once inflated');
  });

  it('reports a cut stream on the data field', () => {
    expectInputError(() => inflate(gz.subarray(0, gz.length - 8), 5000, where), { file: 'x.nii.gz', field: 'data', message: /compressed data cannot be read/ });
  });

  it('inflates raw deflate (DICOM) streams', () => {
    expect(inflate(deflateRawSync(data), 5000, where, 'raw').equals(data)).toBe(true);
  });
});

describe('inflatePrefix', () => {
  /** `headerBytes` incompressible bytes, then 64 MiB of zeros (which compress 1000-fold). */
  const stream = (headerBytes: number) => {
    const header = randomBytes(headerBytes);
    return { header, gz: gzipSync(Buffer.concat([header, Buffer.alloc(64 * 2 ** 20)]), { level: 9 }) };
  };

  it('inflates just enough for the header, within the ceiling', () => {
    const { header, gz } = stream(600);
    const out = inflatePrefix(gz, 65536, (o) => o.length >= 600, where);
    expect(out.length).toBeGreaterThanOrEqual(600);
    expect(out.length).toBeLessThanOrEqual(65536);
    expect(out.subarray(0, 600).equals(header)).toBe(true);
  });

  it('bisects when growing the prefix overshoots the ceiling', () => {
    // 5000 bytes need about 5 KB of input; the next fourfold prefix (16 KB) would inflate to megabytes of zeros.
    const { header, gz } = stream(5000);
    const out = inflatePrefix(gz, 65536, (o) => o.length >= 5000, where);
    expect(out.length).toBeLessThanOrEqual(65536);
    expect(out.subarray(0, 5000).equals(header)).toBe(true);
  });

  it('refuses a header that needs more than the ceiling', () => {
    const { gz } = stream(200000);
    expectInputError(() => inflatePrefix(gz, 65536, (o) => o.length >= 200000, where), {
      file: 'x.nii.gz',
      field: 'dim',
      message: /more than the 65536 bytes/,
    });
  });

  it('returns the whole output of a short stream that is never enough', () => {
    const gz = gzipSync(Buffer.from('short'));
    expect(inflatePrefix(gz, 65536, () => false, where).toString()).toBe('short');
  });
});

describe('token', () => {
  it('keeps short printable text, replaces the rest and cuts at 32 characters', () => {
    expect(token('uchar')).toBe('uchar');
    expect(token('a\nb\u0000c\u00e9')).toBe('a?b?c?');
    const long = token('x'.repeat(100));
    expect(long).toHaveLength(32);
    expect(long.endsWith('...')).toBe(true);
  });
});

describe('maxVoxelsOf and regularFileSize', () => {
  it('defaults to 2^28 voxels and refuses a nonsense limit', () => {
    expect(DEFAULT_MAX_VOXELS).toBe(2 ** 28);
    expect(maxVoxelsOf({}, 'f')).toBe(2 ** 28);
    expect(maxVoxelsOf({ maxVoxels: 5 }, 'f')).toBe(5);
    expectInputError(() => maxVoxelsOf({ maxVoxels: 0 }, 'f'), { file: 'f', field: 'maxVoxels' });
    expectInputError(() => maxVoxelsOf({ maxVoxels: NaN }, 'f'), { file: 'f', field: 'maxVoxels' });
  });

  it('accepts a regular file within its ceiling and refuses folders, FIFOs, devices and larger files', () => {
    const p = file('ten.bin');
    writeFileSync(p, Buffer.alloc(10));
    const at = { field: 'path', expected: 'a file' };
    expect(regularFileSize(p, at, 10)).toBe(10);
    expectInputError(() => regularFileSize(p, at, 9), { file: p, field: 'path', message: /10 bytes, more than the 9 allowed/ });
    const d = file('folder');
    mkdirSync(d);
    expectInputError(() => regularFileSize(d, at), { file: d, field: 'path', message: /a folder, not a regular file/ });
    expectInputError(() => regularFileSize('/dev/zero', at), { file: '/dev/zero', field: 'path', message: /a device/ });
    expectInputError(() => regularFileSize(file('absent'), at), { file: file('absent'), field: 'path', message: /file not found/ });
    const fifo = mkfifoSync(file('fifo'));
    if (fifo) expectInputError(() => regularFileSize(fifo, at), { file: fifo, field: 'path', message: /a FIFO/ });
  });
});

describe('assertFiniteMask', () => {
  const volume = (data: Volume['data']): Volume => ({
    geometry: { size: [2, 2, 2], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
    data,
    source: 'mask.nii',
  });

  it('passes integer and finite float masks', () => {
    expect(() => assertFiniteMask(volume(new Uint8Array(8).fill(1)))).not.toThrow();
    expect(() => assertFiniteMask(volume(new Float32Array([0, 1, 2, 0, 0, 0, 0, 1])))).not.toThrow();
  });

  it('refuses NaN and infinite voxels, naming the file and where the first is', () => {
    const err = expectInputError(() => assertFiniteMask(volume(new Float64Array([0, 1, 0, 0, 0, Infinity, NaN, 0]))), {
      file: 'mask.nii',
      field: 'mask',
      message: /2 voxel\(s\) of the mask are NaN or infinite, the first at index \(1, 0, 1\)/,
    });
    expect(err).toBeInstanceOf(RadiomicsInputError);
  });
});
