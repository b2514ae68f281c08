// The MLflow model folder of a response model: the files `mlflow.onnx.save_model` writes (MLmodel with the `onnx` and
// `python_function` flavours, model.onnx, the column signature, an input example, requirements.txt, python_env.yaml,
// conda.yaml), written from TypeScript so that `mlflow.pyfunc.load_model('models:/<name>/<version>')` and
// `mlflow models serve` take a registered version as it is. Reading an MLmodel back checks what the TypeScript side
// relies on, each error naming the file and the field.
import { randomUUID } from 'node:crypto';
import YAML from 'yaml';
import { ModelInputError } from '../models/stats/errors';
import type { ModelArtifact } from '../contracts/models';
import { ONNX_OUTPUT } from '../models/export/logisticOnnx';

/**
 * What the folder's Python environment needs: the same pins as the project's venv (ops/requirements.txt; a unit test
 * keeps the two equal). Python 3.11 is the version those wheels were chosen and tested with.
 */
export const MLFLOW_VERSION = '3.17.2';
export const ONNX_VERSION = '1.23.2';
export const ONNXRUNTIME_VERSION = '1.30.0';
export const MODEL_PYTHON_VERSION = '3.11';
export const MODEL_REQUIREMENTS = [`mlflow==${MLFLOW_VERSION}`, `onnx==${ONNX_VERSION}`, `onnxruntime==${ONNXRUNTIME_VERSION}`];

export const MLMODEL_FILE = 'MLmodel';
export const ONNX_FILE = 'model.onnx';
export const INPUT_EXAMPLE_FILE = 'input_example.json';
export const SERVING_EXAMPLE_FILE = 'serving_input_example.json';

export interface FolderFile {
  /** Relative to the model folder. */
  path: string;
  content: string;
}

export interface MlmodelOptions {
  runId: string;
  /** The folder's path among the run's artifacts. */
  artifactPath: string;
  /** Bytes of the folder's other files (model.json, metrics.json) for model_size_bytes. */
  otherBytes?: number;
  now?: Date;
  uuid?: string;
}

/** `2026-01-31 12:00:00.123000`, the form of MLflow's utc_time_created. */
const utcTime = (d: Date) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}000`;

/**
 * A number as JSON that Python reads as a float: integral values get a decimal point ("2000.0"), since pandas makes an
 * int64 column of "2000" and MLflow's schema check refuses int64 for a double column unless every value is 0 or 1.
 */
export const doubleJson = (v: number): string => (Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(1) : JSON.stringify(v));

/** A one-row DataFrame in MLflow's `split` orientation; pretty: the serving request, laid out as MLflow writes it. */
function splitJson(columns: readonly string[], values: readonly number[], pretty: boolean): string {
  const names = columns.map((c) => JSON.stringify(c));
  if (!pretty) return `{"columns": [${names.join(', ')}], "data": [[${values.map(doubleJson).join(', ')}]]}`;
  const list = (items: string[], pad: string) => `[\n${items.map((i) => `${pad}  ${i}`).join(',\n')}\n${pad}]`;
  return `{\n  "dataframe_split": {\n    "columns": ${list(names, '    ')},\n    "data": [\n      ${list(values.map(doubleJson), '      ')}\n    ]\n  }\n}\n`;
}

/**
 * The folder's text files besides model.onnx (whose size `onnxBytes` gives), MLmodel last. The input example is the
 * training means: one row of the model's features that is no patient's.
 */
export function mlflowModelFiles(artifact: ModelArtifact, onnxBytes: number, options: MlmodelOptions): FolderFile[] {
  const now = options.now ?? new Date();
  const columns = artifact.features;
  const requirements = `${MODEL_REQUIREMENTS.join('\n')}\n`;
  const pythonEnv = YAML.stringify({
    python: MODEL_PYTHON_VERSION,
    build_dependencies: ['pip', 'setuptools', 'wheel'],
    dependencies: ['-r requirements.txt'],
  });
  const conda = YAML.stringify({
    channels: ['conda-forge'],
    dependencies: [`python=${MODEL_PYTHON_VERSION}`, 'pip', { pip: MODEL_REQUIREMENTS }],
    name: 'mlflow-env',
  });
  const files: FolderFile[] = [
    { path: INPUT_EXAMPLE_FILE, content: splitJson(columns, artifact.scaler.means, false) },
    { path: SERVING_EXAMPLE_FILE, content: splitJson(columns, artifact.scaler.means, true) },
    { path: 'requirements.txt', content: requirements },
    { path: 'python_env.yaml', content: pythonEnv },
    { path: 'conda.yaml', content: conda },
  ];
  const size = files.reduce((sum, f) => sum + Buffer.byteLength(f.content), onnxBytes + (options.otherBytes ?? 0));
  const mlmodel = {
    artifact_path: options.artifactPath,
    flavors: {
      onnx: {
        code: null,
        data: ONNX_FILE,
        onnx_session_options: { intra_op_num_threads: 1 },
        onnx_version: ONNX_VERSION,
        providers: ['CPUExecutionProvider'],
      },
      python_function: {
        data: ONNX_FILE,
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: 'mlflow.onnx',
        python_version: MODEL_PYTHON_VERSION,
      },
    },
    is_signature_from_type_hint: false,
    mlflow_version: MLFLOW_VERSION,
    model_id: null,
    model_size_bytes: size,
    model_uuid: options.uuid ?? randomUUID().replace(/-/g, ''),
    prompts: null,
    run_id: options.runId,
    saved_input_example_info: { artifact_path: INPUT_EXAMPLE_FILE, pandas_orient: 'split', serving_input_path: SERVING_EXAMPLE_FILE, type: 'dataframe' },
    signature: {
      inputs: JSON.stringify(columns.map((name) => ({ type: 'double', name, required: true }))),
      outputs: JSON.stringify([{ type: 'double', name: ONNX_OUTPUT, required: true }]),
      params: null,
    },
    type_hint_from_example: false,
    utc_time_created: utcTime(now),
  };
  return [...files, { path: MLMODEL_FILE, content: YAML.stringify(mlmodel) }];
}

export interface MlmodelInfo {
  /** The ONNX file the flavours name, relative to the folder. */
  onnxFile: string;
  /** Signature input columns, in order. */
  inputs: string[];
  modelUuid: string;
}

/** Reads an MLmodel and checks it describes an ONNX model served through pyfunc with a column signature. */
export function parseMlmodel(text: string, where: string): MlmodelInfo {
  const fail = (field: string, expected: string): never => {
    throw new ModelInputError(`${where} is not a usable MLmodel: ${expected}`, field);
  };
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    return fail('MLmodel', `expected YAML (${(err as Error).message.split('\n')[0]})`);
  }
  if (!doc || typeof doc !== 'object') return fail('MLmodel', 'expected a YAML mapping');
  const m = doc as { flavors?: Record<string, Record<string, unknown>>; signature?: { inputs?: unknown }; model_uuid?: unknown };
  const onnxFile = m.flavors?.onnx?.data;
  if (typeof onnxFile !== 'string' || !onnxFile.endsWith('.onnx') || onnxFile.includes('..'))
    fail('flavors.onnx.data', `expected the ONNX file's name in the folder, got ${JSON.stringify(onnxFile ?? null)}`);
  const loader = m.flavors?.python_function?.loader_module;
  if (loader !== 'mlflow.onnx') fail('flavors.python_function.loader_module', `expected 'mlflow.onnx', got ${JSON.stringify(loader ?? null)}`);
  if (m.flavors?.python_function?.data !== onnxFile)
    fail(
      'flavors.python_function.data',
      `expected ${JSON.stringify(onnxFile)} (the onnx flavour's file), got ${JSON.stringify(m.flavors?.python_function?.data ?? null)}`,
    );
  let inputs: unknown;
  try {
    inputs = typeof m.signature?.inputs === 'string' ? JSON.parse(m.signature.inputs) : null;
  } catch {
    inputs = null;
  }
  const columns = Array.isArray(inputs)
    ? inputs.map((c: { name?: unknown; type?: unknown }) => (c?.type === 'double' && typeof c.name === 'string' ? c.name : null))
    : [];
  if (columns.length === 0 || columns.includes(null))
    fail('signature.inputs', `expected a JSON list of named double columns, got ${JSON.stringify(m.signature?.inputs ?? null)}`);
  // save_model writes a uuid4's 32 hex digits; MLflow 3's log_model the logged model's id, 'm-' and 32 hex digits.
  if (typeof m.model_uuid !== 'string' || !/^(m-)?[0-9a-f]{32}$/.test(m.model_uuid))
    fail('model_uuid', `expected 32 hexadecimal digits (or a logged model's 'm-' id), got ${JSON.stringify(m.model_uuid ?? null)}`);
  return { onnxFile: onnxFile as string, inputs: columns as string[], modelUuid: m.model_uuid as string };
}
