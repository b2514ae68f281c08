// Learning for response prediction: feature filters (ICC robustness, Spearman redundancy, mRMR), standardisation,
// elastic-net logistic regression with λ by CV, nested CV, final refit and the nomogram description.
export { fromRecords, fromRows, selectRows, selectFeatures, column, type FeatureMatrix, type FeatureRecord } from './featureMatrix';
export { fitStandardiser, standardise, type Standardiser } from './standardiser';
export { stratifiedFolds, splitsOf, type Split } from './folds';
export { fitElasticNetPath, lambdaMax, lambdaPath, linearPredictor, type ElasticNetOptions, type ElasticNetPath } from './elasticNet';
export { crossValidateLambda, lambdaSequence, type CvOptions, type CvResult, type CvMeasure } from './crossValidation';
export { icc11, icc31, robustnessFilter, type RobustnessResult } from './icc';
export { pearson, spearman, redundancyFilter, type RedundancyResult } from './correlation';
export { fStatistic, relevanceScores, mrmrRanking, type MrmrStep } from './mrmr';
export { trainModel, predictProbabilities, type TrainingOptions, type TrainedModel } from './training';
export { nestedCrossValidation, type NestedCvOptions, type NestedCvResult, type OuterFold } from './nestedCv';
export { buildNomogram, readNomogram, type NomogramInput, type NomogramReading } from './nomogram';
export { nomogramSvg } from './nomogramSvg';
