// The design matrix the learning code works on: named feature columns over patients (column-major Float64Arrays,
// since filters, standardisation and coordinate descent all walk one feature at a time).
import { ModelInputError } from '../stats/errors';

export interface FeatureMatrix {
  readonly names: readonly string[];
  /** columns[j][i]: feature names[j] of patient i. */
  readonly columns: readonly Float64Array[];
  readonly nRows: number;
}

export type FeatureRecord = Readonly<Record<string, number | null | undefined>>;

function checkNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new ModelInputError(`feature '${name}' appears twice`, 'features');
    seen.add(name);
  }
}

/** Builds a matrix from one record per patient; a missing or non-finite value names the feature and the row. */
export function fromRecords(names: readonly string[], records: readonly FeatureRecord[]): FeatureMatrix {
  checkNames(names);
  const columns = names.map((name) => {
    const column = new Float64Array(records.length);
    records.forEach((record, i) => {
      const v = record[name];
      if (v === undefined || v === null) throw new ModelInputError(`missing in row ${i}`, `feature '${name}'`);
      if (!Number.isFinite(v)) throw new ModelInputError(`value ${v} in row ${i} (expected a finite number)`, `feature '${name}'`);
      column[i] = v;
    });
    return column;
  });
  return { names: [...names], columns, nRows: records.length };
}

/** Builds a matrix from rows of numbers in the order of names. */
export function fromRows(names: readonly string[], rows: readonly (readonly number[])[]): FeatureMatrix {
  rows.forEach((row, i) => {
    if (row.length !== names.length) throw new ModelInputError(`row ${i} has ${row.length} values for ${names.length} features`, 'rows');
  });
  return fromRecords(
    names,
    rows.map((row) => Object.fromEntries(names.map((name, j) => [name, row[j]]))),
  );
}

export function selectRows(matrix: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const columns = matrix.columns.map((c) => Float64Array.from(rows, (r) => c[r]));
  return { names: matrix.names, columns, nRows: rows.length };
}

/** The named features, in that order; a feature the matrix lacks is an error that names it. */
export function selectFeatures(matrix: FeatureMatrix, names: readonly string[]): FeatureMatrix {
  const index = new Map(matrix.names.map((n, j) => [n, j]));
  const columns = names.map((name) => {
    const j = index.get(name);
    if (j === undefined) throw new ModelInputError('missing from the data', `feature '${name}'`);
    return matrix.columns[j];
  });
  return { names: [...names], columns, nRows: matrix.nRows };
}

export function column(matrix: FeatureMatrix, name: string): Float64Array {
  return selectFeatures(matrix, [name]).columns[0];
}
