// Validation statistics for response-prediction models: discrimination (AUC, DeLong), classification at a cut-off,
// calibration, decision curves and bootstrap optimism. Pure functions over arrays; no I/O.
export { ModelInputError } from './errors';
export { auc, rocCurve, youdenCutoff, classifyAt, type RocPoint, type YoudenCutoff, type Classification } from './roc';
export { delongAuc, delongTest, type AucWithCi, type DelongTest } from './delong';
export { brierScore, calibration, hosmerLemeshow, type Calibration, type HosmerLemeshow, type HosmerLemeshowGroup } from './calibration';
export { netBenefit } from './decisionCurve';
export { optimismCorrectedAuc, type Learner, type OptimismOptions, type OptimismCorrectedAuc } from './bootstrap';
export { fitLogistic, sigmoid, logit, type LogisticFit } from './logistic';
export { seededRandom, shuffleInPlace, type Random } from './random';
export { midranks } from './ranks';
export { lnGamma, regularizedGammaP, regularizedGammaQ, erfc, normalCdf, normalSf, normalQuantile, chiSquareSf } from './special';
