// Elastic-net logistic regression against glmnet 4.1.6 (R; glmnet(family = "binomial", standardize = TRUE,
// thresh = 1e-14) with early path stopping off, fixtures/r-reference.json "glmnetPaths"), cv.glmnet with the same
// fold ids and λ ("cvGlmnet", deviance and AUC), and scikit-learn 1.8.0 LogisticRegression(solver = 'saga',
// l1_ratio = α, C = 1/(nλ)) on the standardised columns ("sklearnElasticNet").
import { crossValidateLambda, lambdaSequence } from '../../../../models/learning/crossValidation';
import { fitElasticNetPath, lambdaMax } from '../../../../models/learning/elasticNet';
import { seededRandom } from '../../../../models/stats/random';
import { fromRows } from '../../../../models/learning/featureMatrix';
import { fitStandardiser, standardise } from '../../../../models/learning/standardiser';
import { expectAllClose, expectClose, inputs, python, r } from '../fixtures';

const g = inputs.glmnet;
const data = fromRows(g.names, g.x);
const scaler = fitStandardiser(data);
const z = standardise(scaler, data);

describe('elastic-net path (coordinate descent on penalised IRLS)', () => {
  for (const ref of r.glmnetPaths) {
    it(`matches glmnet's λ sequence and coefficients on the original scale, α = ${ref.alpha}`, () => {
      const lambdas = lambdaSequence(data, g.labels, { alpha: ref.alpha, nLambda: g.nLambda, lambdaMinRatio: g.lambdaMinRatio });
      expectAllClose(lambdas, ref.lambda, 1e-10);
      const path = fitElasticNetPath(z, g.labels, { alpha: ref.alpha, lambdas: ref.lambda, tolerance: 1e-16 });
      path.lambdas.forEach((_, k) => {
        const beta = Array.from(path.coefficients[k], (b, j) => b / scaler.scales[j]);
        const b0 = path.intercepts[k] - beta.reduce((s, b, j) => s + b * scaler.means[j], 0);
        // glmnet stops its own IRLS within a few 1e-7 of the optimum even at thresh = 1e-14, hence 1e-6
        expectClose(b0, ref.intercept[k], 1e-6);
        expectAllClose(beta, ref.coefficients[k], 1e-6);
        // glmnet's zeros are exact zeros here too (the LASSO's selection)
        ref.coefficients[k].forEach((b, j) => expect(beta[j] === 0).toBe(b === 0));
      });
      expectAllClose(path.devianceRatio, ref.devRatio, 1e-7);
    });
  }

  it('matches scikit-learn saga at single λ values (α = 0.5 and 1)', () => {
    for (const ref of python.sklearnElasticNet) {
      const path = fitElasticNetPath(z, g.labels, { alpha: ref.alpha, lambdas: [ref.lambda], tolerance: 1e-16 });
      expectClose(path.intercepts[0], ref.intercept, 1e-6);
      expectAllClose(path.coefficients[0], ref.coefficients, 1e-6);
    }
  });

  it('keeps every coefficient exactly 0 at λmax, and lets the first one in just below it', () => {
    // At λmax the largest gradient equals the penalty by definition; summed in another order it can exceed it by an
    // ulp, and a coefficient of 1e-16 would still rank the patients by its feature. On 17 patients × 30 standardised
    // columns, 200 random studies: exact zeros at λmax every time; at λmax·(1 − 1e-6) the column that defines λmax enters.
    const random = seededRandom(11);
    for (let s = 0; s < 200; s++) {
      const y = Float64Array.from({ length: 17 }, (_, i) => (i < 7 ? 1 : 0));
      const raw = fromRows(
        Array.from({ length: 30 }, (_, j) => `f${j}`),
        Array.from({ length: 17 }, () => Array.from({ length: 30 }, () => random.next())),
      );
      const x = standardise(fitStandardiser(raw), raw);
      const lmax = lambdaMax(x, y, 1);
      const path = fitElasticNetPath(x, y, { lambdas: [lmax, lmax * (1 - 1e-6)] });
      expect(Array.from(path.coefficients[0]).filter((b) => b !== 0)).toEqual([]);
      expect(Array.from(path.coefficients[1]).filter((b) => b !== 0)).toHaveLength(1);
    }
  });

  it('rejects an unordered λ sequence, α outside [0, 1] and non-finite features', () => {
    expect(() => fitElasticNetPath(z, g.labels, { lambdas: [0.01, 0.1] })).toThrow(/lambdas: expected a decreasing sequence/);
    expect(() => fitElasticNetPath(z, g.labels, { alpha: 1.5 })).toThrow(/alpha: 1.5/);
    const bad = fromRows(['a'], [[1], [2], [3], [4]]);
    (bad.columns[0] as Float64Array)[2] = NaN;
    expect(() => fitElasticNetPath(bad, [0, 1, 0, 1])).toThrow(/feature 'a': value NaN in row 2/);
  });
});

describe('λ by cross-validation with the 1-SE rule', () => {
  const foldOf = Int32Array.from(g.foldId);
  const lambdas = r.glmnetPaths[0].lambda;
  for (const measure of ['deviance', 'auc'] as const) {
    it(`matches cv.glmnet(type.measure = "${measure}") with the same folds`, () => {
      const ref = r.cvGlmnet[measure];
      const cv = crossValidateLambda(data, g.labels, { alpha: 1, lambdas, foldOf, measure, tolerance: 1e-16 });
      expectAllClose(cv.lambdas, ref.lambda, 1e-12);
      expectAllClose(cv.cvm, ref.cvm, 1e-6);
      expectAllClose(cv.cvsd, ref.cvsd, 1e-6);
      expectClose(cv.lambdaMin, ref.lambdaMin, 1e-12);
      expectClose(cv.lambda1se, ref.lambda1se, 1e-12);
      expect(cv.lambda1se).toBeGreaterThanOrEqual(cv.lambdaMin);
    });
  }
});
