// DICOM Segmentation (SEG) → voxel mask on the grid of the image series it segments.
//
// Rules:
//   SegmentationType (0062,0001) BINARY (1 bit per pixel, packed across frames) or FRACTIONAL (8 bits, up to
//   MaximumFractionalValue (0062,000E)) (PS3.3 C.8.20.2); uncompressed pixel data only.
//   The segment is chosen by its SegmentLabel (0062,0005) in the Segment Sequence (0062,0002); a SEG of one segment
//   needs no label. Frames belong to a segment through the Segment Identification Sequence (0062,000A) of their
//   functional groups (PS3.3 C.8.20).
//   Frames go to slices by ImagePositionPatient in the Plane Position Sequence (0020,9113), per frame or shared
//   (PS3.3 C.7.6.16.2.3); without one, by the source image named in the Derivation Image Sequence (0008,9124).
//   Rows, Columns, PixelSpacing (Pixel Measures Sequence, C.7.6.16.2.1) and ImageOrientationPatient (Plane
//   Orientation Sequence, C.7.6.16.2.4) must be the image series'; each frame must lie on one of its slices.
//   FrameOfReferenceUID (0020,0052) must be the series' where present; where the Referenced Series Sequence
//   (0008,1115, PS3.3 C.12.2) names series, the image series must be one of them.
//   Slices without a frame are background. A fractional segment gives each voxel its fraction (stored value /
//   MaximumFractionalValue) and the mask holds the voxels whose fraction is at least the threshold (default 0.5).
import { RadiomicsInputError } from '../errors';
import type { Vec3 } from '../image';
import { token } from '../io/limits';
import { decimals, integer, items, text, type DataSet, type DicomObject } from './dicomObject';
import type { ReferenceSeries } from './referenceSeries';
import type { MaskResult } from './rtstruct';

export interface Segment {
  number: number;
  label: string;
}

export interface Segmentation {
  file: string;
  dataSet: DataSet;
  type: 'BINARY' | 'FRACTIONAL';
  segments: Segment[];
}

export interface SegReadOptions {
  /** SegmentLabel of the segment to read; needed when the SEG holds several. */
  segment?: string;
  /** Fractional SEGs: the fraction from which a voxel is inside the mask (default 0.5). */
  threshold?: number;
}

const LISTED = 20;
/** In-plane and through-plane deviation of a frame from the image's slice positions, in voxels. */
const POSITION_TOLERANCE = 0.01;
const ORIENTATION_TOLERANCE = 1e-4;

export function readSegmentation(object: DicomObject): Segmentation {
  const ds = object.dataSet;
  const file = object.file;
  const type = text(ds, 'x00620001');
  if (type !== 'BINARY' && type !== 'FRACTIONAL') {
    throw new RadiomicsInputError(type === '' ? 'missing' : `'${token(type, 16)}'`, {
      file,
      field: 'SegmentationType (0062,0001)',
      expected: 'BINARY or FRACTIONAL (PS3.3 C.8.20.2)',
    });
  }
  const segments = items(ds, 'x00620002').map((item) => ({ number: integer(item, 'x00620004', 'US') ?? NaN, label: text(item, 'x00620005') }));
  if (segments.length === 0 || segments.some((s) => !(s.number >= 1))) {
    throw new RadiomicsInputError(segments.length === 0 ? 'no segment' : 'a segment without a SegmentNumber', {
      file,
      field: 'SegmentSequence (0062,0002)',
      expected: 'segments numbered from 1 (PS3.3 C.8.20.2)',
    });
  }
  return { file, dataSet: ds, type, segments };
}

/** Series UIDs the Referenced Series Sequence (0008,1115) names (empty when absent). */
export function segReferencedSeries(seg: Segmentation): string[] {
  return items(seg.dataSet, 'x00081115')
    .map((s) => text(s, 'x0020000e'))
    .filter((uid) => uid !== '');
}

function listed(segments: Segment[]): string {
  const shown = segments.slice(0, LISTED).map((s) => `${s.number} '${token(s.label, 64)}'`);
  return shown.join(', ') + (segments.length > LISTED ? ` and ${segments.length - LISTED} more` : '');
}

export function selectSegment(seg: Segmentation, label: string | undefined): Segment {
  const where = { file: seg.file, field: 'SegmentLabel (0062,0005)' };
  if (label === undefined) {
    if (seg.segments.length === 1) return seg.segments[0];
    throw new RadiomicsInputError(`the segmentation holds ${seg.segments.length} segments and none was chosen`, {
      ...where,
      expected: `a segment label, one of ${listed(seg.segments)}`,
    });
  }
  const found = seg.segments.filter((s) => s.label === label);
  if (found.length === 0) throw new RadiomicsInputError(`no segment labelled '${token(label, 64)}'`, { ...where, expected: `one of ${listed(seg.segments)}` });
  if (found.length > 1) throw new RadiomicsInputError(`${found.length} segments are labelled '${token(label, 64)}'`, { ...where, expected: 'a unique label' });
  return found[0];
}

/** The first item of a functional group macro's sequence, per frame or else shared. */
function group(frame: DataSet | undefined, shared: DataSet | undefined, tag: string): DataSet | undefined {
  return items(frame, tag)[0] ?? items(shared, tag)[0];
}

function checkReferences(seg: Segmentation, series: ReferenceSeries): void {
  const frame = text(seg.dataSet, 'x00200052');
  if (frame !== '' && frame !== series.frameOfReferenceUid) {
    throw new RadiomicsInputError(`the segmentation is in another frame of reference than the image series ${series.dir}`, {
      file: seg.file,
      field: 'FrameOfReferenceUID (0020,0052)',
      expected: "the image series' frame of reference",
    });
  }
  const named = segReferencedSeries(seg);
  if (named.length > 0 && !named.includes(series.volume.seriesInstanceUid)) {
    throw new RadiomicsInputError(
      `the segmentation names ${named.length === 1 ? 'another series' : `${named.length} other series`} than the image series ${series.dir}`,
      {
        file: seg.file,
        field: 'SeriesInstanceUID (0020,000E) in ReferencedSeriesSequence (0008,1115)',
        expected: "the image series' SeriesInstanceUID",
      },
    );
  }
}

/** The pixel bytes, checked against what Rows × Columns × frames × bits declare. */
function pixelBytes(seg: Segmentation, rows: number, columns: number, frames: number): Uint8Array {
  const ds = seg.dataSet;
  const element = ds.elements.x7fe00010;
  const where = (field: string, expected: string) => ({ file: seg.file, field, expected });
  if (!element) throw new RadiomicsInputError('missing', where('PixelData (7FE0,0010)', 'the segmentation frames'));
  if (element.encapsulatedPixelData) {
    throw new RadiomicsInputError(
      `compressed transfer syntax ${token(text(ds, 'x00020010'), 64)}`,
      where('TransferSyntaxUID (0002,0010)', 'uncompressed pixel data (implicit or explicit VR little endian, big endian or deflated)'),
    );
  }
  const bits = seg.type === 'BINARY' ? 1 : 8;
  const allocated = ds.uint16('x00280100');
  const stored = ds.uint16('x00280101') ?? allocated;
  if (allocated !== bits || stored !== bits) {
    throw new RadiomicsInputError(`BitsAllocated ${allocated ?? 'missing'}, BitsStored ${stored ?? 'missing'} for a ${seg.type} segmentation`, {
      ...where('BitsAllocated/BitsStored (0028,0100/0101)', `${bits} and ${bits} (PS3.3 C.8.20.2)`),
    });
  }
  const samples = ds.uint16('x00280002') ?? 1;
  if (samples !== 1) throw new RadiomicsInputError(`${samples}`, where('SamplesPerPixel (0028,0002)', '1'));
  const needed = Math.ceil((rows * columns * frames * bits) / 8);
  const data = ds.byteArray as Uint8Array;
  const available = Math.min(element.length, data.length - element.dataOffset);
  if (available < needed) {
    throw new RadiomicsInputError(`Pixel Data holds ${available} bytes, ${frames} frames of ${rows}×${columns} at ${bits} bit(s) need ${needed}`, {
      ...where('PixelData (7FE0,0010)', `${needed} bytes`),
    });
  }
  return data.subarray(element.dataOffset, element.dataOffset + needed);
}

const near = (a: readonly number[], b: readonly number[], tolerance: number) => a.every((x, i) => Math.abs(x - b[i]) <= tolerance);

/**
 * The chosen segment on the series' grid. Throws when the references, the frame size, spacing or orientation do not
 * match the series, or a frame lies off its slices.
 */
export function segmentToMask(seg: Segmentation, segment: Segment, series: ReferenceSeries, options: SegReadOptions = {}): MaskResult {
  checkReferences(seg, series);
  const ds = seg.dataSet;
  const file = seg.file;
  const g = series.volume.geometry;
  const [nx, ny, nz] = g.size;
  const rows = ds.uint16('x00280010') ?? 0;
  const columns = ds.uint16('x00280011') ?? 0;
  if (rows !== ny || columns !== nx) {
    throw new RadiomicsInputError(`frames of ${rows}×${columns} pixels, the image series ${series.dir} has slices of ${ny}×${nx}`, {
      file,
      field: 'Rows/Columns (0028,0010/0011)',
      expected: "frames of the image series' size (rows × columns)",
    });
  }
  const perFrame = items(ds, 'x52009230');
  const shared = items(ds, 'x52009229')[0];
  const frames = integer(ds, 'x00280008') ?? 1;
  if (perFrame.length !== frames) {
    throw new RadiomicsInputError(`${perFrame.length} items for ${frames} frames`, {
      file,
      field: 'PerFrameFunctionalGroupsSequence (5200,9230)',
      expected: 'one item per frame, NumberOfFrames (0028,0008) of them (PS3.3 C.7.6.16)',
    });
  }
  const bytes = pixelBytes(seg, rows, columns, frames);
  const maxFraction = seg.type === 'FRACTIONAL' ? (ds.uint16('x0062000e') ?? integer(ds, 'x0062000e')) : 1;
  if (seg.type === 'FRACTIONAL' && !(maxFraction !== undefined && maxFraction >= 1 && maxFraction <= 255)) {
    throw new RadiomicsInputError(`${maxFraction ?? 'missing'}`, { file, field: 'MaximumFractionalValue (0062,000E)', expected: '1 to 255 (PS3.3 C.8.20.2)' });
  }
  const threshold = options.threshold ?? 0.5;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new RadiomicsInputError(`threshold ${threshold}`, { file, field: 'threshold', expected: 'a fraction > 0 and ≤ 1' });
  }
  const d = g.direction;
  const axes = [0, 1, 2].map((j) => [d[j], d[3 + j], d[6 + j]] as Vec3);
  const slotOf = new Map(series.instances.map((inst, k) => [inst.sopInstanceUid, k]));
  const frameSize = rows * columns;
  const mask = new Uint8Array(nx * ny * nz);
  const fractions = seg.type === 'FRACTIONAL' ? new Float32Array(nx * ny * nz) : undefined;
  let used = 0;

  perFrame.forEach((fg, f) => {
    const at = (field: string, expected: string) => ({ file, field: `${field} of frame ${f + 1}`, expected });
    const number = integer(group(fg, shared, 'x0062000a'), 'x0062000b', 'US');
    if (number === undefined) throw new RadiomicsInputError('missing', at('ReferencedSegmentNumber (0062,000B)', 'the segment the frame belongs to'));
    if (number !== segment.number) return;
    const orientation = decimals(group(fg, shared, 'x00209116'), 'x00200037');
    if (orientation && !(near(orientation.slice(0, 3), axes[0], ORIENTATION_TOLERANCE) && near(orientation.slice(3, 6), axes[1], ORIENTATION_TOLERANCE))) {
      throw new RadiomicsInputError(`orientation differs from the image series ${series.dir}`, {
        ...at('ImageOrientationPatient (0020,0037) in PlaneOrientationSequence (0020,9116)', "the image series' row and column directions"),
      });
    }
    const spacing = decimals(group(fg, shared, 'x00289110'), 'x00280030');
    if (spacing && !near(spacing, [g.spacing[1], g.spacing[0]], 1e-4 * Math.max(g.spacing[0], g.spacing[1]))) {
      throw new RadiomicsInputError(`pixel spacing differs from the image series ${series.dir}`, {
        ...at('PixelSpacing (0028,0030) in PixelMeasuresSequence (0028,9110)', "the image series' pixel spacing"),
      });
    }
    let k: number;
    const position = decimals(group(fg, shared, 'x00209113'), 'x00200032');
    if (position) {
      const rel = [position[0] - g.origin[0], position[1] - g.origin[1], position[2] - g.origin[2]];
      const [i, j, kk] = axes.map((a, axis) => (rel[0] * a[0] + rel[1] * a[1] + rel[2] * a[2]) / g.spacing[axis]);
      k = Math.round(kk);
      if (!(Math.abs(i) <= POSITION_TOLERANCE && Math.abs(j) <= POSITION_TOLERANCE && Math.abs(kk - k) <= POSITION_TOLERANCE && k >= 0 && k < nz)) {
        throw new RadiomicsInputError(
          `the frame lies off the slices of the image series ${series.dir} (at index ${[i, j, kk].map((x) => x.toFixed(2)).join(', ')})`,
          {
            ...at('ImagePositionPatient (0020,0032) in PlanePositionSequence (0020,9113)', "the position of one of the image series' slices"),
          },
        );
      }
    } else {
      const source = text(items(items(fg, 'x00089124')[0], 'x00082112')[0], 'x00081155');
      const slot = slotOf.get(source);
      if (slot === undefined) {
        throw new RadiomicsInputError(
          source === '' ? 'the frame has no position and names no source image' : 'the frame names a source image not in the series',
          {
            ...at('PlanePositionSequence (0020,9113)', "a position on the image series' slices, or a source image of the series"),
          },
        );
      }
      k = slot;
    }
    used++;
    const base = k * nx * ny;
    const first = f * frameSize;
    if (fractions) {
      for (let p = 0; p < frameSize; p++) {
        const v = bytes[first + p] / maxFraction!;
        if (v > fractions[base + p]) fractions[base + p] = v;
      }
    } else {
      for (let p = 0; p < frameSize; p++) {
        const bit = first + p;
        if ((bytes[bit >> 3] >> (bit & 7)) & 1) mask[base + p] = 1;
      }
    }
  });

  if (fractions) for (let i = 0; i < fractions.length; i++) mask[i] = fractions[i] >= threshold ? 1 : 0;
  const warnings: string[] = [];
  const label = `segment ${segment.number} '${token(segment.label, 64)}'`;
  if (used === 0) warnings.push(`${label} has no frame: the mask is empty`);
  else if (!mask.includes(1)) warnings.push(`${label} covers no voxel${fractions ? ` at fraction ≥ ${threshold}` : ''}: the mask is empty`);
  return {
    mask: { geometry: g, data: mask, source: file },
    name: segment.label,
    warnings,
    ...(fractions ? { fractions: { geometry: g, data: fractions, source: file } } : {}),
  };
}
