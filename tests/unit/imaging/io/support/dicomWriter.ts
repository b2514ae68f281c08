// Writes small DICOM Part-10 files for the series-reader tests with dcmjs (naturalised attribute names),
// so that every geometry, rescale and PET value in a test is chosen by hand.
import { writeFileSync } from 'node:fs';

interface DcmjsData {
  DicomDict: new (meta: unknown) => { dict: unknown; write(): ArrayBuffer };
  DicomMetaDictionary: { denaturalizeDataset(ds: Record<string, unknown>): unknown };
}
// dcmjs ships no type declarations; only these two entry points are used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DicomDict, DicomMetaDictionary } = (require('dcmjs') as { data: DcmjsData }).data;

export const TS = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  explicitBig: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
};

const SOP_CLASS: Record<string, string> = {
  CT: '1.2.840.10008.5.1.4.1.1.2',
  MR: '1.2.840.10008.5.1.4.1.1.4',
  PT: '1.2.840.10008.5.1.4.1.1.128',
  US: '1.2.840.10008.5.1.4.1.1.6.1',
};

export interface SliceSpec {
  position: [number, number, number];
  /** Row direction then column direction. */
  orientation?: number[];
  /** [row spacing, column spacing] */
  pixelSpacing?: [number, number];
  rows: number;
  columns: number;
  /** Stored values, row by row (as they go into Pixel Data). */
  pixels: number[];
  modality?: string;
  seriesUid?: string;
  bitsAllocated?: 8 | 16 | 32;
  bitsStored?: number;
  signed?: boolean;
  slope?: number;
  intercept?: number;
  transferSyntax?: string;
  /** Further naturalised attributes (e.g. PET tags), or `undefined` to drop a default one. */
  extra?: Record<string, unknown>;
  /** Attributes dcmjs has no name for (private tags), by tag: { '0019100C': { vr: 'IS', Value: [800] } }. */
  raw?: Record<string, { vr: string; Value: unknown[] }>;
}

let counter = 0;

/** Decimal strings (DS) hold 16 characters: keep 12 significant digits. */
const ds = (values: number[]): number[] => values.map((x) => Number(x.toPrecision(12)));

/** Raw Pixel Data bytes, with the stored values masked to their word size. */
function pixelBytes(spec: SliceSpec, littleEndian: boolean): ArrayBuffer {
  const bits = spec.bitsAllocated ?? 16;
  const width = bits / 8;
  const buf = Buffer.alloc(spec.pixels.length * width);
  spec.pixels.forEach((v, i) => {
    const word = bits === 32 ? v >>> 0 : v & ((1 << bits) - 1);
    if (width === 1) buf.writeUInt8(word, i);
    else if (width === 2) (littleEndian ? buf.writeUInt16LE : buf.writeUInt16BE).call(buf, word, 2 * i);
    else (littleEndian ? buf.writeUInt32LE : buf.writeUInt32BE).call(buf, word, 4 * i);
  });
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

export function writeDicomSlice(file: string, spec: SliceSpec): void {
  const ts = spec.transferSyntax ?? TS.explicitLittle;
  const modality = spec.modality ?? 'CT';
  const sop = `1.2.826.0.1.3680043.8.498.${process.pid}.${++counter}`;
  const bits = spec.bitsAllocated ?? 16;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SOP_CLASS[modality] ?? SOP_CLASS.CT,
    MediaStorageSOPInstanceUID: sop,
    TransferSyntaxUID: ts,
    ImplementationClassUID: '1.2.826.0.1.3680043.8.498.1',
  };
  const dataset: Record<string, unknown> = {
    SOPClassUID: SOP_CLASS[modality] ?? SOP_CLASS.CT,
    SOPInstanceUID: sop,
    Modality: modality,
    SeriesInstanceUID: spec.seriesUid ?? '1.2.826.0.1.3680043.8.498.100',
    SeriesDescription: 'test series',
    ImagePositionPatient: ds(spec.position),
    ImageOrientationPatient: ds(spec.orientation ?? [1, 0, 0, 0, 1, 0]),
    PixelSpacing: ds(spec.pixelSpacing ?? [1, 1]),
    Rows: spec.rows,
    Columns: spec.columns,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: bits,
    BitsStored: spec.bitsStored ?? bits,
    HighBit: (spec.bitsStored ?? bits) - 1,
    PixelRepresentation: spec.signed === false ? 0 : 1,
    RescaleSlope: spec.slope ?? 1,
    RescaleIntercept: spec.intercept ?? 0,
    PixelData: pixelBytes(spec, ts !== TS.explicitBig),
    _vrMap: { PixelData: bits === 8 ? 'OB' : 'OW' },
    ...spec.extra,
  };
  for (const key of Object.keys(dataset)) if (dataset[key] === undefined) delete dataset[key];
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = { ...(DicomMetaDictionary.denaturalizeDataset(dataset) as object), ...spec.raw };
  writeFileSync(file, Buffer.from(dict.write()));
}
