// What an ML engineer (or the main job) does with the Temporal client on the training task queue: train a study's
// models, start a promotion, approve / reject it, roll it back, and the main job's whole train → promote → re-score.
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy } from '@temporalio/client';
import type { OsteoflowConfig } from '../config';
import { currentEndpoints } from '../config/endpoints';
import { MlflowClient } from '../registry/mlflowClient';
import type { StudyProtocol } from '../contracts/study';
import { approvePromotionUpdate, promotionQuery, rejectPromotionUpdate, rollbackUpdate } from '../workflows/models/messages';
import { CHALLENGER_KINDS, type ApprovalInput, type PromotionInput, type PromotionView, type TrainingOptions, type TrainingResult } from '../contracts/models';
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
  options: { supersede?: boolean } = {},
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
}

export interface MainJobModels {
  models: ModelSummary[];
  training: TrainingResult;
  promotion: PromotionView | null;
}

export const MAIN_JOB_IDENTITY = 'osteoflow-main-job';

/**
 * The main job's model step, on a finished, labelled study in the results store: trains the four models (a training
 * worker runs in this process meanwhile), registers them, promotes the best delta/combined model that passes the gate
 * (approved as `osteoflow-main-job`), re-scores the study, and returns each model with its aliases. A promotion left
 * open by an earlier run of the same model is superseded.
 */
export async function trainAndPromote(
  client: Client,
  cfg: OsteoflowConfig,
  protocol: StudyProtocol,
  options: { training?: TrainingOptions; log?: (line: string) => void; endpoints?: { address: string; mlflowUri: string } } = {},
): Promise<MainJobModels> {
  const log = options.log ?? (() => undefined);
  const endpoints =
    options.endpoints ??
    (() => {
      const e = currentEndpoints(cfg);
      return { address: e.temporal.address, mlflowUri: e.mlflow.trackingUri };
    })();
  const training = await createTrainingWorker(cfg, endpoints);
  try {
    return await training.worker.runUntil(async () => {
      log(`training ${protocol.model.name} on study ${protocol.studyId}`);
      const result = await trainModels(client, cfg, protocol, options.training);
      log(
        `trained on ${result.dataset.patients} patients (${result.dataset.holdout.length} locked as hold-out), ${result.robustness.robust.length} robust baseline features`,
      );
      // The best radiomics model first; the next one if the gate refuses it.
      const order = result.models.filter((m) => CHALLENGER_KINDS.includes(m.kind)).sort((a, b) => b.auc - a.auc);
      let promotion: PromotionView | null = null;
      for (const candidate of order) {
        const started = await startPromotion(client, cfg, { protocol, challenger: candidate.version }, { supersede: true });
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
      const models = result.models.map((m) => ({ name: m.name, version: m.version, aliases: aliasesOf(m.version), kind: m.kind, auc: m.auc, aucCi: m.aucCi }));
      return { models, training: result, promotion };
    });
  } finally {
    await training.close();
  }
}
