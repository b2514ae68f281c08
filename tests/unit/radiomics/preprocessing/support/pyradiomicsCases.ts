// PyRadiomics reference cases for the CORE tests: baseline CSV columns, each column's own settings, its ROI built
// through our preprocessing in PyRadiomics' order (featureextractor.execute), and the upstream pass rule.
import { readFileSync } from 'node:fs';
import { readImage } from '../../../../../imaging/io';
import type { Roi } from '../../../../../radiomics/features/types';
import type { Volume } from '../../../../../imaging/image';
import { settingsFromPyRadiomicsDiagnostics } from '../../../../../radiomics/params';
import type { ExtractionSettings } from '../../../../../radiomics/params/types';
import { cropVolume } from '../../../../../radiomics/preprocessing/crop';
import { labelBoundingBox } from '../../../../../radiomics/preprocessing/label';
import { alignMaskToImage } from '../../../../../radiomics/preprocessing/maskGeometry';
import { normaliseImage } from '../../../../../radiomics/preprocessing/normalise';
import { parseInterpolator } from '../../../../../imaging/resample';
import { resampleImageAndMask } from '../../../../../radiomics/preprocessing/resampleToSpacing';
import { resegmentMask } from '../../../../../radiomics/preprocessing/resegment';
import { buildRoi } from '../../../../../radiomics/preprocessing/roi';
import { checkRoiSize } from '../../../../../radiomics/preprocessing/roiChecks';
import { referencePath } from '../../../../support/referenceData';

export interface BaselineColumns {
  testIds: string[];
  /** Feature name without `original_<class>_` → test id → value. */
  features: Map<string, Map<string, number>>;
  /** Row name → test id → raw cell (diagnostics rows). */
  rows: Map<string, Map<string, string>>;
}

/** RFC 4180 CSV: quoted cells hold the settings dicts, which contain commas. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

export function readBaselineColumns(featureClass: string): BaselineColumns {
  const text = readFileSync(referencePath('pyradiomics', 'baseline', `baseline_${featureClass}.csv`), 'utf8');
  const [header, ...body] = parseCsv(text);
  const testIds = header.slice(1);
  const prefix = `original_${featureClass}_`;
  const features = new Map<string, Map<string, number>>();
  const rows = new Map<string, Map<string, string>>();
  for (const r of body) {
    const cells = new Map(testIds.map((id, c) => [id, r[c + 1]] as const));
    rows.set(r[0], cells);
    if (r[0].startsWith(prefix)) {
      features.set(r[0].slice(prefix.length), new Map(testIds.map((id, c) => [id, Number(r[c + 1])] as const)));
    }
  }
  return { testIds, features, rows };
}

/** The settings PyRadiomics recorded for a column, completed with PyRadiomics 3.1's defaults. */
export function columnSettings(columns: BaselineColumns, testId: string): ExtractionSettings {
  const literal = columns.rows.get('diagnostics_Configuration_Settings')?.get(testId);
  if (literal === undefined) throw new Error(`no settings recorded for ${testId}`);
  return settingsFromPyRadiomicsDiagnostics(literal, {}).settings;
}

/** PyRadiomics' own pass rule: |1 − value/baseline| < 3 %, and a baseline of 0 must be matched exactly. */
export function expectPyRadiomicsMatch(name: string, value: number, baseline: number): void {
  if (baseline === 0) {
    expect({ name, value }).toEqual({ name, value: 0 });
    return;
  }
  const relativeError = Math.abs(1 - value / baseline);
  if (!(relativeError < 0.03)) throw new Error(`${name}: ${value} vs baseline ${baseline} (|1 − v/b| = ${relativeError})`);
}

export function caseImagePath(testCase: string): string {
  return referencePath('pyradiomics', `${testCase}_image.nrrd`);
}

export function caseLabelPath(testCase: string): string {
  return referencePath('pyradiomics', `${testCase}_label.nrrd`);
}

export interface PreparedCase {
  /** ROI for the shape classes (no re-segmentation unless resegmentShape). */
  shapeRoi: Roi;
  /** ROI for the intensity classes. */
  featureRoi: Roi;
  /** Image and label map on the grid features are computed on (after normalisation / resampling). */
  image: Volume;
  mask: Volume;
}

/**
 * Our preprocessing in the order PyRadiomics' featureextractor.execute applies it: normalise the whole image,
 * resample image and mask, align the mask to the image (correctMask), check the ROI, re-segment, crop with no padding.
 * With `image` null (lung cases: their images are not shipped, their labels share the image grid) the label map
 * stands in for the image; only shape features of the result are meaningful then.
 */
export function prepareCase(imageOrNull: Volume | null, mask: Volume, settings: ExtractionSettings): PreparedCase {
  const label = settings.label;
  let image = imageOrNull ?? mask;
  if (settings.normalize) image = normaliseImage(image, settings);
  if (settings.interpolator !== null && settings.resampledPixelSpacing !== null) {
    ({ image, mask } = resampleImageAndMask(image, mask, {
      label,
      resampledPixelSpacing: settings.resampledPixelSpacing,
      interpolator: imageOrNull === null ? 'sitkNearestNeighbor' : parseInterpolator(settings.interpolator),
      padDistance: settings.padDistance,
    }));
  }
  mask = alignMaskToImage(image, mask, settings);
  const check = (m: Volume) => {
    checkRoiSize(labelBoundingBox(m, label), settings, m.source);
  };
  check(mask);
  let featureMask = mask;
  if (settings.resegmentRange !== null) {
    featureMask = resegmentMask(image, mask, { label, resegmentRange: settings.resegmentRange, resegmentMode: settings.resegmentMode });
    check(featureMask);
  }
  const shapeMask = settings.resegmentShape ? featureMask : mask;
  return {
    shapeRoi: buildRoi(image, shapeMask, { label, padDistance: 0, settings }),
    featureRoi: buildRoi(image, featureMask, { label, padDistance: 0, settings }),
    image,
    mask,
  };
}

/** One z-slice of a 3D label map as its own 1-slice volume, placed where that slice lies (like the shape2D cases). */
export function labelSlice(mask: Volume, z: number): Volume {
  const [nx, ny] = mask.geometry.size;
  return cropVolume(mask, [0, 0, z], [nx - 1, ny - 1, z]);
}

export function readCase(testCase: string): { image: Volume | null; mask: Volume } {
  const mask = readImage(caseLabelPath(testCase));
  const image = testCase.startsWith('lung') ? null : readImage(caseImagePath(testCase));
  return { image, mask };
}
