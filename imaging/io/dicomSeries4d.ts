// A 4D MR series from a DICOM folder of single-frame files: several images per slice position, told apart by the
// diffusion b-value (a multi-b DWI), the time of a dynamic (DCE) acquisition or the flip angle (a variable-flip-angle
// series), read into the frame-major float32
// series the parameter maps take. Each frame is stacked and checked as a 3D series would be (one grid, no gaps), and
// every frame must cover the same grid.
import { sameGeometry, type Vec3 } from '../image';
import { RadiomicsInputError } from '../errors';
import type { VolumeSeries } from './nifti';
import { readSlices, selectSeries, transferSlices, type DicomSeriesOptions } from './dicom';
import type { DicomSlice } from './dicomSlice';
import { stackSlices } from './dicomStack';
import { DIFFUSION_B_VALUE_TAGS } from './dicomFrameTags';
import { cross, dot, norm } from './orientation';
import { token } from './limits';

/** What tells the frames apart: the diffusion b-value, the acquisition time of a dynamic series, or the flip angle (VFA). */
export type FrameAxis = 'bvalue' | 'time' | 'flip';

export interface Dicom4dOptions extends DicomSeriesOptions {
  axis: FrameAxis;
}

export interface DicomSeries4d extends VolumeSeries<Float32Array> {
  seriesInstanceUid: string;
  axis: FrameAxis;
  /** One per frame, in frame order: b-values (s/mm², ascending), times (s from the first frame, increasing) or flip angles (degrees, ascending). */
  values: number[];
  /** The attribute the values come from. */
  valueTag: string;
  /** Largest spread of acquisition times among the slices of one frame, s (time axis; 0 for a 3D acquisition). */
  frameSpreadS: number;
  /** FlipAngle (0018,1314) and RepetitionTime (0018,0080) when every file gives the same value (for `flip`, the flip angle is the frames'). */
  flipAngleDeg: number | undefined;
  repetitionTimeMs: number | undefined;
}

const TRIGGER = 'TriggerTime (0018,1060)';
const ACQUISITION = 'AcquisitionDateTime (0008,002A) / AcquisitionTime (0008,0032)';
const TEMPORAL = 'TemporalPositionIdentifier (0020,0100)';
/** Slices closer than this along the normal are at one position, mm. */
const SAME_POSITION_MM = 1e-3;

const fmt = (x: number) => Number(x.toFixed(4)).toString();

/** The position of each slice along the series' slice normal, mm; a slice without a usable geometry is named. */
function positions(slices: DicomSlice[], options: DicomSeriesOptions): number[] {
  const first = slices[0];
  // stackSlices on one slice checks its position, orientation and spacing with the 3D reader's errors.
  for (const s of slices) if (!s.position || !s.orientation || !s.position.every(Number.isFinite)) stackSlices([s], options);
  stackSlices([first], options);
  const [r, c] = first.orientation!;
  const n = cross(r, c);
  const l = norm(n);
  const normal: Vec3 = [n[0] / l, n[1] / l, n[2] / l];
  return slices.map((s) => dot(s.position!, normal));
}

function sameValue(slices: DicomSlice[], get: (s: DicomSlice) => number | undefined): number | undefined {
  const v = get(slices[0]);
  return v !== undefined && slices.every((s) => get(s) === v) ? v : undefined;
}

interface Frame {
  value: number;
  slices: DicomSlice[];
  /** Acquisition times of its slices, s (time axis). */
  times: number[];
}

/** Refuses two slices of one frame at one position (several directions, echoes or repeats folded into one value). */
function checkOnePerPosition(frame: Frame, at: Map<DicomSlice, number>, describe: string, field: string, expected: string): void {
  const sorted = [...frame.slices].sort((a, b) => at.get(a)! - at.get(b)!);
  for (let i = 1; i < sorted.length; i++) {
    if (at.get(sorted[i])! - at.get(sorted[i - 1])! < SAME_POSITION_MM) {
      throw new RadiomicsInputError(`${describe} twice at slice position ${fmt(at.get(sorted[i])!)} mm (also in ${sorted[i - 1].file})`, {
        file: sorted[i].file,
        field,
        expected,
      });
    }
  }
}

/** How one attribute tells frames apart: where it is read, what it is called in errors, what a series needs. */
interface ValueAxis {
  read(s: DicomSlice): { value: number | undefined; tag: string | undefined };
  /** The message for a file without the attribute. */
  missing: string;
  missingField: string;
  missingExpected: string;
  valid(v: number): boolean;
  validExpected: string;
  label(v: number): string;
  /** The value as named in a message: 'b-value 800 s/mm²'. */
  named(v: number): string;
  /** What a series of one value is not. */
  oneExpected: string;
  duplicateExpected: string;
}

const AXES: Record<'bvalue' | 'flip', ValueAxis> = {
  bvalue: {
    read: (s) => ({ value: s.frame.bValue, tag: s.frame.bValueTag }),
    missing: 'no b-value tag',
    missingField: 'DiffusionBValue (0018,9087)',
    missingExpected: `a b-value (s/mm²) in ${DIFFUSION_B_VALUE_TAGS}`,
    valid: (b) => Number.isFinite(b) && b >= 0,
    validExpected: 'a finite b-value ≥ 0 (s/mm²)',
    label: (b) => `b = ${b} s/mm²`,
    named: (b) => `b-value ${b} s/mm²`,
    oneExpected: 'a DWI series with at least 2 different b-values',
    duplicateExpected: 'one image per b-value and slice position (several diffusion directions? use the trace-weighted images)',
  },
  flip: {
    read: (s) => ({ value: s.frame.flipAngleDeg, tag: s.frame.flipAngleDeg === undefined ? undefined : 'FlipAngle (0018,1314)' }),
    missing: 'no flip angle',
    missingField: 'FlipAngle (0018,1314)',
    missingExpected: 'the flip angle (degrees) of every image of a variable-flip-angle series',
    valid: (a) => Number.isFinite(a) && a > 0 && a <= 90,
    validExpected: 'a flip angle in (0, 90] degrees',
    label: (a) => `flip angle ${a}°`,
    named: (a) => `flip angle ${a}°`,
    oneExpected: 'a variable-flip-angle series with at least 2 different flip angles',
    duplicateExpected: 'one image per flip angle and slice position',
  },
};

/** Frames by the value of one attribute (a b-value, a flip angle), ascending. */
function valueFrames(slices: DicomSlice[], at: Map<DicomSlice, number>, dir: string, axis: ValueAxis): { frames: Frame[]; tag: string } {
  const byValue = new Map<number, Frame>();
  for (const s of slices) {
    const { value, tag } = axis.read(s);
    if (value === undefined) {
      throw new RadiomicsInputError(axis.missing, { file: s.file, field: axis.missingField, expected: axis.missingExpected });
    }
    if (!axis.valid(value)) {
      throw new RadiomicsInputError(axis.named(value), { file: s.file, field: tag!, expected: axis.validExpected });
    }
    const frame = byValue.get(value) ?? { value, slices: [], times: [] };
    frame.slices.push(s);
    byValue.set(value, frame);
  }
  const tag = [...new Set(slices.map((s) => axis.read(s).tag!))].join(', ');
  const frames = [...byValue.values()].sort((a, b) => a.value - b.value);
  if (frames.length < 2) {
    throw new RadiomicsInputError(`one ${axis.named(frames[0].value)} in all ${slices.length} files`, {
      file: dir,
      field: tag,
      expected: axis.oneExpected,
    });
  }
  for (const f of frames) checkOnePerPosition(f, at, axis.label(f.value), tag, axis.duplicateExpected);
  return { frames, tag };
}

/** Each slice's time, s: TriggerTime where every file has it and it varies, else the acquisition (date and) time. */
function sliceTimes(slices: DicomSlice[]): { times: Map<DicomSlice, number>; tag: string } {
  const trigger = slices.every((s) => s.frame.triggerTimeMs !== undefined) && new Set(slices.map((s) => s.frame.triggerTimeMs)).size > 1;
  const times = new Map<DicomSlice, number>();
  for (const s of slices) {
    const t = trigger ? s.frame.triggerTimeMs! / 1000 : s.frame.acquisitionTimeS;
    if (t === undefined) {
      throw new RadiomicsInputError('no acquisition time', {
        file: s.file,
        field: 'AcquisitionTime (0008,0032)',
        expected: `the time of every image of a dynamic series: ${TRIGGER} varying between time points, or ${ACQUISITION}`,
      });
    }
    times.set(s, t);
  }
  return { times, tag: trigger ? TRIGGER : ACQUISITION };
}

function timeFrames(slices: DicomSlice[], at: Map<DicomSlice, number>): { frames: Frame[]; tag: string } {
  const { times, tag } = sliceTimes(slices);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  if (slices.every((s) => s.frame.temporalPosition !== undefined)) {
    const byPosition = new Map<number, Frame>();
    for (const s of slices) {
      const p = s.frame.temporalPosition!;
      const frame = byPosition.get(p) ?? { value: p, slices: [], times: [] };
      frame.slices.push(s);
      frame.times.push(times.get(s)!);
      byPosition.set(p, frame);
    }
    const frames = [...byPosition.values()].sort((a, b) => a.value - b.value);
    for (const f of frames) checkOnePerPosition(f, at, `temporal position ${f.value}`, TEMPORAL, 'one image per temporal position and slice position');
    for (let i = 1; i < frames.length; i++) {
      const [prev, cur] = [mean(frames[i - 1].times), mean(frames[i].times)];
      if (!(cur > prev)) {
        throw new RadiomicsInputError(
          `temporal position ${frames[i].value} was acquired at ${fmt(cur - mean(frames[0].times))} s, not after temporal position ${frames[i - 1].value} (${fmt(prev - mean(frames[0].times))} s)`,
          { file: frames[i].slices[0].file, field: `${TEMPORAL} / ${tag}`, expected: 'acquisition times increasing with the temporal position' },
        );
      }
    }
    return { frames: frames.map((f) => ({ ...f, value: mean(f.times) })), tag };
  }
  // No temporal positions: the k-th time point of every slice position makes frame k.
  const byPlace: Array<{ at: number; slices: DicomSlice[] }> = [];
  for (const s of [...slices].sort((a, b) => at.get(a)! - at.get(b)!)) {
    const last = byPlace[byPlace.length - 1];
    if (last && at.get(s)! - last.at < SAME_POSITION_MM) last.slices.push(s);
    else byPlace.push({ at: at.get(s)!, slices: [s] });
  }
  for (const place of byPlace) {
    place.slices.sort((a, b) => times.get(a)! - times.get(b)!);
    for (let i = 1; i < place.slices.length; i++) {
      const [a, b] = [place.slices[i - 1], place.slices[i]];
      if (times.get(b)! - times.get(a)! < 1e-6) {
        throw new RadiomicsInputError(`time point ${fmt(times.get(b)!)} s twice at slice position ${fmt(place.at)} mm (also in ${a.file})`, {
          file: b.file,
          field: tag,
          expected: 'one image per time point and slice position',
        });
      }
    }
  }
  const count = byPlace[0].slices.length;
  const short = byPlace.find((p) => p.slices.length !== count);
  if (short) {
    throw new RadiomicsInputError(
      `slice position ${fmt(short.at)} mm has ${short.slices.length} time points, slice position ${fmt(byPlace[0].at)} mm has ${count}`,
      {
        file: short.slices[0].file,
        field: tag,
        expected: 'the same number of time points at every slice position',
      },
    );
  }
  const frames: Frame[] = Array.from({ length: count }, (_, k) => {
    const members = byPlace.map((p) => p.slices[k]);
    const ts = members.map((s) => times.get(s)!);
    return { value: mean(ts), slices: members, times: ts };
  });
  return { frames, tag };
}

/** Reads the one (or the chosen) series of a folder as a 4D series along `axis`. */
export function readDicomSeries4d(dir: string, options: Dicom4dOptions): DicomSeries4d {
  const all = readSlices(dir, options);
  if (all.length === 0) {
    throw new RadiomicsInputError('no DICOM image files in the folder', {
      file: dir,
      field: 'files',
      expected: "DICOM Part-10 image files (with the 'DICM' preamble)",
    });
  }
  const series = selectSeries(dir, all, options.seriesInstanceUid);
  if (series[0].modality !== 'MR') {
    throw new RadiomicsInputError(`modality '${token(series[0].modality, 16)}'`, {
      file: series[0].file,
      field: 'Modality (0008,0060)',
      expected: `MR (a ${{ bvalue: 'diffusion-weighted', time: 'dynamic', flip: 'variable-flip-angle' }[options.axis]} series)`,
    });
  }
  const place = positions(series, options);
  const at = new Map(series.map((s, i) => [s, place[i]]));
  const { frames, tag } = options.axis === 'time' ? timeFrames(series, at) : valueFrames(series, at, dir, AXES[options.axis]);
  if (frames.length < 2) {
    throw new RadiomicsInputError(`one time point in all ${series.length} files`, {
      file: dir,
      field: tag,
      expected: 'a dynamic series of several time points',
    });
  }
  const label = (f: Frame) => (options.axis === 'time' ? `time point ${frames.indexOf(f) + 1}` : AXES[options.axis].label(f.value));
  const stacks = frames.map((f) => stackSlices(f.slices, options));
  const g = stacks[0].geometry;
  stacks.forEach((st, i) => {
    if (st.slices.length !== stacks[0].slices.length) {
      throw new RadiomicsInputError(`${label(frames[i])} has ${st.slices.length} slices, ${label(frames[0])} has ${stacks[0].slices.length}`, {
        file: st.slices[0].file,
        field: tag,
        expected: `every ${{ bvalue: 'b-value', time: 'time point', flip: 'flip angle' }[options.axis]} at every slice position`,
      });
    }
    if (!sameGeometry(st.geometry, g)) {
      throw new RadiomicsInputError(`${label(frames[i])} lies on another grid than ${label(frames[0])}`, {
        file: st.slices[0].file,
        field: 'ImagePositionPatient (0020,0032)',
        expected: 'every frame on one grid (the same slice positions, orientation and spacing)',
      });
    }
  });
  const voxels = g.size[0] * g.size[1] * g.size[2];
  const data = new Float32Array(voxels * frames.length);
  stacks.forEach((st, f) => transferSlices(st.slices, undefined, data.subarray(f * voxels, (f + 1) * voxels)));
  const t0 = frames[0].value;
  const values = options.axis === 'time' ? frames.map((f) => f.value - t0) : frames.map((f) => f.value);
  const spread = options.axis === 'time' ? Math.max(...frames.map((f) => Math.max(...f.times) - Math.min(...f.times))) : 0;
  return {
    geometry: g,
    frames: frames.length,
    data,
    source: dir,
    seriesInstanceUid: series[0].seriesInstanceUid,
    axis: options.axis,
    values,
    valueTag: tag,
    frameSpreadS: spread,
    flipAngleDeg: sameValue(series, (s) => s.frame.flipAngleDeg),
    repetitionTimeMs: sameValue(series, (s) => s.frame.repetitionTimeMs),
  };
}
