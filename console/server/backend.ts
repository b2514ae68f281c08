// What the console server needs from the running stack, as three small interfaces: the timelines (Temporal), the
// models (MLflow and the Promotion workflow) and the PACS intake's review lists (the PacsIntake workflows). The Temporal/MLflow implementations are in temporalBackend.ts; unit
// tests give in-memory ones. Every read works without a worker: memos, visibility, MLflow.
import type { AssignSeriesInput, DismissSeriesInput, IntakeState } from '../../contracts/intake';
import type { GatePolicy, PromotionView } from '../../contracts/models';
import type { StudyProtocol } from '../../contracts/study';
import type { OverrideQcInput, RecordPathologyInput, RegisterScanInput, RetryTimepointInput, TimelineView, WithdrawInput } from '../../contracts/timeline';
import type { ModelDetail, ModelSummaryView } from '../../contracts/console';

export interface TimelineBackend {
  /** Every patient timeline's published view (of one study, or all), one per patient. */
  listTimelines(studyId?: string): Promise<TimelineView[]>;
  /** The patient's published view, or null when the study has no such patient. */
  readTimeline(studyId: string, pseudonym: string): Promise<TimelineView | null>;
  /** The protocol the study's timelines run (from a timeline's input), or null when the study has none. */
  protocolOf(studyId: string): Promise<StudyProtocol | null>;
  /** Each action resolves to the timeline after it, or rejects with ActionRefused (nothing changed). */
  registerScan(studyId: string, pseudonym: string, input: RegisterScanInput): Promise<TimelineView>;
  overrideQc(studyId: string, pseudonym: string, input: OverrideQcInput): Promise<TimelineView>;
  retryTimepoint(studyId: string, pseudonym: string, input: RetryTimepointInput): Promise<TimelineView>;
  recordPathology(studyId: string, pseudonym: string, input: RecordPathologyInput): Promise<TimelineView>;
  withdraw(studyId: string, pseudonym: string, input: WithdrawInput): Promise<TimelineView>;
  /** Resolves when the server answers; the health check. */
  ping(): Promise<string>;
}

export interface ModelBackend {
  listModels(): Promise<ModelSummaryView[]>;
  /** null when no model of the name is registered. */
  getModel(name: string): Promise<ModelDetail | null>;
  /** The model's latest promotion (open or how it ended), or null when none was ever started; `open` whether it runs. */
  readPromotion(name: string): Promise<{ view: PromotionView; open: boolean } | null>;
  /** Starts a promotion and resolves once its gate is decided; ActionRefused('conflict') while one is open. */
  startPromotion(input: { modelName: string; protocol: StudyProtocol; challenger?: string; policy?: GatePolicy }): Promise<PromotionView>;
  approve(name: string, by: { identity: string; reason: string }): Promise<PromotionView>;
  reject(name: string, by: { identity: string; reason: string }): Promise<PromotionView>;
  rollback(name: string, by: { identity: string; reason: string }): Promise<PromotionView>;
  ping(): Promise<string>;
}

export interface IntakeBackend {
  /** Every study with a PACS intake workflow (running or not), with its state as last published. */
  listIntakes(): Promise<{ studyId: string; state: IntakeState }[]>;
  /** The study's intake state as last published, or null when the study has no intake workflow. */
  readIntake(studyId: string): Promise<IntakeState | null>;
  /** Each resolves to the state after it, or rejects with ActionRefused (the workflow's validator: nothing changed). */
  assign(studyId: string, input: AssignSeriesInput): Promise<IntakeState>;
  dismiss(studyId: string, input: DismissSeriesInput): Promise<IntakeState>;
}
