/** @jest-environment ./tests/unit/segmentation/onnxEnvironment.js */
// The exported graph run in onnxruntime-node against model.json's scorer (scoreRows): hand-worked probabilities,
// random models and rows, the tails where a naive logistic function loses its relative precision, rows in any key
// order, and the errors for missing or non-finite features and for files onnxruntime cannot load.
import { logisticOnnx } from '../../../../models/export/logisticOnnx';
import { decodeOnnxModel, encodeOnnxModel } from '../../../../models/export/onnxProto';
import { scoreRows } from '../../../../models/training/artifact';
import { OnnxPredictor } from '../../../../models/training/onnxPredictor';
import { evaluateLogisticOnnx, exportCheckRows, worstDeviation } from '../../../../models/export/exportCheck';
import { seededRandom } from '../../../../models/stats/random';
import { artifactOf, handArtifact, randomArtifact, randomRows } from './support';

const logistic = (eta: number) => 1 / (1 + Math.exp(-eta));
/** |a − b| / |b| (0 where both are 0). */
const relative = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

async function withPredictor<T>(bytes: Uint8Array, use: (p: OnnxPredictor) => Promise<T>): Promise<T> {
  const predictor = await OnnxPredictor.open(bytes, 'model.onnx');
  try {
    return await use(predictor);
  } finally {
    await predictor.close();
  }
}

describe('OnnxPredictor', () => {
  it('gives the hand-worked probabilities: log-odds −0.3 at the means and −1.1 at (3, 1000, 5)', async () => {
    const [age, volume, adc] = handArtifact.features;
    const p = await withPredictor(logisticOnnx(handArtifact), (predictor) =>
      predictor.score([
        { [age]: 1, [volume]: 2000, [adc]: -3 },
        { [age]: 3, [volume]: 1000, [adc]: 5 },
      ]),
    );
    expect(relative(p[0], logistic(-0.3))).toBeLessThan(1e-15);
    expect(relative(p[1], logistic(-1.1))).toBeLessThan(1e-15);
    expect(p[0]).toBeCloseTo(0.425557483188341, 14);
  });

  it('equals scoreRows within 1e-12 (relative) on 40 random models of 1–12 features, 50 rows each', async () => {
    let worst = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const artifact = randomArtifact(seed);
      const rows = randomRows(artifact, 50, seededRandom(1000 + seed));
      const expected = scoreRows(artifact, rows);
      const actual = await withPredictor(logisticOnnx(artifact), (p) => p.score(rows));
      expected.forEach((e, i) => (worst = Math.max(worst, relative(actual[i], e))));
    }
    console.log(`[onnx] random models: max relative |ONNX − scoreRows| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-12);
  });

  it('keeps full relative precision in both tails, where P(good) is e^z and where it rounds to 1', async () => {
    // One feature, mean 0, scale 1, coefficient 1, intercept 0: the log-odds are the feature's value.
    const artifact = artifactOf(['delta:preop:T2:z'], [0], [1], [1], 0);
    const zs = [-800, -745, -700, -100, -40, -37, -20, -10, -1e-9, 0, 1e-9, 10, 20, 37, 40, 100, 800];
    const rows = zs.map((z) => ({ 'delta:preop:T2:z': z }));
    const p = await withPredictor(logisticOnnx(artifact), (predictor) => predictor.score(rows));
    const expected = scoreRows(artifact, rows);
    zs.forEach((z, i) => {
      expect(relative(p[i], expected[i])).toBeLessThan(1e-13);
      // Independently: below −36 the logistic function is e^z to 1e-16; e^−800 underflows to 0.
      if (z <= -40) expect(relative(p[i], Math.exp(z))).toBeLessThan(1e-13);
      if (z >= 40) expect(p[i]).toBe(1);
    });
    expect(p[0]).toBe(0);
    expect(p[1]).toBeGreaterThan(0); // e^−745 is the smallest subnormal, not 0
    expect(p[zs.indexOf(0)]).toBe(0.5);
  });

  it("divides a one-feature model's single scale in double (onnxruntime would fuse a one-element constant divisor into a float32 alpha)", async () => {
    // 1/0.0128257… is not a float32: rounded to one, the log-odds below would be off by about 3e-7.
    const artifact = artifactOf(['delta:preop:ADC:mean'], [3.759491543395232], [0.012825733148159237], [-0.78552097], -1.74177193);
    const rows = [3.7, 3.75, 3.8, 3.81, 3.6].map((v) => ({ 'delta:preop:ADC:mean': v }));
    const p = await withPredictor(logisticOnnx(artifact), (predictor) => predictor.score(rows));
    const expected = rows.map((r) => logistic(-1.74177193 - 0.78552097 * ((r['delta:preop:ADC:mean'] - 3.759491543395232) / 0.012825733148159237)));
    expected.forEach((e, i) => expect(relative(p[i], e)).toBeLessThan(1e-14));
  });

  it('gives the intercept alone when every coefficient is 0, whatever the features', async () => {
    const artifact = artifactOf(['a', 'b'], [10, -10], [2, 3], [0, 0], 1.5);
    const p = await withPredictor(logisticOnnx(artifact), (predictor) =>
      predictor.score([
        { a: 1e12, b: -1e12 },
        { a: 10, b: -10 },
      ]),
    );
    for (const v of p) expect(relative(v, logistic(1.5))).toBeLessThan(1e-15);
  });

  it('reads rows by feature name, so key order and extra keys do not matter', async () => {
    const [age, volume, adc] = handArtifact.features;
    await withPredictor(logisticOnnx(handArtifact), async (predictor) => {
      expect(predictor.features).toEqual(handArtifact.features);
      const p = await predictor.score([
        { [adc]: 5, other: 7, [volume]: 1000, [age]: 3 },
        { [age]: 3, [volume]: 1000, [adc]: 5 },
      ]);
      expect(p[0]).toBe(p[1]);
    });
  });

  it("agrees with the TypeScript evaluation of the same bytes that registration checks (1e-12) on every random model's check rows", async () => {
    let worst = 0;
    for (let seed = 41; seed <= 50; seed++) {
      const artifact = randomArtifact(seed);
      const bytes = logisticOnnx(artifact);
      const rows = exportCheckRows(artifact);
      const ort = await withPredictor(bytes, (p) => p.score(rows));
      worst = Math.max(
        worst,
        worstDeviation(ort, evaluateLogisticOnnx(bytes, rows, 'model.onnx')).relative,
        worstDeviation(ort, scoreRows(artifact, rows)).relative,
      );
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('names a missing or non-finite feature and the row, as scoreRows does', async () => {
    const [age, volume, adc] = handArtifact.features;
    await withPredictor(logisticOnnx(handArtifact), async (predictor) => {
      await expect(predictor.score([{ [age]: 1, [volume]: 2 }])).rejects.toThrow(`feature '${adc}': missing in row 0`);
      await expect(
        predictor.score([
          { [age]: 1, [volume]: 2, [adc]: 3 },
          { [age]: NaN, [volume]: 2, [adc]: 3 },
        ]),
      ).rejects.toThrow(`feature '${age}': value NaN in row 1 (expected a finite number)`);
      expect(await predictor.score([])).toHaveLength(0);
    });
  });

  it('refuses a file that is no response-model graph, and one onnxruntime cannot load, naming the file', async () => {
    await expect(OnnxPredictor.open(new TextEncoder().encode('not a model'), 'resp@2/model.onnx')).rejects.toThrow(/resp@2\/model.onnx/);
    const model = decodeOnnxModel(logisticOnnx(handArtifact), 'model.onnx');
    model.graph!.node![0].op_type = 'NoSuchOperator';
    await expect(OnnxPredictor.open(encodeOnnxModel(model), 'resp@2/model.onnx')).rejects.toThrow(
      /resp@2\/model.onnx: onnxruntime cannot load the graph: .*NoSuchOperator/,
    );
  });
});
