// A promotion gate that judges even a handful of hold-out patients, with no bound on calibration: for suites about
// the mechanics of promotion (who may decide, aliases, re-scoring), not about whether a model deserves it.
import type { GatePolicy } from '../../../contracts/models';

export const LENIENT_GATE: GatePolicy = {
  aucMargin: 1,
  alpha: 0.05,
  calibrationSlope: [-1e9, 1e9],
  calibrationInTheLarge: [-1e9, 1e9],
  minEvents: 2,
  minNonEvents: 2,
  aucFloor: 0,
};
