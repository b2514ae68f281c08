// The coordinator's side of PACS intake: start a study's intake workflow (once; starting again returns the running
// one), read its review list without a worker (the workflow's memo), and assign or dismiss a series on it.
import { type Client, WorkflowIdConflictPolicy, type WorkflowHandle } from '@temporalio/client';
import { INTAKE_MEMO, intakeWorkflowId, type AssignSeriesInput, type DismissSeriesInput, type IntakeSettings, type IntakeState } from '../contracts/intake';
import type { StudyProtocol } from '../contracts/study';
import { assignSeriesUpdate, dismissSeriesUpdate, pacsIntakeWorkflow } from '../workflows/intake';

export type IntakeHandle = WorkflowHandle<typeof pacsIntakeWorkflow>;

export async function startIntake(
  client: Client,
  taskQueue: string,
  protocol: StudyProtocol,
  settings: IntakeSettings,
  options: { pollEveryMs: number; startCursor: number; pacsAttempts?: number },
): Promise<IntakeHandle> {
  return client.workflow.start(pacsIntakeWorkflow, {
    workflowId: intakeWorkflowId(protocol.studyId),
    taskQueue,
    args: [
      {
        protocol,
        settings,
        pollEveryMs: options.pollEveryMs,
        startCursor: options.startCursor,
        ...(options.pacsAttempts !== undefined ? { pacsAttempts: options.pacsAttempts } : {}),
      },
    ],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  });
}

export function intakeHandle(client: Client, studyId: string): IntakeHandle {
  return client.workflow.getHandle(intakeWorkflowId(studyId));
}

/** The intake's state as last published (cursor, taken series, review list); no worker needed. */
export async function readIntake(handle: IntakeHandle): Promise<IntakeState> {
  const memo = (await handle.describe()).memo?.[INTAKE_MEMO] as IntakeState | undefined;
  return memo ?? { cursor: 0, taken: [], review: [], polls: 0 };
}

export const assignSeries = (handle: IntakeHandle, input: AssignSeriesInput): Promise<IntakeState> =>
  handle.executeUpdate(assignSeriesUpdate, { args: [input] });
export const dismissSeries = (handle: IntakeHandle, input: DismissSeriesInput): Promise<IntakeState> =>
  handle.executeUpdate(dismissSeriesUpdate, { args: [input] });
