// Validation statistics for response-prediction models: discrimination (AUC, DeLong), classification at a cut-off,
// calibration, decision curves and bootstrap optimism. Pure functions over arrays; no I/O.
export { ModelInputError } from './errors';
export { auc, rocCurve, youdenCutoff, classifyAt, type RocPoint, type YoudenCutoff, type Classification } from './roc';
export { delongAuc, delongDifference, delongTest, type AucDifference, type AucWithCi, type DelongTest } from './delong';
export {
  brierScore,
  calibration,
  calibrationInTheLarge,
  calibrationInTheLargeEstimate,
  calibrationSlope,
  calibrationSlopeEstimate,
  hosmerLemeshow,
  profileIntercept,
  type Calibration,
  type CalibrationInterval,
  type HosmerLemeshow,
  type HosmerLemeshowGroup,
  type HosmerLemeshowOptions,
} from './calibration';
export { netBenefit, netBenefitOfPoorResponse } from './decisionCurve';
export {
  optimismCorrected,
  optimismCorrectedAuc,
  type Learner,
  type OptimismEstimate,
  type OptimismOptions,
  type OptimismCorrectedAuc,
  type OptimismResult,
  type Statistic,
} from './bootstrap';
export { fitLogistic, sigmoid, logit, type LogisticFit } from './logistic';
export { seededRandom, shuffleInPlace, type Random } from './random';
export { midranks } from './ranks';
export { lnGamma, regularizedGammaP, regularizedGammaQ, erfc, normalCdf, normalSf, normalQuantile, chiSquareSf } from './special';
