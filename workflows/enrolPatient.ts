// The minimal patient workflow: enrols one pseudonymised patient, tags it with search attributes and has a worker
// acknowledge it. The full imaging timeline (baseline → mid → pre-op) grows from here.
import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities/enrolment';
import { Stage, StudyId } from './searchAttributes';

export interface EnrolPatientInput {
  studyId: string;
  pseudonym: string;
}

export interface EnrolPatientResult {
  workflowId: string;
  studyId: string;
  pseudonym: string;
  stage: 'enrolled';
  acknowledgedBy: string;
  acknowledgedAt: string;
}

const { acknowledgeEnrolment } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5 },
});

export async function enrolPatientWorkflow(input: EnrolPatientInput): Promise<EnrolPatientResult> {
  upsertSearchAttributes([
    { key: StudyId, value: input.studyId },
    { key: Stage, value: 'enrolled' },
  ]);
  const ack = await acknowledgeEnrolment(input);
  return { workflowId: workflowInfo().workflowId, ...input, stage: 'enrolled', acknowledgedBy: ack.worker, acknowledgedAt: ack.at };
}
