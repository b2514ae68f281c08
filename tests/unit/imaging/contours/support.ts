// Test helpers for the contour and segmentation readers: DICOM objects built by hand with dcmjs (naturalised
// attribute names), real files changed one attribute at a time, small synthetic image series, and the Dice overlap.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeDicomSlice } from '../io/support/dicomWriter';

interface DcmjsDict {
  dict: unknown;
  meta: unknown;
  write(): ArrayBuffer;
}
interface DcmjsData {
  DicomDict: new (meta: unknown) => DcmjsDict;
  DicomMessage: { readFile(buffer: ArrayBuffer): DcmjsDict };
  DicomMetaDictionary: { denaturalizeDataset(ds: Record<string, unknown>): unknown; naturalizeDataset(dict: unknown): Record<string, unknown> };
}
// dcmjs ships no type declarations; only these entry points are used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DicomDict, DicomMessage, DicomMetaDictionary } = (require('dcmjs') as { data: DcmjsData }).data;

export type Dataset = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const RTSTRUCT_CLASS = '1.2.840.10008.5.1.4.1.1.481.3';
export const SEG_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
export const CT_CLASS = '1.2.840.10008.5.1.4.1.1.2';
export const FRAME_OF_REFERENCE = '1.2.826.0.1.3680043.8.498.7001';
export const SERIES = '1.2.826.0.1.3680043.8.498.7002';

let counter = 0;
const uid = () => `1.2.826.0.1.3680043.8.498.${process.pid}.9${++counter}`;

/** Writes a naturalised data set as a Part-10 file (explicit VR little endian unless the meta says otherwise). */
export function writeDataset(file: string, sopClassUid: string, dataset: Dataset, transferSyntax = '1.2.840.10008.1.2.1'): void {
  const sop = (dataset.SOPInstanceUID as string | undefined) ?? uid();
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sop,
    TransferSyntaxUID: transferSyntax,
    ImplementationClassUID: '1.2.826.0.1.3680043.8.498.1',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset({ SOPClassUID: sopClassUid, SOPInstanceUID: sop, ...dataset });
  writeFileSync(file, Buffer.from(dict.write()));
}

/** Reads `source`, lets `change` edit its naturalised data set, and writes the result to `target` (same transfer syntax). */
export function modifyDicom(source: string, target: string, change: (ds: Dataset) => void): string {
  const bytes = readFileSync(source);
  const dict = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const ds = DicomMetaDictionary.naturalizeDataset(dict.dict);
  change(ds);
  dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
  writeFileSync(target, Buffer.from(dict.write()));
  return target;
}

export interface GridSpec {
  size: [number, number, number];
  spacing?: [number, number, number];
  origin?: [number, number, number];
  /** Row direction then column direction (default axial: 1,0,0, 0,1,0); slices step along their cross product. */
  orientation?: number[];
  frameOfReferenceUid?: string;
  seriesUid?: string;
  /** File name prefix (several series in one folder). */
  prefix?: string;
}

/** A CT series of `size` (columns, rows, slices), zero-valued, with a frame of reference. Returns its folder. */
export function syntheticSeries(dir: string, spec: GridSpec): string {
  mkdirSync(dir, { recursive: true });
  const [nx, ny, nz] = spec.size;
  const [sx, sy, sz] = spec.spacing ?? [1, 1, 2];
  const origin = spec.origin ?? [0, 0, 0];
  const o = spec.orientation ?? [1, 0, 0, 0, 1, 0];
  const normal = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  for (let k = 0; k < nz; k++) {
    writeDicomSlice(path.join(dir, `${spec.prefix ?? 'IM'}${String(k).padStart(3, '0')}.dcm`), {
      position: [0, 1, 2].map((a) => origin[a] + k * sz * normal[a]) as [number, number, number],
      orientation: o,
      pixelSpacing: [sy, sx],
      rows: ny,
      columns: nx,
      pixels: new Array(nx * ny).fill(0),
      seriesUid: spec.seriesUid ?? SERIES,
      extra: { FrameOfReferenceUID: spec.frameOfReferenceUid ?? FRAME_OF_REFERENCE, StudyInstanceUID: '1.2.826.0.1.3680043.8.498.7000', PatientID: 'TEST' },
    });
  }
  return dir;
}

export interface ContourSpec {
  /** x, y, z triplets in mm (patient coordinates). */
  points: number[];
  type?: string;
}

export interface RoiSpec {
  name: string;
  contours: ContourSpec[];
  frameOfReferenceUid?: string;
}

/** An RTSTRUCT of the given ROIs; `series` lists the series the Referenced Frame of Reference Sequence names. */
export function structureSet(file: string, rois: RoiSpec[], options: { frameOfReferenceUid?: string; series?: string[] } = {}): string {
  const frame = options.frameOfReferenceUid ?? FRAME_OF_REFERENCE;
  writeDataset(file, RTSTRUCT_CLASS, {
    Modality: 'RTSTRUCT',
    StructureSetLabel: 'TEST',
    ReferencedFrameOfReferenceSequence: [
      {
        FrameOfReferenceUID: frame,
        ...(options.series?.length
          ? {
              RTReferencedStudySequence: [
                {
                  ReferencedSOPClassUID: '1.2.840.10008.3.1.2.3.1',
                  ReferencedSOPInstanceUID: '1.2.826.0.1.3680043.8.498.7000',
                  RTReferencedSeriesSequence: options.series.map((s) => ({ SeriesInstanceUID: s })),
                },
              ],
            }
          : {}),
      },
    ],
    StructureSetROISequence: rois.map((r, i) => ({ ROINumber: i + 1, ReferencedFrameOfReferenceUID: r.frameOfReferenceUid ?? frame, ROIName: r.name })),
    ROIContourSequence: rois.map((r, i) => ({
      ReferencedROINumber: i + 1,
      ContourSequence: r.contours.map((c) => ({
        ContourGeometricType: c.type ?? 'CLOSED_PLANAR',
        NumberOfContourPoints: c.points.length / 3,
        ContourData: c.points.map((v) => Number(v.toFixed(6))),
      })),
    })),
  });
  return file;
}

/** A rectangle in the plane z, corners (x0, y0) and (x1, y1), as contour points. */
export function rectangle(x0: number, y0: number, x1: number, y1: number, z: number): number[] {
  return [x0, y0, z, x1, y0, z, x1, y1, z, x0, y1, z];
}

/** 2·|A ∩ B| / (|A| + |B|) over non-zero voxels. */
export function dice(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let na = 0;
  let nb = 0;
  let both = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0;
    const y = b[i] !== 0;
    if (x) na++;
    if (y) nb++;
    if (x && y) both++;
  }
  return na + nb === 0 ? 1 : (2 * both) / (na + nb);
}

/** Voxels (x, y, z) of a mask that are non-zero, as "x,y,z" strings, for readable comparisons of small masks. */
export function voxelsOf(data: ArrayLike<number>, size: [number, number, number]): string[] {
  const out: string[] = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 0) out.push(`${i % size[0]},${Math.floor(i / size[0]) % size[1]},${Math.floor(i / (size[0] * size[1]))}`);
  }
  return out;
}
