// Shared by the texture tests: PyRadiomics' reference cases as ROIs, the baseline CSVs, and the upstream pass rule.
import { readFileSync } from 'node:fs';
import { readImage } from '../../../../imaging/io';
import { DEFAULT_FEATURE_SETTINGS, type FeatureSettings, type Roi } from '../../../../radiomics/features/types';
import { IDENTITY, type Vec3, type Volume } from '../../../../imaging/image';
import { buildRoi } from '../../../../radiomics/preprocessing/roi';
import { referencePath } from '../../../support/referenceData';

/** Cases whose image is in the reference data (lung images are not). */
export const CASES = ['brain1', 'brain2', 'breast1'] as const;
export const TEXTURE_CLASSES = ['glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm'] as const;

const roiCache = new Map<string, Roi>();

/** The ROI PyRadiomics' texture classes see for a baseline column: label 1, box + padDistance 5, binned per `settings`. */
export function caseRoi(testCase: string, settings: FeatureSettings): Roi {
  const key = `${testCase}:${JSON.stringify(settings)}`;
  let roi = roiCache.get(key);
  if (!roi) {
    const image = readImage(referencePath('pyradiomics', `${testCase}_image.nrrd`));
    const mask = readImage(referencePath('pyradiomics', `${testCase}_label.nrrd`));
    roi = buildRoi(image, mask, { label: 1, padDistance: 5, settings });
    roiCache.set(key, roi);
  }
  return roi;
}

export function caseFiles(testCase: string): string[] {
  return [`pyradiomics/${testCase}_image.nrrd`, `pyradiomics/${testCase}_label.nrrd`];
}

export interface Baseline {
  /** Feature name (without the `original_<class>_` prefix) → test id → value. */
  values: Map<string, Map<string, number>>;
  /** Test id → the feature-class settings of its diagnostics_Configuration_Settings row. */
  settings: Map<string, FeatureSettings>;
}

/** One baseline CSV (<reference data>/pyradiomics/baseline/baseline_<class>.csv). */
export function readBaseline(featureClass: string): Baseline {
  const rows = parseCsv(readFileSync(referencePath('pyradiomics', 'baseline', `baseline_${featureClass}.csv`), 'utf8'));
  const header = rows[0];
  const prefix = `original_${featureClass}_`;
  const values = new Map<string, Map<string, number>>();
  const settings = new Map<string, FeatureSettings>();
  for (const row of rows.slice(1)) {
    if (row[0] === 'diagnostics_Configuration_Settings') {
      header.slice(1).forEach((testId, c) => settings.set(testId, featureSettingsOf(row[c + 1])));
    }
    if (!row[0].startsWith(prefix)) continue;
    const byCase = new Map<string, number>();
    header.slice(1).forEach((testId, c) => byCase.set(testId, Number(row[c + 1])));
    values.set(row[0].slice(prefix.length), byCase);
  }
  return { values, settings };
}

/** The texture-relevant settings of a PyRadiomics settings dict literal; absent keys keep PyRadiomics' defaults. */
function featureSettingsOf(pythonDict: string): FeatureSettings {
  const json = pythonDict
    .replace(/'/g, '"')
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/\bNone\b/g, 'null');
  const d = JSON.parse(json) as Record<string, unknown>;
  const out: FeatureSettings = { ...DEFAULT_FEATURE_SETTINGS };
  for (const key of Object.keys(out) as (keyof FeatureSettings)[]) {
    if (d[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = d[key];
  }
  return out;
}

/** RFC 4180 CSV (quoted fields hold the settings dicts, which contain commas). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if (quoted) {
      if (ch === '"' && text[k + 1] === '"') {
        field += '"';
        k++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[k + 1] === '\n') k++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** PyRadiomics' test rule: |1 − value/baseline| < 3 %, and a baseline of 0 must be matched exactly. */
export function expectPyradiomicsParity(name: string, value: number | undefined, baseline: number): void {
  if (value === undefined || Number.isNaN(value)) throw new Error(`${name}: no value (baseline ${baseline})`);
  if (baseline === 0) {
    if (value !== 0) throw new Error(`${name}: ${value}, baseline exactly 0`);
    return;
  }
  const deviation = Math.abs(1 - value / baseline);
  if (!(deviation < 0.03)) throw new Error(`${name}: ${value} vs baseline ${baseline} (${(deviation * 100).toFixed(2)} % off)`);
}

/**
 * A hand-made ROI from gray levels laid out [z][y][x] (0 = outside the ROI), as the texture classes receive it
 * after preprocessing: box = the array itself, spacing 1 mm unless given.
 */
export function handRoi(levels: number[][][], settings: Partial<FeatureSettings> = {}, spacing: Vec3 = [1, 1, 1]): Roi {
  const nz = levels.length;
  const ny = levels[0].length;
  const nx = levels[0][0].length;
  const binned = new Int32Array(nx * ny * nz);
  const mask = new Uint8Array(binned.length);
  let voxelCount = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const g = levels[z][y][x];
        const i = x + nx * (y + ny * z);
        binned[i] = g;
        mask[i] = g > 0 ? 1 : 0;
        if (g > 0) voxelCount++;
      }
    }
  }
  const geometry: Volume['geometry'] = { size: [nx, ny, nz], spacing, origin: [0, 0, 0], direction: [...IDENTITY] as Volume['geometry']['direction'] };
  return { geometry, image: Float64Array.from(binned), mask, binned, voxelCount, settings: { ...DEFAULT_FEATURE_SETTINGS, ...settings } };
}
