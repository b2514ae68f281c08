// Whether a pseudonym is enrolled in a study: its PatientTimeline workflow exists and still runs. PACS intake asks
// before a coordinator's assignment takes a series in, so that a mistyped pseudonym is refused with its name instead
// of a series being retrieved and de-identified into the store for nobody. Answers with pseudonyms only.
import type { Client } from '@temporalio/client';
import { patientWorkflowId } from '../../contracts/ids';
import type { EnrolmentActivities } from '../../contracts/intake';

export function createEnrolmentActivities(deps: { client: () => Promise<Client> }): EnrolmentActivities {
  return {
    async checkEnrolment({ studyId, pseudonym }) {
      const client = await deps.client();
      let status: string;
      try {
        status = (await client.workflow.getHandle(patientWorkflowId(studyId, pseudonym)).describe()).status.name;
      } catch (err) {
        if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
        return { enrolled: false, reason: `no patient '${pseudonym}' in study '${studyId}' (no timeline is enrolled under that pseudonym)` };
      }
      if (status !== 'RUNNING')
        return {
          enrolled: false,
          reason: `the timeline of patient '${pseudonym}' in study '${studyId}' is closed (${status.toLowerCase()}): it takes no more scans`,
        };
      return { enrolled: true };
    },
  };
}
