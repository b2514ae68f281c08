// The ONNX graph of a response model: its wire format (checked byte by byte against the protobuf encoding rules),
// the graph's declared opset, input, output, initialisers and operator chain, and the errors for an artifact that
// cannot be exported and for files that are not a response model's graph.
import { FEATURES_KEY, ONNX_IR_VERSION, ONNX_OPSET, logisticOnnx, readLogisticOnnx } from '../../../../models/export/logisticOnnx';
import { ONNX_DOUBLE, ONNX_FLOAT, decodeOnnxModel, encodeOnnxModel, float64Values, type OnnxModel } from '../../../../models/export/onnxProto';
import { ModelInputError } from '../../../../models/stats/errors';
import { handArtifact } from './support';

const bytes = logisticOnnx(handArtifact);
const decoded = () => decodeOnnxModel(bytes, 'model.onnx');

describe('logisticOnnx', () => {
  it('starts with ir_version as field 1, varint 8 (tag (1 << 3) | 0 = 0x08), as onnx.proto numbers it', () => {
    expect([...bytes.subarray(0, 2)]).toEqual([0x08, 0x08]);
  });

  it('declares opset 17 of the default domain, IR version 8, and a double input [N, k] and output [N, 1]', () => {
    const model = decoded();
    expect(model.ir_version).toBe(ONNX_IR_VERSION);
    expect(ONNX_IR_VERSION).toBe(8);
    expect(model.opset_import).toEqual([{ domain: '', version: 17 }]);
    expect(ONNX_OPSET).toBe(17);
    const [input] = model.graph!.input!;
    expect(input.name).toBe('features');
    expect(input.type!.tensor_type!.elem_type).toBe(ONNX_DOUBLE);
    expect(input.type!.tensor_type!.shape!.dim).toEqual([{ dim_param: 'N' }, { dim_value: 3 }]);
    const [output] = model.graph!.output!;
    expect(output.name).toBe('probability');
    expect(output.type!.tensor_type!.elem_type).toBe(ONNX_DOUBLE);
    expect(output.type!.tensor_type!.shape!.dim).toEqual([{ dim_param: 'N' }, { dim_value: 1 }]);
  });

  it("stores the artifact's numbers bit for bit as little-endian doubles, the coefficients as a [k, 1] matrix", () => {
    const byName = Object.fromEntries(decoded().graph!.initializer!.map((t) => [t.name, t]));
    expect(float64Values(byName.means)).toEqual([1, 2000, -3]);
    expect(float64Values(byName.scales)).toEqual([0.5, 300, 1]);
    expect(float64Values(byName.coefficients)).toEqual([1.2, 0, -0.7]);
    expect(byName.coefficients.dims).toEqual([3, 1]);
    expect(float64Values(byName.intercept)).toEqual([-0.3]);
    // 1.2 is 0x3FF3333333333333; little-endian puts its low byte first.
    expect([...byName.coefficients.raw_data!.subarray(0, 8)]).toEqual([0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0xf3, 0x3f]);
    for (const t of decoded().graph!.initializer!) expect(t.data_type).toBe(ONNX_DOUBLE);
  });

  it('standardises (by scales expanded to the input, never a one-element constant), weighs, adds the intercept, then takes the logistic function in its two-sided stable form', () => {
    const nodes = decoded().graph!.node!.map((n) => `${n.op_type}(${n.input!.join(',')})->${n.output!.join(',')}`);
    expect(nodes).toEqual([
      'Sub(features,means)->centred',
      'Shape(features)->input_shape',
      'Expand(scales,input_shape)->row_scales',
      'Div(centred,row_scales)->standardised',
      'MatMul(standardised,coefficients)->weighted',
      'Add(weighted,intercept)->log_odds',
      'Min(log_odds,zero)->log_odds_below_zero',
      'Exp(log_odds_below_zero)->numerator',
      'Abs(log_odds)->abs_log_odds',
      'Neg(abs_log_odds)->minus_abs_log_odds',
      'Exp(minus_abs_log_odds)->tail',
      'Add(one,tail)->denominator',
      'Div(numerator,denominator)->probability',
    ]);
  });

  it('names its features in the metadata, in column order, with the provenance of model.json', () => {
    const info = readLogisticOnnx(bytes, 'model.onnx');
    expect(info.features).toEqual(handArtifact.features);
    expect(info.metadata['osteoflow.kind']).toBe('combined');
    expect(info.metadata['osteoflow.dataset_fingerprint']).toBe('f'.repeat(64));
    expect(info.metadata['osteoflow.param_hash']).toBe('p'.repeat(64));
  });

  it('refuses an artifact with a non-finite number or a zero scale, naming the field', () => {
    expect(() => logisticOnnx({ ...handArtifact, coefficients: [1, NaN, 0] })).toThrow(/coefficients: NaN at index 1 \(expected finite numbers\)/);
    expect(() => logisticOnnx({ ...handArtifact, intercept: Infinity })).toThrow(/intercept: Infinity/);
    expect(() => logisticOnnx({ ...handArtifact, scaler: { means: [0, 0, 0], scales: [1, 0, 1] } })).toThrow(
      /scaler.scales: scale 0 for 'baseline:T1CE:original_shape_MeshVolume'/,
    );
  });
});

describe('readLogisticOnnx', () => {
  const edit = (change: (m: OnnxModel) => void) => {
    const model = decoded();
    change(model);
    return encodeOnnxModel(model);
  };
  const read = (b: Uint8Array) => () => readLogisticOnnx(b, 'resp@4/model.onnx');

  it('refuses an empty file and bytes that are not a protobuf ModelProto, naming the file', () => {
    expect(read(new Uint8Array(0))).toThrow(/resp@4\/model.onnx: the file is empty/);
    expect(read(new TextEncoder().encode('{"format": "osteoflow-logistic/1"}'))).toThrow(/resp@4\/model.onnx: not an ONNX model/);
    expect(read(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f]))).toThrow(ModelInputError);
  });

  it('refuses a graph without IR version, default opset or graph', () => {
    expect(read(edit((m) => delete m.ir_version))).toThrow(/ir_version: .*expected an IR version/);
    expect(read(edit((m) => (m.opset_import = [{ domain: 'ai.onnx.ml', version: 3 }])))).toThrow(/opset_import: .*default ONNX domain/);
    expect(read(edit((m) => delete m.graph))).toThrow(/graph: .*expected a graph/);
  });

  it("refuses another input name, a float input, a one-dimensional input, and a missing 'probability' output", () => {
    expect(read(edit((m) => (m.graph!.input![0].name = 'x')))).toThrow(/graph.input: .*expected one input 'features', got 'x' of element type 11 \[N, 3\]/);
    expect(read(edit((m) => (m.graph!.input![0].type!.tensor_type!.elem_type = ONNX_FLOAT)))).toThrow(
      /expected 'features' as a double tensor \[N, k\], got 'features' of element type 1/,
    );
    expect(read(edit((m) => (m.graph!.input![0].type!.tensor_type!.shape!.dim = [{ dim_param: 'N' }])))).toThrow(/as a double tensor \[N, k\]/);
    expect(read(edit((m) => (m.graph!.output![0].name = 'label')))).toThrow(/graph.output: .*expected 'probability' as a double tensor \[N, 1\], got 'label'/);
  });

  it('refuses feature metadata that is absent, not JSON or not one name per input column', () => {
    const meta = (value: string | undefined) =>
      edit((m) => {
        m.metadata_props = m.metadata_props!.filter((p) => p.key !== FEATURES_KEY);
        if (value !== undefined) m.metadata_props.push({ key: FEATURES_KEY, value });
      });
    expect(read(meta(undefined))).toThrow(/metadata_props.osteoflow.features: .*expected a JSON list of 3 feature names/);
    expect(read(meta('[not json'))).toThrow(/expected a JSON list of 3 feature names .*got "\[not json"/);
    expect(read(meta('["a","b"]'))).toThrow(/expected a JSON list of 3 feature names/);
    expect(read(meta('["a","b",3]'))).toThrow(/expected a JSON list of 3 feature names/);
  });
});
