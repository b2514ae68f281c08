// Masks from DICOM objects and back: an RT Structure Set or a Segmentation → a voxel mask on the grid of the image
// series it was drawn on, and a mask → a one-segment binary SEG of that series.
import { RadiomicsInputError } from '../errors';
import { hasDicomPreamble } from '../io/dicomSlice';
import { readRange, token, type ReadLimits } from '../io/limits';
import { statSync } from 'node:fs';
import { readDicomObject, SOP_CLASS } from './dicomObject';
import { readReferenceSeries, type ReferenceSeries, type ReferenceSeriesOptions } from './referenceSeries';
import { rasteriseRoi, readStructureSet, referencedSeriesOf, selectRoi, type MaskResult } from './rtstruct';
import { readSegmentation, segReferencedSeries, segmentToMask, selectSegment } from './seg';

export { readReferenceSeries, type ReferenceSeries, type ReferenceSeriesOptions, type SeriesInstance } from './referenceSeries';
export { readStructureSet, selectRoi, rasteriseRoi, referencedSeriesOf, type MaskResult, type StructureSet, type StructureSetRoi } from './rtstruct';
export { readSegmentation, selectSegment, segmentToMask, segReferencedSeries, type Segment, type Segmentation, type SegReadOptions } from './seg';
export { writeSeg, newUid, decimalString, type SegWriteOptions, type SegWritten } from './segWrite';
export { readDicomObject, SOP_CLASS, type DicomObject } from './dicomObject';
export { fillEvenOdd, type Polygon } from './rasterise';

export interface DicomMaskOptions extends Omit<ReferenceSeriesOptions, 'referencedSeries'> {
  /** The ROI's name (RTSTRUCT) or the segment's label (SEG); needed when the file holds several. */
  roi?: string;
  /** Fractional SEGs: the fraction from which a voxel is inside (default 0.5). */
  threshold?: number;
}

export interface DicomMask extends MaskResult {
  kind: 'RTSTRUCT' | 'SEG';
  /** The image series the mask lies on (its volume is the image to extract from). */
  series: ReferenceSeries;
}

const EXPECTED = 'a DICOM RT Structure Set (RTSTRUCT) or Segmentation (SEG) file';

/** True when `file` is a regular file with the DICOM Part-10 preamble (a candidate RTSTRUCT or SEG, not NIfTI or NRRD). */
export function isDicomFile(file: string): boolean {
  try {
    if (!statSync(file).isFile() || statSync(file).size < 132) return false;
  } catch {
    return false;
  }
  return hasDicomPreamble(readRange(file, 0, 132, { field: 'preamble' }));
}

/**
 * Reads an RTSTRUCT or a SEG and turns the chosen ROI or segment into a mask on the grid of the image series in
 * `imageDir` (the series it names, where the folder holds several). Any other file is a RadiomicsInputError naming
 * its SOP class field.
 */
export function readDicomMask(file: string, imageDir: string, options: DicomMaskOptions & ReadLimits = {}): DicomMask {
  const { roi, threshold, ...seriesOptions } = options;
  const object = readDicomObject(file, { maxVoxels: options.maxVoxels, expected: EXPECTED });
  if (object.sopClassUid === SOP_CLASS.rtStructureSet) {
    const set = readStructureSet(object);
    const chosen = selectRoi(set, roi);
    const series = readReferenceSeries(imageDir, { ...seriesOptions, referencedSeries: referencedSeriesOf(set, chosen.frameOfReferenceUid) });
    return { kind: 'RTSTRUCT', series, ...rasteriseRoi(set, chosen, series) };
  }
  if (object.sopClassUid === SOP_CLASS.segmentation) {
    const seg = readSegmentation(object);
    const segment = selectSegment(seg, roi);
    const series = readReferenceSeries(imageDir, { ...seriesOptions, referencedSeries: segReferencedSeries(seg) });
    return { kind: 'SEG', series, ...segmentToMask(seg, segment, series, { threshold }) };
  }
  throw new RadiomicsInputError(object.sopClassUid === '' ? 'missing' : `SOP class ${token(object.sopClassUid, 64)} is neither RTSTRUCT nor SEG`, {
    file,
    field: 'SOPClassUID (0008,0016)',
    expected: `${EXPECTED}: ${SOP_CLASS.rtStructureSet} or ${SOP_CLASS.segmentation} (PS3.4 B.5)`,
  });
}
