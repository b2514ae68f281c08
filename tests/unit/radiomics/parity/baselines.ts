// PyRadiomics' baseline CSVs (<reference data>/pyradiomics/baseline/baseline_<class>.csv) regrouped by test id: for each
// column, its recorded settings, its diagnostics and every feature value of every class that has the column.
import { readFileSync } from 'node:fs';
import { parseCsv } from '../../../../radiomics/extraction/csv';
import { referencePath } from '../../../support/referenceData';

export const BASELINE_CLASSES = ['firstorder', 'shape', 'shape2D', 'glcm', 'glrlm', 'glszm', 'gldm', 'ngtdm'] as const;
export type BaselineClass = (typeof BASELINE_CLASSES)[number];

export interface BaselineColumn {
  testId: string;
  /** brain1, lung2, … (the image/label files' prefix). */
  caseName: string;
  /** diagnostics_Configuration_Settings, a Python dict literal (identical in every CSV that has the column). */
  settings: string;
  /** diagnostics_* rows → cell text, from every CSV that has the column. */
  diagnostics: Map<string, string>;
  /** class → feature name (without prefix) → baseline value. */
  features: Map<BaselineClass, Map<string, number>>;
}

export function baselineFile(cls: BaselineClass): string {
  return `pyradiomics/baseline/baseline_${cls}.csv`;
}

export function readBaselineColumns(): Map<string, BaselineColumn> {
  const columns = new Map<string, BaselineColumn>();
  for (const cls of BASELINE_CLASSES) {
    const file = referencePath(baselineFile(cls));
    const { header, rows } = parseCsv(readFileSync(file, 'utf8'), file);
    const prefix = `original_${cls}_`;
    header.slice(1).forEach((testId, k) => {
      const col = k + 1;
      const settings = rows.find((r) => r[0] === 'diagnostics_Configuration_Settings')?.[col];
      if (settings === undefined) throw new Error(`${file}: no settings for ${testId}`);
      let column = columns.get(testId);
      if (!column) {
        column = { testId, caseName: testId.split('_')[0], settings, diagnostics: new Map(), features: new Map() };
        columns.set(testId, column);
      } else if (column.settings !== settings) {
        // The grouping below computes each column once for all classes; it relies on this.
        throw new Error(`${testId}: settings differ between baseline CSVs`);
      }
      const values = new Map<string, number>();
      for (const row of rows) {
        if (row[0].startsWith(prefix)) values.set(row[0].slice(prefix.length), Number(row[col]));
        else if (row[0].startsWith('diagnostics_') && row[col] !== '') column.diagnostics.set(row[0], row[col]);
      }
      column.features.set(cls, values);
    });
  }
  return columns;
}

/** PyRadiomics' pass rule (tests/testUtils.py): |1 − value/baseline| < 3 %, and a baseline of 0 must match exactly. */
export function parityFailure(name: string, value: number | undefined, baseline: number): string | null {
  if (value === undefined) return `${name}: not computed (baseline ${baseline})`;
  if (baseline === 0) return value === 0 ? null : `${name}: ${value}, baseline exactly 0`;
  const deviation = Math.abs(1 - value / baseline);
  return deviation < 0.03 ? null : `${name}: ${value} vs baseline ${baseline} (${(deviation * 100).toFixed(2)} %)`;
}
