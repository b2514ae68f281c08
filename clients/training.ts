// What an ML engineer (or the main job) does with the Temporal client on the training task queue: train a study's
// models, start a promotion, approve / reject it, roll it back, and the main job's whole train → promote → re-score.
import { setMaxListeners } from 'node:events';
import { ApplicationFailure, type Client, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowIdConflictPolicy } from '@temporalio/client';
import type { OsteoflowConfig } from '../config';
import { currentEndpoints } from '../config/endpoints';
import { MlflowClient } from '../registry/mlflowClient';
import { drawHoldout } from '../registry/promotionPolicy';
import { assembleDataset, assertTrainable, MIN_PER_CLASS, type TrainingDataset } from '../models/dataset';
import { ModelInputError } from '../models/stats/errors';
import { openResultsStore } from '../store';
import { lockedHoldout, scopeOf } from '../activities/models/training';
import type { StudyProtocol } from '../contracts/study';
import { approvePromotionUpdate, promotionQuery, rejectPromotionUpdate, rollbackUpdate } from '../workflows/models/messages';
import {
  CHALLENGER_KINDS,
  type ApprovalInput,
  type ModelComparison,
  type PromotionInput,
  type PromotionView,
  type TrainingOptions,
  type TrainingResult,
} from '../contracts/models';
import { promotionWorkflow, promotionWorkflowId } from '../workflows/promotion';
import { trainingWorkflow, trainingWorkflowId } from '../workflows/training';
import { createTrainingWorker } from '../workers/training/worker';

export async function trainModels(client: Client, cfg: OsteoflowConfig, protocol: StudyProtocol, options: TrainingOptions = {}): Promise<TrainingResult> {
  return client.workflow.execute(trainingWorkflow, {
    workflowId: trainingWorkflowId(protocol.studyId, new Date()),
    taskQueue: cfg.taskQueues.training,
    args: [{ protocol, options }],
  });
}

/**
 * Starts the model's promotion and waits until its gate is decided (awaiting approval, or gate failed). A promotion
 * still open for the same model (awaiting approval, or in its rollback window) makes this fail unless `supersede`.
 */
export async function startPromotion(
  client: Client,
  cfg: OsteoflowConfig,
  input: PromotionInput,
  options: { supersede?: boolean; signal?: AbortSignal } = {},
): Promise<PromotionView> {
  const modelName = input.modelName ?? input.protocol.model.name;
  const handle = await client.workflow
    .start(promotionWorkflow, {
      workflowId: promotionWorkflowId(modelName),
      taskQueue: cfg.taskQueues.training,
      args: [input],
      workflowIdConflictPolicy: options.supersede ? WorkflowIdConflictPolicy.TERMINATE_EXISTING : WorkflowIdConflictPolicy.FAIL,
    })
    .catch(async (err: unknown) => {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const open = await readPromotion(client, modelName).catch(() => undefined);
      throw new Error(
        `a promotion of '${modelName}' is still open${open ? ` (${open.phase}, challenger ${open.challenger?.version ?? '?'})` : ''}: approve, reject or roll it back, or supersede it`,
      );
    });
  for (;;) {
    options.signal?.throwIfAborted();
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return handle.result();
    const view = await handle.query(promotionQuery).catch(() => undefined);
    if (view && view.phase !== 'evaluating') return view;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const promotionHandle = (client: Client, modelName: string) => client.workflow.getHandle<typeof promotionWorkflow>(promotionWorkflowId(modelName));

/** Approves the open promotion; returns once alias `champion` moved and the study was re-scored. */
export const approvePromotion = (client: Client, modelName: string, by: ApprovalInput): Promise<PromotionView> =>
  promotionHandle(client, modelName).executeUpdate(approvePromotionUpdate, { args: [by] });
export const rejectPromotion = (client: Client, modelName: string, by: ApprovalInput): Promise<PromotionView> =>
  promotionHandle(client, modelName).executeUpdate(rejectPromotionUpdate, { args: [by] });
/** Restores the champion the open promotion replaced; returns once the study was re-scored with it. */
export const rollbackPromotion = (client: Client, modelName: string, by: ApprovalInput): Promise<PromotionView> =>
  promotionHandle(client, modelName).executeUpdate(rollbackUpdate, { args: [by] });
export const readPromotion = (client: Client, modelName: string): Promise<PromotionView> => promotionHandle(client, modelName).query(promotionQuery);

/** One row of the main job's summary (and its --summary-json `models`). */
export interface ModelSummary {
  name: string;
  version: string;
  aliases: string[];
  kind: string;
  auc: number;
  aucCi: [number, number];
  /** A radiomics model's DeLong comparisons with the clinical model and the simple criteria a clinician reads. */
  comparisons?: ModelComparison[];
}

export interface MainJobModels {
  models: ModelSummary[];
  /** Null when training was skipped. */
  training: TrainingResult | null;
  promotion: PromotionView | null;
  /** Why no model was trained (too few labelled patients of an outcome), in one line; absent when trained. */
  skipped?: string;
}

export interface LabelCounts {
  good: number;
  poor: number;
}

export interface Trainability {
  trainable: boolean;
  /** The fewest patients of each outcome that can be trained on. */
  needed: number;
  /** Of `needed`, how many the first training locks away as the hold-out (0 when one is locked already). */
  heldOut: number;
}

/** How far `trainability` looks for the fewest trainable patients of each outcome. */
const MAX_SEARCHED = 1000;

/**
 * Whether labelled patients in these numbers can be trained on: the training set's own checks, run on the counts.
 * The first training of a study (`locksHoldout`) locks a hold-out of each outcome first (drawHoldout) and trains on
 * the rest; then, as on every training, nested cross-validation needs enough of each outcome (assertTrainable).
 */
export function trainability(counts: LabelCounts, options: { locksHoldout: boolean; holdoutFraction?: number }): Trainability {
  const passes = (good: number, poor: number): { ok: boolean; heldGood: number } => {
    const labels = [...Array<number>(good).fill(1), ...Array<number>(poor).fill(0)];
    const patients = labels.map((_, i) => `p${String(i).padStart(6, '0')}`);
    const dataset = (keep: (i: number) => boolean) => ({
      studyId: '',
      excluded: [],
      patients: patients.filter((_, i) => keep(i)),
      labels: labels.filter((_, i) => keep(i)),
    });
    try {
      assertTrainable(dataset(() => true));
      if (!options.locksHoldout) return { ok: true, heldGood: 0 };
      const held = new Set(drawHoldout(patients, labels, { fraction: options.holdoutFraction }));
      assertTrainable(dataset((i) => !held.has(patients[i])));
      return { ok: true, heldGood: patients.filter((p, i) => held.has(p) && labels[i] === 1).length };
    } catch (err) {
      if (err instanceof ModelInputError) return { ok: false, heldGood: 0 };
      throw err;
    }
  };
  const trainable = passes(counts.good, counts.poor).ok;
  for (let needed = MIN_PER_CLASS; needed <= MAX_SEARCHED; needed++) {
    const at = passes(needed, needed);
    if (at.ok) return { trainable, needed, heldOut: at.heldGood };
  }
  return { trainable, needed: Number.POSITIVE_INFINITY, heldOut: 0 }; // a hold-out fraction that leaves nothing to train on
}

/**
 * Why the study cannot be trained on yet, in one line, or null when it can: counts the labelled patients with
 * complete data at the models' timepoint in the results store, as the training set is assembled, and asks
 * `trainability` (with the hold-out the first training of the study locks, unless one is locked already).
 */
export async function trainingShortfall(
  cfg: OsteoflowConfig,
  protocol: StudyProtocol,
  mlflowUri: string,
  options: Pick<TrainingOptions, 'predictAt' | 'holdoutFraction'> = {},
): Promise<string | null> {
  const predictAt = options.predictAt ?? protocol.timepoints[protocol.timepoints.length - 1].name;
  const mlflow = new MlflowClient({ trackingUri: mlflowUri, token: cfg.mlflow.token });
  const holdout = await lockedHoldout(mlflow, protocol.model.name, protocol.studyId);
  const store = openResultsStore(cfg);
  let dataset: TrainingDataset;
  try {
    dataset = await assembleDataset(store, scopeOf(protocol, predictAt), { exclude: holdout });
  } finally {
    await store.close();
  }
  const good = dataset.labels.reduce((a, b) => a + b, 0);
  const counts = { good, poor: dataset.labels.length - good };
  const verdict = trainability(counts, { locksHoldout: !holdout, holdoutFraction: options.holdoutFraction });
  if (verdict.trainable) return null;
  const lacking = dataset.excluded.length > 0 ? ` (${dataset.excluded.length} more labelled patient(s) lack data at '${predictAt}')` : '';
  const need = holdout
    ? `at least ${verdict.needed} of each besides the locked hold-out`
    : `at least ${verdict.needed} of each (${verdict.heldOut} locked as hold-out, ${verdict.needed - verdict.heldOut} for nested cross-validation)`;
  return `${counts.good} good and ${counts.poor} poor responders${holdout ? ' outside the locked hold-out' : ''} in study ${protocol.studyId}${lacking}; training needs ${need}`;
}

/** The ModelInputError (as the ApplicationFailure its activity became) that failed a workflow, if that is what did. */
export function modelInputFailure(err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof WorkflowFailedError)) return undefined;
  for (let cause: unknown = err.cause; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApplicationFailure && cause.type === ModelInputError.name) return cause;
  }
  return undefined;
}

export const MAIN_JOB_IDENTITY = 'osteoflow-main-job';

/**
 * The main job's model step, on a finished, labelled study in the results store: trains the four models (a training
 * worker runs in this process meanwhile), registers them, promotes the best delta/combined model that passes the gate
 * (approved as `osteoflow-main-job`), re-scores the study, and returns each model with its aliases. A promotion left
 * open by an earlier run of the same model is superseded. A study too small to train on is not trained: the result
 * says why (`skipped`, also logged), whether that was seen before training or from the training's ModelInputError.
 */
export async function trainAndPromote(
  client: Client,
  cfg: OsteoflowConfig,
  protocol: StudyProtocol,
  options: TrainAndPromoteOptions = {},
): Promise<MainJobModels> {
  return cancellingCalls(client, options.signal, () => trainAndPromoteSteps(client, cfg, protocol, options));
}

/**
 * Runs `fn` so that aborting `signal` cancels the client's calls under way in it (they reject with gRPC CANCELLED;
 * calls begun after the abort are not cancelled, so `fn` should check the signal between calls). The SDK adds an
 * abort listener per call and keeps it, so the calls listen on a signal of their own, dropped with this scope.
 */
export async function cancellingCalls<T>(client: Client, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  if (!signal) return fn();
  signal.throwIfAborted();
  const scope = new AbortController();
  setMaxListeners(0, scope.signal);
  const forward = () => scope.abort(signal.reason);
  signal.addEventListener('abort', forward, { once: true });
  try {
    return await client.withAbortSignal(scope.signal, fn);
  } finally {
    signal.removeEventListener('abort', forward);
  }
}

export interface TrainAndPromoteOptions {
  training?: TrainingOptions;
  log?: (line: string) => void;
  endpoints?: { address: string; mlflowUri: string };
  /** Cancels the Temporal calls under way and stops before the next step (rejecting with the signal's reason). */
  signal?: AbortSignal;
}

async function trainAndPromoteSteps(client: Client, cfg: OsteoflowConfig, protocol: StudyProtocol, options: TrainAndPromoteOptions): Promise<MainJobModels> {
  const { signal } = options;
  const log = options.log ?? (() => undefined);
  const endpoints =
    options.endpoints ??
    (() => {
      const e = currentEndpoints(cfg);
      return { address: e.temporal.address, mlflowUri: e.mlflow.trackingUri };
    })();
  const skip = (reason: string): MainJobModels => {
    log(`training skipped: ${reason}`);
    return { models: [], training: null, promotion: null, skipped: reason };
  };
  const shortfall = await trainingShortfall(cfg, protocol, endpoints.mlflowUri, options.training);
  if (shortfall) return skip(shortfall);
  signal?.throwIfAborted();
  const training = await createTrainingWorker(cfg, endpoints);
  try {
    return await training.worker.runUntil(async () => {
      log(`training ${protocol.model.name} on study ${protocol.studyId}`);
      let result: TrainingResult;
      try {
        result = await trainModels(client, cfg, protocol, { trainedBy: MAIN_JOB_IDENTITY, ...options.training });
      } catch (err) {
        const failure = modelInputFailure(err);
        if (!failure) throw err;
        return skip(`the training set was refused: ${failure.message}`);
      }
      log(
        `trained on ${result.dataset.patients} patients (${result.dataset.holdout.length} locked as hold-out), ${result.robustness.robust.length} robust baseline features`,
      );
      // The best radiomics model first; the next one if the gate refuses it.
      const order = result.models.filter((m) => CHALLENGER_KINDS.includes(m.kind)).sort((a, b) => b.auc - a.auc);
      let promotion: PromotionView | null = null;
      for (const candidate of order) {
        signal?.throwIfAborted();
        const started = await startPromotion(client, cfg, { protocol, challenger: candidate.version }, { supersede: true, signal });
        if (started.phase !== 'awaiting-approval') {
          log(
            `${candidate.name}@${candidate.version} (${candidate.kind}) not promoted: ${started.phase} — ${started.decisions.map((d) => d.detail ?? d.reason).join('; ')}`,
          );
          promotion = started;
          continue;
        }
        promotion = await approvePromotion(client, protocol.model.name, {
          identity: MAIN_JOB_IDENTITY,
          reason: `main job: best cross-validated ${candidate.kind} model (AUC ${candidate.auc.toFixed(3)}) passed the promotion gate`,
        });
        log(
          `${candidate.name}@${candidate.version} (${candidate.kind}) is champion; re-scored ${promotion.rescore?.scored.length ?? 0} patients, signalled ${promotion.rescore?.signalled.length ?? 0} timelines`,
        );
        break;
      }
      const registered = await new MlflowClient({ trackingUri: endpoints.mlflowUri, token: cfg.mlflow.token }).getRegisteredModel(protocol.model.name);
      const aliasesOf = (version: string) =>
        (registered.aliases ?? [])
          .filter((a) => a.version === version)
          .map((a) => a.alias)
          .sort();
      const models = result.models.map((m) => ({
        name: m.name,
        version: m.version,
        aliases: aliasesOf(m.version),
        kind: m.kind,
        auc: m.auc,
        aucCi: m.aucCi,
        ...(m.comparisons?.length ? { comparisons: m.comparisons } : {}),
      }));
      return { models, training: result, promotion };
    });
  } finally {
    await training.close();
  }
}
