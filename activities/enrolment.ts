// Enrolment activities: thin adapters that record what the workflow decided.
import { Context } from '@temporalio/activity';

export interface EnrolmentAck {
  worker: string;
  at: string;
}

export async function acknowledgeEnrolment(input: { studyId: string; pseudonym: string }): Promise<EnrolmentAck> {
  const { info } = Context.current();
  Context.current().log.info('enrolment acknowledged', { studyId: input.studyId, pseudonym: input.pseudonym });
  return { worker: info.taskQueue, at: new Date().toISOString() };
}
