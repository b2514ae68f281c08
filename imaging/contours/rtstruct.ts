// RT Structure Set (RTSTRUCT) → voxel mask on the grid of the image series it was drawn on.
//
// Rules:
//   The ROI is chosen by its ROIName (3006,0026) (PS3.3 C.8.8.5); a file of one ROI needs no name.
//   The ROI's ReferencedFrameOfReferenceUID (3006,0024) must be the image series' FrameOfReferenceUID (PS3.3 C.8.8.5).
//   Where the Referenced Frame of Reference Sequence (3006,0010) names series for that frame of reference
//   (RT Referenced Series Sequence (3006,0014), PS3.3 C.8.8.5), the image series must be one of them.
//   CLOSED_PLANAR contours are filled (PS3.3 C.8.8.6); POINT and OPEN_* contours enclose nothing and are left out
//   with a warning.
//   A contour must lie in one of the image's slice planes (within a tenth of the slice spacing): the RTSTRUCT is
//   drawn on this series, not on another grid.
//   All contours of a slice are filled together by the even-odd rule at voxel centres (rasterise.ts): holes and
//   several contours per slice work.
//   Contours partly outside the image (off the stack, or crossing the slice's edge) are clipped to it, with a warning;
//   an ROI entirely outside the image, or enclosing no voxel centre, is an error.
import { RadiomicsInputError } from '../errors';
import type { Volume } from '../image';
import { token } from '../io/limits';
import { decimals, integer, items, text, type DataSet, type DicomObject } from './dicomObject';
import { fillEvenOdd, type Polygon } from './rasterise';
import type { ReferenceSeries } from './referenceSeries';

/** A mask made from a DICOM object on the grid of its image series. */
export interface MaskResult {
  /** 1 inside the ROI or segment, 0 elsewhere, on the series' grid. */
  mask: Volume<Uint8Array>;
  /** The ROI's name or the segment's label, as in the file. */
  name: string;
  /** What was clipped or left out, one line each. */
  warnings: string[];
  /** Fractional segmentations: each voxel's fraction (0–1), before the threshold that made `mask`. */
  fractions?: Volume<Float32Array>;
}

export interface StructureSetRoi {
  /** ROINumber (3006,0022) as written. */
  number: string;
  name: string;
  frameOfReferenceUid: string;
}

export interface StructureSet {
  file: string;
  rois: StructureSetRoi[];
  dataSet: DataSet;
}

/** Fraction of the slice spacing by which a contour may lie off a slice plane. */
const PLANE_TOLERANCE = 0.1;
/** ROI names listed in an error at most. */
const MAX_LISTED = 20;

export function readStructureSet(object: DicomObject): StructureSet {
  const ds = object.dataSet;
  const rois = items(ds, 'x30060020').map((item) => ({
    number: text(item, 'x30060022'),
    name: text(item, 'x30060026'),
    frameOfReferenceUid: text(item, 'x30060024'),
  }));
  if (rois.length === 0) {
    throw new RadiomicsInputError('the structure set holds no ROI', {
      file: object.file,
      field: 'StructureSetROISequence (3006,0020)',
      expected: 'at least one ROI (PS3.3 C.8.8.5)',
    });
  }
  return { file: object.file, rois, dataSet: ds };
}

function listed(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).map((n) => `'${token(n, 64)}'`);
  return shown.join(', ') + (names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : '');
}

/** The ROI named `name`, or the only ROI when no name is given. */
export function selectRoi(set: StructureSet, name: string | undefined): StructureSetRoi {
  const names = set.rois.map((r) => r.name);
  const where = { file: set.file, field: 'ROIName (3006,0026)' };
  if (name === undefined) {
    if (set.rois.length === 1) return set.rois[0];
    throw new RadiomicsInputError(`the structure set holds ${set.rois.length} ROIs and none was chosen`, {
      ...where,
      expected: `an ROI name, one of ${listed(names)}`,
    });
  }
  const found = set.rois.filter((r) => r.name === name);
  if (found.length === 0) throw new RadiomicsInputError(`no ROI named '${token(name, 64)}'`, { ...where, expected: `one of ${listed(names)}` });
  if (found.length > 1) throw new RadiomicsInputError(`${found.length} ROIs are named '${token(name, 64)}'`, { ...where, expected: 'a unique ROI name' });
  return found[0];
}

/** The series UIDs the structure set names for a frame of reference (empty when it names none). */
export function referencedSeriesOf(set: StructureSet, frameOfReferenceUid: string): string[] {
  const out: string[] = [];
  for (const frame of items(set.dataSet, 'x30060010')) {
    if (text(frame, 'x00200052') !== frameOfReferenceUid) continue;
    for (const study of items(frame, 'x30060012')) for (const series of items(study, 'x30060014')) out.push(text(series, 'x0020000e'));
  }
  return out.filter((uid) => uid !== '');
}

function checkReferences(set: StructureSet, roi: StructureSetRoi, series: ReferenceSeries): void {
  const field = 'ReferencedFrameOfReferenceUID (3006,0024)';
  if (roi.frameOfReferenceUid === '') {
    throw new RadiomicsInputError(`missing for ROI '${token(roi.name, 64)}'`, { file: set.file, field, expected: 'the frame of reference of the contours' });
  }
  if (roi.frameOfReferenceUid !== series.frameOfReferenceUid) {
    throw new RadiomicsInputError(
      `ROI '${token(roi.name, 64)}' is drawn in another frame of reference than the image series ${series.dir} (its FrameOfReferenceUID (0020,0052))`,
      { file: set.file, field, expected: "the image series' frame of reference" },
    );
  }
  const named = referencedSeriesOf(set, roi.frameOfReferenceUid);
  if (named.length > 0 && !named.includes(series.volume.seriesInstanceUid)) {
    throw new RadiomicsInputError(
      `the structure set names ${named.length === 1 ? 'another series' : `${named.length} other series`} than the image series ${series.dir}`,
      {
        file: set.file,
        field: 'SeriesInstanceUID (0020,000E) in RTReferencedSeriesSequence (3006,0014)',
        expected: "the image series' SeriesInstanceUID",
      },
    );
  }
}

interface SliceContour {
  k: number;
  polygon: Polygon;
  clipped: boolean;
}

/**
 * Fills the ROI's closed planar contours on the series' grid. Throws when the references do not match, a contour is
 * malformed or off the slice planes, or the ROI lies entirely outside the image.
 */
export function rasteriseRoi(set: StructureSet, roi: StructureSetRoi, series: ReferenceSeries): MaskResult {
  checkReferences(set, roi, series);
  // ReferencedROINumber (3006,0084) and ROINumber (3006,0022) are IS: compared as numbers.
  const roiContour = items(set.dataSet, 'x30060039').find((item) => Number(text(item, 'x30060084')) === Number(roi.number));
  const contourItems = items(roiContour, 'x30060040');
  if (contourItems.length === 0) {
    throw new RadiomicsInputError(`ROI '${token(roi.name, 64)}' has no contours`, {
      file: set.file,
      field: 'ContourSequence (3006,0040)',
      expected: 'closed planar contours of the ROI (PS3.3 C.8.8.6)',
    });
  }
  const g = series.volume.geometry;
  const [nx, ny, nz] = g.size;
  const d = g.direction;
  const axes = [0, 1, 2].map((j) => [d[j], d[3 + j], d[6 + j]]);
  const warnings: string[] = [];
  const slices: SliceContour[] = [];
  let notClosed = 0;
  let offStack = 0;
  let clipped = 0;
  contourItems.forEach((item, n) => {
    const where = (field: string, expected: string) => ({ file: set.file, field: `${field} of contour ${n + 1} of ROI '${token(roi.name, 64)}'`, expected });
    const type = text(item, 'x30060042');
    if (type !== 'CLOSED_PLANAR') {
      if (type === 'POINT' || type === 'OPEN_PLANAR' || type === 'OPEN_NONPLANAR') {
        notClosed++;
        return;
      }
      throw new RadiomicsInputError(
        `type '${token(type, 16)}'`,
        where('ContourGeometricType (3006,0042)', 'CLOSED_PLANAR, OPEN_PLANAR, OPEN_NONPLANAR or POINT'),
      );
    }
    const data = decimals(item, 'x30060050') ?? [];
    const count = integer(item, 'x30060046');
    if (data.length === 0 || data.length % 3 !== 0 || !data.every(Number.isFinite) || (count !== undefined && count * 3 !== data.length)) {
      throw new RadiomicsInputError(`${data.length} values for ${count ?? 'an unstated number of'} points`, {
        ...where('ContourData (3006,0050)', 'x\\y\\z triplets of finite numbers, NumberOfContourPoints (3006,0046) of them'),
      });
    }
    const points = data.length / 3;
    if (points < 3) {
      notClosed++;
      return;
    }
    const polygon = new Float64Array(points * 2);
    let kSum = 0;
    let kMin = Infinity;
    let kMax = -Infinity;
    let outside = false;
    for (let p = 0; p < points; p++) {
      const rel = [data[3 * p] - g.origin[0], data[3 * p + 1] - g.origin[1], data[3 * p + 2] - g.origin[2]];
      const [i, j, k] = axes.map((a, axis) => (rel[0] * a[0] + rel[1] * a[1] + rel[2] * a[2]) / g.spacing[axis]);
      polygon[2 * p] = i;
      polygon[2 * p + 1] = j;
      kSum += k;
      kMin = Math.min(kMin, k);
      kMax = Math.max(kMax, k);
      if (i < -0.5 || i > nx - 0.5 || j < -0.5 || j > ny - 0.5) outside = true;
    }
    const k = kSum / points;
    const slice = Math.round(k);
    if (kMax - kMin > 2 * PLANE_TOLERANCE || Math.abs(k - slice) > PLANE_TOLERANCE) {
      const off =
        kMax - kMin > 2 * PLANE_TOLERANCE
          ? `spans ${(kMax - kMin).toFixed(2)} slice spacings`
          : `lies ${Math.abs(k - slice).toFixed(2)} slice spacing off slice ${slice}`;
      throw new RadiomicsInputError(
        `the contour ${off}`,
        where('ContourData (3006,0050)', "contours in the image series' slice planes (an RTSTRUCT drawn on this series)"),
      );
    }
    if (slice < 0 || slice >= nz) {
      offStack++;
      return;
    }
    if (outside) clipped++;
    slices.push({ k: slice, polygon, clipped: outside });
  });

  const mask = new Uint8Array(nx * ny * nz);
  const bySlice = new Map<number, Polygon[]>();
  for (const s of slices) bySlice.set(s.k, [...(bySlice.get(s.k) ?? []), s.polygon]);
  let voxels = 0;
  for (const [k, polygons] of bySlice) voxels += fillEvenOdd(polygons, nx, ny, mask, k * nx * ny);

  const closed = contourItems.length - notClosed;
  if (voxels === 0) {
    const outsideAll = closed > 0 && slices.every((s) => s.clipped && boxOutside(s.polygon, nx, ny));
    if (closed > 0 && (offStack === closed || outsideAll)) {
      throw new RadiomicsInputError(`the contours of ROI '${token(roi.name, 64)}' lie entirely outside the image series ${series.dir}`, {
        file: set.file,
        field: 'ContourData (3006,0050)',
        expected: "contours within the image series' extent",
      });
    }
    throw new RadiomicsInputError(`ROI '${token(roi.name, 64)}' encloses no voxel centre of the image series ${series.dir}`, {
      file: set.file,
      field: 'ContourData (3006,0050)',
      expected: 'closed planar contours around at least one voxel centre',
    });
  }
  if (notClosed > 0)
    warnings.push(`${notClosed} contour(s) of ROI '${token(roi.name, 64)}' are points, open or of fewer than 3 points: left out (they enclose nothing)`);
  if (offStack > 0) warnings.push(`${offStack} of ${closed} contour(s) of ROI '${token(roi.name, 64)}' lie beyond the image's first or last slice: left out`);
  if (clipped > 0) warnings.push(`${clipped} contour(s) of ROI '${token(roi.name, 64)}' cross the edge of the image's slices: clipped to it`);
  return { mask: { geometry: series.volume.geometry, data: mask, source: set.file }, name: roi.name, warnings };
}

/** True when a polygon's bounding box misses the slice's voxel centres altogether. */
function boxOutside(p: Polygon, nx: number, ny: number): boolean {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < p.length; i += 2) {
    x0 = Math.min(x0, p[i]);
    x1 = Math.max(x1, p[i]);
    y0 = Math.min(y0, p[i + 1]);
    y1 = Math.max(y1, p[i + 1]);
  }
  return x1 < 0 || y1 < 0 || x0 > nx - 1 || y0 > ny - 1;
}
