// Response prediction at a timepoint with the registry's `champion` of the study's model: the version is resolved on
// every call (a promotion takes effect at once), its model.json cached by name@version, the patient's row built from
// the store with what exists at the model's timepoint, scored, and stored with name@version. No champion, a model that
// predicts at a later timepoint, or a missing feature is an answer with a note; a registry outage is thrown (and
// retried by the activity policy, then noted by the timeline).
import { type MlflowClient, MlflowError } from '../../registry/mlflowClient';
import { loadArtifact } from '../../registry/modelPackage';
import { modelRow, patientFeatures } from '../../models/dataset';
import { scoreRows } from '../../models/training/artifact';
import { CHAMPION_ALIAS, type ModelArtifact } from '../../contracts/models';
import type { ResultsStore } from '../../store/types';
import type { StudyProtocol } from '../../contracts/study';
import type { PredictionRef } from '../../contracts/timeline';
import type { TimepointRef } from '../../contracts/pipeline';

export interface Predictor {
  predict(ref: TimepointRef): Promise<{ prediction: PredictionRef | null; note?: string }>;
}

export type ScoreOutcome = { prediction: PredictionRef; note?: undefined } | { prediction: null; note: string };

/**
 * Scores one patient at `timepoint` with a loaded model and records the prediction. The row holds only data up to the
 * model's own timepoint; a timepoint before it, another parameter file, or a missing feature gives a note naming why.
 */
export async function scorePatient(
  store: ResultsStore,
  protocol: StudyProtocol,
  model: { name: string; version: string; artifact: ModelArtifact },
  pseudonym: string,
  timepoint: string,
): Promise<ScoreOutcome> {
  const { artifact } = model;
  const ref = `${model.name}@${model.version}`;
  const order = protocol.timepoints.map((t) => t.name);
  if (order.indexOf(timepoint) < order.indexOf(artifact.predictAt)) {
    return { prediction: null, note: `model ${ref} predicts from timepoint '${artifact.predictAt}' on; no prediction at '${timepoint}'` };
  }
  if (artifact.engine.paramHash !== protocol.features.paramHash) {
    return {
      prediction: null,
      note: `model ${ref} was trained on features of parameter hash ${artifact.engine.paramHash.slice(0, 12)}…, the study uses ${protocol.features.paramHash.slice(0, 12)}…; features would not mean the same`,
    };
  }
  const scope = { studyId: protocol.studyId, paramHash: protocol.features.paramHash, timepoints: order, predictAt: artifact.predictAt };
  const { values } = await patientFeatures(store, scope, pseudonym);
  const { row, missing } = modelRow(values, artifact.features);
  if (missing.length > 0) {
    return {
      prediction: null,
      note: `model ${ref} needs feature${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}, missing for ${pseudonym} at '${timepoint}'`,
    };
  }
  const probability = scoreRows(artifact, [row])[0];
  await store.recordPrediction({
    studyId: protocol.studyId,
    pseudonym,
    timepoint,
    model: model.name,
    modelVersion: model.version,
    probability,
    predictedAt: new Date().toISOString(),
  });
  return { prediction: { probability, model: ref } };
}

/** model.json by name@version, loaded once per process (a version's artifact never changes). */
export function artifactCache(mlflow: () => MlflowClient): (name: string, version: string) => Promise<ModelArtifact> {
  const cache = new Map<string, Promise<ModelArtifact>>();
  return (name, version) => {
    const key = `${name}@${version}`;
    let entry = cache.get(key);
    if (!entry) {
      entry = loadArtifact(mlflow(), name, version);
      entry.catch(() => cache.delete(key)); // a failed download is tried again next time
      cache.set(key, entry);
    }
    return entry;
  };
}

/** True for the registry's answers that mean "there is no such alias / model", as opposed to an outage. */
export function isMissingAlias(err: unknown): boolean {
  return err instanceof MlflowError && (err.errorCode === 'RESOURCE_DOES_NOT_EXIST' || err.errorCode === 'INVALID_PARAMETER_VALUE');
}

export function registryPredictor(mlflow: () => MlflowClient, store: ResultsStore): Predictor {
  const artifactOf = artifactCache(mlflow);
  return {
    async predict(ref) {
      const name = ref.protocol.model.name;
      let version: string;
      try {
        version = (await mlflow().getVersionByAlias(name, CHAMPION_ALIAS)).version;
      } catch (err) {
        if (isMissingAlias(err)) return { prediction: null, note: `no '${CHAMPION_ALIAS}' version of model '${name}' in the registry yet` };
        throw err;
      }
      const artifact = await artifactOf(name, version);
      return scorePatient(store, ref.protocol, { name, version, artifact }, ref.pseudonym, ref.timepoint);
    },
  };
}
