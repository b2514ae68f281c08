// What a registered model version contains and how it gets there: a training run with params, metrics and artifacts
// (model/model.json, model/metrics.json, nomogram.svg/.png/.json), a version of the study's registered model tagged with
// its kind, timepoint, AUC and dataset fingerprint; and the way back from a version to its model.json.
import sharp from 'sharp';
import { parseArtifact } from '../models/training/artifact';
import { nomogramSvg } from '../models/learning/nomogramSvg';
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

/** Logs the candidate's run, registers it as a new version of `name` with tags, and returns the version. */
export async function registerCandidate(mlflow: MlflowClient, name: string, candidate: Candidate, context: RunContext): Promise<RegisteredCandidate> {
  const { artifact, metrics, kind } = candidate;
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
    await mlflow.uploadArtifact(run.info.artifact_uri, 'model/model.json', json(artifact));
    await mlflow.uploadArtifact(run.info.artifact_uri, 'model/metrics.json', json({ metrics, outOfFold: candidate.outOfFold }));
    if (candidate.nomogram) {
      const svg = nomogramSvg(candidate.nomogram, `Good response (necrosis ≥ 90 %): ${kind} model`);
      await mlflow.uploadArtifact(run.info.artifact_uri, 'nomogram/nomogram.json', json(candidate.nomogram));
      await mlflow.uploadArtifact(run.info.artifact_uri, 'nomogram/nomogram.svg', svg);
      await mlflow.uploadArtifact(run.info.artifact_uri, 'nomogram/nomogram.png', await nomogramPng(svg));
    }
    await mlflow.finishRun(runId);
  } catch (err) {
    await mlflow.finishRun(runId, 'FAILED').catch(() => undefined);
    throw err;
  }
  await mlflow.ensureRegisteredModel(name, 'Response to neoadjuvant chemotherapy (good = necrosis ≥ 90 %), osteoflow');
  const version = await mlflow.createModelVersion({
    name,
    source: `${run.info.artifact_uri}/model`,
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

export const tagOf = (v: Pick<ModelVersion, 'tags'>, key: string): string | undefined => v.tags?.find((t) => t.key === key)?.value;
