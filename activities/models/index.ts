// Every activity the training worker serves: training and promotion, over the results store and the registry.
import type { ModelActivities } from '../../contracts/models';
import { createPromotionActivities } from './promotion';
import { createTrainingActivities, type ModelDeps } from './training';

export function createModelActivities(deps: ModelDeps): ModelActivities {
  return { ...createTrainingActivities(deps), ...createPromotionActivities(deps) };
}

export type { ModelDeps };
