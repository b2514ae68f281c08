// The MLflow model folder written from TypeScript: the same MLmodel layout as mlflow.onnx.save_model writes (a file it
// wrote is the reference), the column signature in the model's feature order, an input example of the training
// means that pandas reads as doubles, environment files pinned like the project's venv, the errors for an MLmodel
// the TypeScript side cannot use, and a registration that stores nothing when the graph cannot be exported.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { MlflowClient } from '../../../registry/mlflowClient';
import { exportOnnx, registerCandidate } from '../../../registry/modelPackage';
import { MODEL_REQUIREMENTS, doubleJson, mlflowModelFiles, parseMlmodel, type FolderFile } from '../../../registry/onnxModelFolder';
import { readLogisticOnnx } from '../../../models/export/logisticOnnx';
import type { Candidate } from '../../../contracts/models';
import { handArtifact } from '../models/export/support';

const reference = YAML.parse(readFileSync(path.join(__dirname, 'fixtures/mlflow-onnx-save_model.MLmodel'), 'utf8'));
const files = mlflowModelFiles(handArtifact, 1234, {
  runId: 'a'.repeat(32),
  artifactPath: 'model',
  otherBytes: 100,
  now: new Date('2026-03-04T05:06:07.089Z'),
});
const file = (name: string) => files.find((f: FolderFile) => f.path === name)!.content;
const mlmodel = YAML.parse(file('MLmodel'));

describe('mlflowModelFiles', () => {
  it('writes every key and flavour key that mlflow.onnx.save_model writes, plus the run it was logged in', () => {
    expect(Object.keys(mlmodel).sort()).toEqual([...Object.keys(reference), 'artifact_path', 'run_id'].sort());
    expect(Object.keys(mlmodel.flavors).sort()).toEqual(['onnx', 'python_function']);
    expect(Object.keys(mlmodel.flavors.onnx).sort()).toEqual(Object.keys(reference.flavors.onnx).sort());
    expect(Object.keys(mlmodel.flavors.python_function).sort()).toEqual(Object.keys(reference.flavors.python_function).sort());
    expect(mlmodel.saved_input_example_info).toEqual(reference.saved_input_example_info);
    expect(mlmodel.flavors.python_function.loader_module).toBe('mlflow.onnx');
    expect(mlmodel.flavors.python_function.env).toEqual(reference.flavors.python_function.env);
    expect(mlmodel.flavors.onnx.data).toBe('model.onnx');
    expect(mlmodel.flavors.onnx.providers).toEqual(['CPUExecutionProvider']);
    expect(mlmodel.mlflow_version).toBe(reference.mlflow_version);
    expect(mlmodel.flavors.onnx.onnx_version).toBe(reference.flavors.onnx.onnx_version);
    expect(mlmodel.run_id).toBe('a'.repeat(32));
    expect(mlmodel.artifact_path).toBe('model');
    expect(mlmodel.utc_time_created).toBe('2026-03-04 05:06:07.089000');
    expect(mlmodel.model_uuid).toMatch(/^[0-9a-f]{32}$/);
  });

  it('signs the model with one double column per feature, in order, and a double probability', () => {
    expect(JSON.parse(mlmodel.signature.inputs)).toEqual(handArtifact.features.map((name) => ({ type: 'double', name, required: true })));
    expect(JSON.parse(mlmodel.signature.outputs)).toEqual([{ type: 'double', name: 'probability', required: true }]);
    // The reference signs its columns in the same JSON form.
    expect(JSON.parse(reference.signature.inputs)[0]).toEqual({ type: 'double', name: 'a', required: true });
  });

  it('gives the training means as the one-row example, integral ones with a decimal point so pandas reads doubles', () => {
    expect(JSON.parse(file('input_example.json'))).toEqual({ columns: handArtifact.features, data: [[1, 2000, -3]] });
    expect(file('input_example.json')).toContain('[[1.0, 2000.0, -3.0]]');
    expect(JSON.parse(file('serving_input_example.json'))).toEqual({ dataframe_split: { columns: handArtifact.features, data: [[1, 2000, -3]] } });
    expect(doubleJson(0.1)).toBe('0.1');
    expect(doubleJson(-1e-300)).toBe('-1e-300');
    expect(doubleJson(1e21)).toBe('1e+21');
    expect(doubleJson(123456789012)).toBe('123456789012.0');
  });

  it("pins the Python environment to the project venv's mlflow, onnx and onnxruntime", () => {
    const pins = readFileSync(path.join(__dirname, '../../../ops/requirements.txt'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^(mlflow|onnx|onnxruntime)==/.test(l));
    expect([...MODEL_REQUIREMENTS].sort()).toEqual(pins.sort());
    expect(file('requirements.txt').trim().split('\n')).toEqual(MODEL_REQUIREMENTS);
    expect(YAML.parse(file('python_env.yaml')).dependencies).toEqual(['-r requirements.txt']);
    expect(YAML.parse(file('conda.yaml')).dependencies).toContainEqual({ pip: MODEL_REQUIREMENTS });
  });

  it('counts the folder in model_size_bytes and writes MLmodel last', () => {
    const others = files.filter((f) => f.path !== 'MLmodel').reduce((sum, f) => sum + Buffer.byteLength(f.content), 0);
    expect(mlmodel.model_size_bytes).toBe(1234 + 100 + others);
    expect(files[files.length - 1].path).toBe('MLmodel');
  });
});

describe('parseMlmodel', () => {
  const text = file('MLmodel');
  /** The MLmodel as parsed YAML, loosely typed so that a test can break any part of it. */
  interface Mlmodel {
    flavors: Record<string, Record<string, unknown>>;
    signature?: Record<string, unknown>;
    [key: string]: unknown;
  }
  const change = (edit: (m: Mlmodel) => void) => {
    const m = YAML.parse(text);
    edit(m);
    return YAML.stringify(m);
  };
  const parse = (t: string) => () => parseMlmodel(t, 'resp@3/MLmodel');

  it('reads the ONNX file, the signature columns and the uuid, and accepts the reference written by MLflow', () => {
    expect(parseMlmodel(text, 'MLmodel')).toEqual({ onnxFile: 'model.onnx', inputs: handArtifact.features, modelUuid: mlmodel.model_uuid });
    expect(parseMlmodel(readFileSync(path.join(__dirname, 'fixtures/mlflow-onnx-save_model.MLmodel'), 'utf8'), 'ref').inputs).toEqual(['a', 'b']);
    expect(parse(change((m) => (m.model_uuid = `m-${'0'.repeat(32)}`)))()).toMatchObject({ modelUuid: `m-${'0'.repeat(32)}` });
  });

  it('names the field of an MLmodel it cannot use', () => {
    expect(parse('flavors: [unclosed')).toThrow(/MLmodel: resp@3\/MLmodel is not a usable MLmodel: expected YAML/);
    expect(parse('just text')).toThrow(/expected a YAML mapping/);
    expect(parse(change((m) => delete m.flavors.onnx))).toThrow(/flavors.onnx.data: .*expected the ONNX file's name in the folder, got null/);
    expect(parse(change((m) => (m.flavors.onnx.data = '../x.onnx')))).toThrow(/flavors.onnx.data/);
    expect(parse(change((m) => (m.flavors.python_function.loader_module = 'mlflow.sklearn')))).toThrow(
      /flavors.python_function.loader_module: .*expected 'mlflow.onnx', got "mlflow.sklearn"/,
    );
    expect(parse(change((m) => (m.flavors.python_function.data = 'other.onnx')))).toThrow(/flavors.python_function.data: .*expected "model.onnx"/);
    expect(parse(change((m) => delete m.signature))).toThrow(/signature.inputs: .*expected a JSON list of named double columns, got null/);
    expect(parse(change((m) => (m.signature!.inputs = '[{"type": "long", "name": "a"}]')))).toThrow(/signature.inputs/);
    expect(parse(change((m) => (m.signature!.inputs = '[not json')))).toThrow(/signature.inputs/);
    expect(parse(change((m) => (m.model_uuid = 'xyz')))).toThrow(/model_uuid: .*expected 32 hexadecimal digits/);
  });
});

describe('registration', () => {
  it('exports a graph that names the features of model.json', () => {
    expect(readLogisticOnnx(exportOnnx(handArtifact), 'model.onnx').features).toEqual(handArtifact.features);
  });

  it('refuses a model whose graph cannot be exported before anything reaches MLflow', async () => {
    const calls: string[] = [];
    const mlflow = new MlflowClient({
      trackingUri: 'http://127.0.0.1:9',
      fetchImpl: async (url) => {
        calls.push(String(url));
        throw new Error('no request expected');
      },
    });
    const candidate = { kind: 'combined', artifact: { ...handArtifact, coefficients: [1, Infinity, 0] } } as unknown as Candidate;
    await expect(registerCandidate(mlflow, 'resp', candidate, { experimentName: 'e' })).rejects.toThrow(/coefficients: Infinity at index 1/);
    expect(calls).toEqual([]);
  });
});
