// Feature selection inside the λ tuning: the redundancy filter and mRMR rank features by the outcome, so they are part
// of the fit and rerun on each inner fold's training rows (Ambroise & McLachlan 2002; ESL §7.10.2). On pure noise the
// honest CV deviance cannot beat the intercept-only model, whose deviance on these balanced folds is 2·ln 2 by hand
// (every training fold holds as many events as non-events, so p̂ = ½ and each validation patient costs −2·ln ½);
// a selection made once on all rows, before the CV, shows the optimism it leaks.
import { crossValidateLambda } from '../../../../models/learning/crossValidation';
import { fromRows, selectFeatures } from '../../../../models/learning/featureMatrix';
import { splitsOf, stratifiedFolds } from '../../../../models/learning/folds';
import { trainModel } from '../../../../models/learning/training';
import { seededRandom } from '../../../../models/stats/random';

function noise(seed: number) {
  const random = seededRandom(seed);
  const names = Array.from({ length: 200 }, (_, j) => `noise${j}`);
  const rows = Array.from({ length: 40 }, () => names.map(() => random.next()));
  const labels = rows.map((_, i) => (i % 2 === 0 ? 1 : 0));
  return { data: fromRows(names, rows), labels };
}

describe('selection inside the λ tuning', () => {
  it('calls the selection on each fold’s training rows only, never on a validation row', () => {
    const { data, labels } = noise(1);
    const foldOf = stratifiedFolds(labels, 4, 9);
    const seen: number[][] = [];
    crossValidateLambda(data, labels, {
      foldOf,
      nLambda: 5,
      select: (rows) => {
        seen.push(Array.from(rows));
        return ['noise0', 'noise1'];
      },
    });
    const expected = [Array.from({ length: 40 }, (_, i) => i), ...splitsOf(foldOf).map((s) => Array.from(s.training))];
    expect(seen).toEqual(expected); // all rows once for the λ sequence, then each fold's training rows
  });

  it.each([1, 2, 3])('is honest on pure noise (seed %i): no λ beats the intercept-only deviance 2·ln 2; selecting first leaks', (seed) => {
    const { data, labels } = noise(seed);
    const nullDeviance = 2 * Math.LN2;
    // The balanced folds the reference assumes: 4 events and 4 non-events in every validation fold.
    for (const { validation } of splitsOf(stratifiedFolds(labels, 5, 1)))
      expect(Array.from(validation, (r) => labels[r]).reduce((a: number, b) => a + b, 0)).toBe(4);
    const model = trainModel(data, labels, { seed: 1, innerFolds: 5 });
    expect(Math.min(...model.cv.cvm)).toBeGreaterThan(nullDeviance - 0.05);
    expect(model.lambda).toBe(model.cv.lambdas[0]); // the 1-SE rule keeps the all-zero model
    expect(Math.max(...model.coefficients.map(Math.abs))).toBeLessThan(1e-9);
    const selectedFirst = crossValidateLambda(selectFeatures(data, model.features), labels, { folds: 5, seed: 1 });
    expect(Math.min(...selectedFirst.cvm)).toBeLessThan(nullDeviance - 0.2);
  });
});
