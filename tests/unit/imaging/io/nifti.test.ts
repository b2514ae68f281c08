// NIfTI reader on files built field by field, with geometry worked out by hand from the NIfTI rules
// (sform, quaternion, pixdim) and ITK's RAS → LPS convention; the IBSI phantom against the IBSI manual.
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readImage } from '../../../../imaging/io';
import { readNifti } from '../../../../imaging/io/nifti';
import { describeWithReferenceData, referencePath } from '../../../support/referenceData';
import { buildNifti, int16Bytes } from './support/niftiBuilder';
import { expectInputError, scratchDir } from './support/files';

const { file } = scratchDir('nifti');
const VALUES = [-300, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 32000]; // 2×3×2
const DIM = [3, 2, 3, 2, 1, 1, 1, 1];
const INT16 = { datatype: 4, bitpix: 16 };

function write(name: string, bytes: Uint8Array): string {
  const p = file(name);
  writeFileSync(p, bytes);
  return p;
}

function expectClose(actual: readonly number[], expected: readonly number[], digits = 6): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i], digits));
}

describeWithReferenceData('NIfTI reader on the IBSI digital phantom', ['ibsi/digital_phantom/phantom.nii.gz', 'ibsi/digital_phantom/mask.nii.gz'], () => {
  it('reads 5×4×4 voxels of 2 mm and the ROI statistics of the IBSI manual', () => {
    const image = readImage(referencePath('ibsi', 'digital_phantom', 'phantom.nii.gz'));
    const mask = readImage(referencePath('ibsi', 'digital_phantom', 'mask.nii.gz'));
    expect(image.geometry.size).toEqual([5, 4, 4]);
    expect(image.geometry.spacing).toEqual([2, 2, 2]);
    // Header: sform_code 1, srow_x (-2,0,0,-0), srow_y (0,-2,0,-0), srow_z (0,0,2,0): RAS −x,−y = LPS +x,+y.
    expect(image.geometry.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(image.geometry.origin).toEqual([0, 0, 0]);
    expect(mask.geometry).toEqual(image.geometry);
    const roi: number[] = [];
    for (let i = 0; i < mask.data.length; i++) if (mask.data[i] === 1) roi.push(image.data[i]);
    roi.sort((a, b) => a - b);
    // IBSI-1 reference values for the phantom: 74 voxels (vol_approx 592 mm³ = 74 × 8), mean 2.15, min 1, max 6, median 1.
    expect(roi).toHaveLength(74);
    expect(Number((roi.reduce((a, b) => a + b, 0) / roi.length).toPrecision(3))).toBe(2.15);
    expect(roi[0]).toBe(1);
    expect(roi[roi.length - 1]).toBe(6);
    expect((roi[36] + roi[37]) / 2).toBe(1);
  });
});

describe('NIfTI reader: geometry', () => {
  it('uses the qform quaternion: 90° about z, pixdim (2,3,4), offset (10,20,30)', () => {
    const s = Math.SQRT1_2;
    const p = write(
      'q90.nii',
      buildNifti({ ...INT16, dim: DIM, pixdim: [1, 2, 3, 4], qformCode: 1, quatern: [0, 0, s], qoffset: [10, 20, 30] }, int16Bytes(VALUES)),
    );
    const v = readNifti(p);
    expect(Array.from(v.data)).toEqual(VALUES);
    // RAS columns: R·diag(2,3,4) with R = [[0,-1,0],[1,0,0],[0,0,1]] → (0,2,0), (-3,0,0), (0,0,4).
    // LPS: negate x and y → (0,-2,0), (3,0,0), (0,0,4).
    expectClose(v.geometry.spacing, [2, 3, 4]);
    expectClose(v.geometry.direction, [0, 1, 0, -1, 0, 0, 0, 0, 1]);
    expectClose(v.geometry.origin, [-10, -20, 30]);
  });

  it('applies qfac = pixdim[0] = -1 to the third axis', () => {
    const p = write('qfac.nii', buildNifti({ ...INT16, dim: DIM, pixdim: [-1, 1, 1, 2.5], qformCode: 2, quatern: [0, 0, 0] }, int16Bytes(VALUES)));
    const g = readNifti(p).geometry;
    expectClose(g.direction, [-1, 0, 0, 0, -1, 0, 0, 0, -1]);
    expectClose(g.spacing, [1, 1, 2.5]);
  });

  it('prefers the sform when sform_code > 0, taking spacing from its column norms', () => {
    // sform columns (RAS): (0,0,-1.5), (2,0,0), (0,-2.5,0); a qform saying something else is ignored.
    const srow: [number[], number[], number[]] = [
      [0, 2, 0, 5],
      [0, 0, -2.5, 6],
      [-1.5, 0, 0, 7],
    ];
    const p = write(
      'sform.nii',
      buildNifti({ ...INT16, dim: DIM, pixdim: [1, 9, 9, 9], qformCode: 1, sformCode: 2, quatern: [0, 0, 0], srow }, int16Bytes(VALUES)),
    );
    const g = readNifti(p).geometry;
    expectClose(g.spacing, [1.5, 2, 2.5]);
    // LPS columns: (0,0,-1), (-1,0,0), (0,1,0).
    expectClose(g.direction, [0, -1, 0, 0, 0, 1, -1, 0, 0]);
    expectClose(g.origin, [-5, -6, 7]);
  });

  it('falls back to the qform when the sform has skew', () => {
    const srow: [number[], number[], number[]] = [
      [1, 1, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
    ];
    const p = write(
      'skew.nii',
      buildNifti({ ...INT16, dim: DIM, pixdim: [1, 1, 1, 1], qformCode: 1, sformCode: 1, quatern: [0, 0, 0], qoffset: [1, 2, 3], srow }, int16Bytes(VALUES)),
    );
    const g = readNifti(p).geometry;
    expectClose(g.direction, [-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expectClose(g.origin, [-1, -2, 3]);
  });

  it('uses pixdim with identity direction when neither form is set', () => {
    const p = write('pixdim.nii', buildNifti({ ...INT16, dim: DIM, pixdim: [0, 0.5, 0.75, 3] }, int16Bytes(VALUES)));
    const g = readNifti(p).geometry;
    expect(g).toEqual({ size: [2, 3, 2], spacing: [0.5, 0.75, 3], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
  });

  it('refuses a NaN, infinite, negative or (on an axis of several voxels) zero pixdim where the geometry uses it', () => {
    for (const [name, pixdim, field, qformCode] of [
      ['pd-nan', [1, NaN, 1, 1], 'pixdim[1]', 0],
      ['pd-inf', [1, 1, Infinity, 1], 'pixdim[2]', 1],
      ['pd-neg', [1, 1, 1, -3], 'pixdim[3]', 1],
      ['pd-zero', [1, 0, 1, 1], 'pixdim[1]', 0],
    ] as const) {
      const p = write(`${name}.nii`, buildNifti({ ...INT16, dim: DIM, pixdim: [...pixdim], qformCode }, int16Bytes(VALUES)));
      expectInputError(() => readNifti(p), { file: p, field, message: /spacing .* on an axis of \d+ voxels/ });
    }
  });

  it('reads pixdim 0 on an axis of one voxel, or past dim[0], as 1; an sform makes pixdim irrelevant', () => {
    const slab = write('pd-slab.nii', buildNifti({ ...INT16, dim: [3, 4, 3, 1, 1, 1, 1, 1], pixdim: [1, 0.5, 0.5, 0], qformCode: 1 }, int16Bytes(VALUES)));
    expect(readNifti(slab).geometry.spacing).toEqual([0.5, 0.5, 1]);
    const flat = write('pd-2d.nii', buildNifti({ ...INT16, dim: [2, 4, 3, 0, 0, 0, 0, 0], pixdim: [1, 1, 1, NaN] }, int16Bytes(VALUES)));
    expect(readNifti(flat).geometry.spacing).toEqual([1, 1, 1]);
    const srow: [number[], number[], number[]] = [
      [-2, 0, 0, 0],
      [0, -2, 0, 0],
      [0, 0, 2, 0],
    ];
    const sform = write('pd-sform.nii', buildNifti({ ...INT16, dim: DIM, pixdim: [1, NaN, 0, -1], sformCode: 1, srow }, int16Bytes(VALUES)));
    expect(readNifti(sform).geometry.spacing).toEqual([2, 2, 2]);
  });

  it('reads a 2D image (dim[0] = 2) as one slice and a 4D file with one volume', () => {
    const p2 = write('2d.nii', buildNifti({ ...INT16, dim: [2, 4, 3, 0, 0, 0, 0, 0], pixdim: [1, 1, 1, 0] }, int16Bytes(VALUES)));
    const g = readNifti(p2).geometry;
    expect(g.size).toEqual([4, 3, 1]);
    expect(g.spacing).toEqual([1, 1, 1]);
    const p4 = write('4d1.nii', buildNifti({ ...INT16, dim: [4, 2, 3, 2, 1, 1, 1, 1] }, int16Bytes(VALUES)));
    expect(readNifti(p4).geometry.size).toEqual([2, 3, 2]);
  });
});

describe('NIfTI reader: byte order, versions, types, scaling', () => {
  it('detects a big-endian file', () => {
    const p = write(
      'be.nii',
      buildNifti({ ...INT16, littleEndian: false, dim: DIM, pixdim: [1, 2, 2, 2], qformCode: 1, quatern: [0, 0, 0] }, int16Bytes(VALUES, false)),
    );
    const v = readNifti(p);
    expect(Array.from(v.data)).toEqual(VALUES);
    expect(v.geometry.spacing).toEqual([2, 2, 2]);
  });

  it('reads NIfTI-2 (64-bit dims, double fields), plain and gzipped', () => {
    const srow: [number[], number[], number[]] = [
      [-0.1, 0, 0, 1.25],
      [0, -0.2, 0, 2.5],
      [0, 0, 0.3, -3.75],
    ];
    const bytes = buildNifti({ version: 2, ...INT16, dim: DIM, sformCode: 1, srow }, int16Bytes(VALUES));
    for (const p of [write('v2.nii', bytes), write('v2.nii.gz', gzipSync(bytes))]) {
      const v = readImage(p);
      expect(Array.from(v.data)).toEqual(VALUES);
      // Doubles: 0.1, 0.2, 0.3 survive exactly, unlike NIfTI-1's float32.
      expect(v.geometry.spacing).toEqual([0.1, 0.2, 0.3]);
      expect(v.geometry.origin).toEqual([-1.25, -2.5, -3.75]);
    }
  });

  it.each([
    [2, 8, Uint8Array, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]],
    [256, 8, Int8Array, [-128, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 127]],
    [512, 16, Uint16Array, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 65535]],
    [8, 32, Int32Array, [-2147483648, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 2147483647]],
    [768, 32, Uint32Array, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 4294967295]],
    [16, 32, Float32Array, [-1.5, 0.25, 0, 1, 2, 3, 4, 5, 6, 7, 8, 2 ** 100]],
    [64, 64, Float64Array, [-1.5, 0.1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1e300]],
    [1024, 64, Float64Array, [-(2 ** 40), -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 2 ** 52]],
    [1280, 64, Float64Array, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2 ** 53]],
  ] as const)('datatype %i (%i bits)', (datatype, bitpix, ctor, values) => {
    const width = bitpix / 8;
    const data = Buffer.alloc(values.length * width);
    const dv = new DataView(data.buffer, data.byteOffset);
    values.forEach((x, i) => {
      const o = i * width;
      if (datatype === 2) dv.setUint8(o, x);
      else if (datatype === 256) dv.setInt8(o, x);
      else if (datatype === 512) dv.setUint16(o, x, true);
      else if (datatype === 8) dv.setInt32(o, x, true);
      else if (datatype === 768) dv.setUint32(o, x, true);
      else if (datatype === 16) dv.setFloat32(o, x, true);
      else if (datatype === 64) dv.setFloat64(o, x, true);
      else if (datatype === 1024) dv.setBigInt64(o, BigInt(x), true);
      else dv.setBigUint64(o, BigInt(x), true);
    });
    const v = readNifti(write(`dt${datatype}.nii`, buildNifti({ datatype, bitpix, dim: DIM }, data)));
    expect(v.data).toBeInstanceOf(ctor);
    expect(Array.from(v.data)).toEqual(values);
  });

  it('applies scl_slope and scl_inter: Float32 for int16 data, Float64 for int32 data', () => {
    const p = write('scl16.nii', buildNifti({ ...INT16, dim: DIM, sclSlope: 0.5, sclInter: -1024 }, int16Bytes(VALUES)));
    const v = readNifti(p);
    expect(v.data).toBeInstanceOf(Float32Array);
    expect(Array.from(v.data)).toEqual(VALUES.map((x) => x * 0.5 - 1024));
    const i32 = Buffer.alloc(48);
    VALUES.forEach((x, i) => i32.writeInt32LE(x * 1000, 4 * i));
    const q = write('scl32.nii', buildNifti({ datatype: 8, bitpix: 32, dim: DIM, sclSlope: 0.001, sclInter: 0 }, i32));
    const w = readNifti(q);
    expect(w.data).toBeInstanceOf(Float64Array);
    // scl_slope is a float32 in NIfTI-1: 0.001 is stored as Math.fround(0.001).
    Array.from(w.data).forEach((x, i) => expect(x).toBeCloseTo(VALUES[i] * 1000 * Math.fround(0.001), 9));
  });

  it('leaves the data unscaled when scl_slope is 0, or slope 1 and intercept 0', () => {
    for (const [slope, inter] of [
      [0, 5],
      [1, 0],
    ]) {
      const v = readNifti(write(`noscl${slope}.nii`, buildNifti({ ...INT16, dim: DIM, sclSlope: slope, sclInter: inter }, int16Bytes(VALUES))));
      expect(v.data).toBeInstanceOf(Int16Array);
      expect(Array.from(v.data)).toEqual(VALUES);
    }
  });
});

describe('NIfTI reader: bad input', () => {
  const good = buildNifti({ ...INT16, dim: DIM }, int16Bytes(VALUES));

  it('truncated voxel data (raw)', () => {
    const p = write('trunc.nii', good.subarray(0, good.length - 3));
    expectInputError(() => readNifti(p), { file: p, field: 'dim', message: /21 bytes of voxel data, the header describes 24/ });
  });

  it('a gzip stream holding more than the header declares', () => {
    const p = write('long.nii.gz', gzipSync(Buffer.concat([good, Buffer.alloc(100)])));
    expectInputError(() => readImage(p), { file: p, field: 'dim', message: /inflates to more than the 376 bytes the header declares/ });
  });

  it('a header declaring more voxels than the limit, and a per-call limit', () => {
    const p = write('big.nii', buildNifti({ ...INT16, dim: [3, 1024, 1024, 1024, 1, 1, 1, 1] }, Buffer.alloc(0)));
    expectInputError(() => readNifti(p), { file: p, field: 'dim', message: /1024×1024×1024 is 1073741824 voxels, more than the limit of 268435456/ });
    const q = write('limit.nii', good);
    expectInputError(() => readNifti(q, { maxVoxels: 11 }), { file: q, field: 'dim', message: /more than the limit of 11/ });
    expect(readNifti(q, { maxVoxels: 12 }).data).toHaveLength(12);
  });

  it('truncated gzip stream', () => {
    const gz = gzipSync(good);
    const p = write('trunc.nii.gz', gz.subarray(0, gz.length - 12));
    expectInputError(() => readImage(p), { file: p, field: 'data', message: /compressed data cannot be read/ });
  });

  it('file cut inside the header', () => {
    const p = write('hdr.nii', good.subarray(0, 200));
    expectInputError(() => readNifti(p), { file: p, field: 'header', message: /truncated inside the header/ });
  });

  it('not a NIfTI file (sizeof_hdr)', () => {
    const p = write('text.nii', Buffer.from('this is not an image at all, just some text\n'));
    expectInputError(() => readNifti(p), { file: p, field: 'sizeof_hdr' });
  });

  it('wrong magic, and the .hdr/.img pair magic', () => {
    const p = write('magic.nii', buildNifti({ ...INT16, magic: 'abc\0', dim: DIM }, int16Bytes(VALUES)));
    expectInputError(() => readNifti(p), { file: p, field: 'magic' });
    const q = write('pair.nii', buildNifti({ ...INT16, magic: 'ni1\0', dim: DIM }, int16Bytes(VALUES)));
    expectInputError(() => readNifti(q), { file: q, field: 'magic', message: /separate \.hdr\/\.img/ });
  });

  it('unsupported datatype', () => {
    const p = write('rgb.nii', buildNifti({ datatype: 128, bitpix: 24, dim: DIM }, Buffer.alloc(36)));
    expectInputError(() => readNifti(p), { file: p, field: 'datatype', message: /RGB24/ });
  });

  it('a true 4D image', () => {
    const p = write('4d.nii', buildNifti({ ...INT16, dim: [4, 2, 3, 1, 2, 1, 1, 1] }, int16Bytes(VALUES)));
    expectInputError(() => readNifti(p), { file: p, field: 'dim[4]', message: /4D \(time series\) image is not supported/ });
  });

  it('an invalid dim[0] and a zero size', () => {
    const p = write('dim0.nii', buildNifti({ ...INT16, dim: [9, 2, 3, 2, 1, 1, 1, 1] }, int16Bytes(VALUES)));
    expectInputError(() => readNifti(p), { file: p, field: 'dim[0]' });
    const q = write('dim2.nii', buildNifti({ ...INT16, dim: [3, 2, 0, 2, 1, 1, 1, 1] }, int16Bytes(VALUES)));
    expectInputError(() => readNifti(q), { file: q, field: 'dim[2]' });
  });

  it('vox_offset inside the header', () => {
    const p = write('voxoff.nii', buildNifti({ ...INT16, dim: DIM, voxOffset: 100 }, int16Bytes(VALUES)));
    expectInputError(() => readNifti(p), { file: p, field: 'vox_offset' });
  });

  it('an sform with skew and no qform', () => {
    const srow: [number[], number[], number[]] = [
      [1, 1, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
    ];
    const p = write('skewonly.nii', buildNifti({ ...INT16, dim: DIM, sformCode: 1, srow }, int16Bytes(VALUES)));
    expectInputError(() => readNifti(p), { file: p, field: 'srow', message: /skew/ });
  });
});
