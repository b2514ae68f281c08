// Response prediction at a timepoint: the registry's `champion` of the study's model, or a note saying why there is
// none. Registry outages are thrown (and retried by the activity policy); a missing model is an answer, not an error.
import { MlflowClient, MlflowError } from '../../registry/mlflowClient';
import type { PredictionRef } from '../../workflows/timeline/types';
import type { TimepointRef } from './contract';

export interface Predictor {
  predict(ref: TimepointRef): Promise<{ prediction: PredictionRef | null; note?: string }>;
}

export const CHAMPION = 'champion';

/** Resolves the champion; scoring arrives with the trained models (issue 7). Until one is registered, says so. */
export function registryPredictor(mlflow: () => MlflowClient): Predictor {
  return {
    async predict(ref) {
      const name = ref.protocol.model.name;
      try {
        const version = await mlflow().getVersionByAlias(name, CHAMPION);
        return { prediction: null, note: `model ${name}@${version.version} is the champion, but it has no scorer for timepoint '${ref.timepoint}' yet` };
      } catch (err) {
        if (err instanceof MlflowError && (err.errorCode === 'RESOURCE_DOES_NOT_EXIST' || err.errorCode === 'INVALID_PARAMETER_VALUE')) {
          return { prediction: null, note: `no '${CHAMPION}' version of model '${name}' in the registry yet` };
        }
        throw err;
      }
    },
  };
}
