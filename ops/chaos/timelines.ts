// The site's automation as the campaign plays it: enrol patients, send scans, read timelines, record pathology —
// through the PatientTimeline's own workflow, update and query definitions. (ops/ sits below clients/ in the layers,
// so it speaks to the workflow directly; a coordinator's actions go through the CLI, coordinatorCli.ts.) Every call
// has a deadline: a query waits for a worker, and workers and the server come and go during a campaign.
import { type Client, WorkflowIdConflictPolicy, type WorkflowHandle } from '@temporalio/client';
import type { OsteoflowConfig } from '../../config';
import { connectClient } from '../../config/temporal';
import { patientWorkflowId } from '../../contracts/ids';
import type { StudyProtocol } from '../../contracts/study';
import type { RecordPathologyInput, RegisterScanInput, TimelineView } from '../../contracts/timeline';
import { patientTimelineWorkflow } from '../../workflows/patientTimeline';
import { recordPathologyUpdate, registerScanUpdate, timelineQuery } from '../../workflows/timeline/messages';

const CALL_DEADLINE_MS = 20000;

export type Closed = { status: string; failure?: string };

export class Timelines {
  private client?: Client;

  constructor(
    private readonly cfg: OsteoflowConfig,
    private readonly address: string,
    private readonly protocol: StudyProtocol,
  ) {}

  /** Connections replaced by a fresh one: closed only at the end, since calls on them may still be retrying. */
  private readonly retired: Client[] = [];

  /** A fresh connection (after the server was restarted; the old one may still be backing off). */
  async reconnect(): Promise<void> {
    const fresh = await connectClient(this.address, this.cfg.temporal);
    if (this.client) this.retired.push(this.client);
    this.client = fresh;
  }

  async close(): Promise<void> {
    for (const client of [...this.retired, ...(this.client ? [this.client] : [])]) await client.connection.close().catch(() => undefined);
    this.retired.length = 0;
    this.client = undefined;
  }

  private async handle(pseudonym: string): Promise<WorkflowHandle<typeof patientTimelineWorkflow>> {
    if (!this.client) await this.reconnect();
    return this.client!.workflow.getHandle<typeof patientTimelineWorkflow>(patientWorkflowId(this.protocol.studyId, pseudonym));
  }

  private withDeadline<T>(fn: () => Promise<T>): Promise<T> {
    return this.client!.connection.withDeadline(Date.now() + CALL_DEADLINE_MS, fn);
  }

  async enrol(pseudonym: string, clinical: Record<string, number | string>): Promise<void> {
    if (!this.client) await this.reconnect();
    await this.withDeadline(() =>
      this.client!.workflow.start(patientTimelineWorkflow, {
        workflowId: patientWorkflowId(this.protocol.studyId, pseudonym),
        taskQueue: this.cfg.taskQueues.pipeline,
        args: [{ protocol: this.protocol, pseudonym, clinical }],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      }),
    );
  }

  async register(pseudonym: string, input: RegisterScanInput): Promise<void> {
    const handle = await this.handle(pseudonym);
    await this.withDeadline(() => handle.executeUpdate(registerScanUpdate, { args: [input] }));
  }

  async recordPathology(pseudonym: string, input: RecordPathologyInput): Promise<void> {
    const handle = await this.handle(pseudonym);
    await this.withDeadline(() => handle.executeUpdate(recordPathologyUpdate, { args: [input] }));
  }

  async view(pseudonym: string): Promise<TimelineView> {
    const handle = await this.handle(pseudonym);
    return this.withDeadline(() => handle.query(timelineQuery));
  }

  /** The final view of a completed timeline (its result). */
  async result(pseudonym: string): Promise<TimelineView> {
    const handle = await this.handle(pseudonym);
    return this.withDeadline(() => handle.result());
  }

  /**
   * Attempts beyond the first, by activity type, over the given workflows' histories: how often the faults made a step
   * run again. (A retried activity records its started event once, with its last attempt.)
   */
  async retries(workflowIds: readonly string[]): Promise<Record<string, number>> {
    if (!this.client) await this.reconnect();
    const out: Record<string, number> = {};
    for (const id of workflowIds) {
      // A run that never started (its id was never used) has no history to count.
      const history = await this.withDeadline(() => this.client!.workflow.getHandle(id).fetchHistory()).catch(() => undefined);
      if (!history) continue;
      const typeOf = new Map<number, string>();
      for (const event of history.events ?? []) {
        const scheduled = event.activityTaskScheduledEventAttributes;
        if (scheduled) typeOf.set(Number(event.eventId), scheduled.activityType?.name ?? 'activity');
        const started = event.activityTaskStartedEventAttributes;
        if (started && (started.attempt ?? 1) > 1) {
          const type = typeOf.get(Number(started.scheduledEventId)) ?? 'activity';
          out[type] = (out[type] ?? 0) + (started.attempt ?? 1) - 1;
        }
      }
    }
    return out;
  }

  /** Undefined while the workflow runs; its close status and, for a failed one, the failure's messages otherwise. */
  async closed(pseudonym: string): Promise<Closed | undefined> {
    const handle = await this.handle(pseudonym);
    const { status } = await this.withDeadline(() => handle.describe());
    if (status.name === 'RUNNING' || status.name === 'CONTINUED_AS_NEW') return undefined;
    if (status.name === 'COMPLETED') return { status: status.name };
    const history = await this.withDeadline(() => handle.fetchHistory());
    const last = history.events?.[history.events.length - 1];
    let failure = last?.workflowExecutionFailedEventAttributes?.failure;
    const messages: string[] = [];
    while (failure) {
      messages.push(`${failure.applicationFailureInfo?.type ?? failure.source ?? ''}: ${failure.message ?? ''}`.replace(/^: /, ''));
      failure = failure.cause ?? undefined;
    }
    const terminated = last?.workflowExecutionTerminatedEventAttributes?.reason;
    return { status: status.name, failure: messages.join(' ← ') || terminated || undefined };
  }
}
