// Promotion activities: resolve versions, score challenger and champion on the evaluation set the gate chooses (the
// ledger's prospective predictions when there are enough, else the locked hold-out), write every decision to the
// registry (version tags + an audit trail on the registered model), move alias `champion`, and re-score the study's
// patients with the new champion (running timelines by a signal, the others directly; on the ledger as re-scores).
import { Context } from '@temporalio/activity';
import { activityAttempt, artifactCache, isMissingAlias, scorePatient } from '../pipeline/predict';
import { assembleDataset, GOOD_RESPONSE_NECROSIS_PCT, modelRow } from '../../models/dataset';
import { scoreRows } from '../../models/training/artifact';
import { ModelInputError } from '../../models/stats/errors';
import { tagOf } from '../../registry/modelPackage';
import { chooseEvaluationSet, evaluateGate, type EvaluationSet, type HoldoutScores } from '../../registry/promotionPolicy';
import type { MlflowClient } from '../../registry/mlflowClient';
import type { ResultsStore } from '../../store/types';
import { patientWorkflowId } from '../../contracts/ids';
import { TIMELINE_MESSAGES, type RescoreInput } from '../../contracts/timeline';
import { lockedHoldout, scopeOf, type ModelDeps } from './training';
import { CHAMPION_ALIAS, type ModelActivities, type RescoreSummary, type VersionInfo } from '../../contracts/models';

/** Registered-model tag with the champion versions in promotion order (the last is the current champion). */
export const CHAMPION_HISTORY_TAG = 'champion.history';

/**
 * The paired prospective set of a challenger (and champion) from the ledger: the patients for which each version has a
 * frozen prediction made before the pathology, not in-sample, with the outcome the pathology gave. Undefined when
 * there is none.
 */
export async function prospectiveSet(
  store: ResultsStore,
  studyId: string,
  modelName: string,
  challenger: string,
  champion?: string,
): Promise<EvaluationSet | undefined> {
  const scored = await store.prospectivePredictions(studyId);
  const of = (version: string) =>
    new Map(scored.filter((s) => s.entry.model === modelName && s.entry.modelVersion === version).map((s) => [s.entry.pseudonym, s]));
  const mine = of(challenger);
  const theirs = champion ? of(champion) : undefined;
  const patients = [...mine.keys()].filter((p) => !theirs || theirs.has(p)).sort();
  if (patients.length === 0) return undefined;
  const scores = (m: typeof mine): HoldoutScores => ({ probabilities: patients.map((p) => m.get(p)!.entry.probability), missing: [] });
  return {
    source: 'prospective',
    patients,
    labels: patients.map((p) => (mine.get(p)!.necrosisPct >= GOOD_RESPONSE_NECROSIS_PCT ? 1 : 0)),
    challenger: scores(mine),
    ...(theirs ? { champion: scores(theirs) } : {}),
  };
}

/** Appends the new champion ('none' when the alias was removed) unless it is already the last entry (a retried activity). */
async function appendHistory(mlflow: MlflowClient, name: string, version: string): Promise<void> {
  const tag = (await mlflow.getRegisteredModel(name)).tags?.find((t) => t.key === CHAMPION_HISTORY_TAG);
  const history = tag ? (JSON.parse(tag.value) as string[]) : [];
  if (history[history.length - 1] === version) return;
  await mlflow.setRegisteredModelTag(name, CHAMPION_HISTORY_TAG, JSON.stringify([...history, version].slice(-200)));
}

export function createPromotionActivities(
  deps: ModelDeps,
): Pick<ModelActivities, 'resolveVersion' | 'evaluateOnHoldout' | 'recordDecision' | 'moveChampion' | 'restoreChampion' | 'rescoreStudy'> {
  const { store } = deps;
  const artifactOf = artifactCache(deps.mlflow);

  return {
    async resolveVersion({ modelName, ref }): Promise<VersionInfo | null> {
      const mlflow = deps.mlflow();
      try {
        const v = /^\d+$/.test(ref) ? await mlflow.getModelVersion(modelName, ref) : await mlflow.getVersionByAlias(modelName, ref);
        return { name: modelName, version: v.version, kind: tagOf(v, 'kind') ?? 'unknown', aliases: v.aliases ?? [] };
      } catch (err) {
        if (isMissingAlias(err)) return null;
        throw err;
      }
    },

    async evaluateOnHoldout({ protocol, modelName, challenger, champion, policy }) {
      const mlflow = deps.mlflow();
      const holdout = await lockedHoldout(mlflow, modelName, protocol.studyId);
      const scoresOf = async (version: string, patients: string[]): Promise<{ scores: HoldoutScores; labels: number[]; patients: string[] }> => {
        const artifact = await artifactOf(modelName, version);
        // The hold-out rows, at the model's own timepoint; a patient missing something is kept with what is missing.
        const dataset = await assembleDataset(store, scopeOf(protocol, artifact.predictAt), { only: patients });
        const missing: HoldoutScores['missing'] = dataset.excluded.map((e) => ({ pseudonym: e.pseudonym, feature: e.reason }));
        const probabilities = dataset.rows.map((values, i) => {
          const { row, missing: lacking } = modelRow(Object.fromEntries(dataset.features.map((f, j) => [f, values[j]])), artifact.features);
          for (const feature of lacking) missing.push({ pseudonym: dataset.patients[i], feature });
          return lacking.length > 0 ? null : scoreRows(artifact, [row])[0];
        });
        return { scores: { probabilities, missing }, labels: dataset.labels, patients: dataset.patients };
      };
      let holdoutSet: EvaluationSet | undefined;
      if (holdout) {
        const challengerScores = await scoresOf(challenger, holdout);
        const championScores = champion ? await scoresOf(champion, holdout) : undefined;
        if (championScores && championScores.patients.join() !== challengerScores.patients.join()) {
          throw new ModelInputError(
            'challenger and champion see different hold-out patients (their timepoints differ); compare models that predict at the same timepoint',
            'champion',
          );
        }
        holdoutSet = {
          source: 'holdout',
          patients: challengerScores.patients,
          labels: challengerScores.labels,
          challenger: challengerScores.scores,
          ...(championScores ? { champion: championScores.scores } : {}),
        };
      }
      const prospective = await prospectiveSet(store, protocol.studyId, modelName, challenger, champion);
      if (!holdoutSet && !prospective) {
        throw new ModelInputError(
          `no locked hold-out for study ${protocol.studyId} on model '${modelName}' and no prospective predictions (train the study first)`,
          'holdout',
        );
      }
      const { set, reason } = chooseEvaluationSet({ prospective, holdout: holdoutSet }, policy);
      const gate = evaluateGate({ ...set, policy, reason });
      return { ...gate, patients: set.patients, labels: set.labels };
    },

    async recordDecision({ modelName, decision }) {
      const mlflow = deps.mlflow();
      const prefix = decision.action === 'rolled-back' ? 'rollback' : decision.action.startsWith('gate') ? 'gate' : 'promotion';
      const tags: Record<string, string> = {
        [`${prefix}.decision`]: decision.action,
        [`${prefix}.by`]: decision.by,
        [`${prefix}.reason`]: decision.reason,
        [`${prefix}.at`]: decision.at,
        [`${prefix}.workflow`]: decision.workflowId,
      };
      if (decision.detail) tags[`${prefix}.detail`] = decision.detail.slice(0, 4900);
      for (const [key, value] of Object.entries(tags)) await mlflow.setModelVersionTag(modelName, decision.version, key, value);
      // The audit trail on the registered model: one tag per decision, keyed by time and action (idempotent on retry).
      const key = `audit.${decision.at.replace(/[^0-9A-Za-z]/g, '')}.${decision.action}`;
      await mlflow.setRegisteredModelTag(modelName, key, JSON.stringify({ ...decision, detail: decision.detail?.slice(0, 3000) }));
    },

    async moveChampion({ modelName, version }) {
      const mlflow = deps.mlflow();
      await mlflow.setAlias(modelName, CHAMPION_ALIAS, version);
      await appendHistory(mlflow, modelName, version);
    },

    async restoreChampion({ modelName, previous }) {
      const mlflow = deps.mlflow();
      if (previous) await mlflow.setAlias(modelName, CHAMPION_ALIAS, previous);
      else await mlflow.deleteAlias(modelName, CHAMPION_ALIAS).catch((err) => (isMissingAlias(err) ? undefined : Promise.reject(err)));
      await appendHistory(mlflow, modelName, previous ?? 'none');
    },

    async rescoreStudy({ protocol, modelName, version }): Promise<RescoreSummary> {
      const model = `${modelName}@${version}`;
      const summary: RescoreSummary = { model, signalled: [], scored: [], skipped: [] };
      const running = new Set<string>();
      const client = (() => {
        try {
          return Context.current().client;
        } catch {
          return undefined; // outside a worker (tests): no timelines to signal
        }
      })();
      if (client) {
        const query = `StudyId = "${protocol.studyId}" AND WorkflowType = "patientTimelineWorkflow" AND ExecutionStatus = "Running"`;
        for await (const wf of client.workflow.list({ query })) {
          await client.workflow.getHandle(wf.workflowId).signal<[RescoreInput]>(TIMELINE_MESSAGES.rescore, { model });
          running.add(wf.workflowId);
          summary.signalled.push(wf.workflowId);
        }
      }
      const artifact = await artifactOf(modelName, version);
      const order = protocol.timepoints.map((t) => t.name);
      for (const patient of await store.listPatients(protocol.studyId)) {
        if (running.has(patientWorkflowId(protocol.studyId, patient.pseudonym))) continue;
        Context.current().heartbeat({ pseudonym: patient.pseudonym });
        // The latest timepoint with stored features is where the patient stands.
        let latest: string | undefined;
        for (const timepoint of order) {
          const sets = await store.getFeatureSets({ studyId: protocol.studyId, pseudonym: patient.pseudonym, timepoint }, protocol.features.paramHash);
          if (sets.length > 0) latest = timepoint;
        }
        if (!latest) {
          summary.skipped.push({ pseudonym: patient.pseudonym, reason: 'no features stored yet' });
          continue;
        }
        const attempt = activityAttempt();
        const outcome = await scorePatient(store, protocol, { name: modelName, version, artifact }, patient.pseudonym, latest, {
          rescore: true,
          attempt: attempt && `${attempt}/${patient.pseudonym}`,
        });
        if (outcome.prediction) summary.scored.push({ pseudonym: patient.pseudonym, timepoint: latest, probability: outcome.prediction.probability });
        else summary.skipped.push({ pseudonym: patient.pseudonym, reason: outcome.note });
      }
      return summary;
    },
  };
}
