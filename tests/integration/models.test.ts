// Response models on the real stack: a labelled synthetic study (24 patients) in the results store, the Training
// workflow through a real training worker (four models registered in the real MLflow), the Promotion workflow with
// an ML engineer's approval, a running timeline re-scored with the version it names, a rollback that restores the
// previous champion, and the bad inputs of the registry side (an alias that does not exist, a missing feature).
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { registryPredictor } from '../../activities/pipeline/predict';
import type { GatePolicy, TrainingResult } from '../../contracts/models';
import { MlflowClient } from '../../registry/mlflowClient';
import { holdoutTag, loadArtifact, tagOf } from '../../registry/modelPackage';
import { CHAMPION_ALIAS } from '../../contracts/models';
import { resultsStorePath } from '../../store';
import { enrolPatient, readTimeline, registerScan } from '../../clients/coordinator';
import { approvePromotion, rollbackPromotion, startPromotion, trainModels } from '../../clients/training';
import { createTrainingWorker, type TrainingWorker } from '../../workers/training/worker';
import type { PipelineWorker } from '../../workers/pipeline/worker';
import type { OsteoflowConfig } from '../../config';
import { buildStoredStudy, type StoredStudy } from '../unit/models/support/studyStore';
import { connectHarness, eventually, type Harness } from './support/pipeline';
import { LENIENT_GATE } from './support/lenientGate';

jest.setTimeout(600000);

const suffix = Date.now().toString(36);
const MODEL = `it-response-${suffix}`;
const LIVE = 'SYN-025'; // generated on disk, run through a real timeline, never labelled
let harness: Harness;
let cfg: OsteoflowConfig;
let study: StoredStudy;
let training: TrainingWorker;
let pipeline: PipelineWorker;
let running: Promise<void>[] = [];
let mlflow: MlflowClient;
let trained: TrainingResult;

beforeAll(async () => {
  harness = await connectHarness();
  // Queues of this suite only, so that no other suite's worker picks up its tasks.
  cfg = { ...harness.cfg, taskQueues: { ...harness.cfg.taskQueues, pipeline: `it-models-pipeline-${suffix}`, training: `it-models-training-${suffix}` } };
  mlflow = new MlflowClient({ trackingUri: harness.endpoints.mlflow.trackingUri });
  study = await buildStoredStudy({ patients: 25, seed: 7, modelName: MODEL, storeFile: resultsStorePath(cfg), skip: [LIVE] });
  training = await createTrainingWorker(cfg, { address: harness.endpoints.temporal.address, mlflowUri: harness.endpoints.mlflow.trackingUri });
  pipeline = await harness.startWorker({ taskQueues: cfg.taskQueues });
  running = [training.worker.run(), pipeline.worker.run()];
});

afterAll(async () => {
  training?.worker.shutdown();
  pipeline?.worker.shutdown();
  await Promise.all(running);
  await training?.close();
  await pipeline?.close();
  await study?.store.close();
  await harness?.close();
});

const timeline = () => readTimeline(harness.client.workflow.getHandle(`${study.protocol.studyId}/${LIVE}`));

it('trains four models, registers each with run, artifacts and tags, and the delta model beats the baseline model', async () => {
  // The live patient's timeline runs meanwhile: with no champion yet, it predicts nothing and says why.
  const patient = study.manifest.patients.find((p) => p.pseudonym === LIVE)!;
  const handle = await enrolPatient(harness.client, cfg.taskQueues.pipeline, study.protocol, LIVE, { ...patient.clinical });
  for (const tp of patient.timepoints) {
    for (const [modality, file] of Object.entries(tp.files)) await registerScan(handle, { timepoint: tp.name, modality, source: study.file(file) });
  }

  trained = await trainModels(harness.client, cfg, study.protocol, { bootstrapReplicates: 200, robustnessPatients: 8, trainedBy: 'it-trainer' });
  const byKind = Object.fromEntries(trained.models.map((m) => [m.kind, m]));
  console.log(
    `[models] ${trained.dataset.patients} training patients (${trained.dataset.events} good), hold-out ${trained.dataset.holdout.length}, ` +
      `${trained.robustness.robust.length} robust baseline features (ICC > 0.75 over ${trained.robustness.patients.length} patients)\n` +
      trained.models
        .map(
          (m) =>
            `[models] ${m.kind.padEnd(9)} v${m.version} nested-CV AUC ${m.auc.toFixed(3)} (95 % CI ${m.aucCi.map((x) => x.toFixed(3)).join('–')}) ${m.aliases.join(',')}`,
        )
        .join('\n'),
  );
  expect(Object.keys(byKind).sort()).toEqual(['baseline', 'clinical', 'combined', 'delta']);
  expect(trained.dataset.patients + trained.dataset.holdout.length).toBe(24);
  expect(byKind.delta.auc).toBeGreaterThan(byKind.baseline.auc);
  expect(byKind.delta.aucCi[0]).toBeLessThan(byKind.delta.auc);
  expect(trained.robustness.robust.length).toBeGreaterThan(50);

  // Alias challenger on the best radiomics model; the hold-out locked on the registered model.
  const best = [byKind.delta, byKind.combined].sort((a, b) => b.auc - a.auc)[0];
  expect(trained.challenger).toBe(best.version);
  expect((await mlflow.getVersionByAlias(MODEL, 'challenger')).version).toBe(best.version);
  const registered = await mlflow.getRegisteredModel(MODEL);
  expect(JSON.parse(registered.tags!.find((t) => t.key === holdoutTag(study.protocol.studyId))!.value)).toEqual(trained.dataset.holdout);

  // The delta run: params, metrics, the model artifact and the nomogram picture.
  const version = await mlflow.getModelVersion(MODEL, byKind.delta.version);
  expect(tagOf(version, 'kind')).toBe('delta');
  expect(tagOf(version, 'dataset_fingerprint')).toBe(trained.dataset.fingerprint);
  const run = await mlflow.getRun(version.run_id!);
  const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
  const metrics = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));
  expect(params).toMatchObject({
    kind: 'delta',
    predict_at: 'preop',
    dataset_fingerprint: trained.dataset.fingerprint,
    param_hash: study.protocol.features.paramHash,
  });
  expect(Object.keys(metrics)).toEqual(
    expect.arrayContaining([
      'auc',
      'auc_ci_lower',
      'auc_ci_upper',
      'brier',
      // The deployed refit's calibration slope is logged only where its bootstrap can estimate it.
      'calibration_intercept',
      // with its bootstrap interval, and the paired DeLong comparisons with the clinical model and tumour volume change
      'calibration_intercept_ci_lower',
      'calibration_intercept_ci_upper',
      'optimism_corrected_auc',
      'delong_p_vs_baseline',
      'delong_vs_clinical_difference',
      'delong_vs_clinical_difference_ci_lower',
      'delong_vs_clinical_p',
      'delong_vs_criterion_volumeChangePct_difference',
      'delong_vs_criterion_volumeChangePct_p',
      'net_benefit_at_0.3',
    ]),
  );
  expect(metrics.calibration_intercept_ci_lower).toBeLessThan(metrics.calibration_intercept);
  expect(metrics.calibration_intercept_ci_upper).toBeGreaterThan(metrics.calibration_intercept);
  expect(metrics.auc).toBeCloseTo(byKind.delta.auc, 10);
  const artifact = await loadArtifact(mlflow, MODEL, byKind.delta.version);
  expect(artifact).toMatchObject({
    kind: 'delta',
    predictAt: 'preop',
    engine: { paramHash: study.protocol.features.paramHash },
    dataset: { fingerprint: trained.dataset.fingerprint },
  });
  expect(artifact.features.every((f) => f.startsWith('delta:'))).toBe(true);
  const png = await mlflow.downloadArtifact(run.info.artifact_uri, 'nomogram/nomogram.png');
  expect(Array.from(png.slice(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
  expect(tagOf(version, 'trained_by')).toBe('it-trainer');
  // The report: the model card states the registered AUC and its interval; the ROC curve is drawn (the outcomes travel
  // with the candidate), not replaced by a note.
  const card = new TextDecoder().decode(await mlflow.downloadArtifact(run.info.artifact_uri, 'report/model-card.md'));
  const f3 = (x: number) => x.toFixed(3);
  expect(card).toContain(`${f3(byKind.delta.auc)} (${byKind.delta.aucCi.map(f3).join(' to ')})`);
  const roc = new TextDecoder().decode(await mlflow.downloadArtifact(run.info.artifact_uri, 'report/roc.svg'));
  expect(roc).toContain(`AUC ${f3(byKind.delta.auc)}`);
  const rocPng = await mlflow.downloadArtifact(run.info.artifact_uri, 'report/roc.png');
  expect(Array.from(rocPng.slice(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
  // The calibration plot carries the smoother's bootstrap band; the card the refit's calibration intervals and the
  // comparison with the clinical model.
  const calibration = new TextDecoder().decode(await mlflow.downloadArtifact(run.info.artifact_uri, 'report/calibration.svg'));
  expect(calibration).toContain('class="band"');
  expect(card).toContain('| statistic of the deployed refit (optimism-corrected) | value | 95 % CI (bootstrap) | ideal |');
  expect(card).toContain('| clinical model (out-of-fold) |');

  const waiting = await eventually(timeline, (v) => v.timepoints.every((t) => t.status === 'done'), 240000, 'live timeline done');
  expect(waiting.stage).toBe('awaiting-pathology');
  expect(waiting.timepoints[2].note).toBe(`no 'champion' version of model '${MODEL}' in the registry yet`);
});

/** A gate that judges the 3 good and 4 poor hold-out patients at all, so that the tests below are about the mechanics. */
const LENIENT: GatePolicy = LENIENT_GATE;

it('the default gate calls a 7-patient hold-out insufficient evidence, not a pass', async () => {
  const refused = await startPromotion(harness.client, cfg, { protocol: study.protocol });
  expect(refused.phase).toBe('gate-failed');
  expect(refused.gate).toMatchObject({ passed: false, verdict: 'insufficient-evidence', evaluationSet: { source: 'holdout' } });
  expect(refused.decisions.map((d) => d.reason)).toEqual(['insufficient evidence: hold-out of 7 patients with no champion']);
});

it('promotes the challenger on an approval with identity and reason, tags every decision, and re-scores the running timeline', async () => {
  const started = await startPromotion(harness.client, cfg, { protocol: study.protocol, rollbackWindow: '1 hour', policy: LENIENT }, { supersede: true });
  console.log(`[models] gate: ${started.gate?.checks.map((c) => `${c.name} ${c.passed ? 'pass' : 'FAIL'} (${c.detail})`).join('; ')}`);
  expect(started.phase).toBe('awaiting-approval');
  expect(started.challenger?.version).toBe(trained.challenger);
  expect(started.gate?.patients).toEqual(trained.dataset.holdout);

  const refusal = await approvePromotion(harness.client, MODEL, { identity: ' ', reason: 'looks good' }).catch((e: unknown) => e);
  expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((refusal as WorkflowUpdateFailedError).cause?.message).toBe('identity must name the ML engineer who decides');

  const promoted = await approvePromotion(harness.client, MODEL, { identity: 'ml-engineer-ada', reason: 'delta model beats baseline; gate passed' });
  expect(promoted.phase).toBe('promoted');
  const champion = trained.challenger!;
  expect((await mlflow.getVersionByAlias(MODEL, CHAMPION_ALIAS)).version).toBe(champion);
  const version = await mlflow.getModelVersion(MODEL, champion);
  expect(tagOf(version, 'gate.decision')).toBe('gate-passed');
  expect(tagOf(version, 'promotion.decision')).toBe('promoted');
  expect(tagOf(version, 'promotion.by')).toBe('ml-engineer-ada');
  const audit = (await mlflow.getRegisteredModel(MODEL)).tags!.filter((t) => t.key.startsWith('audit.')).map((t) => JSON.parse(t.value));
  expect(audit.map((d) => d.action).sort()).toEqual(['approved', 'gate-failed', 'gate-passed', 'promoted']);
  expect(audit.find((d) => d.action === 'approved')).toMatchObject({
    by: 'ml-engineer-ada',
    reason: 'delta model beats baseline; gate passed',
    version: champion,
  });

  // Re-scored: the running timeline by a signal, the 24 labelled patients (closed) directly.
  expect(promoted.rescore?.signalled).toEqual([`${study.protocol.studyId}/${LIVE}`]);
  expect(promoted.rescore?.scored).toHaveLength(24);
  const rescored = await eventually(timeline, (v) => v.latestPrediction?.model === `${MODEL}@${champion}`, 60000, 'timeline re-scored');
  expect(rescored.timepoints[2].prediction).toEqual(rescored.latestPrediction);
  const stored = await study.store.listPredictions({ studyId: study.protocol.studyId, pseudonym: LIVE });
  expect(stored.map((p) => `${p.model}@${p.modelVersion}`)).toContain(`${MODEL}@${champion}`);
});

it('a rollback update restores the previous champion and re-scores with it', async () => {
  const first = trained.challenger!;
  // The other radiomics model whose predictions vary (one without a non-zero coefficient predicts a constant, whose
  // calibration slope is undefined: no gate lets it through).
  const nonZero = async (version: string) => {
    const run = await mlflow.getRun((await mlflow.getModelVersion(MODEL, version)).run_id!);
    return run.data.metrics?.find((m) => m.key === 'nonzero_coefficients')?.value ?? 0;
  };
  const others = trained.models.filter((m) => m.version !== first && m.kind !== 'clinical');
  const varying = [];
  for (const m of others) if ((await nonZero(m.version)) > 0) varying.push(m);
  expect(varying.map((m) => m.kind)).not.toEqual([]);
  const other = varying[0].version;
  // A second promotion replaces the first's open rollback window; a lenient gate keeps this test about the mechanics.
  const started = await startPromotion(harness.client, cfg, { protocol: study.protocol, challenger: other, policy: LENIENT }, { supersede: true });
  expect(started.phase).toBe('awaiting-approval');
  expect(started.previousChampion?.version).toBe(first);
  await approvePromotion(harness.client, MODEL, { identity: 'ml-engineer-ada', reason: 'trying the other radiomics model' });
  expect((await mlflow.getVersionByAlias(MODEL, CHAMPION_ALIAS)).version).toBe(other);
  await eventually(timeline, (v) => v.latestPrediction?.model === `${MODEL}@${other}`, 60000, 'timeline re-scored with the second champion');

  const rolledBack = await rollbackPromotion(harness.client, MODEL, { identity: 'ml-engineer-bob', reason: 'calibration drift on new patients' });
  expect(rolledBack.phase).toBe('rolled-back');
  expect((await mlflow.getVersionByAlias(MODEL, CHAMPION_ALIAS)).version).toBe(first);
  const version = await mlflow.getModelVersion(MODEL, other);
  expect(tagOf(version, 'rollback.by')).toBe('ml-engineer-bob');
  expect(tagOf(version, 'rollback.reason')).toMatch(/^calibration drift on new patients \(champion back to \d+\)$/);
  const history = JSON.parse((await mlflow.getRegisteredModel(MODEL)).tags!.find((t) => t.key === 'champion.history')!.value);
  expect(history).toEqual([first, other, first]);
  await eventually(timeline, (v) => v.latestPrediction?.model === `${MODEL}@${first}`, 60000, 'timeline re-scored with the restored champion');
});

it('a promotion of an alias that does not exist fails with a message naming it', async () => {
  const err = await startPromotion(harness.client, cfg, { protocol: study.protocol, challenger: 'no-such-alias' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause?.message).toBe(`model '${MODEL}' has no alias 'no-such-alias' (train a model first, or name a version)`);
});

it('a feature missing at prediction time is named in the note, and no prediction is stored', async () => {
  const broken = `${MODEL}-broken`;
  const champion = await mlflow.getVersionByAlias(MODEL, CHAMPION_ALIAS);
  const artifact = await loadArtifact(mlflow, MODEL, champion.version);
  const missing = 'baseline:T1CE:original_shape_NotAFeature';
  const edited = {
    ...artifact,
    features: [...artifact.features, missing],
    coefficients: [...artifact.coefficients, 0.5],
    scaler: { means: [...artifact.scaler.means, 0], scales: [...artifact.scaler.scales, 1] },
  };
  const experiment = await mlflow.getOrCreateExperiment(`it-broken-${suffix}`);
  const run = await mlflow.createRun(experiment.experiment_id);
  await mlflow.uploadArtifact(run.info.artifact_uri, 'model/model.json', JSON.stringify(edited));
  await mlflow.createRegisteredModel(broken);
  const version = await mlflow.createModelVersion({ name: broken, source: `${run.info.artifact_uri}/model`, runId: run.info.run_id });
  const predictor = registryPredictor(() => mlflow, study.store);
  const protocol = { ...study.protocol, model: { name: broken } };
  const ref = { protocol, pseudonym: 'SYN-001', timepoint: 'preop' };

  expect(await predictor.predict(ref)).toEqual({ prediction: null, note: `no 'champion' version of model '${broken}' in the registry yet` });
  await mlflow.setAlias(broken, CHAMPION_ALIAS, version.version);
  expect(await predictor.predict(ref)).toEqual({
    prediction: null,
    note: `model ${broken}@${version.version} needs feature '${missing}', missing for SYN-001 at 'preop'`,
  });
  expect(await predictor.predict({ ...ref, timepoint: 'mid' })).toEqual({
    prediction: null,
    note: `model ${broken}@${version.version} predicts from timepoint 'preop' on; no prediction at 'mid'`,
  });
  const stored = await study.store.listPredictions({ studyId: study.protocol.studyId, pseudonym: 'SYN-001' });
  expect(stored.some((p) => p.model === broken)).toBe(false);
});
