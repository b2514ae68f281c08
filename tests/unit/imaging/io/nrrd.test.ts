// NRRD reader on small files written here, byte by byte, with values and geometry chosen by hand.
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readImage } from '../../../../imaging/io';
import { readNrrd } from '../../../../imaging/io/nrrd';
import { expectInputError, scratchDir } from './support/files';

const { file } = scratchDir('nrrd');

function header(lines: string[]): Buffer {
  return Buffer.from(['NRRD0004', ...lines].join('\n') + '\n\n', 'latin1');
}

function writeNrrd(name: string, lines: string[], data: Uint8Array = new Uint8Array(0)): string {
  const p = file(name);
  writeFileSync(p, Buffer.concat([header(lines), data]));
  return p;
}

/** Bytes of `values` as `type`, in the given byte order. */
function bytesOf(values: number[], type: 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'f32' | 'f64', little = true): Buffer {
  const width = { i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, i64: 8, u64: 8, f32: 4, f64: 8 }[type];
  const b = Buffer.alloc(values.length * width);
  values.forEach((v, i) => {
    const o = i * width;
    const L = little ? 'LE' : 'BE';
    if (type === 'i8') b.writeInt8(v, o);
    else if (type === 'u8') b.writeUInt8(v, o);
    else if (type === 'i16') b[`writeInt16${L}`](v, o);
    else if (type === 'u16') b[`writeUInt16${L}`](v, o);
    else if (type === 'i32') b[`writeInt32${L}`](v, o);
    else if (type === 'u32') b[`writeUInt32${L}`](v, o);
    else if (type === 'i64') b[`writeBigInt64${L}`](BigInt(v), o);
    else if (type === 'u64') b[`writeBigUInt64${L}`](BigInt(v), o);
    else if (type === 'f32') b[`writeFloat${L}`](v, o);
    else b[`writeDouble${L}`](v, o);
  });
  return b;
}

const LPS_2x3x2 = ['dimension: 3', 'space: left-posterior-superior', 'sizes: 2 3 2', 'space directions: (1.5,0,0) (0,2,0) (0,0,3)', 'space origin: (-1,2,-3)'];
const VALUES = [-7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 120];
const UNSIGNED = VALUES.map(Math.abs);

describe('NRRD reader: encodings, byte order, types', () => {
  it('reads raw little-endian shorts with their LPS geometry', () => {
    const p = writeNrrd('le.nrrd', ['type: short', ...LPS_2x3x2, 'endian: little', 'encoding: raw'], bytesOf(VALUES, 'i16'));
    const v = readImage(p);
    expect(v.data).toBeInstanceOf(Int16Array);
    expect(Array.from(v.data)).toEqual(VALUES);
    expect(v.geometry).toEqual({ size: [2, 3, 2], spacing: [1.5, 2, 3], origin: [-1, 2, -3], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
    expect(v.source).toBe(p);
  });

  it('reads big-endian floats and doubles', () => {
    const f = [1.5, -2.25, 1e-3, 3.4e38, 0, -0.5, 7, 8, 9, 10, 11, 12];
    const pf = writeNrrd('be32.nrrd', ['type: float', ...LPS_2x3x2, 'endian: big', 'encoding: raw'], bytesOf(f, 'f32', false));
    expect(Array.from(readNrrd(pf).data)).toEqual(Array.from(Float32Array.from(f)));
    const pd = writeNrrd('be64.nrrd', ['type: double', ...LPS_2x3x2, 'endian: big', 'encoding: raw'], bytesOf(f, 'f64', false));
    const d = readNrrd(pd).data;
    expect(d).toBeInstanceOf(Float64Array);
    expect(Array.from(d)).toEqual(f);
  });

  it.each([
    ['signed char', 'i8', Int8Array],
    ['uchar', 'u8', Uint8Array],
    ['unsigned short', 'u16', Uint16Array],
    ['int', 'i32', Int32Array],
    ['uint32_t', 'u32', Uint32Array],
    ['long long', 'i64', Float64Array],
    ['unsigned long long int', 'u64', Float64Array],
  ] as const)('reads type "%s"', (typeName, code, ctor) => {
    const values = VALUES.map((x) => (code.startsWith('u') ? Math.abs(x) : x));
    const p = writeNrrd(`t-${code}.nrrd`, [`type: ${typeName}`, ...LPS_2x3x2, 'endian: little', 'encoding: raw'], bytesOf(values, code));
    const v = readNrrd(p);
    expect(v.data).toBeInstanceOf(ctor);
    expect(Array.from(v.data)).toEqual(values);
  });

  it('reads gzip (and its alias gz), big-endian ints', () => {
    const data = gzipSync(bytesOf(VALUES, 'i32', false));
    for (const enc of ['gzip', 'gz']) {
      const p = writeNrrd(`gz-${enc}.nrrd`, ['type: int32', ...LPS_2x3x2, 'endian: big', `encoding: ${enc}`], data);
      expect(Array.from(readNrrd(p).data)).toEqual(VALUES);
    }
  });

  it('reads ascii and hex encodings', () => {
    const pa = writeNrrd('a.nrrd', ['type: float', ...LPS_2x3x2, 'encoding: ascii'], Buffer.from('1 2.5 -3\n4 5 6\n7 8 9 10 11 12\n'));
    expect(Array.from(readNrrd(pa).data)).toEqual([1, 2.5, -3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const ph = writeNrrd(
      'h.nrrd',
      ['type: short', ...LPS_2x3x2, 'endian: big', 'encoding: hex'],
      Buffer.from(
        bytesOf(VALUES, 'i16', false)
          .toString('hex')
          .replace(/(.{8})/g, '$1\n'),
      ),
    );
    expect(Array.from(readNrrd(ph).data)).toEqual(VALUES);
  });

  it('reads a detached .nhdr whose data file is relative to the header, with line skip and byte skip', () => {
    mkdirSync(file('sub/data'), { recursive: true });
    writeFileSync(file('sub/data/vol.raw.gz'), gzipSync(Buffer.concat([Buffer.alloc(3), bytesOf(UNSIGNED, 'u16')])));
    const p = file('sub/vol.nhdr');
    writeFileSync(
      p,
      ['NRRD0005', 'type: ushort', ...LPS_2x3x2, 'endian: little', 'encoding: gzip', 'byte skip: 3', 'data file: data/vol.raw.gz', ''].join('\n'),
    );
    expect(Array.from(readImage(p).data)).toEqual(UNSIGNED);
    writeFileSync(file('sub/data/lines.raw'), Buffer.concat([Buffer.from('junk line\nsecond\n'), bytesOf(VALUES, 'i16')]));
    const q = file('sub/lines.nhdr');
    writeFileSync(q, ['NRRD0004', 'type: short', ...LPS_2x3x2, 'endian: little', 'encoding: raw', 'line skip: 2', 'data file: data/lines.raw'].join('\n'));
    expect(Array.from(readNrrd(q).data)).toEqual(VALUES);
  });

  it('reads raw data at the end of a file with byte skip -1', () => {
    writeFileSync(file('tail.raw'), Buffer.concat([Buffer.from('some preamble of any length'), bytesOf(VALUES, 'i16')]));
    const p = writeNrrd('tail.nhdr', ['type: short', ...LPS_2x3x2, 'endian: little', 'encoding: raw', 'byte skip: -1', 'data file: tail.raw']);
    expect(Array.from(readNrrd(p).data)).toEqual(VALUES);
  });

  it('reads slices split over files (data file LIST and printf-style ranges)', () => {
    writeFileSync(file('s001.raw'), bytesOf(VALUES.slice(0, 6), 'i16'));
    writeFileSync(file('s002.raw'), bytesOf(VALUES.slice(6), 'i16'));
    const list = writeNrrd('list.nhdr', ['type: short', ...LPS_2x3x2, 'endian: little', 'encoding: raw', 'data file: LIST', 's001.raw', 's002.raw']);
    expect(Array.from(readNrrd(list).data)).toEqual(VALUES);
    const range = writeNrrd('range.nhdr', ['type: short', ...LPS_2x3x2, 'endian: little', 'encoding: raw', 'data file: s%03d.raw 1 2 1 2']);
    expect(Array.from(readNrrd(range).data)).toEqual(VALUES);
  });

  it('counts data files against the sizes: one per slice by default, fewer with a sub-dimension', () => {
    writeFileSync(file('whole.raw'), bytesOf(VALUES, 'i16'));
    // One file holding all three axes: sub-dimension 3.
    const whole = writeNrrd('whole.nhdr', ['type: short', ...LPS_2x3x2, 'endian: little', 'encoding: raw', 'data file: LIST 3', 'whole.raw']);
    expect(Array.from(readNrrd(whole).data)).toEqual(VALUES);
    const three = writeNrrd('three.nhdr', ['type: short', ...LPS_2x3x2, 'endian: little', 'encoding: raw', 'data file: LIST 3', 'whole.raw', 'whole.raw']);
    expectInputError(() => readNrrd(three), { file: three, field: 'data file', message: /LIST names 2 files/ });
    const none = writeNrrd('none.nhdr', ['type: short', ...LPS_2x3x2, 'endian: little', 'encoding: raw', 'data file: s%03d.raw 5 1 1']);
    expectInputError(() => readNrrd(none), { file: none, field: 'data file', message: /names no file/ });
    const subdim = writeNrrd('subdim.nhdr', ['type: short', ...LPS_2x3x2, 'endian: little', 'encoding: raw', 'data file: s%03d.raw 1 2 1 7']);
    expectInputError(() => readNrrd(subdim), { file: subdim, field: 'data file', message: /sub-dimension '7'/ });
  });

  it('reads a header longer than its first 64 KiB (long key/value pairs)', () => {
    const p = writeNrrd(
      'long-header.nrrd',
      ['type: short', ...LPS_2x3x2, 'endian: little', 'encoding: raw', `note:=${'x'.repeat(100000)}`],
      bytesOf(VALUES, 'i16'),
    );
    expect(Array.from(readNrrd(p).data)).toEqual(VALUES);
  });
});

describe('NRRD reader: geometry', () => {
  const data = bytesOf(UNSIGNED, 'u8');

  it('converts a RAS space to LPS by negating x and y of directions and origin', () => {
    const p = writeNrrd(
      'ras.nrrd',
      [
        'type: uchar',
        'dimension: 3',
        'space: right-anterior-superior',
        'sizes: 2 3 2',
        'space directions: (-1.5,0,0) (0,2,0) (0,0,3)',
        'space origin: (10,20,30)',
        'encoding: raw',
      ],
      data,
    );
    const g = readNrrd(p).geometry;
    expect(g.spacing).toEqual([1.5, 2, 3]);
    // RAS (-1.5,0,0) → LPS (1.5,0,0); RAS (0,2,0) → LPS (0,-2,0); RAS origin (10,20,30) → LPS (-10,-20,30).
    expect(g.direction).toEqual([1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(g.origin).toEqual([-10, -20, 30]);
  });

  it('converts LAS by negating y only', () => {
    const p = writeNrrd(
      'las.nrrd',
      ['type: uchar', 'dimension: 3', 'space: LAS', 'sizes: 2 3 2', 'space directions: (1,0,0) (0,1,0) (0,0,1)', 'space origin: (1,2,3)', 'encoding: raw'],
      data,
    );
    const g = readNrrd(p).geometry;
    expect(g.direction).toEqual([1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(g.origin).toEqual([1, -2, 3]);
  });

  it('takes spacing as the norm of each space direction and direction as the normalised columns', () => {
    // Axis 0 steps (3,4,0) → 5 mm along (0.6,0.8,0); axis 1 steps (-0.8,0.6,0) → 1 mm; axis 2 steps (0,0,-2.5).
    const p = writeNrrd(
      'oblique.nrrd',
      ['type: uchar', 'dimension: 3', 'space: LPS', 'sizes: 2 3 2', 'space directions: (3,4,0) (-0.8, 0.6, 0) (0,0,-2.5)', 'encoding: raw'],
      data,
    );
    const g = readNrrd(p).geometry;
    expect(g.spacing[0]).toBeCloseTo(5, 14);
    expect(g.spacing[1]).toBeCloseTo(1, 14);
    expect(g.spacing[2]).toBe(2.5);
    const expected = [0.6, -0.8, 0, 0.8, 0.6, 0, 0, 0, -1];
    g.direction.forEach((d, i) => expect(d).toBeCloseTo(expected[i], 14));
    expect(g.origin).toEqual([0, 0, 0]);
  });

  it('reads a 2D image in 3D space as one slice whose normal is the cross product', () => {
    const p = writeNrrd(
      '2d.nrrd',
      ['type: uchar', 'dimension: 2', 'space: LPS', 'sizes: 4 3', 'space directions: (0,2,0) (0,0,2)', 'space origin: (5,6,7)', 'encoding: raw'],
      data,
    );
    const g = readNrrd(p).geometry;
    expect(g.size).toEqual([4, 3, 1]);
    expect(g.spacing).toEqual([2, 2, 1]);
    expect(g.direction).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
  });

  it('drops a non-spatial axis of size 1 (vector kind)', () => {
    const p = writeNrrd(
      '4d.nrrd',
      [
        'type: uchar',
        'dimension: 4',
        'space: LPS',
        'sizes: 1 2 3 2',
        'kinds: vector domain domain domain',
        'space directions: none (1,0,0) (0,1,0) (0,0,1)',
        'encoding: raw',
      ],
      data,
    );
    const v = readNrrd(p);
    expect(v.geometry.size).toEqual([2, 3, 2]);
    expect(Array.from(v.data)).toEqual(UNSIGNED);
  });

  it("without a space, refuses a zero, negative or unreadable spacing (the spec's 'nan' is read as 1)", () => {
    for (const [name, spacings] of [
      ['sp-zero', '1 0 1'],
      ['sp-neg', '-1 1 1'],
      ['sp-text', '1 1 wide'],
      ['sp-inf', '1 Infinity 1'],
    ]) {
      const p = writeNrrd(`${name}.nrrd`, ['type: uchar', 'dimension: 3', 'sizes: 2 3 2', `spacings: ${spacings}`, 'encoding: raw'], data);
      expectInputError(() => readNrrd(p), { file: p, field: 'spacings' });
    }
  });

  it('without a space, uses spacings and axis mins with an identity direction', () => {
    const p = writeNrrd('nospace.nrrd', ['type: uchar', 'dimension: 3', 'sizes: 2 3 2', 'spacings: 0.5 nan 4', 'axis mins: 1 2 3', 'encoding: raw'], data);
    const g = readNrrd(p).geometry;
    expect(g.spacing).toEqual([0.5, 1, 4]);
    expect(g.origin).toEqual([1, 2, 3]);
    expect(g.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });
});

describe('NRRD reader: bad input', () => {
  const base = ['type: short', ...LPS_2x3x2, 'endian: little'];
  const good = bytesOf(VALUES, 'i16');

  it('wrong magic', () => {
    const p = file('magic.nrrd');
    writeFileSync(p, 'NRRDXXXX\ntype: short\n\n');
    expectInputError(() => readNrrd(p), { file: p, field: 'magic', message: /not a NRRD file/ });
  });

  it('truncated raw data', () => {
    const p = writeNrrd('trunc.nrrd', [...base, 'encoding: raw'], good.subarray(0, 20));
    expectInputError(() => readNrrd(p), { file: p, field: 'sizes', message: /20 bytes but the header describes 24/ });
  });

  it('more data than the header describes', () => {
    const p = writeNrrd('long.nrrd', [...base, 'encoding: raw'], Buffer.concat([good, Buffer.alloc(2)]));
    expectInputError(() => readNrrd(p), { file: p, field: 'sizes', message: /26 bytes but the header describes 24/ });
  });

  it('truncated gzip stream', () => {
    const gz = gzipSync(good);
    const p = writeNrrd('trunc-gz.nrrd', [...base, 'encoding: gzip'], gz.subarray(0, gz.length - 10));
    expectInputError(() => readNrrd(p), { file: p, field: 'encoding', message: /compressed data cannot be read/ });
  });

  it('gzip stream of the wrong length', () => {
    const p = writeNrrd('short-gz.nrrd', [...base, 'encoding: gzip'], gzipSync(good.subarray(0, 22)));
    expectInputError(() => readNrrd(p), { file: p, field: 'sizes' });
  });

  it('corrupt header line', () => {
    const p = writeNrrd('corrupt.nrrd', [...base, 'this line has no separator', 'encoding: raw'], good);
    expectInputError(() => readNrrd(p), { file: p, field: 'header', message: /not 'field: value'/ });
  });

  it('unsupported type', () => {
    const p = writeNrrd('block.nrrd', ['type: block', 'block size: 4', ...LPS_2x3x2, 'encoding: raw'], good);
    expectInputError(() => readNrrd(p), { file: p, field: 'type', message: /unsupported type 'block'/ });
  });

  it('unsupported encoding', () => {
    const p = writeNrrd('bz2.nrrd', [...base, 'encoding: bzip2'], good);
    expectInputError(() => readNrrd(p), { file: p, field: 'encoding', message: /bzip2/ });
  });

  it('missing endian for a multi-byte type', () => {
    const p = writeNrrd('noendian.nrrd', ['type: short', ...LPS_2x3x2, 'encoding: raw'], good);
    expectInputError(() => readNrrd(p), { file: p, field: 'endian' });
  });

  it('missing required field', () => {
    const p = writeNrrd('nosizes.nrrd', ['type: short', 'dimension: 3', 'endian: little', 'encoding: raw'], good);
    expectInputError(() => readNrrd(p), { file: p, field: 'sizes', message: /required field missing/ });
  });

  it('sizes that do not match the dimension', () => {
    const p = writeNrrd('badsizes.nrrd', ['type: short', 'dimension: 3', 'sizes: 2 3', 'endian: little', 'encoding: raw'], good);
    expectInputError(() => readNrrd(p), { file: p, field: 'sizes' });
  });

  it('unreadable space directions', () => {
    const p = writeNrrd(
      'baddirs.nrrd',
      ['type: short', 'dimension: 3', 'space: LPS', 'sizes: 2 3 2', 'space directions: (1,0) (0,1,0) (0,0,1)', 'endian: little', 'encoding: raw'],
      good,
    );
    expectInputError(() => readNrrd(p), { file: p, field: 'space directions' });
  });

  it('a zero-length space direction', () => {
    const p = writeNrrd(
      'zerodir.nrrd',
      ['type: short', 'dimension: 3', 'space: LPS', 'sizes: 2 3 2', 'space directions: (0,0,0) (0,1,0) (0,0,1)', 'endian: little', 'encoding: raw'],
      good,
    );
    expectInputError(() => readNrrd(p), { file: p, field: 'space directions', message: /zero or invalid length/ });
  });

  it('a multi-component image', () => {
    const p = writeNrrd(
      'vector.nrrd',
      ['type: uchar', 'dimension: 4', 'space: LPS', 'sizes: 3 2 2 1', 'space directions: none (1,0,0) (0,1,0) (0,0,1)', 'encoding: raw'],
      bytesOf(UNSIGNED, 'u8'),
    );
    expectInputError(() => readNrrd(p), { file: p, field: 'sizes', message: /multi-component/ });
  });

  it('missing data file of a .nhdr', () => {
    const p = file('missing.nhdr');
    writeFileSync(p, ['NRRD0004', ...base, 'encoding: raw', 'data file: nowhere.raw', ''].join('\n'));
    expectInputError(() => readNrrd(p), { file: p, field: 'data file', message: /nowhere\.raw not found/ });
  });

  it('a header with neither attached data nor a data file', () => {
    const p = file('nodata.nhdr');
    writeFileSync(p, ['NRRD0004', ...base, 'encoding: raw'].join('\n'));
    expectInputError(() => readNrrd(p), { file: p, field: 'data file' });
  });

  it('ascii data with a wrong count', () => {
    const p = writeNrrd('ascii-count.nrrd', ['type: float', ...LPS_2x3x2, 'encoding: ascii'], Buffer.from('1 2 3'));
    expectInputError(() => readNrrd(p), { file: p, field: 'sizes', message: /3 values/ });
  });

  it('a file that does not exist, and an unknown extension', () => {
    const p = file('absent.nrrd');
    expectInputError(() => readImage(p), { file: p, field: 'path' });
    const q = file('image.mha');
    writeFileSync(q, 'x');
    expectInputError(() => readImage(q), { file: q, field: 'extension', message: /unknown image format/ });
  });
});
