// Voxel mask → DICOM Segmentation (SEG): one BINARY segment on the grid of its image series, with new UIDs, the
// series' patient, study and frame of reference, and a reference to every source image.
//
// What is written (PS3.3 A.51, Segmentation IOD):
//   Patient, General Study: copied from the series' first image (PS3.3 C.7.1.1, C.7.2.1).
//   Segmentation Series: Modality SEG, a new SeriesInstanceUID (PS3.3 C.8.20.1).
//   Frame of Reference: the series' FrameOfReferenceUID (PS3.3 C.7.4.1).
//   Enhanced General Equipment: Manufacturer, model, serial number, software versions (PS3.3 C.7.5.2).
//   Segmentation Image: SegmentationType BINARY, 1 bit per pixel, one segment with coded category and type
//   (PS3.3 C.8.20.2); frames packed bit by bit, least significant bit first, across frames (PS3.5 8.1.1).
//   Multi-frame Functional Groups: shared pixel measures and plane orientation; per frame its plane position, source
//   image (Derivation Image Sequence) and segment (PS3.3 C.7.6.16, C.8.20).
//   Multi-frame Dimension: segment number, then image position (PS3.3 C.7.6.17).
//   Common Instance Reference: the source series and every one of its images (PS3.3 C.12.2).
//   SOP Common: a new SOPInstanceUID (PS3.3 C.12.1); UIDs are UUID-derived (2.25.…, PS3.5 B.2).
// Only the slices that hold a voxel of the mask get a frame; the reader takes the others as background.
import { randomUUID } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RadiomicsInputError } from '../errors';
import { sameGeometry, type Volume } from '../image';
import type { DataSet } from './dicomObject';
import { SOP_CLASS } from './dicomObject';
import type { ReferenceSeries } from './referenceSeries';

export interface SegWriteOptions {
  /** Which voxels form the segment: those equal to this label (default: every non-zero voxel). */
  label?: number;
  /** SegmentLabel (0062,0005); default 'ROI'. */
  segmentLabel?: string;
  /** SeriesDescription (0008,103E); default 'Segmentation'. */
  seriesDescription?: string;
  /** SegmentAlgorithmType (0062,0008): MANUAL (default), or SEMIAUTOMATIC / AUTOMATIC with SegmentAlgorithmName (0062,0009). */
  algorithm?: { type: 'MANUAL' } | { type: 'SEMIAUTOMATIC' | 'AUTOMATIC'; name: string };
  /** SoftwareVersions (0018,1020); default 'osteoflow'. */
  softwareVersions?: string;
  /** ContentDate/ContentTime; default now. */
  now?: Date;
  /** Geometry tolerance between the mask and the series (sameGeometry's; default 1e-4). */
  geometryTolerance?: number;
  /** The SEG's SeriesInstanceUID and SOPInstanceUID; default new ones. Given, a second write of the same mask is the same instance. */
  uids?: { series: string; instance: string };
}

export interface SegWritten {
  file: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  /** Frames written (slices holding a voxel of the segment). */
  frames: number;
}

interface DcmjsData {
  DicomDict: new (meta: unknown) => { dict: unknown; write(): ArrayBuffer };
  DicomMetaDictionary: { denaturalizeDataset(ds: Record<string, unknown>): unknown };
}

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** This writer's ImplementationClassUID (PS3.7 D.3.3.2), UUID-derived. */
const IMPLEMENTATION_CLASS_UID = '2.25.13973888321717997840593873221419726379';

/** A new UID from a random UUID (PS3.5 B.2): "2.25." and the UUID as one decimal integer. */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/** A decimal string (DS) of at most 16 characters (PS3.5 6.2). */
export function decimalString(x: number): string {
  const clean = (s: string) => (s.includes('e') ? s : s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  for (let digits = 15; digits >= 1; digits--) {
    const s = clean(x.toPrecision(digits));
    if (s.length <= 16) return s === '-0' ? '0' : s;
  }
  return '0';
}

/** An attribute of the source image as text, decoded with its SpecificCharacterSet (UTF-8 for ISO_IR 192, else Latin-1). */
function sourceText(ds: DataSet, tag: string): string {
  const element = ds.elements[tag];
  if (!element || element.length === 0) return '';
  const bytes = (ds.byteArray as Uint8Array).subarray(element.dataOffset, element.dataOffset + element.length);
  const utf8 = (ds.string('x00080005') ?? '').includes('ISO_IR 192');
  return new TextDecoder(utf8 ? 'utf-8' : 'latin1').decode(bytes).replace(/[\0 ]+$/, '');
}

const dicomDate = (d: Date) => `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
const dicomTime = (d: Date) => `${[d.getHours(), d.getMinutes(), d.getSeconds()].map((x) => String(x).padStart(2, '0')).join('')}`;

/** LO values hold 64 characters at most, without backslashes or control characters (PS3.5 6.2). */
const longString = (s: string) =>
  Array.from(s, (c) => (c === '\\' || c.charCodeAt(0) < 0x20 ? ' ' : c))
    .join('')
    .slice(0, 64);

const code = (value: string, scheme: string, meaning: string) => [{ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning }];

/**
 * Writes the voxels of `mask` (those equal to `label`, or all non-zero ones) as a one-segment BINARY SEG of `series`
 * to `file`. The mask must be on the series' grid. Nothing is written when a check fails; the file appears whole.
 */
export function writeSeg(file: string, mask: Volume, series: ReferenceSeries, options: SegWriteOptions = {}): SegWritten {
  const g = series.volume.geometry;
  if (!sameGeometry(mask.geometry, g, options.geometryTolerance ?? 1e-4)) {
    throw new RadiomicsInputError(`the mask's grid (${mask.geometry.size.join('×')}) is not the image series' ${series.dir} (${g.size.join('×')})`, {
      file: mask.source,
      field: 'geometry',
      expected: "the image series' size, spacing, origin and direction",
    });
  }
  const [nx, ny, nz] = g.size;
  const frameSize = nx * ny;
  const inside = options.label === undefined ? (v: number) => v !== 0 : (v: number) => v === options.label;
  const slices: number[] = [];
  for (let k = 0; k < nz; k++) {
    for (let p = 0; p < frameSize; p++) {
      if (inside(mask.data[k * frameSize + p])) {
        slices.push(k);
        break;
      }
    }
  }
  if (slices.length === 0) {
    throw new RadiomicsInputError(`the mask holds no voxel ${options.label === undefined ? 'other than 0' : `of label ${options.label}`}`, {
      file: mask.source,
      field: 'mask',
      expected: 'at least one voxel of the segment (a SEG holds at least one frame)',
    });
  }
  // Frames packed bit by bit across frames, least significant bit first; the value padded to an even length.
  const pixels = new Uint8Array(Math.ceil((slices.length * frameSize) / 8 / 2) * 2);
  slices.forEach((k, f) => {
    for (let p = 0; p < frameSize; p++) {
      if (!inside(mask.data[k * frameSize + p])) continue;
      const bit = f * frameSize + p;
      pixels[bit >> 3] |= 1 << (bit & 7);
    }
  });

  const header = series.header;
  const now = options.now ?? new Date();
  const sopInstanceUid = options.uids?.instance ?? newUid();
  const seriesInstanceUid = options.uids?.series ?? newUid();
  const dimensionOrganizationUid = newUid();
  const d = g.direction;
  const algorithm = options.algorithm ?? { type: 'MANUAL' as const };
  const position = (k: number) => [0, 1, 2].map((r) => decimalString(g.origin[r] + d[3 * r + 2] * g.spacing[2] * k));
  const thickness = Number(header.string('x00180050'));
  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SOP_CLASS.segmentation,
    SOPInstanceUID: sopInstanceUid,
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentDate: dicomDate(now),
    ContentTime: dicomTime(now),
    SeriesDate: dicomDate(now),
    SeriesTime: dicomTime(now),
    Modality: 'SEG',
    SeriesDescription: longString(options.seriesDescription ?? 'Segmentation'),
    SeriesNumber: 1000,
    InstanceNumber: 1,
    Manufacturer: 'osteoflow',
    ManufacturerModelName: 'osteoflow',
    DeviceSerialNumber: '1',
    SoftwareVersions: longString(options.softwareVersions ?? 'osteoflow'),
    // Patient and General Study: the source's.
    PatientName: sourceText(header, 'x00100010'),
    PatientID: sourceText(header, 'x00100020'),
    PatientBirthDate: sourceText(header, 'x00100030'),
    PatientSex: sourceText(header, 'x00100040'),
    StudyInstanceUID: series.studyInstanceUid,
    StudyDate: sourceText(header, 'x00080020'),
    StudyTime: sourceText(header, 'x00080030'),
    ReferringPhysicianName: sourceText(header, 'x00080090'),
    StudyID: sourceText(header, 'x00200010'),
    AccessionNumber: sourceText(header, 'x00080050'),
    SeriesInstanceUID: seriesInstanceUid,
    FrameOfReferenceUID: series.frameOfReferenceUid,
    PositionReferenceIndicator: sourceText(header, 'x00201040'),
    // Image Pixel for BINARY segmentations.
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: ny,
    Columns: nx,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    NumberOfFrames: slices.length,
    ContentLabel: 'SEGMENTATION',
    ContentDescription: longString(options.segmentLabel ?? 'ROI'),
    ContentCreatorName: '',
    SegmentationType: 'BINARY',
    SegmentSequence: [
      {
        SegmentNumber: 1,
        SegmentLabel: longString(options.segmentLabel ?? 'ROI'),
        SegmentAlgorithmType: algorithm.type,
        ...(algorithm.type === 'MANUAL' ? {} : { SegmentAlgorithmName: longString(algorithm.name) }),
        SegmentedPropertyCategoryCodeSequence: code('49755003', 'SCT', 'Morphologically Abnormal Structure'),
        SegmentedPropertyTypeCodeSequence: code('108369006', 'SCT', 'Neoplasm'),
      },
    ],
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: 0x0062000b,
        FunctionalGroupPointer: 0x0062000a,
        DimensionDescriptionLabel: 'Segment Number',
      },
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: 0x00200032,
        FunctionalGroupPointer: 0x00209113,
        DimensionDescriptionLabel: 'Image Position Patient',
      },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [
          {
            PixelSpacing: [decimalString(g.spacing[1]), decimalString(g.spacing[0])],
            SliceThickness: decimalString(Number.isFinite(thickness) && thickness > 0 ? thickness : g.spacing[2]),
            SpacingBetweenSlices: decimalString(g.spacing[2]),
          },
        ],
        PlaneOrientationSequence: [{ ImageOrientationPatient: [d[0], d[3], d[6], d[1], d[4], d[7]].map(decimalString) }],
      },
    ],
    PerFrameFunctionalGroupsSequence: slices.map((k, f) => ({
      DerivationImageSequence: [
        {
          SourceImageSequence: [
            {
              ReferencedSOPClassUID: series.instances[k].sopClassUid,
              ReferencedSOPInstanceUID: series.instances[k].sopInstanceUid,
              PurposeOfReferenceCodeSequence: code('121322', 'DCM', 'Source image for image processing operation'),
              SpatialLocationsPreserved: 'YES',
            },
          ],
          DerivationCodeSequence: code('113076', 'DCM', 'Segmentation'),
        },
      ],
      FrameContentSequence: [{ DimensionIndexValues: [1, f + 1] }],
      PlanePositionSequence: [{ ImagePositionPatient: position(k) }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: 1 }],
    })),
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: series.volume.seriesInstanceUid,
        ReferencedInstanceSequence: series.instances.map((i) => ({ ReferencedSOPClassUID: i.sopClassUid, ReferencedSOPInstanceUID: i.sopInstanceUid })),
      },
    ],
    PixelData: pixels.buffer,
    _vrMap: { PixelData: 'OB' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SOP_CLASS.segmentation,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'OSTEOFLOW',
  };
  // dcmjs ships no type declarations; only these two entry points are used. Loaded here, not at start-up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DicomDict, DicomMetaDictionary } = (require('dcmjs') as { data: DcmjsData }).data;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  const bytes = Buffer.from(dict.write());
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    throw new RadiomicsInputError(`cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      file,
      field: 'path',
      expected: 'a writable file in an existing folder',
    });
  }
  return { file, sopInstanceUid, seriesInstanceUid, frames: slices.length };
}
