// Stacks the slices of one DICOM series: checks they share one grid, sorts them along the slice normal
// (row × column direction of ImageOrientationPatient), and derives the 3D geometry from the positions —
// never from SliceThickness — refusing gaps and irregular spacing unless asked to accept them.
import type { Geometry, Mat3, Vec3 } from '../image';
import { RadiomicsInputError } from '../errors';
import type { DicomSlice } from './dicomSlice';
import { cross, dot, norm } from './orientation';

export interface StackOptions {
  /** Accept gaps and irregular spacing; the spacing is then (last − first) / (n − 1), as ITK's series reader does. */
  allowIrregularSpacing?: boolean;
  /** Allowed deviation of one slice step from the expected spacing, relative to it (default 0.01). */
  spacingTolerance?: number;
}

export interface Stack {
  slices: DicomSlice[];
  geometry: Geometry;
}

const ORIENTATION_TOLERANCE = 1e-4;

function unit(v: Vec3): Vec3 {
  const l = norm(v);
  return [v[0] / l, v[1] / l, v[2] / l];
}

function fmt(x: number): string {
  return Number(x.toFixed(4)).toString();
}

interface SliceGeometry {
  position: Vec3;
  orientation: [Vec3, Vec3];
  pixelSpacing: [number, number];
}

const finite = (v: number[]): boolean => v.every(Number.isFinite);

function requireGeometry(s: DicomSlice): SliceGeometry {
  const missing = (field: string, expected: string) => new RadiomicsInputError('missing or unreadable', { file: s.file, field, expected });
  if (!s.position || !finite(s.position)) throw missing('ImagePositionPatient (0020,0032)', 'three numbers');
  if (!s.orientation || !finite(s.orientation.flat())) throw missing('ImageOrientationPatient (0020,0037)', 'six numbers');
  if (!s.pixelSpacing) throw missing('PixelSpacing (0028,0030)', 'two positive numbers');
  if (!s.pixelSpacing.every((x) => Number.isFinite(x) && x > 0)) {
    throw new RadiomicsInputError(`spacing ${s.pixelSpacing.join('\\')} is not two positive numbers`, {
      file: s.file,
      field: 'PixelSpacing (0028,0030)',
      expected: 'two finite spacings > 0 (mm)',
    });
  }
  const [r, c] = s.orientation;
  if (!(norm(r) > 0.5 && norm(c) > 0.5) || Math.abs(dot(unit(r), unit(c))) > 1e-3) {
    throw new RadiomicsInputError(`row and column directions are not orthonormal (${s.orientation.flat().join('\\')})`, {
      file: s.file,
      field: 'ImageOrientationPatient (0020,0037)',
      expected: 'two orthogonal unit vectors',
    });
  }
  return { position: s.position, orientation: s.orientation, pixelSpacing: s.pixelSpacing };
}

/**
 * Slice spacing of a series of one slice (no positions to take it from): SpacingBetweenSlices, else SliceThickness,
 * else 1 mm when the file gives neither. A value that is given must be a finite number > 0.
 */
function singleSliceSpacing(s: DicomSlice): number {
  for (const [value, field] of [
    [s.spacingBetweenSlices, 'SpacingBetweenSlices (0018,0088)'],
    [s.sliceThickness, 'SliceThickness (0018,0050)'],
  ] as const) {
    if (value === undefined) continue;
    if (Number.isFinite(value) && value > 0) return value;
    throw new RadiomicsInputError(`spacing ${value} of the only slice`, { file: s.file, field, expected: 'a finite spacing > 0 (mm), or no value' });
  }
  return 1;
}

/** Lower median: with a single gap among two steps, the smaller step is the true spacing. */
function lowerMedian(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export function stackSlices(input: DicomSlice[], options: StackOptions = {}): Stack {
  const first = input[0];
  const ref = requireGeometry(first);
  const row = unit(ref.orientation[0]);
  const col = unit(ref.orientation[1]);
  const normal = cross(row, col);

  for (const s of input) {
    const g = requireGeometry(s);
    const differs = (field: string, expected: string, actual: string) =>
      new RadiomicsInputError(`${actual} differs from ${first.file}`, { file: s.file, field, expected });
    if (s.rows !== first.rows || s.columns !== first.columns)
      throw differs('Rows/Columns (0028,0010/0011)', `${first.rows}×${first.columns} like the rest of the series`, `${s.rows}×${s.columns}`);
    const [r, c] = [unit(g.orientation[0]), unit(g.orientation[1])];
    if ([0, 1, 2].some((i) => Math.abs(r[i] - row[i]) > ORIENTATION_TOLERANCE || Math.abs(c[i] - col[i]) > ORIENTATION_TOLERANCE)) {
      throw differs('ImageOrientationPatient (0020,0037)', `${ref.orientation.flat().join('\\')} like the rest of the series`, g.orientation.flat().join('\\'));
    }
    if (g.pixelSpacing.some((x, i) => Math.abs(x - ref.pixelSpacing[i]) > 1e-4 * ref.pixelSpacing[i])) {
      throw differs('PixelSpacing (0028,0030)', `${ref.pixelSpacing.join('\\')} like the rest of the series`, g.pixelSpacing.join('\\'));
    }
  }

  // Sort by the position's projection on the slice normal (ITK/GDCM's IPPSorter convention).
  const keyed = input.map((s) => ({ s, d: dot(s.position!, normal) })).sort((a, b) => a.d - b.d);
  const slices = keyed.map((k) => k.s);
  const origin = slices[0].position!;
  const steps = keyed.slice(1).map((k, i) => k.d - keyed[i].d);

  let sliceSpacing: number;
  if (slices.length === 1) {
    sliceSpacing = singleSliceSpacing(first);
  } else {
    steps.forEach((step, i) => {
      if (step < 1e-3) {
        throw new RadiomicsInputError(`same position as ${slices[i].file} (several acquisitions, echoes or time points in one series?)`, {
          file: slices[i + 1].file,
          field: 'ImagePositionPatient (0020,0032)',
          expected: 'one slice per position along the slice normal',
        });
      }
    });
    // Each position must lie on the line origin + t·normal; an in-plane drift is a sheared (gantry-tilted) stack.
    for (const k of keyed) {
      const p = k.s.position!;
      const off = [0, 1, 2].map((i) => p[i] - origin[i] - (k.d - keyed[0].d) * normal[i]);
      if (Math.hypot(...off) > 0.01 * Math.min(...ref.pixelSpacing) + 1e-3) {
        throw new RadiomicsInputError(
          `position ${p.map(fmt).join('\\')} is off the slice normal through ${slices[0].file} by ${fmt(Math.hypot(...off))} mm (gantry tilt or sheared stack)`,
          {
            file: k.s.file,
            field: 'ImagePositionPatient (0020,0032)',
            expected: 'positions along the normal of ImageOrientationPatient',
          },
        );
      }
    }
    const expected = lowerMedian(steps);
    const tolerance = (options.spacingTolerance ?? 0.01) * expected;
    if (!options.allowIrregularSpacing) {
      steps.forEach((step, i) => {
        if (Math.abs(step - expected) <= tolerance) return;
        const missing = Math.round(step / expected) - 1;
        const kind =
          missing >= 1 && Math.abs(step - (missing + 1) * expected) <= tolerance * (missing + 1)
            ? `a gap (about ${missing} missing slice${missing > 1 ? 's' : ''})`
            : 'inconsistent spacing';
        throw new RadiomicsInputError(`${kind}: ${fmt(step)} mm from ${slices[i].file} to this slice`, {
          file: slices[i + 1].file,
          field: 'ImagePositionPatient (0020,0032)',
          expected: `slice spacing ${fmt(expected)} mm (or allowIrregularSpacing)`,
        });
      });
    }
    sliceSpacing = (keyed[keyed.length - 1].d - keyed[0].d) / (slices.length - 1);
  }

  const direction: Mat3 = [row[0], col[0], normal[0], row[1], col[1], normal[1], row[2], col[2], normal[2]];
  // PixelSpacing is (row spacing, column spacing): x (along a row) steps by the column spacing.
  const geometry: Geometry = {
    size: [first.columns, first.rows, slices.length],
    spacing: [ref.pixelSpacing[1], ref.pixelSpacing[0], sliceSpacing],
    origin: [origin[0] + 0, origin[1] + 0, origin[2] + 0],
    direction: direction.map((x) => x + 0) as Mat3,
  };
  return { slices, geometry };
}
