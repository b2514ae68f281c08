// A response model (model.json) as an ONNX graph that computes what scoreRows computes, in the same order of
// operations and in double precision:
//   features [N, k] → Sub(means) → Div(scales) → MatMul(coefficients [k, 1]) → Add(intercept) → log-odds z [N, 1]
//   probability = Exp(Min(z, 0)) / (1 + Exp(−|z|))                                              → probability [N, 1]
// The scales are Expanded to the input's shape first. onnxruntime 1.30's MatMulScaleFusion (an extended graph
// optimisation, on by default) folds a Div by a one-element constant into FusedMatMul's float32 `alpha`, which rounds
// a one-feature model's 1/scale to 7 digits (6e-8 relative measured); a divisor computed from the input is no
// constant, so every runtime divides in double.
// The last line is the logistic function written as models/stats/logistic.ts `sigmoid` writes it (1/(1+e^−z) for
// z ≥ 0, e^z/(1+e^z) below), so it keeps full relative precision in both tails. ONNX's Sigmoid operator does not:
// onnxruntime's double kernel is off by 3e-12 (relative) at z = −10 and returns 0 instead of e^z below z ≈ −37.
// Doubles because a float32 input would round every feature to 7 digits before centring: a feature whose mean is
// 1000 times its spread (tumour volumes in mm³, SUV sums) would lose 3 of those digits in (x − mean)/scale.
// The artifact carries no recalibration (contracts/models.ts: the calibration statistics are metrics, not applied
// to the probability), so the graph ends at the logistic function as scoreRows does.
// Opset 17 of the default domain with IR version 8 (onnx 1.12's pair): every operator here has had its current
// definition since opset 13/14, and onnxruntime has run opset 17 since 1.13, so both onnxruntime-node and Python's
// onnxruntime accept it.
import type { ModelArtifact } from '../../contracts/models';
import { ModelInputError } from '../stats/errors';
import { ONNX_DOUBLE, decodeOnnxModel, encodeOnnxModel, float64RawData, type OnnxModel, type OnnxTensor, type OnnxValueInfo } from './onnxProto';

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;
export const ONNX_INPUT = 'features';
export const ONNX_OUTPUT = 'probability';
/** The model's metadata key holding its feature names (JSON list), in the input's column order. */
export const FEATURES_KEY = 'osteoflow.features';
export const PRODUCER = 'osteoflow';

const tensor = (name: string, dims: number[], values: number[]): OnnxTensor => ({ name, dims, data_type: ONNX_DOUBLE, raw_data: float64RawData(values) });

const doubleTensorInfo = (name: string, dims: (number | string)[], doc: string): OnnxValueInfo => ({
  name,
  doc_string: doc,
  type: { tensor_type: { elem_type: ONNX_DOUBLE, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
});

/** The ONNX graph (bytes of model.onnx) of a checked artifact; an artifact whose numbers are not finite is refused. */
export function logisticOnnx(artifact: ModelArtifact): Uint8Array {
  const k = artifact.features.length;
  const finite = (field: string, values: readonly number[]) => {
    const i = values.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) throw new ModelInputError(`${values[i]} at index ${i} (expected finite numbers)`, field);
  };
  finite('scaler.means', artifact.scaler.means);
  finite('scaler.scales', artifact.scaler.scales);
  finite('coefficients', artifact.coefficients);
  finite('intercept', [artifact.intercept]);
  const zero = artifact.scaler.scales.findIndex((s) => s === 0);
  if (zero >= 0) throw new ModelInputError(`scale 0 for '${artifact.features[zero]}' (expected a positive standard deviation)`, 'scaler.scales');

  const node = (op_type: string, input: string[], output: string) => ({ op_type, input, output: [output], name: `${op_type.toLowerCase()}_${output}` });
  const model: OnnxModel = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: PRODUCER,
    producer_version: artifact.format,
    doc_string: `Probability of good response to neoadjuvant chemotherapy (necrosis ≥ 90 %): ${artifact.kind} model predicting at ${artifact.predictAt}, elastic-net logistic regression on standardised features.`,
    metadata_props: [
      { key: FEATURES_KEY, value: JSON.stringify(artifact.features) },
      { key: 'osteoflow.format', value: artifact.format },
      { key: 'osteoflow.kind', value: artifact.kind },
      { key: 'osteoflow.predict_at', value: artifact.predictAt },
      { key: 'osteoflow.study_id', value: artifact.studyId },
      { key: 'osteoflow.dataset_fingerprint', value: artifact.dataset.fingerprint },
      { key: 'osteoflow.param_hash', value: artifact.engine.paramHash },
    ],
    graph: {
      name: `osteoflow_${artifact.kind}_response`,
      input: [doubleTensorInfo(ONNX_INPUT, ['N', k], `one row per patient, columns in the order of metadata ${FEATURES_KEY}`)],
      output: [doubleTensorInfo(ONNX_OUTPUT, ['N', 1], 'probability of good response')],
      initializer: [
        tensor('means', [k], artifact.scaler.means),
        tensor('scales', [k], artifact.scaler.scales),
        tensor('coefficients', [k, 1], artifact.coefficients),
        tensor('intercept', [1], [artifact.intercept]),
        tensor('zero', [], [0]),
        tensor('one', [], [1]),
      ],
      node: [
        node('Sub', [ONNX_INPUT, 'means'], 'centred'),
        node('Shape', [ONNX_INPUT], 'input_shape'),
        node('Expand', ['scales', 'input_shape'], 'row_scales'),
        node('Div', ['centred', 'row_scales'], 'standardised'),
        node('MatMul', ['standardised', 'coefficients'], 'weighted'),
        node('Add', ['weighted', 'intercept'], 'log_odds'),
        node('Min', ['log_odds', 'zero'], 'log_odds_below_zero'),
        node('Exp', ['log_odds_below_zero'], 'numerator'),
        node('Abs', ['log_odds'], 'abs_log_odds'),
        node('Neg', ['abs_log_odds'], 'minus_abs_log_odds'),
        node('Exp', ['minus_abs_log_odds'], 'tail'),
        node('Add', ['one', 'tail'], 'denominator'),
        node('Div', ['numerator', 'denominator'], ONNX_OUTPUT),
      ],
    },
  };
  return encodeOnnxModel(model);
}

export interface LogisticOnnxInfo {
  /** Feature names in the input's column order. */
  features: string[];
  irVersion: number;
  opset: number;
  metadata: Record<string, string>;
}

/**
 * Reads a model.onnx and checks it is a response model's graph this code can feed: decodable, opset of the default
 * domain, one double input `features` [N, k] and one double output `probability` [N, 1], and k feature names in its
 * metadata. Each error names `where` and the field at fault.
 */
export function readLogisticOnnx(bytes: Uint8Array, where: string): LogisticOnnxInfo {
  const model = decodeOnnxModel(bytes, where);
  const fail = (field: string, expected: string): never => {
    throw new ModelInputError(`${where} is not a usable response-model graph: ${expected}`, field);
  };
  if (!model.ir_version) fail('ir_version', 'expected an IR version (a ModelProto without one is not an ONNX model)');
  const opset = model.opset_import?.find((o) => !o.domain)?.version;
  if (!opset) fail('opset_import', 'expected an opset of the default ONNX domain');
  const graph = model.graph ?? fail('graph', 'expected a graph');
  const initialised = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((v) => !initialised.has(v.name));
  const describe = (v: OnnxValueInfo) => {
    const t = v.type?.tensor_type;
    const dims = (t?.shape?.dim ?? []).map((d) => d.dim_value ?? d.dim_param ?? '?');
    return `'${v.name}' of element type ${t?.elem_type ?? 'none'} [${dims.join(', ')}]`;
  };
  if (inputs.length !== 1 || inputs[0].name !== ONNX_INPUT)
    fail('graph.input', `expected one input '${ONNX_INPUT}', got ${inputs.map(describe).join(', ') || 'none'}`);
  const input = inputs[0].type?.tensor_type;
  const inputDims = input?.shape?.dim ?? [];
  if (input?.elem_type !== ONNX_DOUBLE || inputDims.length !== 2 || !inputDims[1].dim_value)
    fail('graph.input', `expected '${ONNX_INPUT}' as a double tensor [N, k], got ${describe(inputs[0])}`);
  const outputs = graph.output ?? [];
  const output = outputs.find((v) => v.name === ONNX_OUTPUT);
  const outputDims = output?.type?.tensor_type?.shape?.dim ?? [];
  if (!output || output.type?.tensor_type?.elem_type !== ONNX_DOUBLE || outputDims.length !== 2 || outputDims[1].dim_value !== 1)
    fail('graph.output', `expected '${ONNX_OUTPUT}' as a double tensor [N, 1], got ${outputs.map(describe).join(', ') || 'none'}`);
  const metadata = Object.fromEntries((model.metadata_props ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  let features: unknown;
  try {
    features = JSON.parse(metadata[FEATURES_KEY] ?? 'null');
  } catch {
    features = null;
  }
  const k = inputDims[1].dim_value!;
  if (!Array.isArray(features) || features.length !== k || !features.every((f) => typeof f === 'string'))
    fail(
      `metadata_props.${FEATURES_KEY}`,
      `expected a JSON list of ${k} feature names (the input's columns), got ${JSON.stringify(metadata[FEATURES_KEY] ?? null)}`,
    );
  return { features: features as string[], irVersion: model.ir_version!, opset: opset!, metadata };
}
