// The ledger as the promotion gate's evidence: the champion's live prediction and the challenger's silent one are
// appended with the SHA-256 of the row each scored and the in-sample flag; a re-score of the study is flagged; once
// pathology arrives the frozen predictions form the prospective set, and the promotion activity evaluates on it once
// it holds the gate's minimum of each outcome — before that, on the locked hold-out (here too small: insufficient).
// The registry is a stand-in answering the few calls scoring makes; the store is the real SQLite one.
import { createHash } from 'node:crypto';
import { createPromotionActivities, prospectiveSet } from '../../../activities/models/promotion';
import { registryPredictor, scorePatient } from '../../../activities/pipeline/predict';
import { ARTIFACT_FORMAT, type ModelArtifact } from '../../../contracts/models';
import type { StudyProtocol } from '../../../contracts/study';
import { MlflowError, type MlflowClient } from '../../../registry/mlflowClient';
import { holdoutTag } from '../../../registry/modelPackage';
import { SqliteResultsStore } from '../../../store/sqliteStore';

const STUDY = 'OS-LEDGER';
const MODEL = 'osteoflow-response';
const FEATURE = 'baseline:T1CE:original_firstorder_Mean';
const protocol = {
  studyId: STUDY,
  timepoints: [{ name: 'baseline' }, { name: 'mid' }, { name: 'preop' }],
  features: { paramHash: 'h1' },
  model: { name: MODEL },
} as unknown as StudyProtocol;

function artifact(coefficient: number, trainingPatients: string[]): ModelArtifact {
  return {
    format: ARTIFACT_FORMAT,
    kind: 'baseline',
    predictAt: 'baseline',
    timepoints: ['baseline', 'mid', 'preop'],
    studyId: STUDY,
    engine: { name: 'osteoflow-radiomics', version: 't', paramHash: 'h1' },
    dataset: { fingerprint: 'f'.repeat(64), patients: trainingPatients.length, events: 1, trainingPatients },
    features: [FEATURE],
    scaler: { means: [0], scales: [1] },
    intercept: 0,
    coefficients: [coefficient],
    original: { intercept: 0, coefficients: { [FEATURE]: coefficient } },
    ranges: { [FEATURE]: [-3, 3] },
    youdenCutoff: 0.5,
    training: { alpha: 1, lambda: 0.1, lambdaRule: '1se', outerFolds: 5, innerFolds: 5, repeats: 5, seed: 1 },
    trainedAt: '2026-01-01T00:00:00Z',
  };
}

/** A registry answering aliases, model.json downloads and the hold-out tag. */
function registry(aliases: Record<string, string>, artifacts: Record<string, ModelArtifact>, holdout: string[]): MlflowClient {
  const fake = {
    async getVersionByAlias(_name: string, alias: string) {
      if (!aliases[alias]) throw new MlflowError(404, 'RESOURCE_DOES_NOT_EXIST', `no alias ${alias}`, 'registered-models/alias');
      return { version: aliases[alias] };
    },
    async getModelVersionDownloadUri(_name: string, version: string) {
      return `mem://${version}`;
    },
    async downloadArtifact(uri: string) {
      return new TextEncoder().encode(JSON.stringify(artifacts[uri.slice('mem://'.length)]));
    },
    async findRegisteredModel() {
      return { name: MODEL, tags: [{ key: holdoutTag(STUDY), value: JSON.stringify(holdout) }] };
    },
  };
  return fake as unknown as MlflowClient;
}

// 40 patients: the first 7 the locked hold-out (3 good, 4 poor), the rest arrive later. The feature carries the outcome.
const patients = Array.from({ length: 40 }, (_, i) => `SYN-${String(i + 1).padStart(3, '0')}`);
const good = (i: number) => (i < 7 ? i < 3 : i % 2 === 0);
const valueOf = (i: number) => (good(i) ? 1 : -1) + 0.9 * Math.sin(7 * i);

async function studyStore(): Promise<SqliteResultsStore> {
  const store = new SqliteResultsStore(':memory:');
  for (const [i, pseudonym] of patients.entries()) {
    await store.upsertPatient({ studyId: STUDY, pseudonym, enrolledAt: '2026-01-01T00:00:00Z', clinical: { ageYears: 14 } });
    await store.putFeatureSet({
      studyId: STUDY,
      pseudonym,
      timepoint: 'baseline',
      modality: 'T1CE',
      paramHash: 'h1',
      engineVersion: 't',
      imageHash: 'i',
      maskHash: 'm',
      extractedAt: '2026-01-02T00:00:00Z',
      features: { original_firstorder_Mean: valueOf(i) },
    });
  }
  return store;
}
const pathology = (store: SqliteResultsStore, i: number) =>
  store.recordPathology({ studyId: STUDY, pseudonym: patients[i], necrosisPct: good(i) ? 95 : 40, huvosGrade: good(i) ? 'III' : 'II', date: '2026-06-01' });

const trainedOn = patients.slice(7, 9); // the champion saw two of the later patients
const champion = artifact(2, trainedOn);
const challenger = artifact(3, []);
const artifacts = { '1': champion, '2': challenger };
const ref = (i: number) => ({ protocol, pseudonym: patients[i], timepoint: 'baseline' });

describe('predictions on the ledger', () => {
  it('appends the champion live and the challenger silently, each with the hash of the row it scored and the in-sample flag', async () => {
    const store = await studyStore();
    const predictor = registryPredictor(() => registry({ champion: '1', challenger: '2' }, artifacts, patients.slice(0, 7)), store);
    const answer = await predictor.predict(ref(7));
    expect(answer.prediction!.model).toBe(`${MODEL}@1`);
    expect(answer.prediction!.probability).toBeCloseTo(1 / (1 + Math.exp(-2 * valueOf(7))), 12);
    const entries = await store.ledgerEntries({ studyId: STUDY });
    const rowHash = createHash('sha256')
      .update(JSON.stringify([[FEATURE, valueOf(7)]]))
      .digest('hex');
    expect(entries.map((e) => [e.modelVersion, e.mode, e.inSample, e.rescore, e.featuresSha256])).toEqual([
      ['1', 'live', true, false, rowHash], // SYN-008 is among the champion's training patients
      ['2', 'silent', false, false, rowHash],
    ]);
    // Only the live prediction is what the timeline shows.
    expect((await store.listPredictions({ studyId: STUDY, pseudonym: patients[7] })).map((p) => p.modelVersion)).toEqual(['1']);
    await store.close();
  });

  it('flags a prediction the timeline makes for a promotion as a re-score, on the first prediction of its timepoint too', async () => {
    const store = await studyStore();
    const predictor = registryPredictor(() => registry({ champion: '1' }, artifacts, []), store);
    await predictor.predict({ ...ref(9), rescore: true });
    expect((await store.ledgerEntries({ studyId: STUDY })).map((e) => [e.modelVersion, e.mode, e.rescore])).toEqual([['1', 'live', true]]);
    await store.close();
  });

  it('still answers with the champion when the challenger cannot be scored', async () => {
    const store = await studyStore();
    const lines: string[] = [];
    const broken = registry({ champion: '1', challenger: '9' }, artifacts, []);
    const answer = await registryPredictor(
      () => broken,
      store,
      (l) => lines.push(l),
    ).predict(ref(10));
    expect(answer.prediction?.model).toBe(`${MODEL}@1`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^silent challenger of osteoflow-response not scored: /);
    await store.close();
  });

  it('flags a deliberate re-score', async () => {
    const store = await studyStore();
    const outcome = await scorePatient(store, protocol, { name: MODEL, version: '1', artifact: champion }, patients[12], 'preop', { rescore: true });
    expect(outcome.prediction).not.toBeNull();
    expect((await store.ledgerEntries())[0]).toMatchObject({ rescore: true, inSample: false, timepoint: 'preop' });
    await store.close();
  });
});

describe('the gate’s evaluation set from the ledger', () => {
  /** Patients 7… are predicted (champion live, challenger silent) before their pathology arrives. */
  async function accrue(store: SqliteResultsStore, upTo: number) {
    const predictor = registryPredictor(() => registry({ champion: '1', challenger: '2' }, artifacts, patients.slice(0, 7)), store);
    for (let i = 7; i < upTo; i++) await predictor.predict(ref(i));
    await new Promise((resolve) => setTimeout(resolve, 5)); // the pathology is recorded strictly after the last prediction
    for (let i = 0; i < upTo; i++) await pathology(store, i);
  }
  const evaluate = (store: SqliteResultsStore) =>
    createPromotionActivities({
      store,
      mlflow: () => registry({ champion: '1', challenger: '2' }, artifacts, patients.slice(0, 7)),
      cacheDir: '/nonexistent',
    }).evaluateOnHoldout({
      protocol,
      modelName: MODEL,
      challenger: '2',
      champion: '1',
    });

  it('pairs the prospective predictions of challenger and champion, leaving out the champion’s training patients', async () => {
    const store = await studyStore();
    await accrue(store, 20);
    const set = await prospectiveSet(store, STUDY, MODEL, '2', '1');
    expect(set!.patients).toEqual(patients.slice(9, 20)); // SYN-008 and SYN-009 were in-sample for the champion
    expect(set!.labels).toEqual(patients.slice(9, 20).map((_, k) => (good(k + 9) ? 1 : 0)));
    expect(set!.challenger.probabilities[0]).toBeCloseTo(1 / (1 + Math.exp(-3 * valueOf(9))), 12);
    await store.close();
  });

  it('judges on the locked hold-out while the ledger is short (insufficient evidence), on the ledger once it has grown', async () => {
    const early = await studyStore();
    await accrue(early, 20); // 11 paired prospective patients (SYN-010 … SYN-020): 5 good, 6 poor
    const first = await evaluate(early);
    expect(first.evaluationSet).toMatchObject({ source: 'holdout', patients: 7, events: 3, nonEvents: 4 });
    expect(first.evaluationSet.reason).toBe(
      'locked hold-out (3 good, 4 poor): the prospective ledger holds 5 good and 6 poor responders so far (at least 10 and 10 needed to use it)',
    );
    expect(first.verdict).toBe('insufficient-evidence');
    expect(first.patients).toEqual(patients.slice(0, 7));
    await early.close();

    const grown = await studyStore();
    await accrue(grown, 40); // 31 paired prospective patients: 15 good, 16 poor
    const later = await evaluate(grown);
    expect(later.evaluationSet).toMatchObject({ source: 'prospective', patients: 31, events: 15, nonEvents: 16 });
    expect(later.patients).toEqual(patients.slice(9));
    expect(later.checks.find((c) => c.name === 'evidence')!.passed).toBe(true);
    expect(later.challengerAuc).not.toBeNull();
    await grown.close();
  });
});
