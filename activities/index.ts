// Every activity the pipeline worker serves, built from its dependencies.
import { createPipelineActivities, type PipelineDeps } from './pipeline/activities';
import * as enrolment from './enrolment';

export function createActivities(deps: PipelineDeps) {
  return { ...enrolment, ...createPipelineActivities(deps) };
}

export type { PipelineDeps };
