// Every activity the pipeline worker serves, built from its dependencies.
import { createPipelineActivities, type PipelineDeps } from './pipeline/activities';

export function createActivities(deps: PipelineDeps) {
  return createPipelineActivities(deps);
}

export type { PipelineDeps };
