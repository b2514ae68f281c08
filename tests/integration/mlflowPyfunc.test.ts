/** @jest-environment ./tests/unit/segmentation/onnxEnvironment.js */
// A response model is an MLflow model, on the real stack: one model trained and registered through registerCandidate,
// then Python's onnx checker accepts its graph, `mlflow.pyfunc.load_model('models:/<name>/<version>')` predicts and
// `mlflow models serve` answers POST /invocations, each with the probabilities of model.json's TypeScript scorer and
// of the graph in onnxruntime-node. Versions whose folder lacks MLmodel or holds a broken graph are refused by name.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import YAML from 'yaml';
import path from 'node:path';
import { loadConfig } from '../../config';
import { currentEndpoints } from '../../config/endpoints';
import { freePort } from '../../ops/processes';
import { venvLayout } from '../../ops/venv';
import { ARTIFACT_FORMAT, type ModelArtifact, type RegisteredCandidate } from '../../contracts/models';
import type { TrainingDataset } from '../../models/dataset';
import { seededRandom } from '../../models/stats/random';
import { scoreRows } from '../../models/training/artifact';
import { trainCandidate } from '../../models/training/candidate';
import { MlflowClient } from '../../registry/mlflowClient';
import { loadArtifact, loadOnnxModel, loadOnnxPredictor, registerCandidate } from '../../registry/modelPackage';

jest.setTimeout(600000);

const MODEL = `it-pyfunc-${Date.now().toString(36)}`;
const cfg = loadConfig();
const venv = venvLayout(cfg.venvDir);
const trackingUri = currentEndpoints(cfg).mlflow.trackingUri;
const mlflow = new MlflowClient({ trackingUri });
const timings: Record<string, number> = {};
let registered: RegisteredCandidate;
let artifact: ModelArtifact;
/** Rows of no patient: the training means, each feature 1.5 SD off, and one row of whole numbers. */
let rows: Record<string, number>[];
let expected: Float64Array;

async function timed<T>(what: string, run: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  try {
    return await run();
  } finally {
    timings[what] = Date.now() - started;
  }
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, v === b[i] ? 0 : Math.abs(v - b[i]) / Math.abs(b[i])), 0);

/** Runs Python in the project venv against the stack's MLflow; the script prints one JSON object last. */
function python(script: string, input: unknown): Record<string, unknown> {
  const run = spawnSync(venv.python, ['-c', script], {
    input: JSON.stringify(input),
    env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`python exited ${run.status}:\n${run.stderr.slice(-4000)}`);
  const last = run.stdout.trim().split('\n').pop()!;
  return JSON.parse(last) as Record<string, unknown>;
}

// A labelled synthetic cohort of 40 (no patient's data): the delta feature carries the outcome.
function dataset(): TrainingDataset {
  const random = seededRandom(11);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const labels = Array.from({ length: 40 }, (_, i) => (i % 5 < 2 ? 1 : 0));
  return {
    studyId: 'IT-PYFUNC',
    paramHash: 'h'.repeat(64),
    timepoints: ['baseline', 'mid', 'preop'],
    predictAt: 'preop',
    patients: labels.map((_, i) => `SYN-${String(i + 1).padStart(3, '0')}`),
    labels,
    features: ['clinical:ageYears', 'baseline:T1CE:original_shape_MeshVolume', 'delta:preop:ADC:original_firstorder_Mean', 'delta:preop:named:volumeChangePct'],
    rows: labels.map((y) => [12 + 6 * random.next(), 150000 + 40000 * normal(), 0.9 * y + 0.6 * normal(), -35 * y + 20 * normal()]),
    excluded: [],
    incompleteFeatures: [],
    fingerprint: 'd'.repeat(64),
  };
}

beforeAll(async () => {
  const candidate = await timed('train', () =>
    trainCandidate(dataset(), 'combined', undefined, { outerFolds: 4, innerFolds: 4, repeats: 1, bootstrapReplicates: 0, seed: 3 }),
  );
  registered = await timed('register', () => registerCandidate(mlflow, MODEL, candidate, { experimentName: `it-pyfunc-${MODEL}` }));
  artifact = candidate.artifact;
  const { means, scales } = artifact.scaler;
  const at = (shift: (j: number) => number) => Object.fromEntries(artifact.features.map((f, j) => [f, means[j] + shift(j)]));
  rows = [
    at(() => 0),
    ...artifact.features.flatMap((_, j) => [at((i) => (i === j ? 1.5 * scales[j] : 0)), at((i) => (i === j ? -1.5 * scales[j] : 0))]),
    Object.fromEntries(artifact.features.map((f, j) => [f, Math.round(means[j] + 0.5 * scales[j])])),
  ];
  expected = scoreRows(artifact, rows);
});

afterAll(() => {
  console.log(`[pyfunc] ${MODEL} v${registered?.version} (${artifact?.features.length} features); timings (ms): ${JSON.stringify(timings)}`);
});

it('registers model.json beside an MLmodel folder whose graph, signature and model.json agree', async () => {
  expect(artifact.features.length).toBeGreaterThan(0);
  const model = await loadOnnxModel(mlflow, MODEL, registered.version);
  expect(model.inputs).toEqual(artifact.features);
  expect(model.artifact).toEqual(await loadArtifact(mlflow, MODEL, registered.version));
  const version = await mlflow.getModelVersion(MODEL, registered.version);
  expect(version.source).toMatch(/\/model$/);
});

it('scores in onnxruntime-node as the TypeScript scorer does (1e-12 relative)', async () => {
  const predictor = await timed('node load', () => loadOnnxPredictor(mlflow, MODEL, registered.version));
  try {
    const actual = await timed('node score', () => predictor.score(rows));
    console.log(`[pyfunc] node: max |ONNX − scoreRows| = ${maxAbs(actual, expected).toExponential(2)} (relative ${maxRel(actual, expected).toExponential(2)})`);
    expect(maxRel(actual, expected)).toBeLessThan(1e-12);
  } finally {
    await predictor.close();
  }
});

const PYFUNC = `
import json, sys, time
import mlflow, mlflow.pyfunc, onnx, pandas as pd
job = json.load(sys.stdin)
out = {}
t = time.time()
local = mlflow.artifacts.download_artifacts(job['uri'])
m = onnx.load(local + '/model.onnx')
onnx.checker.check_model(m, full_check=True)
out['checker'] = 'ok'
out['opset'] = [[o.domain, o.version] for o in m.opset_import]
t = time.time()
model = mlflow.pyfunc.load_model(job['uri'])
out['load_s'] = time.time() - t
out['flavor'] = model.metadata.flavors['python_function']['loader_module']
out['signature'] = [c['name'] for c in model.metadata.get_input_schema().to_dict()]
df = pd.DataFrame(job['data'], columns=job['columns'], dtype='float64')
t = time.time()
out['probability'] = model.predict(df)['probability'].tolist()
out['predict_s'] = time.time() - t
# The same rows with the columns in reverse order: the signature puts them back in the model's order.
out['reversed'] = model.predict(df[list(reversed(job['columns']))])['probability'].tolist()
try:
    mlflow.pyfunc.load_model(job['bare'])
    out['bare'] = 'loaded'
except Exception as e:
    out['bare'] = str(e)
print(json.dumps(out))
`;

it("is a pyfunc model: Python's onnx checker accepts the graph and mlflow.pyfunc predicts the same probabilities", async () => {
  // A version registered from a folder that holds model.json only: MLflow cannot load it as a model.
  const bare = await registerBare('bare');
  const out = await timed('pyfunc (python process)', () =>
    python(PYFUNC, {
      uri: `models:/${MODEL}/${registered.version}`,
      bare: `models:/${MODEL}/${bare}`,
      columns: artifact.features,
      data: rows.map((r) => artifact.features.map((f) => r[f])),
    }),
  );
  expect(out.checker).toBe('ok');
  expect(out.opset).toEqual([['', 17]]);
  expect(out.flavor).toBe('mlflow.onnx');
  expect(out.signature).toEqual(artifact.features);
  const probability = out.probability as number[];
  console.log(
    `[pyfunc] pyfunc: max |pyfunc − scoreRows| = ${maxAbs(probability, expected).toExponential(2)} (relative ${maxRel(probability, expected).toExponential(2)}); ` +
      `load ${(out.load_s as number).toFixed(2)} s, predict ${(out.predict_s as number).toFixed(3)} s`,
  );
  expect(maxRel(probability, expected)).toBeLessThan(1e-12);
  expect(out.reversed).toEqual(probability);
  expect(out.bare).toMatch(/Could not find an "?MLmodel"? configuration file/);
});

it('is servable: `mlflow models serve` answers POST /invocations with the same probabilities, and names a missing column', async () => {
  const port = await freePort();
  const server = spawn(
    venv.mlflow,
    ['models', 'serve', '-m', `models:/${MODEL}/${registered.version}`, '--env-manager', 'local', '-p', String(port), '-h', '127.0.0.1'],
    {
      // As in an activated venv: the scoring server starts `uvicorn` by name, from PATH.
      env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri, PATH: `${path.dirname(venv.mlflow)}${path.delimiter}${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: the server's workers stop with it
    },
  );
  let log = '';
  server.stdout!.on('data', (d) => (log += d));
  server.stderr!.on('data', (d) => (log += d));
  try {
    const base = `http://127.0.0.1:${port}`;
    await timed('serve start', () => waitForPing(base, server, () => log));
    const body = { dataframe_split: { columns: artifact.features, data: rows.map((r) => artifact.features.map((f) => r[f])) } };
    // JSON.stringify writes the whole-number row as integers ("150000"): the server reads them by the signature, as doubles.
    const response = await timed('serve invoke', () =>
      fetch(`${base}/invocations`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    );
    const text = await response.text();
    expect({ status: response.status, text: response.status === 200 ? '' : text }).toEqual({ status: 200, text: '' });
    const served = (JSON.parse(text) as { predictions: { probability: number }[] }).predictions.map((p) => p.probability);
    console.log(
      `[pyfunc] served: max |served − scoreRows| = ${maxAbs(served, expected).toExponential(2)} (relative ${maxRel(served, expected).toExponential(2)})`,
    );
    expect(maxRel(served, expected)).toBeLessThan(1e-12);

    const missing = { dataframe_split: { columns: artifact.features.slice(1), data: [artifact.features.slice(1).map(() => 1.5)] } };
    const refused = await fetch(`${base}/invocations`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(missing) });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain(artifact.features[0]);
  } finally {
    await stop(server);
  }
});

it('refuses, by name, a version without MLmodel, one whose model.onnx is not a graph, and one whose signature disagrees with model.json', async () => {
  const bare = await registerBare('bare-ts');
  await expect(loadOnnxModel(mlflow, MODEL, bare)).rejects.toThrow(`MLmodel: ${MODEL}@${bare} has no MLmodel`);
  const broken = await registerBare('broken', 'broken');
  await expect(loadOnnxModel(mlflow, MODEL, broken)).rejects.toThrow(`${MODEL}@${broken}/model.onnx: not an ONNX model`);
  const reordered = await registerBare('reordered', 'reordered');
  await expect(loadOnnxModel(mlflow, MODEL, reordered)).rejects.toThrow(
    `MLmodel signature.inputs: ${MODEL}@${reordered}: the signature's columns ${JSON.stringify([...artifact.features].reverse())} are not model.json's features`,
  );
});

/**
 * A version of MODEL whose folder holds this model's model.json only ('bare'), or also MLmodel with a model.onnx that is
 * no protobuf ('broken'), or the good graph with an MLmodel whose signature lists the features in reverse ('reordered').
 */
async function registerBare(label: string, variant: 'bare' | 'broken' | 'reordered' = 'bare'): Promise<string> {
  const experiment = await mlflow.getOrCreateExperiment(`it-pyfunc-${MODEL}`);
  const run = await mlflow.createRun(experiment.experiment_id, label);
  await mlflow.uploadArtifact(run.info.artifact_uri, 'model/model.json', JSON.stringify({ ...artifact, format: ARTIFACT_FORMAT }));
  if (variant !== 'bare') {
    const good = await mlflow.getModelVersionDownloadUri(MODEL, registered.version);
    const mlmodel = new TextDecoder().decode(await mlflow.downloadArtifact(good, 'MLmodel'));
    const reversed = JSON.stringify([...artifact.features].reverse().map((name) => ({ type: 'double', name, required: true })));
    const doc = YAML.parse(mlmodel) as { signature: { inputs: string } };
    if (variant === 'reordered') doc.signature.inputs = reversed;
    await mlflow.uploadArtifact(
      run.info.artifact_uri,
      'model/model.onnx',
      variant === 'broken' ? 'not a protobuf' : await mlflow.downloadArtifact(good, 'model.onnx'),
    );
    await mlflow.uploadArtifact(run.info.artifact_uri, 'model/MLmodel', YAML.stringify(doc));
  }
  await mlflow.finishRun(run.info.run_id);
  const version = await mlflow.createModelVersion({ name: MODEL, source: `${run.info.artifact_uri}/model`, runId: run.info.run_id });
  return version.version;
}

async function waitForPing(base: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 180000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`mlflow models serve exited ${server.exitCode}:\n${log().slice(-4000)}`);
    const ok = await fetch(`${base}/ping`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`mlflow models serve did not answer /ping within 180 s:\n${log().slice(-4000)}`);
}

async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.pid === undefined) return;
  const exited = new Promise((r) => server.once('exit', r));
  process.kill(-server.pid, 'SIGTERM');
  const timer = setTimeout(() => server.pid !== undefined && server.exitCode === null && process.kill(-server.pid, 'SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}
