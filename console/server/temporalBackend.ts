// The console's backends on the running stack: timelines through the Temporal client (memos and visibility for
// reading, updates for actions, as clients/coordinator.ts does for the CLI), models through MLflow and the Promotion
// workflow (clients/training.ts), review lists through the PacsIntake workflows (clients/intake.ts). A timeline update's validator rejection becomes ActionRefused: nothing changed.
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { tsToMs } from '@temporalio/common/lib/time';
import type { OsteoflowConfig } from '../../config';
import { overrideQc, readTimeline, recordPathology, registerScan, retryTimepoint, timelineHandle, withdraw } from '../../clients/coordinator';
import { assignSeries, dismissSeries, intakeHandle, readIntake as readIntakeMemo } from '../../clients/intake';
import { approvePromotion, readPromotion, rejectPromotion, rollbackPromotion, startPromotion } from '../../clients/training';
import { TIMELINE_VIEW_MEMO, type TimelineInput, type TimelineView } from '../../contracts/timeline';
import type { StudyProtocol } from '../../contracts/study';
import { INTAKE_MEMO, type AssignSeriesInput, type DismissSeriesInput, type IntakeState } from '../../contracts/intake';
import type { PromotionView } from '../../contracts/models';
import type { ModelDetail, ModelSummaryView, ModelVersionView } from '../../contracts/console';
import type { MlflowClient } from '../../registry/mlflowClient';
import type { ModelVersion } from '../../registry/mlflowTypes';
import { tagOf } from '../../registry/modelPackage';
import { promotionWorkflowId } from '../../workflows/promotion';
import { ActionRefused } from './errors';
import type { IntakeBackend, ModelBackend, TimelineBackend } from './backend';

const TIMELINE_TYPE = 'patientTimelineWorkflow';
const INTAKE_TYPE = 'pacsIntakeWorkflow';
const INTAKE_PREFIX = 'intake/';
const quote = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/**
 * Executions matching a visibility query, each with one memo field decoded through the client's converter. The SDK's
 * list decodes every memo and fails the whole listing on one it cannot read (a study whose payloads are encrypted with
 * a key this console lacks); here such an execution is left out and the others are listed.
 */
async function* listWithMemo<T>(client: Client, query: string, key: string): AsyncGenerator<{ workflowId: string; start: number; memo: T }> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, nextPageToken });
    for (const e of page.executions ?? []) {
      const payload = e.memo?.fields?.[key];
      const workflowId = e.execution?.workflowId;
      if (!payload || !workflowId) continue;
      const memo = await decodeFromPayloadsAtIndex<T>(client.options.loadedDataConverter, 0, [payload]).catch(() => undefined);
      if (memo !== undefined) yield { workflowId, start: tsToMs(e.startTime), memo };
    }
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
}

/** The rejection's own message (a validator's Error), else the error's. */
function refusalOf(err: unknown): ActionRefused | undefined {
  if (err instanceof WorkflowUpdateFailedError) {
    const message = err.cause?.message ?? err.message;
    const conflict = /already recorded|already withdrawn|already done/.test(message);
    return new ActionRefused(message, conflict ? 'conflict' : 'invalid');
  }
  if (err instanceof WorkflowNotFoundError) return new ActionRefused('the timeline is closed or does not exist; nothing was changed', 'conflict');
  const text = err instanceof Error ? err.message : String(err);
  if (/workflow execution already completed|already completed/i.test(text)) return new ActionRefused('the timeline is closed; nothing was changed', 'conflict');
  return undefined;
}

async function refusing<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    throw refusalOf(err) ?? err;
  }
}

export class TemporalTimelineBackend implements TimelineBackend {
  constructor(
    private readonly client: Client,
    private readonly address = '',
  ) {}

  async listTimelines(studyId?: string): Promise<TimelineView[]> {
    const query = `WorkflowType = ${quote(TIMELINE_TYPE)}${studyId ? ` AND StudyId = ${quote(studyId)}` : ''}`;
    // A timeline that continued as new is listed once per run: keep each patient's latest run.
    const latest = new Map<string, { start: number; view: TimelineView }>();
    for await (const wf of listWithMemo<TimelineView>(this.client, query, TIMELINE_VIEW_MEMO)) {
      const seen = latest.get(wf.workflowId);
      if (!seen || seen.start < wf.start) latest.set(wf.workflowId, { start: wf.start, view: wf.memo });
    }
    return [...latest.values()].map((v) => v.view).sort((a, b) => a.pseudonym.localeCompare(b.pseudonym));
  }

  async readTimeline(studyId: string, pseudonym: string): Promise<TimelineView | null> {
    try {
      const handle = timelineHandle(this.client, studyId, pseudonym);
      const published = (await handle.describe()).memo?.[TIMELINE_VIEW_MEMO] as TimelineView | undefined;
      return published ?? (await readTimeline(handle));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  async protocolOf(studyId: string): Promise<StudyProtocol | null> {
    const query = `WorkflowType = ${quote(TIMELINE_TYPE)} AND StudyId = ${quote(studyId)}`;
    for await (const wf of this.client.workflow.list({ query })) {
      const history = await this.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
      if (!payloads?.length) continue;
      // Through the client's own converter: payloads may be encrypted by the configured codec.
      const input = await decodeFromPayloadsAtIndex<TimelineInput>(this.client.options.loadedDataConverter, 0, payloads);
      if (input?.protocol) return input.protocol;
    }
    return null;
  }

  registerScan = (s: string, p: string, input: Parameters<typeof registerScan>[1]) => refusing(() => registerScan(timelineHandle(this.client, s, p), input));
  overrideQc = (s: string, p: string, input: Parameters<typeof overrideQc>[1]) => refusing(() => overrideQc(timelineHandle(this.client, s, p), input));
  retryTimepoint = (s: string, p: string, input: Parameters<typeof retryTimepoint>[1]) =>
    refusing(() => retryTimepoint(timelineHandle(this.client, s, p), input));
  recordPathology = (s: string, p: string, input: Parameters<typeof recordPathology>[1]) =>
    refusing(() => recordPathology(timelineHandle(this.client, s, p), input));
  withdraw = (s: string, p: string, input: Parameters<typeof withdraw>[1]) => refusing(() => withdraw(timelineHandle(this.client, s, p), input));

  async ping(): Promise<string> {
    await this.client.workflowService.getSystemInfo({});
    return this.address;
  }
}

const num = (v: string | undefined) => (v === undefined || v === '' || Number.isNaN(Number(v)) ? null : Number(v));
const time = (v: string | number | undefined) => (v === undefined ? null : new Date(Number(v)).toISOString());

export class MlflowModelBackend implements ModelBackend {
  constructor(
    private readonly client: Client,
    private readonly cfg: OsteoflowConfig,
    private readonly mlflow: MlflowClient,
    private readonly trackingUri = '',
  ) {}

  async listModels(): Promise<ModelSummaryView[]> {
    const models = await this.mlflow.searchRegisteredModels();
    const out: ModelSummaryView[] = [];
    for (const m of models) {
      const versions = await this.mlflow.searchModelVersions(`name = '${m.name.replace(/'/g, "\\'")}'`);
      const aliases = (m.aliases ?? []).map((a) => ({ alias: a.alias, version: a.version }));
      out.push({
        name: m.name,
        aliases,
        versions: versions.length,
        champion: aliases.find((a) => a.alias === 'champion')?.version ?? null,
        challenger: aliases.find((a) => a.alias === 'challenger')?.version ?? null,
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async getModel(name: string): Promise<ModelDetail | null> {
    const model = await this.mlflow.findRegisteredModel(name);
    if (!model) return null;
    const versions = (await this.mlflow.searchModelVersions(`name = '${name.replace(/'/g, "\\'")}'`)).sort((a, b) => Number(a.version) - Number(b.version));
    const aliases = (model.aliases ?? []).map((a) => ({ alias: a.alias, version: a.version }));
    return { name, aliases, versions: await Promise.all(versions.map((v) => this.versionView(v, aliases))) };
  }

  private async versionView(v: ModelVersion, aliases: { alias: string; version: string }[]): Promise<ModelVersionView> {
    const ci = tagOf(v, 'auc_ci')?.split(',').map(Number);
    let metrics: Record<string, number> = {};
    if (v.run_id) {
      const run = await this.mlflow.getRun(v.run_id).catch(() => undefined);
      metrics = Object.fromEntries((run?.data.metrics ?? []).map((m) => [m.key, m.value]));
    }
    return {
      version: v.version,
      kind: tagOf(v, 'kind') ?? null,
      predictAt: tagOf(v, 'predict_at') ?? null,
      studyId: tagOf(v, 'study_id') ?? null,
      aliases: aliases.filter((a) => a.version === v.version).map((a) => a.alias),
      auc: num(tagOf(v, 'auc')),
      aucCi: ci && ci.length === 2 && ci.every(Number.isFinite) ? [ci[0], ci[1]] : null,
      metrics,
      createdAt: time(v.creation_timestamp),
      lastDecision: tagOf(v, 'rollback.decision') ?? tagOf(v, 'promotion.decision') ?? tagOf(v, 'gate.decision') ?? null,
      trainedBy: tagOf(v, 'trained_by') ?? null,
    };
  }

  async readPromotion(name: string): Promise<{ view: PromotionView; open: boolean } | null> {
    const handle = this.client.workflow.getHandle(promotionWorkflowId(name));
    let status: string;
    try {
      status = (await handle.describe()).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
    if (status === 'RUNNING') return { view: await readPromotion(this.client, name), open: true };
    if (status === 'COMPLETED') return { view: (await handle.result()) as PromotionView, open: false };
    return { view: { modelName: name, phase: 'closed', decisions: [] }, open: false };
  }

  async startPromotion(input: Parameters<ModelBackend['startPromotion']>[0]): Promise<PromotionView> {
    try {
      return await startPromotion(this.client, this.cfg, {
        protocol: input.protocol,
        modelName: input.modelName,
        challenger: input.challenger,
        policy: input.policy,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (/is still open/.test(message)) throw new ActionRefused(message, 'conflict');
      throw err;
    }
  }

  private async decide(name: string, act: () => Promise<PromotionView>): Promise<PromotionView> {
    const current = await this.readPromotion(name);
    if (!current) throw new ActionRefused(`no promotion of '${name}' was ever started`, 'not-found');
    if (!current.open) throw new ActionRefused(`no promotion of '${name}' is open: the last one ended ${current.view.phase}`, 'conflict');
    return refusing(act);
  }

  approve = (name: string, by: { identity: string; reason: string }) => this.decide(name, () => approvePromotion(this.client, name, by));
  reject = (name: string, by: { identity: string; reason: string }) => this.decide(name, () => rejectPromotion(this.client, name, by));
  rollback = (name: string, by: { identity: string; reason: string }) => this.decide(name, () => rollbackPromotion(this.client, name, by));

  async ping(): Promise<string> {
    await this.mlflow.searchRegisteredModels();
    return this.trackingUri;
  }
}

export class TemporalIntakeBackend implements IntakeBackend {
  constructor(private readonly client: Client) {}

  async listIntakes(): Promise<{ studyId: string; state: IntakeState }[]> {
    // A workflow that continued as new is listed once per run: keep each study's latest run.
    const latest = new Map<string, { start: number; state: IntakeState }>();
    for await (const wf of listWithMemo<IntakeState>(this.client, `WorkflowType = ${quote(INTAKE_TYPE)}`, INTAKE_MEMO)) {
      if (!wf.workflowId.startsWith(INTAKE_PREFIX)) continue;
      const studyId = wf.workflowId.slice(INTAKE_PREFIX.length);
      const seen = latest.get(studyId);
      if (!seen || seen.start < wf.start) latest.set(studyId, { start: wf.start, state: wf.memo });
    }
    return [...latest.entries()].map(([studyId, v]) => ({ studyId, state: v.state })).sort((a, b) => a.studyId.localeCompare(b.studyId));
  }

  async readIntake(studyId: string): Promise<IntakeState | null> {
    try {
      return await readIntakeMemo(intakeHandle(this.client, studyId));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  assign = (studyId: string, input: AssignSeriesInput) => intakeRefusing(studyId, () => assignSeries(intakeHandle(this.client, studyId), input));
  dismiss = (studyId: string, input: DismissSeriesInput) => intakeRefusing(studyId, () => dismissSeries(intakeHandle(this.client, studyId), input));
}

/** The intake workflow's validator rejections are ActionRefused (nothing changed); a closed intake is a conflict. */
async function intakeRefusing<T>(studyId: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const message = err.cause?.message ?? err.message;
      throw new ActionRefused(message, /is not open on the review list/.test(message) ? 'conflict' : 'invalid');
    }
    const text = err instanceof Error ? err.message : String(err);
    if (err instanceof WorkflowNotFoundError || /already completed/i.test(text))
      throw new ActionRefused(`the PACS intake of study '${studyId}' is not running; nothing was changed`, 'conflict');
    throw err;
  }
}
