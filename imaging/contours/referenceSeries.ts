// The image series a structure set or segmentation is drawn on: its volume (the DICOM series reader's), and what the
// volume reader does not keep: the frame of reference, the study, and each slice's SOP instance in slice order.
import { existsSync, statSync } from 'node:fs';
import { RadiomicsInputError } from '../errors';
import type { Vec3 } from '../image';
import { readDicomSeries, seriesFolderFiles, type DicomSeriesOptions, type DicomSeriesVolume } from '../io/dicom';
import { hasDicomPreamble } from '../io/dicomSlice';
import { readRange, regularFileSize } from '../io/limits';
import { decimals, readDicomObject, text, type DataSet } from './dicomObject';

export interface SeriesInstance {
  file: string;
  sopClassUid: string;
  sopInstanceUid: string;
}

export interface ReferenceSeries {
  dir: string;
  volume: DicomSeriesVolume;
  /** FrameOfReferenceUID (0020,0052), the same in every image of the series. */
  frameOfReferenceUid: string;
  studyInstanceUid: string;
  /** One per slice, in the volume's slice order (k = 0 … size[2] − 1). */
  instances: SeriesInstance[];
  /** The first slice's attributes before Pixel Data (patient, study, equipment), copied into derived objects. */
  header: DataSet;
}

export interface ReferenceSeriesOptions extends DicomSeriesOptions {
  /** Series UIDs a structure set or segmentation names: in a folder of several series, the one of them present is read. */
  referencedSeries?: readonly string[];
}

interface ImageHeader extends SeriesInstance {
  seriesInstanceUid: string;
  position: number[] | undefined;
  dataSet: DataSet;
}

/** The attributes before Pixel Data of every DICOM image file of a folder (other files are skipped, as the series reader does). */
function imageHeaders(dir: string, options: ReferenceSeriesOptions): ImageHeader[] {
  const out: ImageHeader[] = [];
  for (const file of seriesFolderFiles(dir)) {
    const size = regularFileSize(file, { field: 'path', expected: 'a DICOM file' });
    if (size < 132 || !hasDicomPreamble(readRange(file, 0, 132, { field: 'preamble' }))) continue;
    const { dataSet, sopClassUid } = readDicomObject(file, { ...options, expected: 'a DICOM image file', headerOnly: true });
    if (!dataSet.elements.x7fe00010) continue; // not an image (a structure set, a segmentation beside the series)
    out.push({
      file,
      sopClassUid,
      sopInstanceUid: text(dataSet, 'x00080018'),
      seriesInstanceUid: text(dataSet, 'x0020000e'),
      position: decimals(dataSet, 'x00200032'),
      dataSet,
    });
  }
  return out;
}

/**
 * Reads the series of `dir` that a structure set or segmentation is drawn on: the one series of the folder, or the one
 * of `referencedSeries` present there, or `seriesInstanceUid`. Every image must carry the same FrameOfReferenceUID
 * (Frame of Reference module, PS3.3 C.7.4.1).
 */
export function readReferenceSeries(dir: string, options: ReferenceSeriesOptions = {}): ReferenceSeries {
  const { referencedSeries, ...seriesOptions } = options;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new RadiomicsInputError('not a folder', { file: dir, field: 'path', expected: 'a folder of DICOM image files (one series)' });
  }
  const all = imageHeaders(dir, options);
  let wanted = options.seriesInstanceUid;
  if (wanted === undefined && referencedSeries?.length) {
    const present = new Set(all.map((h) => h.seriesInstanceUid));
    const named = referencedSeries.filter((uid) => present.has(uid));
    if (named.length === 1 && present.size > 1) wanted = named[0];
  }
  const volume = readDicomSeries(dir, { ...seriesOptions, seriesInstanceUid: wanted });
  const headers = all.filter((h) => h.seriesInstanceUid === volume.seriesInstanceUid);
  const first = headers[0];
  const frameOfReferenceUid = text(first.dataSet, 'x00200052');
  for (const h of headers) {
    const uid = text(h.dataSet, 'x00200052');
    if (uid === '' || uid !== frameOfReferenceUid) {
      throw new RadiomicsInputError(uid === '' ? 'missing' : `differs from ${first.file}`, {
        file: h.file,
        field: 'FrameOfReferenceUID (0020,0052)',
        expected: 'one frame of reference for the whole series (PS3.3 C.7.4.1)',
      });
    }
  }
  // The series reader has checked one slice per position along the normal: each header finds its slice.
  const g = volume.geometry;
  const normal: Vec3 = [g.direction[2], g.direction[5], g.direction[8]];
  const slots: (ImageHeader | undefined)[] = new Array(g.size[2]).fill(undefined);
  for (const h of headers) {
    const p = h.position!;
    const k = Math.round(((p[0] - g.origin[0]) * normal[0] + (p[1] - g.origin[1]) * normal[1] + (p[2] - g.origin[2]) * normal[2]) / g.spacing[2]);
    slots[k] = h;
  }
  const instances = slots.map((h, k) => {
    if (!h)
      throw new RadiomicsInputError(`no image file found for slice ${k}`, {
        file: dir,
        field: 'ImagePositionPatient (0020,0032)',
        expected: 'one file per slice',
      });
    return { file: h.file, sopClassUid: h.sopClassUid, sopInstanceUid: h.sopInstanceUid };
  });
  return { dir, volume, frameOfReferenceUid, studyInstanceUid: text(first.dataSet, 'x0020000d'), instances, header: slots[0]!.dataSet };
}
