// DICOM series reader on files written here with known geometry and values: sorting along the slice normal,
// geometry from IPP/IOP/PixelSpacing (PS3.3 C.7.6.2.1.1), rescale, pixel encodings, gaps and bad series.
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { indexToPhysical, type Vec3 } from '../../../../imaging/image';
import { readDicomSeries, readImage } from '../../../../imaging/io';
import { expectInputError, scratchDir } from './support/files';
import { TS, writeDicomSlice, type SliceSpec } from './support/dicomWriter';

const scratch = scratchDir('dicom');
let dirCount = 0;

/** A fresh folder with one file per slice spec, written under the given (or generated) names. */
function series(slices: (Partial<SliceSpec> & { position: Vec3 })[], names?: string[]): string {
  const dir = scratch.file(`series${++dirCount}`);
  mkdirSync(dir);
  slices.forEach((s, i) =>
    writeDicomSlice(path.join(dir, names?.[i] ?? `IM${String(i).padStart(4, '0')}`), { rows: 2, columns: 3, pixels: [0, 1, 2, 3, 4, 5], ...s }),
  );
  return dir;
}

const at = (z: number): Vec3 => [-10, 20, z];
/** Six pixels whose values say which slice (k) they came from. */
const tagged = (k: number) => [100 * k, 100 * k + 1, 100 * k + 2, 100 * k + 3, 100 * k + 4, 100 * k + 5];

describe('DICOM series: sorting and geometry', () => {
  it('sorts shuffled files by position along the normal and takes the spacing from the positions', () => {
    const order = [3, 0, 4, 2, 1];
    // File names and instance numbers run opposite to the positions; SliceThickness says 9 mm and must be ignored.
    const dir = series(
      order.map((k, i) => ({ position: at(-50 + 2.5 * k), pixels: tagged(k), extra: { InstanceNumber: 10 - i, SliceThickness: 9 } })),
      order.map((_, i) => `file${i}.dcm`),
    );
    const v = readDicomSeries(dir);
    expect(v.geometry.size).toEqual([3, 2, 5]);
    expect(v.geometry.spacing).toEqual([1, 1, 2.5]);
    expect(v.geometry.origin).toEqual([-10, 20, -50]);
    expect(v.geometry.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    for (let k = 0; k < 5; k++) expect(Array.from(v.data.subarray(6 * k, 6 * k + 6))).toEqual(tagged(k));
    expect(v.modality).toBe('CT');
    expect(v.units).toBe('HU');
  });

  it('sorts a coronal series along its normal (row × column), not along z', () => {
    // Row (1,0,0), column (0,0,-1): normal (0,1,0); positions y = 30, 24, 27 → order 24, 27, 30.
    const ys = [30, 24, 27];
    const dir = series(ys.map((y) => ({ position: [0, y, 0] as Vec3, orientation: [1, 0, 0, 0, 0, -1], pixels: tagged(y) })));
    const v = readDicomSeries(dir);
    expect(v.geometry.direction).toEqual([1, 0, 0, 0, 0, 1, 0, -1, 0]);
    expect(v.geometry.origin).toEqual([0, 24, 0]);
    expect(v.geometry.spacing[2]).toBe(3);
    expect(Array.from(v.data.subarray(0, 6))).toEqual(tagged(24));
    expect(Array.from(v.data.subarray(12, 18))).toEqual(tagged(30));
  });

  it('places every pixel of a tilted series where DICOM says it is (PixelSpacing = row, column)', () => {
    const c30 = Math.cos(Math.PI / 6);
    const s30 = Math.sin(Math.PI / 6);
    const row: Vec3 = [1, 0, 0];
    const col: Vec3 = [0, c30, s30];
    const normal: Vec3 = [0, -s30, c30]; // row × col
    const p0: Vec3 = [5, -7, 11];
    const positions = [0, 1, 2].map((k) => p0.map((x, i) => x + 3 * k * normal[i]) as Vec3);
    const dir = series(
      [2, 0, 1].map((k) => ({ position: positions[k], orientation: [...row, ...col], pixelSpacing: [0.8, 0.6] as [number, number], pixels: tagged(k) })),
    );
    const v = readDicomSeries(dir);
    expect(v.geometry.spacing[0]).toBe(0.6);
    expect(v.geometry.spacing[1]).toBe(0.8);
    expect(v.geometry.spacing[2]).toBeCloseTo(3, 10);
    [...row, ...col, ...normal].forEach((x, i) => expect(v.geometry.direction[[0, 3, 6, 1, 4, 7, 2, 5, 8][i]]).toBeCloseTo(x, 10));
    // Pixel (column i, row j) of slice k: IPP_k + i · columnSpacing · row + j · rowSpacing · col.
    for (const [i, j, k] of [
      [0, 0, 0],
      [2, 1, 0],
      [1, 1, 2],
      [2, 0, 1],
    ]) {
      const expected = positions[k].map((x, a) => x + i * 0.6 * row[a] + j * 0.8 * col[a]);
      indexToPhysical(v.geometry, i, j, k).forEach((x, a) => expect(x).toBeCloseTo(expected[a], 9));
      expect(v.data[i + 3 * j + 6 * k]).toBe(tagged(k)[i + 3 * j]);
    }
  });

  it('takes the slice spacing of a single slice from SpacingBetweenSlices, else SliceThickness', () => {
    expect(readDicomSeries(series([{ position: at(0), extra: { SliceThickness: 5, SpacingBetweenSlices: 4 } }])).geometry.spacing[2]).toBe(4);
    expect(readDicomSeries(series([{ position: at(0), extra: { SliceThickness: 5 } }])).geometry.spacing[2]).toBe(5);
  });

  it('refuses an unusable spacing of a single slice, and ignores SliceThickness where positions give the spacing', () => {
    const zero = series([{ position: at(0), extra: { SliceThickness: 0 } }]);
    expectInputError(() => readDicomSeries(zero), {
      file: path.join(zero, 'IM0000'),
      field: 'SliceThickness (0018,0050)',
      message: /spacing 0 of the only slice/,
    });
    expect(readDicomSeries(series([{ position: at(0) }])).geometry.spacing[2]).toBe(1);
    const two = series([0, 2].map((z) => ({ position: at(z), extra: { SliceThickness: -1, SpacingBetweenSlices: 0 } })));
    expect(readDicomSeries(two).geometry.spacing[2]).toBe(2);
  });

  it('reads a deflated (1.2.840.10008.1.2.1.99) file', () => {
    const dir = series([{ position: at(0), pixels: tagged(3), transferSyntax: '1.2.840.10008.1.2.1.99' }]);
    const file = path.join(dir, 'IM0000');
    const plain = readFileSync(file);
    const metaEnd = 144 + plain.readUInt32LE(140);
    writeFileSync(file, Buffer.concat([plain.subarray(0, metaEnd), deflateRawSync(plain.subarray(metaEnd))]));
    expect(Array.from(readDicomSeries(dir).data)).toEqual(tagged(3));
  });

  it('is what readImage returns for a folder', () => {
    const dir = series([0, 1].map((k) => ({ position: at(k), pixels: tagged(k) })));
    const v = readImage(dir);
    expect(v.geometry.size).toEqual([3, 2, 2]);
    expect(v.source).toBe(dir);
  });

  it('ignores non-DICOM files and non-image DICOM next to the series', () => {
    const dir = series([0, 1].map((k) => ({ position: at(k), pixels: tagged(k) })));
    writeFileSync(path.join(dir, 'README.txt'), 'notes');
    writeFileSync(path.join(dir, '.DS_Store'), 'x');
    writeDicomSlice(path.join(dir, 'structures.dcm'), {
      position: at(9),
      rows: 2,
      columns: 3,
      pixels: [],
      extra: { PixelData: undefined, Modality: 'RTSTRUCT' },
    });
    expect(readDicomSeries(dir).geometry.size).toEqual([3, 2, 2]);
  });
});

describe('DICOM series: values', () => {
  it('applies RescaleSlope and RescaleIntercept (integral → Int16)', () => {
    const v = readDicomSeries(series([0, 1].map((k) => ({ position: at(k), pixels: tagged(k), slope: 2, intercept: -1024 }))));
    expect(v.data).toBeInstanceOf(Int16Array);
    expect(Array.from(v.data)).toEqual([...tagged(0), ...tagged(1)].map((x) => 2 * x - 1024));
  });

  it('applies a fractional slope per slice (→ Float32)', () => {
    const v = readDicomSeries(series([0, 1].map((k) => ({ position: at(k), pixels: tagged(k), slope: 0.25 * (k + 1), intercept: 0.5 }))));
    expect(v.data).toBeInstanceOf(Float32Array);
    expect(Array.from(v.data.subarray(6))).toEqual(tagged(1).map((x) => 0.5 * x + 0.5));
  });

  it('keeps unsigned 16-bit values above 32767 (→ Uint16)', () => {
    const v = readDicomSeries(series([{ position: at(0), signed: false, pixels: [0, 1, 40000, 65535, 7, 8] }]));
    expect(v.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(v.data)).toEqual([0, 1, 40000, 65535, 7, 8]);
  });

  it('sign-extends 12-bit signed values and masks the bits above HighBit', () => {
    const signed = readDicomSeries(series([{ position: at(0), bitsStored: 12, pixels: [0x0ffb, 5, 2047, 2048, 0xf001, 0] }]));
    expect(Array.from(signed.data)).toEqual([-5, 5, 2047, -2048, 1, 0]);
    const unsigned = readDicomSeries(series([{ position: at(0), bitsStored: 12, signed: false, pixels: [0x8000 | 100, 4095, 0x1000, 1, 2, 3] }]));
    expect(Array.from(unsigned.data)).toEqual([100, 4095, 0, 1, 2, 3]);
  });

  it('reads 8- and 32-bit pixels, implicit VR and big-endian files', () => {
    expect(Array.from(readDicomSeries(series([{ position: at(0), bitsAllocated: 8, signed: false, pixels: [0, 1, 2, 250, 254, 255] }])).data)).toEqual([
      0, 1, 2, 250, 254, 255,
    ]);
    const big = [-100000, 70000, 0, 1, -1, 2 ** 31 - 1];
    const v32 = readDicomSeries(series([{ position: at(0), bitsAllocated: 32, pixels: big }]));
    expect(v32.data).toBeInstanceOf(Int32Array);
    expect(Array.from(v32.data)).toEqual(big);
    for (const transferSyntax of [TS.implicitLittle, TS.explicitBig]) {
      const v = readDicomSeries(
        series([0, 1].map((k) => ({ position: at(k), pixels: tagged(k).map((x) => x - 300), transferSyntax, pixelSpacing: [0.5, 0.25] as [number, number] }))),
      );
      expect(Array.from(v.data)).toEqual([...tagged(0), ...tagged(1)].map((x) => x - 300));
      expect(v.geometry.spacing).toEqual([0.25, 0.5, 1]);
    }
  });
});

describe('DICOM series: spacing problems', () => {
  it('reports a missing slice, naming the file after the gap and the expected spacing', () => {
    const dir = series([0, 2.5, 5, 10, 12.5].map((z, k) => ({ position: at(z), pixels: tagged(k) })));
    expectInputError(() => readDicomSeries(dir), {
      file: path.join(dir, 'IM0003'),
      field: 'ImagePositionPatient (0020,0032)',
      message: /a gap \(about 1 missing slice\): 5 mm from .*IM0002.*slice spacing 2\.5 mm/,
    });
  });

  it('reports inconsistent spacing', () => {
    const dir = series([0, 2.5, 5, 8.5, 11].map((z, k) => ({ position: at(z), pixels: tagged(k) })));
    expectInputError(() => readDicomSeries(dir), {
      file: path.join(dir, 'IM0003'),
      field: 'ImagePositionPatient (0020,0032)',
      message: /inconsistent spacing: 3\.5 mm/,
    });
  });

  it('accepts irregular spacing when asked, with ITK’s mean spacing', () => {
    const dir = series([0, 2.5, 5, 10, 12.5].map((z, k) => ({ position: at(z), pixels: tagged(k) })));
    const v = readImage(dir, { dicom: { allowIrregularSpacing: true } });
    expect(v.geometry.spacing[2]).toBe(12.5 / 4);
  });

  it('tolerates jitter within the tolerance', () => {
    const dir = series([0, 2.5, 5.01, 7.5].map((z, k) => ({ position: at(z), pixels: tagged(k) })));
    expect(readDicomSeries(dir).geometry.spacing[2]).toBe(2.5);
    expect(() => readDicomSeries(dir, { spacingTolerance: 0.001 })).toThrow(/inconsistent spacing/);
  });

  it('reports two slices at one position', () => {
    const dir = series([0, 1, 1, 2].map((z, k) => ({ position: at(z), pixels: tagged(k) })));
    expectInputError(() => readDicomSeries(dir), { file: path.join(dir, 'IM0002'), field: 'ImagePositionPatient (0020,0032)', message: /same position/ });
  });

  it('reports a sheared (gantry-tilted) stack', () => {
    const dir = series([0, 1, 2].map((k) => ({ position: [-10, 20 + 0.5 * k, 3 * k] as Vec3, pixels: tagged(k) })));
    expectInputError(() => readDicomSeries(dir), { file: path.join(dir, 'IM0001'), field: 'ImagePositionPatient (0020,0032)', message: /gantry tilt/ });
  });
});

describe('DICOM series: bad input', () => {
  it('an empty folder, and one without DICOM images', () => {
    const empty = scratch.file('empty');
    mkdirSync(empty);
    expectInputError(() => readDicomSeries(empty), { file: empty, field: 'files', message: /no DICOM image files/ });
    const other = scratch.file('other');
    mkdirSync(other);
    writeFileSync(path.join(other, 'a.txt'), 'hello');
    expectInputError(() => readImage(other), { file: other, field: 'files' });
  });

  it('a folder that does not exist', () => {
    const p = scratch.file('nowhere');
    expectInputError(() => readDicomSeries(p), { file: p, field: 'path' });
  });

  it('mixed series: an error listing them, or the one chosen by option', () => {
    const dir = series([
      { position: at(0), seriesUid: '1.2.3.1', pixels: tagged(1) },
      { position: at(1), seriesUid: '1.2.3.1', pixels: tagged(1) },
      { position: at(0), seriesUid: '1.2.3.2', modality: 'MR', pixels: tagged(2) },
    ]);
    expectInputError(() => readDicomSeries(dir), {
      file: dir,
      field: 'SeriesInstanceUID (0020,000E)',
      message: /2 series: 1\.2\.3\.1 \(CT 'test series', 2 files\); 1\.2\.3\.2 \(MR 'test series', 1 files\)/,
    });
    const mr = readDicomSeries(dir, { seriesInstanceUid: '1.2.3.2' });
    expect(mr.modality).toBe('MR');
    expect(Array.from(mr.data)).toEqual(tagged(2));
    expectInputError(() => readDicomSeries(dir, { seriesInstanceUid: '9.9' }), {
      file: dir,
      field: 'SeriesInstanceUID (0020,000E)',
      message: /9\.9 is not in the folder/,
    });
  });

  it('slices of different size or orientation in one series', () => {
    const size = series([{ position: at(0) }, { position: at(1), rows: 3, columns: 2 }]);
    expectInputError(() => readDicomSeries(size), { file: path.join(size, 'IM0001'), field: 'Rows/Columns (0028,0010/0011)' });
    const iop = series([{ position: at(0) }, { position: at(1), orientation: [0, 1, 0, 1, 0, 0] }]);
    expectInputError(() => readDicomSeries(iop), { file: path.join(iop, 'IM0001'), field: 'ImageOrientationPatient (0020,0037)' });
    const spacing = series([{ position: at(0) }, { position: at(1), pixelSpacing: [1, 2] }]);
    expectInputError(() => readDicomSeries(spacing), { file: path.join(spacing, 'IM0001'), field: 'PixelSpacing (0028,0030)' });
  });

  it('a slice without ImagePositionPatient', () => {
    const dir = series([{ position: at(0) }, { position: at(1), extra: { ImagePositionPatient: undefined } }]);
    expectInputError(() => readDicomSeries(dir), { file: path.join(dir, 'IM0001'), field: 'ImagePositionPatient (0020,0032)', message: /missing/ });
  });

  it('multi-frame, compressed, colour files and other modalities', () => {
    const mf = series([{ position: at(0), extra: { NumberOfFrames: 2 } }]);
    expectInputError(() => readDicomSeries(mf), { file: path.join(mf, 'IM0000'), field: 'NumberOfFrames (0028,0008)', message: /multi-frame/ });
    const jpeg = series([{ position: at(0), transferSyntax: TS.jpegBaseline }]);
    expectInputError(() => readDicomSeries(jpeg), {
      file: path.join(jpeg, 'IM0000'),
      field: 'TransferSyntaxUID (0002,0010)',
      message: /1\.2\.840\.10008\.1\.2\.4\.50/,
    });
    const rgb = series([{ position: at(0), extra: { SamplesPerPixel: 3 } }]);
    expectInputError(() => readDicomSeries(rgb), { file: path.join(rgb, 'IM0000'), field: 'SamplesPerPixel (0028,0002)' });
    const us = series([{ position: at(0), modality: 'US' }]);
    expectInputError(() => readDicomSeries(us), { file: path.join(us, 'IM0000'), field: 'Modality (0008,0060)', message: /'US'/ });
  });

  it('Pixel Data shorter than Rows × Columns', () => {
    const dir = series([{ position: at(0), rows: 4, columns: 3, pixels: tagged(0) }]);
    expectInputError(() => readDicomSeries(dir), {
      file: path.join(dir, 'IM0000'),
      field: 'PixelData (7FE0,0010)',
      message: /Pixel Data holds 12 bytes, 4×3×16 bits need 24/,
    });
  });

  it('truncated files: inside the pixel data, and inside the header', () => {
    const dir = series([{ position: at(0), rows: 16, columns: 16, pixels: new Array(256).fill(7) }]);
    const file = path.join(dir, 'IM0000');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    expectInputError(() => readDicomSeries(dir), { file, field: 'PixelData (7FE0,0010)', message: /truncated inside Pixel Data/ });
    const pixelStart = bytes.length - 512;
    writeFileSync(file, bytes.subarray(0, pixelStart - 40));
    expectInputError(() => readDicomSeries(dir), { file, field: 'dataset', message: /cannot parse DICOM/ });
  });
});
