// What a registered model version contains and how it gets there: a training run with params, metrics and artifacts
// (model/model.json, model/metrics.json, nomogram.svg/.png/.json, the evidence report under report/), a version of the
// study's registered model tagged with its kind, timepoint, AUC and dataset fingerprint; and the way back from a version
// to its model.json. The model/ folder is also an MLflow model (registry/onnxModelFolder.ts): the same model as an ONNX graph with MLmodel, signature
// and input example, which `mlflow.pyfunc.load_model` and `mlflow models serve` take, and OnnxPredictor scores.
import sharp from 'sharp';
import { parseArtifact } from '../models/training/artifact';
import { logisticOnnx, readLogisticOnnx } from '../models/export/logisticOnnx';
import { nomogramSvg } from '../models/learning/nomogramSvg';
import { checkExport } from '../models/export/exportCheck';
import { modelReport, type ReportOptions } from '../models/report';
import { ModelInputError } from '../models/stats/errors';
import type { OnnxPredictor } from '../models/training/onnxPredictor';
import { MLMODEL_FILE, ONNX_FILE, mlflowModelFiles, parseMlmodel } from './onnxModelFolder';
import { MlflowError } from './mlflowClient';
import type { MlflowClient } from './mlflowClient';
import type { ModelVersion } from './mlflowTypes';
import type { Candidate, ModelArtifact, RegisteredCandidate } from '../contracts/models';

/** Registered-model tag holding a study's locked hold-out (JSON list of pseudonyms). */
export const holdoutTag = (studyId: string) => `holdout.${studyId}`;

export interface RunContext {
  experimentName: string;
  /** Extra params (robustness screen, hold-out size, …). */
  params?: Record<string, string>;
  /** Extra metrics (e.g. DeLong p against the baseline model). */
  metrics?: Record<string, number>;
  /** Who started the training (tag `trained_by`: the console's four eyes keep them from approving its promotion). */
  trainedBy?: string;
  /** What the report/ folder needs beyond the candidate (the dataset's outcomes for the ROC and calibration plots, …). */
  report?: Omit<ReportOptions, 'modelName' | 'params'>;
}

/** The nomogram picture as PNG (sharp rasterises the SVG at 2× for print). */
export async function nomogramPng(svg: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(Buffer.from(svg), { density: 144 }).png().toBuffer());
}

const r = (x: number) => String(Number(x.toPrecision(6)));

export function runMetrics(c: Candidate): Record<string, number> {
  const m = c.metrics;
  const out: Record<string, number> = {
    auc: m.auc,
    auc_ci_lower: m.aucCi[0],
    auc_ci_upper: m.aucCi[1],
    auc_se: m.aucSe,
    mean_fold_auc: m.meanFoldAuc,
    brier: m.brier,
    sensitivity: m.sensitivity,
    specificity: m.specificity,
    accuracy: m.accuracy,
    nonzero_coefficients: c.artifact.coefficients.filter((b) => b !== 0).length,
  };
  if (m.calibrationIntercept !== null) out.calibration_intercept = m.calibrationIntercept;
  if (m.calibrationSlope !== null) out.calibration_slope = m.calibrationSlope;
  const interval = (key: string, ci: [number, number] | null | undefined) => {
    if (!ci) return;
    out[`${key}_ci_lower`] = ci[0];
    out[`${key}_ci_upper`] = ci[1];
  };
  interval('calibration_intercept', m.optimismCorrectedCalibration?.intercept?.ci);
  interval('calibration_slope', m.optimismCorrectedCalibration?.slope?.ci);
  interval('optimism_corrected_auc', m.optimismCorrectedAuc?.ci);
  // DeLong comparisons, one group of metrics per comparator ('criterion:volumeChangePct' → delong_vs_criterion_volumeChangePct_*).
  for (const c of m.comparisons ?? []) {
    const key = `delong_vs_${c.versus.replace(/[^A-Za-z0-9_]/g, '_')}`;
    out[`${key}_auc`] = c.versusAuc;
    out[`${key}_difference`] = c.difference;
    interval(`${key}_difference`, c.ci);
    out[`${key}_p`] = c.p;
  }
  if (m.hosmerLemeshow) {
    out.hosmer_lemeshow_statistic = m.hosmerLemeshow.statistic;
    out.hosmer_lemeshow_p = m.hosmerLemeshow.p;
  }
  if (m.optimismCorrectedAuc) {
    out.optimism_corrected_auc = m.optimismCorrectedAuc.corrected;
    out.auc_optimism = m.optimismCorrectedAuc.optimism;
    out.apparent_auc = m.optimismCorrectedAuc.apparent;
  }
  for (const p of m.netBenefit) out[`net_benefit_at_${p.threshold}`] = p.model;
  return out;
}

/** The folder of the run's artifacts that a model version's source points at. */
export const MODEL_FOLDER = 'model';

/**
 * The artifact's ONNX graph, decoded again and evaluated on rows of no patient (the training means, each feature far
 * out on either side, the ends of the training ranges) against scoreRows: a graph that scores otherwise is refused.
 */
export function exportOnnx(artifact: ModelArtifact): Uint8Array {
  const bytes = logisticOnnx(artifact);
  checkExport(artifact, bytes, `${MODEL_FOLDER}/${ONNX_FILE}`);
  return bytes;
}

/** Logs the candidate's run, registers it as a new version of `name` with tags, and returns the version. */
export async function registerCandidate(mlflow: MlflowClient, name: string, candidate: Candidate, context: RunContext): Promise<RegisteredCandidate> {
  const { artifact, metrics, kind } = candidate;
  // Exported and checked before anything is logged: a graph that does not score as model.json leaves no run behind.
  const onnx = exportOnnx(artifact);
  // The report likewise: a candidate whose numbers cannot be its own is refused before a run exists.
  const report = modelReport(candidate, { ...context.report, modelName: name, params: context.params });
  const pictures = await Promise.all(
    report.filter((f) => f.path.endsWith('.svg')).map(async (f) => ({ path: f.path.replace(/\.svg$/, '.png'), content: await nomogramPng(f.content) })),
  );
  const experiment = await mlflow.getOrCreateExperiment(context.experimentName);
  const run = await mlflow.createRun(experiment.experiment_id, `${kind}-${artifact.dataset.fingerprint.slice(0, 8)}`, [
    { key: 'osteoflow.kind', value: kind },
    { key: 'osteoflow.study', value: artifact.studyId },
  ]);
  const runId = run.info.run_id;
  try {
    await mlflow.logBatch(runId, {
      params: {
        kind,
        predict_at: artifact.predictAt,
        study_id: artifact.studyId,
        engine: `${artifact.engine.name} ${artifact.engine.version}`,
        param_hash: artifact.engine.paramHash,
        dataset_fingerprint: artifact.dataset.fingerprint,
        patients: String(artifact.dataset.patients),
        events: String(artifact.dataset.events),
        features_offered: String(candidate.offered),
        features_selected: String(artifact.features.length),
        alpha: String(artifact.training.alpha),
        lambda: r(artifact.training.lambda),
        lambda_rule: artifact.training.lambdaRule,
        outer_folds: String(artifact.training.outerFolds),
        inner_folds: String(artifact.training.innerFolds),
        cv_repeats: String(artifact.training.repeats),
        seed: String(artifact.training.seed),
        ...context.params,
      },
      metrics: { ...runMetrics(candidate), ...context.metrics },
    });
    const json = (v: unknown) => `${JSON.stringify(v, null, 1)}\n`;
    const modelJson = json(artifact);
    const metricsJson = json({ metrics, outOfFold: candidate.outOfFold });
    await mlflow.uploadArtifact(run.info.artifact_uri, `${MODEL_FOLDER}/model.json`, modelJson);
    await mlflow.uploadArtifact(run.info.artifact_uri, `${MODEL_FOLDER}/metrics.json`, metricsJson);
    // MLmodel goes up after every file it names: the folder is an MLflow model only once they are all there.
    const otherBytes = Buffer.byteLength(modelJson) + Buffer.byteLength(metricsJson);
    const files = mlflowModelFiles(artifact, onnx.length, { runId, artifactPath: MODEL_FOLDER, otherBytes });
    const upload = (file: string, content: string | Uint8Array) => mlflow.uploadArtifact(run.info.artifact_uri, `${MODEL_FOLDER}/${file}`, content);
    await Promise.all([upload(ONNX_FILE, onnx), ...files.filter((f) => f.path !== MLMODEL_FILE).map((f) => upload(f.path, f.content))]);
    await upload(MLMODEL_FILE, files.find((f) => f.path === MLMODEL_FILE)!.content);
    if (candidate.nomogram) {
      const svg = nomogramSvg(candidate.nomogram, `Good response (necrosis ≥ 90 %): ${kind} model`);
      await mlflow.uploadArtifact(run.info.artifact_uri, 'nomogram/nomogram.json', json(candidate.nomogram));
      await mlflow.uploadArtifact(run.info.artifact_uri, 'nomogram/nomogram.svg', svg);
      await mlflow.uploadArtifact(run.info.artifact_uri, 'nomogram/nomogram.png', await nomogramPng(svg));
    }
    await Promise.all([...report, ...pictures].map((file) => mlflow.uploadArtifact(run.info.artifact_uri, file.path, file.content)));
    await mlflow.finishRun(runId);
  } catch (err) {
    await mlflow.finishRun(runId, 'FAILED').catch(() => undefined);
    throw err;
  }
  await mlflow.ensureRegisteredModel(name, 'Response to neoadjuvant chemotherapy (good = necrosis ≥ 90 %), osteoflow');
  const version = await mlflow.createModelVersion({
    name,
    source: `${run.info.artifact_uri}/${MODEL_FOLDER}`,
    runId,
    description: `${kind} model predicting at ${artifact.predictAt}; nested-CV AUC ${metrics.auc.toFixed(3)} (95 % CI ${metrics.aucCi.map((x) => x.toFixed(3)).join('–')})`,
    tags: [
      { key: 'kind', value: kind },
      { key: 'predict_at', value: artifact.predictAt },
      { key: 'study_id', value: artifact.studyId },
      { key: 'auc', value: r(metrics.auc) },
      { key: 'auc_ci', value: metrics.aucCi.map(r).join(',') },
      { key: 'dataset_fingerprint', value: artifact.dataset.fingerprint },
      { key: 'param_hash', value: artifact.engine.paramHash },
      { key: 'engine_version', value: artifact.engine.version },
      ...(context.trainedBy ? [{ key: 'trained_by', value: context.trainedBy }] : []),
    ],
  });
  return { name, version: version.version, runId, kind, auc: metrics.auc, aucCi: metrics.aucCi };
}

/** model.json of a registered version, checked. */
export async function loadArtifact(mlflow: MlflowClient, name: string, version: string): Promise<ModelArtifact> {
  const uri = await mlflow.getModelVersionDownloadUri(name, version);
  const bytes = await mlflow.downloadArtifact(uri, 'model.json');
  return parseArtifact(JSON.parse(new TextDecoder().decode(bytes)), `${name}@${version}`);
}

/** A file of a registered version's folder; a version without it is an error that names the version and the file. */
async function versionFile(mlflow: MlflowClient, name: string, version: string, file: string, missing: string): Promise<Uint8Array> {
  const uri = await mlflow.getModelVersionDownloadUri(name, version);
  try {
    return await mlflow.downloadArtifact(uri, file);
  } catch (err) {
    if (err instanceof MlflowError && (err.status === 404 || err.errorCode === 'RESOURCE_DOES_NOT_EXIST'))
      throw new ModelInputError(`${name}@${version} has no ${file} (${missing})`, file);
    throw err;
  }
}

export interface OnnxModelVersion {
  artifact: ModelArtifact;
  /** Bytes of the version's ONNX graph. */
  onnx: Uint8Array;
  /** Signature input columns (the model's features, in order). */
  inputs: string[];
}

/**
 * A registered version's MLflow model: MLmodel, the ONNX graph it names and model.json, checked to agree (the
 * signature's columns, the graph's feature metadata and model.json's features in the same order).
 */
export async function loadOnnxModel(mlflow: MlflowClient, name: string, version: string): Promise<OnnxModelVersion> {
  const where = `${name}@${version}`;
  const artifact = await loadArtifact(mlflow, name, version);
  const mlmodelText = new TextDecoder().decode(
    await versionFile(mlflow, name, version, MLMODEL_FILE, "versions registered before models were logged in MLflow's format have none; re-register it"),
  );
  const mlmodel = parseMlmodel(mlmodelText, `${where}/${MLMODEL_FILE}`);
  const onnx = await versionFile(mlflow, name, version, mlmodel.onnxFile, `the file ${MLMODEL_FILE} names as the onnx flavour's data`);
  const graph = readLogisticOnnx(onnx, `${where}/${mlmodel.onnxFile}`);
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((f, i) => f === b[i]);
  if (!same(mlmodel.inputs, artifact.features))
    throw new ModelInputError(
      `${where}: the signature's columns ${JSON.stringify(mlmodel.inputs)} are not model.json's features ${JSON.stringify(artifact.features)}`,
      `${MLMODEL_FILE} signature.inputs`,
    );
  if (!same(graph.features, artifact.features))
    throw new ModelInputError(
      `${where}: the graph's features ${JSON.stringify(graph.features)} are not model.json's features ${JSON.stringify(artifact.features)}`,
      mlmodel.onnxFile,
    );
  return { artifact, onnx, inputs: mlmodel.inputs };
}

/** A registered version's ONNX graph opened in onnxruntime-node (close it when done). */
export async function loadOnnxPredictor(mlflow: MlflowClient, name: string, version: string): Promise<OnnxPredictor> {
  const model = await loadOnnxModel(mlflow, name, version);
  // Loaded on first use: the native runtime stays out of every process that only registers or reads model.json.
  const { OnnxPredictor } = await import('../models/training/onnxPredictor');
  return OnnxPredictor.open(model.onnx, `${name}@${version}/${ONNX_FILE}`);
}

export const tagOf = (v: Pick<ModelVersion, 'tags'>, key: string): string | undefined => v.tags?.find((t) => t.key === key)?.value;
