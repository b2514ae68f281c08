// The model as it is stored in the registry (model.json): everything needed to score a patient without the training
// code's state — features, scaler, coefficients, the timepoint it predicts at, the feature engine's version and
// parameter hash (features from another engine or parameter file would not mean the same), and the dataset it saw.
import { createHash } from 'node:crypto';
import { fromRecords } from '../learning/featureMatrix';
import { standardise } from '../learning/standardiser';
import { ModelInputError } from '../stats/errors';
import { sigmoid } from '../stats/logistic';
import type { ModelArtifact } from '../../contracts/models';
import { ARTIFACT_FORMAT } from '../../contracts/models';

/** Checks a parsed model.json: the fields scoring relies on, with the field named when one is wrong. */
export function parseArtifact(raw: unknown, where: string): ModelArtifact {
  const a = raw as Partial<ModelArtifact> | null;
  const fail = (field: string, expected: string): never => {
    throw new ModelInputError(`${where} is not a usable model artifact: ${expected}`, field);
  };
  if (!a || typeof a !== 'object') return fail('model.json', 'expected a JSON object');
  if (a.format !== ARTIFACT_FORMAT) fail('format', `expected '${ARTIFACT_FORMAT}', got ${JSON.stringify(a.format)}`);
  if (!Array.isArray(a.features) || a.features.length === 0) fail('features', 'expected a non-empty list of feature names');
  const n = a.features!.length;
  if (!Array.isArray(a.coefficients) || a.coefficients.length !== n) fail('coefficients', `expected ${n} numbers`);
  if (!a.scaler || a.scaler.means?.length !== n || a.scaler.scales?.length !== n) fail('scaler', `expected ${n} means and scales`);
  if (typeof a.intercept !== 'number') fail('intercept', 'expected a number');
  if (typeof a.predictAt !== 'string' || !Array.isArray(a.timepoints) || !a.timepoints.includes(a.predictAt))
    fail('predictAt', "expected one of the model's timepoints");
  if (!a.engine?.paramHash) fail('engine.paramHash', 'expected the feature parameter hash');
  return a as ModelArtifact;
}

/** The linear predictor (log-odds of good response) of each row. */
export function linearPredictors(artifact: ModelArtifact, rows: readonly Readonly<Record<string, number>>[]): Float64Array {
  const z = standardise({ names: artifact.features, ...artifact.scaler }, fromRecords(artifact.features, rows));
  const lp = new Float64Array(z.nRows).fill(artifact.intercept);
  artifact.coefficients.forEach((b, j) => {
    const c = z.columns[j];
    for (let i = 0; i < z.nRows; i++) lp[i] += b * c[i];
  });
  return lp;
}

/** Probability of good response for each row; a missing feature is a ModelInputError naming it. */
export function scoreRows(artifact: ModelArtifact, rows: readonly Readonly<Record<string, number>>[]): Float64Array {
  return linearPredictors(artifact, rows).map(sigmoid);
}

/**
 * SHA-256 of the input a model scored: the row's values in the model's feature order, as JSON pairs (doubles in their
 * shortest round-trip form), so the same input always gives the same hash and any changed value another.
 */
export function inputHash(artifact: Pick<ModelArtifact, 'features'>, row: Readonly<Record<string, number>>): string {
  return createHash('sha256')
    .update(JSON.stringify(artifact.features.map((f) => [f, row[f] ?? null])))
    .digest('hex');
}
