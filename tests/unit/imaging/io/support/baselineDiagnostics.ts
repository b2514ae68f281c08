// Reads PyRadiomics' baseline CSVs (one column per test id) to get the diagnostics it recorded for each input:
// the SimpleITK image/mask hashes, size, spacing and intensity statistics — an independent check of our readers.
import { readFileSync } from 'node:fs';

/** RFC-4180 CSV (quoted fields with commas and doubled quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** `diagnostics_<name>` → value, for one test id (column) of a baseline CSV. */
export function baselineDiagnostics(csvPath: string, testId: string): Map<string, string> {
  const rows = parseCsv(readFileSync(csvPath, 'utf8'));
  const col = rows[0].indexOf(testId);
  if (col < 0) throw new Error(`${testId} is not a column of ${csvPath}`);
  const out = new Map<string, string>();
  for (const r of rows.slice(1)) if (r[0].startsWith('diagnostics_')) out.set(r[0].slice('diagnostics_'.length), r[col]);
  return out;
}

/** "(0.78, 0.78, 6.5)" → [0.78, 0.78, 6.5] */
export function parseTuple(text: string): number[] {
  return text
    .replace(/[()\s]/g, '')
    .split(',')
    .map(Number);
}
