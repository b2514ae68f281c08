// What a study coordinator (or an automation) does with the Temporal client: enrol, register scans, override QC,
// retry a timepoint that needs attention, record pathology, withdraw, read timelines, and list patients by state.
import { type Client, WorkflowIdConflictPolicy, type WorkflowHandle } from '@temporalio/client';
import { patientWorkflowId } from '../contracts/ids';
import { patientTimelineWorkflow } from '../workflows/patientTimeline';
import {
  overrideQcUpdate,
  recordPathologyUpdate,
  registerScanUpdate,
  retryTimepointUpdate,
  timelineQuery,
  withdrawUpdate,
} from '../workflows/timeline/messages';
import {
  TIMELINE_VIEW_MEMO,
  type OverrideQcInput,
  type RecordPathologyInput,
  type RegisterScanInput,
  type RetryTimepointInput,
  type TimelineView,
  type WithdrawInput,
} from '../contracts/timeline';
import type { StudyProtocol } from '../contracts/study';

export type TimelineHandle = WorkflowHandle<typeof patientTimelineWorkflow>;

/** Starts the patient's timeline, or returns the running one: enrolling twice never creates a second workflow. */
export async function enrolPatient(
  client: Client,
  taskQueue: string,
  protocol: StudyProtocol,
  pseudonym: string,
  clinical: Record<string, number | string> = {},
): Promise<TimelineHandle> {
  return client.workflow.start(patientTimelineWorkflow, {
    workflowId: patientWorkflowId(protocol.studyId, pseudonym),
    taskQueue,
    args: [{ protocol, pseudonym, clinical }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  });
}

export function timelineHandle(client: Client, studyId: string, pseudonym: string): TimelineHandle {
  return client.workflow.getHandle(patientWorkflowId(studyId, pseudonym));
}

export const registerScan = (h: TimelineHandle, input: RegisterScanInput): Promise<TimelineView> => h.executeUpdate(registerScanUpdate, { args: [input] });
export const overrideQc = (h: TimelineHandle, input: OverrideQcInput): Promise<TimelineView> => h.executeUpdate(overrideQcUpdate, { args: [input] });
/** Reruns a timepoint that needs attention on the same scans (the cause was fixed: a worker, disk space, a file). */
export const retryTimepoint = (h: TimelineHandle, input: RetryTimepointInput): Promise<TimelineView> =>
  h.executeUpdate(retryTimepointUpdate, { args: [input] });
export const recordPathology = (h: TimelineHandle, input: RecordPathologyInput): Promise<TimelineView> =>
  h.executeUpdate(recordPathologyUpdate, { args: [input] });
export const withdraw = (h: TimelineHandle, input: WithdrawInput): Promise<TimelineView> => h.executeUpdate(withdrawUpdate, { args: [input] });
/**
 * The timeline as the workflow last published it (its memo): answered by the server alone, with no worker running.
 * Timelines that have not published since the memo existed are queried instead (a query needs a worker).
 */
export async function readTimeline(h: TimelineHandle): Promise<TimelineView> {
  const published = (await h.describe()).memo?.[TIMELINE_VIEW_MEMO] as TimelineView | undefined;
  return published ?? h.query(timelineQuery);
}

/** Workflow ids of a study's patients matching a visibility filter, e.g. `QcStatus = "failed"`. */
export async function listPatients(client: Client, studyId: string, filter?: string): Promise<string[]> {
  const query = `StudyId = "${studyId}" AND WorkflowType = "patientTimelineWorkflow"${filter ? ` AND ${filter}` : ''}`;
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids.sort();
}
