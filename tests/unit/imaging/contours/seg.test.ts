// DICOM SEG → mask, on SEGs built here by hand (dcmjs, not our writer): 1-bit frames packed across frame boundaries,
// frames in any order and only on some slices, fractional values against the threshold, segment choice, frames
// placed by position or by source image, and the checks (size, frame of reference, series, position). Then the
// writer: what it writes (read back with dicom-parser) and the round trip through our reader.
import { parseDicom } from 'dicom-parser';
import { readFileSync } from 'node:fs';
import { readDicomMask, readReferenceSeries, writeSeg } from '../../../../imaging/contours';
import type { Volume } from '../../../../imaging/image';
import { expectInputError, scratchDir } from '../io/support/files';
import { FRAME_OF_REFERENCE, SEG_CLASS, SERIES, syntheticSeries, voxelsOf, writeDataset, type Dataset } from './support';

const scratch = scratchDir('seg');
// 5 columns × 3 rows (15 pixels a frame: frames share bytes when packed by the bit) × 4 slices at z = 0, 2, 4, 6 mm.
const SIZE: [number, number, number] = [5, 3, 4];
const seriesDir = syntheticSeries(scratch.file('series'), { size: SIZE });
const series = readReferenceSeries(seriesDir);
let n = 0;

interface FrameSpec {
  /** Slice index (its position is written), or a source image only. */
  k: number;
  segment?: number;
  /** Row by row, Rows × Columns values (0/1, or 0…MaximumFractionalValue). */
  pixels: number[];
  byPosition?: boolean;
}

interface SegSpec {
  type?: 'BINARY' | 'FRACTIONAL';
  frames: FrameSpec[];
  segments?: { number: number; label: string }[];
  rows?: number;
  columns?: number;
  maxFractional?: number;
  frameOfReferenceUid?: string;
  referencedSeries?: string;
  pixelSpacing?: string[];
}

/** Packs 1-bit pixels as PS3.5 8.1.1 says: consecutive across frames, the first pixel in the least significant bit. */
function packBits(values: number[]): ArrayBuffer {
  const bytes = new Uint8Array(Math.ceil(values.length / 16) * 2);
  values.forEach((v, i) => {
    if (v) bytes[Math.floor(i / 8)] |= 1 << (i % 8);
  });
  return bytes.buffer;
}

function handSeg(spec: SegSpec): string {
  const file = scratch.file(`seg${++n}.dcm`);
  const type = spec.type ?? 'BINARY';
  const all = spec.frames.flatMap((f) => f.pixels);
  const ds: Dataset = {
    Modality: 'SEG',
    SeriesInstanceUID: `1.2.826.0.1.3680043.8.498.8${n}`,
    FrameOfReferenceUID: spec.frameOfReferenceUid ?? FRAME_OF_REFERENCE,
    SegmentationType: type,
    ...(type === 'FRACTIONAL' ? { MaximumFractionalValue: spec.maxFractional ?? 255, SegmentationFractionalType: 'PROBABILITY' } : {}),
    SegmentSequence: (spec.segments ?? [{ number: 1, label: 'GTV' }]).map((s) => ({
      SegmentNumber: s.number,
      SegmentLabel: s.label,
      SegmentAlgorithmType: 'MANUAL',
    })),
    ReferencedSeriesSequence: [{ SeriesInstanceUID: spec.referencedSeries ?? SERIES, ReferencedInstanceSequence: [] }],
    Rows: spec.rows ?? SIZE[1],
    Columns: spec.columns ?? SIZE[0],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: type === 'BINARY' ? 1 : 8,
    BitsStored: type === 'BINARY' ? 1 : 8,
    HighBit: type === 'BINARY' ? 0 : 7,
    PixelRepresentation: 0,
    NumberOfFrames: spec.frames.length,
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [{ PixelSpacing: spec.pixelSpacing ?? ['1', '1'], SliceThickness: '2' }],
        PlaneOrientationSequence: [{ ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'] }],
      },
    ],
    PerFrameFunctionalGroupsSequence: spec.frames.map((f) => ({
      ...(f.byPosition === false
        ? {
            DerivationImageSequence: [
              {
                SourceImageSequence: [
                  { ReferencedSOPClassUID: series.instances[f.k].sopClassUid, ReferencedSOPInstanceUID: series.instances[f.k].sopInstanceUid },
                ],
              },
            ],
          }
        : { PlanePositionSequence: [{ ImagePositionPatient: ['0', '0', String(2 * f.k)] }] }),
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: f.segment ?? 1 }],
    })),
    PixelData: type === 'BINARY' ? packBits(all) : Uint8Array.from(all).buffer,
    _vrMap: { PixelData: 'OB' },
  };
  writeDataset(file, SEG_CLASS, ds);
  return file;
}

const ones = (...at: number[]) => Array.from({ length: 15 }, (_, p) => (at.includes(p) ? 1 : 0));
/** Pixel p of a frame is voxel (p mod 5, ⌊p / 5⌋). */
const voxel = (p: number, k: number) => `${p % 5},${Math.floor(p / 5)},${k}`;

describe('DICOM SEG → mask', () => {
  it('unpacks 1-bit frames packed across byte and frame boundaries, frames in any order, missing slices empty', () => {
    const file = handSeg({
      frames: [
        { k: 3, pixels: ones(0, 14) },
        { k: 1, pixels: ones(7, 8, 9) },
      ],
    });
    const m = readDicomMask(file, seriesDir);
    expect(m.kind).toBe('SEG');
    expect(m.name).toBe('GTV');
    expect(m.warnings).toEqual([]);
    expect(m.fractions).toBeUndefined();
    expect(voxelsOf(m.mask.data, SIZE)).toEqual([voxel(7, 1), voxel(8, 1), voxel(9, 1), voxel(0, 3), voxel(14, 3)]);
  });

  it('places frames by their source image when they carry no position', () => {
    const file = handSeg({ frames: [{ k: 2, pixels: ones(4), byPosition: false }] });
    expect(voxelsOf(readDicomMask(file, seriesDir).mask.data, SIZE)).toEqual([voxel(4, 2)]);
  });

  it('reads fractions as value / MaximumFractionalValue and keeps the voxels at or above the threshold', () => {
    const pixels = new Array(15).fill(0);
    [pixels[0], pixels[1], pixels[2], pixels[3]] = [200, 100, 99, 150];
    const file = handSeg({ type: 'FRACTIONAL', maxFractional: 200, frames: [{ k: 0, pixels }] });
    const m = readDicomMask(file, seriesDir);
    expect(Array.from(m.fractions!.data.subarray(0, 5))).toEqual([1, 0.5, 0.495, 0.75, 0].map((x) => Math.fround(x)));
    expect(voxelsOf(m.mask.data, SIZE)).toEqual([voxel(0, 0), voxel(1, 0), voxel(3, 0)]);
    expect(voxelsOf(readDicomMask(file, seriesDir, { threshold: 0.75 }).mask.data, SIZE)).toEqual([voxel(0, 0), voxel(3, 0)]);
  });

  it('chooses a segment by label, needs one when there are several, and ignores the other segments’ frames', () => {
    const segments = [
      { number: 1, label: 'GTV' },
      { number: 2, label: 'Oedema' },
    ];
    const file = handSeg({
      segments,
      frames: [
        { k: 0, segment: 1, pixels: ones(1) },
        { k: 0, segment: 2, pixels: ones(2) },
        { k: 1, segment: 2, pixels: ones(3) },
      ],
    });
    expect(voxelsOf(readDicomMask(file, seriesDir, { roi: 'Oedema' }).mask.data, SIZE)).toEqual([voxel(2, 0), voxel(3, 1)]);
    expect(voxelsOf(readDicomMask(file, seriesDir, { roi: 'GTV' }).mask.data, SIZE)).toEqual([voxel(1, 0)]);
    const err = expectInputError(() => readDicomMask(file, seriesDir), { file, field: 'SegmentLabel (0062,0005)', message: /2 segments/ });
    expect(err.expected).toContain("1 'GTV', 2 'Oedema'");
    expectInputError(() => readDicomMask(file, seriesDir, { roi: 'CTV' }), { file, field: 'SegmentLabel (0062,0005)', message: /no segment labelled 'CTV'/ });
  });

  it('warns when the segment has no frame', () => {
    const segments = [
      { number: 1, label: 'GTV' },
      { number: 2, label: 'Empty' },
    ];
    const m = readDicomMask(handSeg({ segments, frames: [{ k: 0, segment: 1, pixels: ones(1) }] }), seriesDir, { roi: 'Empty' });
    expect(m.mask.data.every((v) => v === 0)).toBe(true);
    expect(m.warnings).toEqual([expect.stringMatching(/has no frame/)]);
  });

  it('refuses a SEG whose frames are of another size than the image', () => {
    const file = handSeg({ rows: 4, frames: [{ k: 0, pixels: new Array(20).fill(1) }] });
    const err = expectInputError(() => readDicomMask(file, seriesDir), { file, field: 'Rows/Columns (0028,0010/0011)', message: /4×5 pixels.*3×5/ });
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it('refuses another frame of reference, another series, another pixel spacing and frames off the slices', () => {
    const frames = [{ k: 0, pixels: ones(1) }];
    const frame = handSeg({ frames, frameOfReferenceUid: '1.2.3' });
    expectInputError(() => readDicomMask(frame, seriesDir), { file: frame, field: 'FrameOfReferenceUID (0020,0052)', message: /another frame of reference/ });
    const other = handSeg({ frames, referencedSeries: '1.2.3.4' });
    expectInputError(() => readDicomMask(other, seriesDir), {
      file: other,
      field: 'SeriesInstanceUID (0020,000E) in ReferencedSeriesSequence (0008,1115)',
      message: /another series/,
    });
    const spacing = handSeg({ frames, pixelSpacing: ['0.5', '0.5'] });
    expectInputError(() => readDicomMask(spacing, seriesDir), {
      file: spacing,
      field: 'PixelSpacing (0028,0030) in PixelMeasuresSequence (0028,9110) of frame 1',
      message: /pixel spacing differs/,
    });
    const off = handSeg({ frames: [{ k: 4, pixels: ones(1) }] }); // z = 8 mm: past the last slice
    expectInputError(() => readDicomMask(off, seriesDir), {
      file: off,
      field: 'ImagePositionPatient (0020,0032) in PlanePositionSequence (0020,9113) of frame 1',
      message: /off the slices/,
    });
  });

  it('refuses pixel data shorter than the frames declare', () => {
    const file = handSeg({ type: 'FRACTIONAL', frames: [{ k: 0, pixels: new Array(10).fill(1) }] });
    expectInputError(() => readDicomMask(file, seriesDir), { file, field: 'PixelData (7FE0,0010)', message: /holds 10 bytes.*need 15/ });
  });
});

describe('mask → DICOM SEG', () => {
  const mask = (voxels: [number, number, number][], label = 1): Volume<Uint8Array> => {
    const data = new Uint8Array(60);
    for (const [x, y, z] of voxels) data[x + 5 * (y + 3 * z)] = label;
    return { geometry: series.volume.geometry, data, source: 'mask.nii.gz' };
  };

  it('writes one BINARY segment, frames for the slices that hold voxels, the series referenced, new UIDs', () => {
    const file = scratch.file('written.dcm');
    const written = writeSeg(
      file,
      mask([
        [0, 0, 1],
        [4, 2, 1],
        [2, 1, 3],
      ]),
      series,
      { segmentLabel: 'GTV', now: new Date(2026, 0, 2, 3, 4, 5) },
    );
    expect(written.frames).toBe(2);
    const ds = parseDicom(readFileSync(file));
    const source = parseDicom(readFileSync(series.instances[0].file));
    expect(ds.string('x00080016')).toBe(SEG_CLASS);
    expect(ds.string('x00020010')).toBe('1.2.840.10008.1.2.1');
    expect(ds.string('x00080060')).toBe('SEG');
    expect(ds.string('x00620001')).toBe('BINARY');
    expect(ds.uint16('x00280100')).toBe(1);
    expect(ds.string('x00280008')).toBe('2');
    expect(ds.string('x00080023')).toBe('20260102');
    expect(ds.string('x00080033')).toBe('030405');
    // New instance and series; the source's study, patient and frame of reference.
    for (const [tag, uid] of [
      ['x00080018', written.sopInstanceUid],
      ['x0020000e', written.seriesInstanceUid],
    ]) {
      expect(ds.string(tag)).toBe(uid);
      expect(uid).toMatch(/^2\.25\.\d+$/);
      expect(uid.length).toBeLessThanOrEqual(64);
      expect(uid).not.toBe(source.string(tag));
    }
    expect(ds.string('x0020000d')).toBe(source.string('x0020000d'));
    expect(ds.string('x00100020')).toBe('TEST');
    expect(ds.string('x00200052')).toBe(FRAME_OF_REFERENCE);
    const referenced = ds.elements.x00081115.items![0].dataSet!;
    expect(referenced.string('x0020000e')).toBe(SERIES);
    expect(referenced.elements.x0008114a.items!.map((i) => i.dataSet!.string('x00081155'))).toEqual(series.instances.map((i) => i.sopInstanceUid));
    const segment = ds.elements.x00620002.items![0].dataSet!;
    expect(segment.string('x00620005')).toBe('GTV');
    // Frames on slices 1 and 3 (z = 2 and 6 mm), each naming its source image.
    const frames = ds.elements.x52009230.items!.map((i) => i.dataSet!);
    expect(frames.map((f) => f.elements.x00209113.items![0].dataSet!.string('x00200032'))).toEqual(['0\\0\\2', '0\\0\\6']);
    const sources = frames.map((f) => f.elements.x00089124.items![0].dataSet!.elements.x00082112.items![0].dataSet!.string('x00081155'));
    expect(sources).toEqual([series.instances[1].sopInstanceUid, series.instances[3].sopInstanceUid]);
    // Bits: frame 0 pixels 0 and 14, frame 1 pixel 7 → bits 0, 14, 22.
    const pixels = ds.byteArray.subarray(ds.elements.x7fe00010.dataOffset, ds.elements.x7fe00010.dataOffset + 4);
    expect(Array.from(pixels)).toEqual([0b00000001, 0b01000000, 0b01000000, 0]);
  });

  it('reads back as the same mask, and picks one label of a label map', () => {
    const file = scratch.file('roundtrip.dcm');
    const labels = mask(
      [
        [0, 0, 0],
        [1, 0, 0],
        [3, 2, 2],
      ],
      1,
    );
    labels.data[2 + 5 * (1 + 3 * 3)] = 2;
    writeSeg(file, labels, series, { label: 1 });
    expect(voxelsOf(readDicomMask(file, seriesDir).mask.data, SIZE)).toEqual(['0,0,0', '1,0,0', '3,2,2']);
    writeSeg(file, labels, series);
    expect(voxelsOf(readDicomMask(file, seriesDir).mask.data, SIZE)).toEqual(['0,0,0', '1,0,0', '3,2,2', '2,1,3']);
  });

  it('refuses a mask on another grid, and an empty mask, writing nothing', () => {
    const file = scratch.file('never.dcm');
    const shifted = { ...mask([[0, 0, 0]]), geometry: { ...series.volume.geometry, origin: [0, 0, 1] as [number, number, number] } };
    expectInputError(() => writeSeg(file, shifted, series), { file: 'mask.nii.gz', field: 'geometry', message: /grid/ });
    expectInputError(() => writeSeg(file, mask([]), series), { file: 'mask.nii.gz', field: 'mask', message: /no voxel/ });
    expect(() => readFileSync(file)).toThrow();
  });
});
