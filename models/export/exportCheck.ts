// The check an exported graph passes before it is registered: its bytes are decoded again and the graph they hold is
// evaluated node by node (the operators a response model's graph uses, with ONNX's multidirectional broadcasting),
// on rows of no patient, and compared with model.json's scorer. An encoding slip, or a scorer that applies something
// the graph does not carry, fails here rather than in a served prediction. onnxruntime itself is checked against the
// scorer by the unit and integration tests (OnnxPredictor, mlflow.pyfunc, mlflow models serve).
import type { ModelArtifact } from '../../contracts/models';
import { fromRecords } from '../learning/featureMatrix';
import { ModelInputError } from '../stats/errors';
import { scoreRows } from '../training/artifact';
import { ONNX_INPUT, ONNX_OUTPUT, readLogisticOnnx } from './logisticOnnx';
import { ONNX_DOUBLE, decodeOnnxModel, float64Values } from './onnxProto';

/** Relative deviation from scoreRows beyond which an exported graph is refused (doubles, same order of operations). */
export const EXPORT_TOLERANCE = 1e-12;

interface Tensor {
  dims: number[];
  data: Float64Array;
}

function broadcast(a: Tensor, b: Tensor, op: (x: number, y: number) => number, where: string): Tensor {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: number[]) => [...Array<number>(rank - d.length).fill(1), ...d];
  const [da, db] = [pad(a.dims), pad(b.dims)];
  const dims = da.map((n, i) => {
    if (n !== db[i] && n !== 1 && db[i] !== 1) throw new ModelInputError(`shapes [${a.dims}] and [${b.dims}] do not broadcast`, where);
    return Math.max(n, db[i]);
  });
  const strides = (d: number[]) => d.map((n, i) => (n === 1 ? 0 : d.slice(i + 1).reduce((p, q) => p * q, 1)));
  const [sa, sb] = [strides(da), strides(db)];
  const size = dims.reduce((p, q) => p * q, 1);
  const data = new Float64Array(size);
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let ia = 0;
    let ib = 0;
    for (let i = rank - 1; i >= 0; i--) {
      const index = rest % dims[i];
      rest = (rest - index) / dims[i];
      ia += index * sa[i];
      ib += index * sb[i];
    }
    data[flat] = op(a.data[ia], b.data[ib]);
  }
  return { dims, data };
}

function matMul(a: Tensor, b: Tensor, where: string): Tensor {
  if (a.dims.length !== 2 || b.dims.length !== 2 || a.dims[1] !== b.dims[0]) throw new ModelInputError(`cannot multiply [${a.dims}] by [${b.dims}]`, where);
  const [n, k] = a.dims;
  const m = b.dims[1];
  const data = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let s = 0; s < k; s++) sum += a.data[i * k + s] * b.data[s * m + j];
      data[i * m + j] = sum;
    }
  return { dims: [n, m], data };
}

const BINARY: Record<string, (x: number, y: number) => number> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Div: (x, y) => x / y,
  Min: Math.min,
};
const UNARY: Record<string, (x: number) => number> = { Exp: Math.exp, Abs: Math.abs, Neg: (x) => -x };

/** The graph's `probability` for each row, evaluated from the decoded bytes (operators of a response model only). */
export function evaluateLogisticOnnx(bytes: Uint8Array, rows: readonly Readonly<Record<string, number>>[], where: string): Float64Array {
  const { features } = readLogisticOnnx(bytes, where);
  const graph = decodeOnnxModel(bytes, where).graph!;
  const values = new Map<string, Tensor>();
  for (const t of graph.initializer ?? []) {
    if (t.data_type !== ONNX_DOUBLE) throw new ModelInputError(`initializer '${t.name}' has element type ${t.data_type} (expected double, 11)`, where);
    values.set(t.name ?? '', { dims: t.dims ?? [], data: Float64Array.from(float64Values(t)) });
  }
  const matrix = fromRecords(features, rows);
  const k = features.length;
  const input = new Float64Array(rows.length * k);
  matrix.columns.forEach((column, j) => column.forEach((v, i) => (input[i * k + j] = v)));
  values.set(ONNX_INPUT, { dims: [rows.length, k], data: input });
  for (const node of graph.node ?? []) {
    const at = `${where} node '${node.name ?? node.op_type}'`;
    const args = (node.input ?? []).map((name) => {
      const value = values.get(name);
      if (!value) throw new ModelInputError(`input '${name}' is not computed before it`, at);
      return value;
    });
    const op = node.op_type ?? '';
    let out: Tensor;
    if (op in BINARY && args.length === 2) out = broadcast(args[0], args[1], BINARY[op], at);
    else if (op in UNARY && args.length === 1) out = { dims: args[0].dims, data: args[0].data.map(UNARY[op]) };
    else if (op === 'MatMul' && args.length === 2) out = matMul(args[0], args[1], at);
    else if (op === 'Shape' && args.length === 1) out = { dims: [args[0].dims.length], data: Float64Array.from(args[0].dims) };
    // Expand broadcasts its input against the given shape (both ways, as numpy does).
    else if (op === 'Expand' && args.length === 2)
      out = broadcast(args[0], { dims: [...args[1].data], data: new Float64Array(args[1].data.reduce((p, q) => p * q, 1)) }, (x) => x, at);
    else throw new ModelInputError(`operator ${op} with ${args.length} inputs is not one a response model's graph uses`, at);
    values.set(node.output?.[0] ?? '', out);
  }
  const probability = values.get(ONNX_OUTPUT);
  if (!probability || probability.data.length !== rows.length) throw new ModelInputError(`the graph computes no '${ONNX_OUTPUT}' of one value per row`, where);
  return probability.data;
}

/**
 * Rows to check a graph against scoreRows without any patient's data: the training means, each feature alone at
 * ±3 and ±30 standard deviations from its mean (probabilities near 0 and 1), and every feature at the low or the
 * high end of its training range.
 */
export function exportCheckRows(artifact: ModelArtifact): Record<string, number>[] {
  const { features, scaler } = artifact;
  const means = Object.fromEntries(features.map((f, j) => [f, scaler.means[j]]));
  const rows: Record<string, number>[] = [means];
  features.forEach((f, j) => {
    for (const sd of [-30, -3, 3, 30]) rows.push({ ...means, [f]: scaler.means[j] + sd * scaler.scales[j] });
  });
  for (const end of [0, 1]) rows.push(Object.fromEntries(features.map((f, j) => [f, artifact.ranges?.[f]?.[end] ?? scaler.means[j]])));
  return rows;
}

/** Largest |actual − expected| / |expected| (0 where equal), with its absolute size and row; NaN counts as worst. */
export function worstDeviation(actual: ArrayLike<number>, expected: ArrayLike<number>) {
  let worst = { relative: 0, absolute: 0, row: -1 };
  for (let i = 0; i < expected.length; i++) {
    const absolute = Math.abs(actual[i] - expected[i]);
    const relative = actual[i] === expected[i] ? 0 : absolute / Math.abs(expected[i]);
    if (relative > worst.relative || Number.isNaN(relative)) worst = { relative: Number.isNaN(relative) ? Infinity : relative, absolute, row: i };
  }
  return worst;
}

/** Refuses a graph that does not score the check rows as model.json's scorer does (within EXPORT_TOLERANCE). */
export function checkExport(artifact: ModelArtifact, bytes: Uint8Array, where: string): void {
  const rows = exportCheckRows(artifact);
  const worst = worstDeviation(evaluateLogisticOnnx(bytes, rows, where), scoreRows(artifact, rows));
  if (!(worst.relative <= EXPORT_TOLERANCE))
    throw new ModelInputError(
      `the exported graph scores check row ${worst.row} ${worst.relative.toExponential(2)} (relative) away from model.json's scorer (tolerance ${EXPORT_TOLERANCE})`,
      where,
    );
}
