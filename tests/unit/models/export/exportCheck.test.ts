// The check a graph passes before registration: the TypeScript evaluation of the decoded bytes gives the hand-worked
// probabilities and scoreRows' values, ONNX broadcasting behaves as the operators define it, and a graph that scores
// otherwise (another intercept, the logistic function dropped, an operator it does not know) is refused by name.
import { checkExport, evaluateLogisticOnnx, exportCheckRows, worstDeviation } from '../../../../models/export/exportCheck';
import { logisticOnnx } from '../../../../models/export/logisticOnnx';
import { decodeOnnxModel, encodeOnnxModel, type OnnxModel } from '../../../../models/export/onnxProto';
import { scoreRows } from '../../../../models/training/artifact';
import { seededRandom } from '../../../../models/stats/random';
import { handArtifact, randomArtifact, randomRows } from './support';

const logistic = (eta: number) => 1 / (1 + Math.exp(-eta));
const [age, volume, adc] = handArtifact.features;
const edited = (change: (m: OnnxModel) => void) => {
  const model = decodeOnnxModel(logisticOnnx(handArtifact), 'model.onnx');
  change(model);
  return encodeOnnxModel(model);
};

describe('evaluateLogisticOnnx', () => {
  it('gives the hand-worked probabilities of the decoded graph', () => {
    const p = evaluateLogisticOnnx(
      logisticOnnx(handArtifact),
      [
        { [age]: 1, [volume]: 2000, [adc]: -3 },
        { [age]: 3, [volume]: 1000, [adc]: 5 },
      ],
      'model.onnx',
    );
    expect(Math.abs(p[0] - logistic(-0.3)) / logistic(-0.3)).toBeLessThan(1e-15);
    expect(Math.abs(p[1] - logistic(-1.1)) / logistic(-1.1)).toBeLessThan(1e-15);
  });

  it('equals scoreRows within 1e-12 (relative) on random models and rows', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const artifact = randomArtifact(seed);
      const rows = randomRows(artifact, 30, seededRandom(seed));
      expect(worstDeviation(evaluateLogisticOnnx(logisticOnnx(artifact), rows, 'model.onnx'), scoreRows(artifact, rows)).relative).toBeLessThan(1e-12);
    }
  });

  it('names an operator a response model does not use, and an input used before it is computed', () => {
    const rows = [{ [age]: 1, [volume]: 2, [adc]: 3 }];
    expect(() =>
      evaluateLogisticOnnx(
        edited((m) => (m.graph!.node![7].op_type = 'Sigmoid')),
        rows,
        'model/model.onnx',
      ),
    ).toThrow(/model\/model.onnx node 'exp_numerator': operator Sigmoid with 1 inputs is not one a response model's graph uses/);
    expect(() =>
      evaluateLogisticOnnx(
        edited((m) => m.graph!.node!.reverse()),
        rows,
        'model/model.onnx',
      ),
    ).toThrow(/input 'numerator' is not computed before it/);
  });
});

describe('checkExport', () => {
  it('passes the exported graph of the hand-worked model and of random ones', () => {
    expect(() => checkExport(handArtifact, logisticOnnx(handArtifact), 'model/model.onnx')).not.toThrow();
    for (let seed = 21; seed <= 40; seed++) {
      const artifact = randomArtifact(seed);
      expect(() => checkExport(artifact, logisticOnnx(artifact), 'model/model.onnx')).not.toThrow();
    }
  });

  it('refuses a graph of another intercept, naming the file and the deviation', () => {
    const other = logisticOnnx({ ...handArtifact, intercept: handArtifact.intercept + 1e-9 });
    expect(() => checkExport(handArtifact, other, 'model/model.onnx')).toThrow(
      /model\/model.onnx: the exported graph scores check row \d+ [\d.]+e-\d+ \(relative\) away from model.json's scorer \(tolerance 1e-12\)/,
    );
  });

  it('refuses a graph whose output is the log-odds rather than the probability', () => {
    const logOdds = edited((m) => {
      m.graph!.node = m.graph!.node!.slice(0, 6);
      m.graph!.node[5].output = ['probability'];
    });
    expect(() => checkExport(handArtifact, logOdds, 'model/model.onnx')).toThrow(/away from model.json's scorer/);
  });

  it('checks on the means, each feature at ±3 and ±30 standard deviations and the ends of the training ranges', () => {
    const rows = exportCheckRows(handArtifact);
    expect(rows).toHaveLength(1 + 4 * 3 + 2);
    expect(rows[0]).toEqual({ [age]: 1, [volume]: 2000, [adc]: -3 });
    expect(rows[1]).toEqual({ [age]: 1 - 30 * 0.5, [volume]: 2000, [adc]: -3 });
    expect(rows[13]).toEqual({ [age]: 1 - 2 * 0.5, [volume]: 2000 - 2 * 300, [adc]: -3 - 2 });
    expect(rows[14]).toEqual({ [age]: 1 + 2.5 * 0.5, [volume]: 2000 + 2.5 * 300, [adc]: -3 + 2.5 });
  });
});

describe('worstDeviation', () => {
  it('is relative, 0 for equal values (zeros included), and infinite for a NaN', () => {
    expect(worstDeviation([1, 0, 2.2], [1, 0, 2])).toEqual({ relative: expect.closeTo(0.1, 12), absolute: expect.closeTo(0.2, 12), row: 2 });
    expect(worstDeviation([0.5, NaN], [0.5, 0.5]).relative).toBe(Infinity);
  });
});
