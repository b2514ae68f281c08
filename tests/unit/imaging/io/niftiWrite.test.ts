// NIfTI writer: header fields checked at their nifti1.h offsets against values worked out by hand,
// then round trips through the reader for every voxel type and for oblique / flipped geometries.
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Geometry, Mat3, VoxelArray } from '../../../../imaging/image';
import { readImage, writeNifti } from '../../../../imaging/io';
import { expectInputError, scratchDir } from './support/files';

const { file } = scratchDir('nifti-write');

function rotation(axis: [number, number, number], angle: number): Mat3 {
  const [x, y, z] = axis.map((v) => v / Math.hypot(...axis));
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return [
    t * x * x + c,
    t * x * y - s * z,
    t * x * z + s * y,
    t * x * y + s * z,
    t * y * y + c,
    t * y * z - s * x,
    t * x * z - s * y,
    t * y * z + s * x,
    t * z * z + c,
  ];
}

function expectGeometryClose(actual: Geometry, expected: Geometry, tol = 1e-5): void {
  expect(actual.size).toEqual(expected.size);
  for (const key of ['spacing', 'origin', 'direction'] as const) {
    (actual[key] as number[]).forEach((a, i) => expect(Math.abs(a - (expected[key] as number[])[i])).toBeLessThan(tol));
  }
}

describe('NIfTI writer', () => {
  it('writes sform and qform from the LPS geometry as NIfTI-1 expects (checked at nifti1.h offsets)', () => {
    const p = file('fields.nii');
    const data = Int16Array.from({ length: 24 }, (_, i) => i - 12);
    writeNifti(p, { geometry: { size: [2, 3, 4], spacing: [2, 3, 4], origin: [10, 20, 30], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, data });
    const b = readFileSync(p);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const f32 = (o: number, n: number) => Array.from({ length: n }, (_, i) => dv.getFloat32(o + 4 * i, true));
    expect(dv.getInt32(0, true)).toBe(348);
    expect(b.toString('latin1', 344, 348)).toBe('n+1\0');
    expect(Array.from({ length: 8 }, (_, i) => dv.getInt16(40 + 2 * i, true))).toEqual([3, 2, 3, 4, 1, 1, 1, 1]);
    expect(dv.getInt16(70, true)).toBe(4); // DT_INT16
    expect(dv.getInt16(72, true)).toBe(16);
    expect(f32(76, 4)).toEqual([1, 2, 3, 4]); // qfac, spacing
    expect(dv.getFloat32(108, true)).toBe(352);
    expect(dv.getInt16(252, true)).toBe(1); // qform_code scanner
    expect(dv.getInt16(254, true)).toBe(1); // sform_code scanner
    // LPS identity = RAS diag(-1,-1,1): a 180° rotation about z, quaternion (b,c,d) = (0,0,1); offsets in RAS.
    expect(f32(256, 3).map((x) => x + 0)).toEqual([0, 0, 1]);
    expect(f32(268, 3)).toEqual([-10, -20, 30]);
    expect(f32(280, 4).map((x) => x + 0)).toEqual([-2, 0, 0, -10]);
    expect(f32(296, 4).map((x) => x + 0)).toEqual([0, -3, 0, -20]);
    expect(f32(312, 4).map((x) => x + 0)).toEqual([0, 0, 4, 30]);
    expect(new Int16Array(b.buffer.slice(b.byteOffset + 352, b.byteOffset + 352 + 48))).toEqual(data);
  });

  const geometries: [string, Geometry][] = [
    ['oblique', { size: [3, 4, 5], spacing: [0.7, 1.3, 2.9], origin: [-101.5, 33.25, 7], direction: rotation([1, 2, 3], 0.4) }],
    ['left-handed (flipped z)', { size: [3, 4, 5], spacing: [1, 1, 3], origin: [1, 2, 3], direction: [1, 0, 0, 0, -1, 0, 0, 0, -1] }],
    [
      '180° about x',
      { size: [3, 4, 5], spacing: [1, 2, 3], origin: [0, 0, 0], direction: [1, 0, 0, 0, -1, 0, 0, 0, -1].map((x, i) => (i === 8 ? 1 : x)) as Mat3 },
    ],
  ];

  it.each(geometries)('round-trips a %s geometry through .nii and .nii.gz', (_name, geometry) => {
    const data = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i) * 1000);
    for (const name of ['g.nii', 'g.nii.gz']) {
      const p = file(name);
      writeNifti(p, { geometry, data });
      const back = readImage(p);
      expectGeometryClose(back.geometry, geometry);
      expect(back.data).toEqual(data);
    }
  });

  it.each(geometries)('writes a qform that alone gives the %s geometry (sform_code cleared)', (_name, geometry) => {
    const p = file('q.nii');
    writeNifti(p, { geometry, data: new Uint8Array(60) });
    const b = readFileSync(p);
    b.writeInt16LE(0, 254);
    writeFileSync(p, b);
    expectGeometryClose(readImage(p).geometry, geometry);
  });

  it.each([
    ['Int8Array', Int8Array.from([-128, 0, 127])],
    ['Uint8Array', Uint8Array.from([0, 1, 255])],
    ['Int16Array', Int16Array.from([-32768, 0, 32767])],
    ['Uint16Array', Uint16Array.from([0, 1, 65535])],
    ['Int32Array', Int32Array.from([-(2 ** 31), 0, 2 ** 31 - 1])],
    ['Uint32Array', Uint32Array.from([0, 1, 2 ** 32 - 1])],
    ['Float32Array', Float32Array.from([-1.5, 0, 3.25])],
    ['Float64Array', Float64Array.from([-0.1, 0, 1e300])],
  ] as [string, VoxelArray][])('round-trips %s voxels exactly', (_name, data) => {
    const p = file('t.nii.gz');
    writeNifti(p, { geometry: { size: [3, 1, 1], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, data });
    const back = readImage(p).data;
    expect(back.constructor).toBe(data.constructor);
    expect(Array.from(back)).toEqual(Array.from(data));
  });

  it('writes NIfTI-2 when asked, with double precision geometry', () => {
    const p = file('v2.nii.gz');
    const geometry: Geometry = { size: [2, 2, 2], spacing: [0.1, 0.2, 0.3], origin: [1.1, -2.2, 3.3], direction: rotation([0, 1, 1], 1.1) };
    writeNifti(p, { geometry, data: new Uint8Array(8).fill(7) }, { version: 2 });
    const raw = gunzipSync(readFileSync(p));
    expect(raw.readInt32LE(0)).toBe(540);
    expect(raw.toString('latin1', 4, 12)).toBe('n+2\0\r\n\x1a\n');
    expectGeometryClose(readImage(p).geometry, geometry, 1e-12);
  });

  it('rejects data whose length does not match the geometry', () => {
    const p = file('bad.nii');
    expectInputError(
      () =>
        writeNifti(p, {
          geometry: { size: [2, 2, 2], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
          data: new Uint8Array(7),
        }),
      {
        file: p,
        field: 'data',
        message: /7 voxels/,
      },
    );
  });
});
