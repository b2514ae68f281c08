// A fixed response model registered as the study's `champion` before the campaign, so that every completed timepoint
// is predicted through the registry (and an MLflow restart meets real predictions). It is not trained: one baseline
// feature with a set weight, enough to give each timepoint a prediction row the checker can look for.
import { ARTIFACT_FORMAT, CHAMPION_ALIAS, type Candidate, type ModelArtifact } from '../../contracts/models';
import type { StudyProtocol } from '../../contracts/study';
import { ENGINE_NAME, ENGINE_VERSION } from '../../radiomics';
import { MlflowClient } from '../../registry/mlflowClient';
import { registerCandidate } from '../../registry/modelPackage';

/** The tumour's volume at baseline (T1CE), always present once the baseline is done. */
const FEATURE = 'baseline:T1CE:original_shape_MeshVolume';

export async function registerReferenceChampion(trackingUri: string, protocol: StudyProtocol): Promise<{ name: string; version: string }> {
  const timepoints = protocol.timepoints.map((t) => t.name);
  const artifact: ModelArtifact = {
    format: ARTIFACT_FORMAT,
    kind: 'baseline',
    predictAt: timepoints[0],
    timepoints,
    studyId: protocol.studyId,
    engine: { name: ENGINE_NAME, version: ENGINE_VERSION, paramHash: protocol.features.paramHash },
    dataset: { fingerprint: 'chaos-reference', patients: 0, events: 0 },
    features: [FEATURE],
    scaler: { means: [20000], scales: [10000] },
    intercept: 0,
    coefficients: [-0.5],
    original: { intercept: 1, coefficients: { [FEATURE]: -0.00005 } },
    ranges: { [FEATURE]: [0, 500000] },
    youdenCutoff: 0.5,
    training: { alpha: 1, lambda: 0, lambdaRule: 'min', outerFolds: 0, innerFolds: 0, repeats: 0, seed: 0 },
    trainedAt: new Date().toISOString(),
  };
  const candidate: Candidate = {
    kind: 'baseline',
    artifact,
    metrics: {
      auc: 0.5,
      aucCi: [0.5, 0.5],
      aucSe: 0,
      meanFoldAuc: 0.5,
      brier: 0.25,
      calibrationIntercept: null,
      calibrationSlope: null,
      hosmerLemeshow: null,
      sensitivity: 0,
      specificity: 0,
      accuracy: 0,
      optimismCorrectedAuc: null,
      netBenefit: [],
      notes: { model: 'a fixed reference model for the chaos campaign, not trained' },
    },
    outOfFold: [],
    offered: 1,
    nomogram: null,
  };
  const mlflow = new MlflowClient({ trackingUri });
  const registered = await registerCandidate(mlflow, protocol.model.name, candidate, { experimentName: `chaos-${protocol.studyId}` });
  await mlflow.setAlias(protocol.model.name, CHAMPION_ALIAS, registered.version);
  return { name: protocol.model.name, version: registered.version };
}
