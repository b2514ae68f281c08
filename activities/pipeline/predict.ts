// Response prediction at a timepoint with the registry's `champion` of the study's model: the version is resolved on
// every call (a promotion takes effect at once), its model.json cached by name@version, the patient's row built from
// the store with what exists at the model's timepoint, scored, and appended to the prediction ledger with name@version,
// the SHA-256 of the row it scored, and whether the patient was among the model's training patients. No champion, a
// model that predicts at a later timepoint, or a missing feature is an answer with a note; a registry outage is thrown
// (and retried by the activity policy, then noted by the timeline). The `challenger`, when there is one, scores the
// same patient in silent mode: on the ledger for its evaluation, never shown, and never in the way of the answer.
import { Context } from '@temporalio/activity';
import { type MlflowClient, MlflowError } from '../../registry/mlflowClient';
import { loadArtifact } from '../../registry/modelPackage';
import { modelRow, patientFeatures } from '../../models/dataset';
import { inputHash, scoreRows } from '../../models/training/artifact';
import { CHALLENGER_ALIAS, CHAMPION_ALIAS, type ModelArtifact } from '../../contracts/models';
import type { PredictionMode, ResultsStore } from '../../store/types';
import type { StudyProtocol } from '../../contracts/study';
import type { PredictionRef } from '../../contracts/timeline';
import type { TimepointRef } from '../../contracts/pipeline';

export interface Predictor {
  predict(ref: TimepointRef & { rescore?: boolean }): Promise<{ prediction: PredictionRef | null; note?: string }>;
}

export type ScoreOutcome = { prediction: PredictionRef; note?: undefined } | { prediction: null; note: string };

export interface ScoreOptions {
  /** 'live' (default): the prediction shown; 'silent': a challenger's, for the ledger only. */
  mode?: PredictionMode;
  /** A deliberate re-score (the study re-scored after a promotion or rollback). */
  rescore?: boolean;
  /** The activity execution making it (a retry appends nothing new). */
  attempt?: string;
}

/**
 * Whether the patient was among the model's training patients. An artifact that does not list them (written before
 * they were recorded) is taken to have seen every patient whose pathology was known when it is asked: none of those
 * predictions can then pass for prospective evidence.
 */
export async function isInSample(store: ResultsStore, artifact: ModelArtifact, studyId: string, pseudonym: string): Promise<boolean> {
  const training = artifact.dataset.trainingPatients;
  if (training) return artifact.studyId === studyId && training.includes(pseudonym);
  return (await store.getPathology({ studyId, pseudonym })) !== undefined;
}

/**
 * Scores one patient at `timepoint` with a loaded model and appends the prediction to the ledger. The row holds only
 * data up to the model's own timepoint; a timepoint before it, another parameter file, or a missing feature gives a
 * note naming why.
 */
export async function scorePatient(
  store: ResultsStore,
  protocol: StudyProtocol,
  model: { name: string; version: string; artifact: ModelArtifact },
  pseudonym: string,
  timepoint: string,
  options: ScoreOptions = {},
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
  await store.appendPrediction({
    studyId: protocol.studyId,
    pseudonym,
    timepoint,
    model: model.name,
    modelVersion: model.version,
    probability,
    predictedAt: new Date().toISOString(),
    featuresSha256: inputHash(artifact, row),
    inSample: await isInSample(store, artifact, protocol.studyId, pseudonym),
    rescore: options.rescore,
    mode: options.mode,
    attempt: options.attempt,
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

/** The running activity's execution as `<workflow>/<run>/<activity id>`, or undefined outside an activity. */
export function activityAttempt(): string | undefined {
  try {
    const { workflowExecution, activityId } = Context.current().info;
    return workflowExecution ? `${workflowExecution.workflowId}/${workflowExecution.runId}/${activityId}` : undefined;
  } catch {
    return undefined;
  }
}

export function registryPredictor(mlflow: () => MlflowClient, store: ResultsStore, log: (line: string) => void = () => undefined): Predictor {
  const artifactOf = artifactCache(mlflow);
  const versionOf = async (name: string, alias: string): Promise<string | null> => {
    try {
      return (await mlflow().getVersionByAlias(name, alias)).version;
    } catch (err) {
      if (isMissingAlias(err)) return null;
      throw err;
    }
  };
  return {
    async predict(ref) {
      const name = ref.protocol.model.name;
      const attempt = activityAttempt();
      const champion = await versionOf(name, CHAMPION_ALIAS);
      const outcome: ScoreOutcome = champion
        ? await scorePatient(store, ref.protocol, { name, version: champion, artifact: await artifactOf(name, champion) }, ref.pseudonym, ref.timepoint, {
            attempt: attempt && `${attempt}/live`,
            ...(ref.rescore ? { rescore: true } : {}),
          })
        : { prediction: null, note: `no '${CHAMPION_ALIAS}' version of model '${name}' in the registry yet` };
      // Silent mode: the challenger's prediction accrues on the ledger; whatever befalls it, the answer stands.
      try {
        const challenger = await versionOf(name, CHALLENGER_ALIAS);
        if (challenger && challenger !== champion) {
          const silent = await scorePatient(
            store,
            ref.protocol,
            { name, version: challenger, artifact: await artifactOf(name, challenger) },
            ref.pseudonym,
            ref.timepoint,
            { mode: 'silent', attempt: attempt && `${attempt}/silent` },
          );
          if (silent.note) log(`silent challenger ${name}@${challenger}: ${silent.note}`);
        }
      } catch (err) {
        log(`silent challenger of ${name} not scored: ${err instanceof Error ? err.message : String(err)}`);
      }
      return outcome;
    },
  };
}
