// The training procedure end to end: trainModel (filters → standardise → λ by inner CV → fit), nested CV and the
// nomogram. The nomogram is checked against rms 6.5.0 nomogram() on an lrm fit (fixtures/r-reference.json);
// the pieces trainModel is built from are checked against glmnet/cv.glmnet/mrmr-selection in the other files, so
// here the checks are of composition: reproducibility, honesty (no leakage), and errors.
import { fromRows, selectRows } from '../../../../models/learning/featureMatrix';
import { nestedCrossValidation } from '../../../../models/learning/nestedCv';
import { buildNomogram, readNomogram } from '../../../../models/learning/nomogram';
import { nomogramSvg } from '../../../../models/learning/nomogramSvg';
import { predictProbabilities, trainModel } from '../../../../models/learning/training';
import { seededRandom } from '../../../../models/stats/random';
import { delongAuc } from '../../../../models/stats/delong';
import { sigmoid } from '../../../../models/stats/logistic';
import { expectAllClose, expectClose, inputs, r } from '../fixtures';

const g = inputs.glmnet;
const data = fromRows(g.names, g.x);

describe('trainModel', () => {
  const model = trainModel(data, g.labels, { seed: 11 });

  it('selects the informative features and states the model per raw unit', () => {
    const nonZero = model.features.filter((_, j) => model.coefficients[j] !== 0);
    expect(nonZero).toEqual(expect.arrayContaining(['f0', 'f2'])); // the generator's strongest effects (make_inputs.py)
    expect(model.lambda).toBe(model.cv.lambda1se);
    const p = predictProbabilities(model, data);
    const byHand = g.x.map((row) => sigmoid(model.original.intercept + g.names.reduce((s, n, j) => s + (model.original.coefficients[n] ?? 0) * row[j], 0)));
    expectAllClose(p, byHand, 1e-12);
  });

  it('predicts from records and names a feature missing at prediction time', () => {
    const records = g.x.slice(0, 3).map((row) => Object.fromEntries(g.names.map((n, j) => [n, row[j]])));
    expectAllClose(predictProbabilities(model, records), predictProbabilities(model, selectRows(data, [0, 1, 2])), 1e-15);
    const missing = model.features[0];
    const { [missing]: _dropped, ...rest } = records[0];
    expect(() => predictProbabilities(model, [rest])).toThrow(new RegExp(`feature '${missing}': missing in row 0`));
  });

  it('is reproducible from its seed', () => {
    expect(trainModel(data, g.labels, { seed: 11 })).toEqual(model);
  });

  it('refuses too few labelled patients and a single class', () => {
    const few = selectRows(data, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => trainModel(few, g.labels.slice(0, 8))).toThrow(/labels: too few labelled patients/);
    expect(() =>
      trainModel(
        data,
        g.labels.map(() => 1),
      ),
    ).toThrow(/labels: a single class/);
    expect(() => trainModel(data, g.labels.slice(1))).toThrow(/labels: 99 labels for 100 rows/);
  });
});

describe('nested cross-validation', () => {
  it('estimates the AUC out of fold, with DeLong CI, and refits on all patients', () => {
    const res = nestedCrossValidation(data, g.labels, { seed: 5, outerFolds: 5, innerFolds: 5, nLambda: 50 });
    expect(res.folds).toHaveLength(5);
    expect(res.folds.flatMap((f) => f.validationRows).sort((a, b) => a - b)).toEqual(g.labels.map((_, i) => i));
    expect(res.auc).toEqual(delongAuc(res.predictions, g.labels));
    // Honest: above chance, yet not above cv.glmnet's best CV AUC on the same data, which chose λ on its own folds.
    expect(res.auc.auc).toBeGreaterThan(0.6);
    expect(res.auc.auc).toBeLessThan(Math.max(...r.cvGlmnet.auc.cvm));
    expect(res.final.trainingRows).toBe(100);
    const c = res.classification;
    expect(c.truePositives + c.falseNegatives).toBe(47);
    expect(c.trueNegatives + c.falsePositives).toBe(53);
  });

  it('is honest on pure noise: selection inside the folds leaves the AUC near 0.5', () => {
    const aucs = [100, 101, 102].map((seed) => {
      const random = seededRandom(seed);
      const names = Array.from({ length: 20 }, (_, j) => `noise${j}`);
      const rows = Array.from({ length: 50 }, () => names.map(() => random.next()));
      const labels = rows.map((_, i) => (i % 2 === 0 ? 1 : 0));
      return nestedCrossValidation(fromRows(names, rows), labels, { seed: 1, maxFeatures: 5, nLambda: 40 }).auc.auc;
    });
    const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.1);
  });

  it('needs enough patients of each class for both CV levels', () => {
    expect(() =>
      nestedCrossValidation(
        selectRows(
          data,
          Array.from({ length: 12 }, (_, i) => i),
        ),
        g.labels.slice(0, 12),
      ),
    ).toThrow(/too few labelled patients: \d+ events and \d+ non-events \(at least 7 of each needed\)/);
  });
});

describe('nomogram', () => {
  const [intercept, age, marker, volume] = r.nomogram.coefficients;
  const nomogram = buildNomogram({ intercept, coefficients: { age, marker, volume }, values: inputs.nomogram.axisValues }, inputs.nomogram.probabilities);

  it('scores each axis as rms nomogram() does (0–100 for the widest predictor)', () => {
    const points = Object.fromEntries(nomogram.axes.map((a) => [a.name, a.ticks.map((t) => t.points)]));
    expectAllClose(points.age, r.nomogram.points.age, 1e-9);
    expectAllClose(points.marker, r.nomogram.points.marker, 1e-9);
    expectAllClose(points.volume, r.nomogram.points.volume, 1e-9);
  });

  it('maps total points to probability as rms nomogram(fun = plogis)', () => {
    r.nomogram.probabilityAxis.probability.forEach((p, i) => {
      const tick = nomogram.probabilityAxis.find((t) => Math.abs(t.probability - p) < 1e-12);
      // rms places fun.at ticks by linear interpolation on a grid of the linear predictor, hence 1e-6 relative
      expectClose(tick!.totalPoints, r.nomogram.probabilityAxis.totalPoints[i], 1e-6);
    });
  });

  it('reads a patient back to the model probability', () => {
    const patient = { age: 57, marker: 1, volume: 4.5 };
    const reading = readNomogram(nomogram, patient);
    expectClose(reading.probability, sigmoid(intercept + age * 57 + marker + volume * 4.5 - marker + marker * 1), 1e-12);
    expect(() => readNomogram(nomogram, { age: 57, marker: 1 } as Record<string, number>)).toThrow(/feature 'volume': missing/);
  });

  it('draws as SVG: a Points ruler, one axis per predictor, total points and probability', () => {
    const svg = nomogramSvg(nomogram, 'P(good response) <combined>');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const label of ['Points', 'age', 'marker', 'volume', 'Total Points', 'Probability']) expect(svg).toContain(`>${label}<`);
    expect(svg).toContain('P(good response) &lt;combined&gt;');
    // volume is protective: its 0-point end is its maximum, 20, drawn at the ruler's left edge (x = 170)
    expect(svg).toMatch(/<line x1="170.0" y1="(\d+)" x2="170.0" y2="\d+" stroke="black"\/><text x="170.0" y="\d+" text-anchor="middle">20</);
  });
});
