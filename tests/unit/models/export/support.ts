// Response-model artifacts for the export tests: a small hand-written one whose probabilities are worked out by hand,
// and seeded random ones over the magnitudes radiomics features have (volumes in mm³ to fractions of a unit).
import { ARTIFACT_FORMAT, type ModelArtifact } from '../../../../contracts/models';
import { seededRandom, type Random } from '../../../../models/stats/random';

export function artifactOf(features: string[], means: number[], scales: number[], coefficients: number[], intercept: number): ModelArtifact {
  return {
    format: ARTIFACT_FORMAT,
    kind: 'combined',
    predictAt: 'preop',
    timepoints: ['baseline', 'mid', 'preop'],
    studyId: 'STUDY',
    engine: { name: 'osteoflow-radiomics', version: 'test', paramHash: 'p'.repeat(64) },
    dataset: { fingerprint: 'f'.repeat(64), patients: 30, events: 12 },
    features,
    scaler: { means, scales },
    intercept,
    coefficients,
    original: { intercept, coefficients: {} },
    ranges: Object.fromEntries(features.map((f, j) => [f, [means[j] - 2 * scales[j], means[j] + 2.5 * scales[j]]])),
    youdenCutoff: 0.5,
    training: { alpha: 0.5, lambda: 0.1, lambdaRule: '1se', outerFolds: 5, innerFolds: 5, repeats: 5, seed: 1 },
    trainedAt: '2026-01-01T00:00:00.000Z',
  };
}

/**
 * Three features: z = (x − mean)/scale, log-odds = −0.3 + 1.2·z₁ + 0·z₂ − 0.7·z₃. At the means the log-odds are
 * −0.3; at x = (3, 1000, 5) they are −0.3 + 1.2·4 − 0.7·8 = −1.1.
 */
export const handArtifact = artifactOf(
  ['clinical:ageYears', 'baseline:T1CE:original_shape_MeshVolume', 'delta:preop:ADC:original_firstorder_Mean'],
  [1, 2000, -3],
  [0.5, 300, 1],
  [1.2, 0, -0.7],
  -0.3,
);

/** Uniform on [a, b). */
export const uniform = (random: Random, a: number, b: number) => a + (b - a) * random.next();

/** A random artifact of 1–12 features with means from 1e-3 to 1e6 and spreads from 1e-4 to 10 times the mean. */
export function randomArtifact(seed: number): ModelArtifact {
  const random = seededRandom(seed);
  const k = 1 + random.int(12);
  const features = Array.from({ length: k }, (_, j) => `delta:preop:T2:feature_${j}`);
  const means = features.map(() => (random.next() < 0.5 ? -1 : 1) * 10 ** uniform(random, -3, 6));
  const scales = means.map((m) => Math.abs(m) * 10 ** uniform(random, -4, 1));
  const coefficients = features.map(() => (random.next() < 0.2 ? 0 : uniform(random, -2, 2)));
  return artifactOf(features, means, scales, coefficients, uniform(random, -2, 2));
}

/** Rows around the artifact's means, each feature within ±4 standard deviations. */
export function randomRows(artifact: ModelArtifact, n: number, random: Random): Record<string, number>[] {
  return Array.from({ length: n }, () =>
    Object.fromEntries(artifact.features.map((f, j) => [f, artifact.scaler.means[j] + uniform(random, -4, 4) * artifact.scaler.scales[j]])),
  );
}
