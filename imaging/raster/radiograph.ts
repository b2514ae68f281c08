// What every radiograph reader returns: a 2D image as a Volume one pixel thick ([columns, rows, 1]), x along a row
// (left to right), y down the columns (top to bottom), and where its pixel spacing came from.
import type { Geometry, Volume, Vec3 } from '../image';
import { IDENTITY } from '../image';
import { RadiomicsInputError } from '../errors';

/**
 * Where the pixel spacing came from: DICOM Pixel Spacing (0028,0030, in the patient), DICOM Imager Pixel Spacing
 * (0018,1164, at the detector's front plane, not corrected for geometric magnification), or the caller (PNG, JPEG).
 */
export type SpacingSource = 'PixelSpacing' | 'ImagerPixelSpacing' | 'caller';

export interface RadiographVolume extends Volume {
  format: 'png' | 'jpeg' | 'dicom';
  /** DICOM Modality (CR or DX); '' for PNG and JPEG. */
  modality: string;
  spacingSource: SpacingSource;
  /** Bits per stored value: PNG/JPEG bit depth, DICOM Bits Stored (0028,0101). */
  bitsStored: number;
  /** True when the pixels were inverted to MONOCHROME2 (higher value = brighter = more attenuation): MONOCHROME1, or Presentation LUT Shape INVERSE. */
  inverted: boolean;
  /** Things the reader saw and deliberately did not use (a PNG pHYs or JPEG density, say), for diagnostics. */
  notes: string[];
}

/** Pixel spacing in mm: [x (between columns, along a row), y (between rows, down a column)]. */
export type PixelSpacing2D = readonly [number, number];

/** Refuses a spacing that is not two positive finite numbers. */
export function checkSpacing(spacing: PixelSpacing2D, where: { file: string; field: string }): void {
  if (spacing.length !== 2 || !spacing.every((s) => Number.isFinite(s) && s > 0)) {
    throw new RadiomicsInputError(`pixel spacing ${spacing.map(String).join(',')}`, {
      file: where.file,
      field: where.field,
      expected: 'two positive numbers in mm: X (between columns) and Y (between rows)',
    });
  }
}

/**
 * The geometry of a radiograph: a projection has no patient position or slice direction, so the origin is 0,
 * the direction the identity, and the third spacing 1 mm (one pixel thick; features run with force2D).
 */
export function radiographGeometry(columns: number, rows: number, spacing: PixelSpacing2D): Geometry {
  const origin: Vec3 = [0, 0, 0];
  return { size: [columns, rows, 1], spacing: [spacing[0], spacing[1], 1], origin, direction: [...IDENTITY] };
}

/** Parses "X,Y" (mm) as given on a command line; a single number means square pixels. */
export function parseSpacing(text: string, where: { file: string; field: string }): PixelSpacing2D {
  const parts = text.split(',').map((p) => p.trim());
  const values = parts.map(Number);
  const spacing: [number, number] = values.length === 1 ? [values[0], values[0]] : [values[0], values[1]];
  if (parts.length > 2 || parts.some((p) => p === '')) checkSpacing([NaN, NaN], where);
  checkSpacing(spacing, where);
  return spacing;
}
