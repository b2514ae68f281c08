// The console API on the real stack, over real HTTP: a coordinator signs in, reads a small synthetic study's cohort
// (two real timelines whose baseline QC failed), registers a re-scan by upload and overrides the other failure, sees
// both run to done, the live updates and the audit trail; an ML engineer requests a promotion of a registered model
// (real MLflow, the real Promotion workflow), the requester and the candidate's trainer are refused, and a different
// approver approves it.
import { openBlobStore } from '../../store/blobs';
import { StudyFiles } from '../../study/storedFiles';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AccessControl, SqliteAccessStore } from '../../access';
import { enrolPatient, registerScan, timelineHandle } from '../../clients/coordinator';
import type { CohortResponse, ConsoleEvent, PatientResponse, PromotionResponse } from '../../contracts/console';
import { ARTIFACT_FORMAT, CHALLENGER_ALIAS, CHAMPION_ALIAS, type GatePolicy, type ModelArtifact } from '../../contracts/models';
import type { OsteoflowConfig } from '../../config';
import { buildConsoleServer } from '../../console/server/app';
import { MlflowModelBackend, TemporalTimelineBackend } from '../../console/server/temporalBackend';
import { GOOD_RESPONSE_NECROSIS_PCT } from '../../models/dataset';
import { MlflowClient } from '../../registry/mlflowClient';
import { holdoutTag, tagOf } from '../../registry/modelPackage';
import { evaluateGate } from '../../registry/promotionPolicy';
import { scoreRows } from '../../models/training/artifact';
import { openResultsStore, resultsStorePath, type ResultsStore } from '../../store';
import { createTrainingWorker, type TrainingWorker } from '../../workers/training/worker';
import type { PipelineWorker } from '../../workers/pipeline/worker';
import { buildStoredStudy } from '../unit/models/support/studyStore';
import { connectHarness, eventually, makeStudy, type Harness, type StudyFixture } from './support/pipeline';
import { LENIENT_GATE } from './support/lenientGate';

jest.setTimeout(600000);

const suffix = Date.now().toString(36);
const MODEL = `it-console-${suffix}`;
/** Seed 12: SYN-003…SYN-006 are two poor then two good responders (the hold-out); SYN-001 and SYN-002 run as timelines. */
const SEED = 12;
const TIMELINES = ['SYN-001', 'SYN-002'];
const HOLDOUT = ['SYN-003', 'SYN-004', 'SYN-005', 'SYN-006'];
/** A gate that judges four hold-out patients at all: the test is about who may decide, not about the model. */
const LENIENT: GatePolicy = LENIENT_GATE;

let harness: Harness;
let cfg: OsteoflowConfig;
let study: StudyFixture;
let pipeline: PipelineWorker;
let training: TrainingWorker;
let running: Promise<void>[] = [];
let store: ResultsStore;
let accessStore: SqliteAccessStore;
let mlflow: MlflowClient;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  harness = await connectHarness();
  cfg = { ...harness.cfg, taskQueues: { ...harness.cfg.taskQueues, pipeline: `it-console-pipeline-${suffix}`, training: `it-console-training-${suffix}` } };
  study = makeStudy({ patients: HOLDOUT.length + TIMELINES.length, seed: SEED, modelName: MODEL });
  mlflow = new MlflowClient({ trackingUri: harness.endpoints.mlflow.trackingUri });
  pipeline = await harness.startWorker({ taskQueues: cfg.taskQueues });
  training = await createTrainingWorker(cfg, { address: harness.endpoints.temporal.address, mlflowUri: harness.endpoints.mlflow.trackingUri });
  running = [pipeline.worker.run(), training.worker.run()];
  store = openResultsStore(cfg);
  accessStore = new SqliteAccessStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'osteoflow-console-it-')), 'access.sqlite'));
  const access = new AccessControl(accessStore);
  await access.addUser('cora', 'cora-password-1', ['coordinator']);
  await access.addUser('eng', 'eng-password-12', ['ml-engineer', 'approver']);
  await access.addUser('tina', 'tina-password-1', ['approver']);
  await access.addUser('appy', 'appy-password-1', ['approver']);
  app = await buildConsoleServer({
    access,
    timelines: new TemporalTimelineBackend(harness.client, harness.endpoints.temporal.address),
    models: new MlflowModelBackend(harness.client, cfg, mlflow, harness.endpoints.mlflow.trackingUri),
    store,
    files: new StudyFiles(openBlobStore(cfg), path.join(cfg.dataDir, 'console', `studies-${suffix}`)),
    // Inside the data folder: an import root of the pipeline, as the console's own default.
    uploadDir: path.join(cfg.dataDir, 'console', `uploads-${suffix}`),
    promotionPolicy: LENIENT,
    pollIntervalMs: 250,
  });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  for (const p of TIMELINES)
    await timelineHandle(harness.client, study.protocol.studyId, p)
      .terminate('console test done')
      .catch(() => undefined);
  await app?.close();
  pipeline?.worker.shutdown();
  training?.worker.shutdown();
  await Promise.all(running);
  await pipeline?.close();
  await training?.close();
  await store?.close();
  await accessStore?.close();
  await harness?.close();
});

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(username: string, password: string): Promise<Session> {
  const r = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(r.status).toBe(200);
  const cookie = r.headers.get('set-cookie')!.split(';')[0];
  return { cookie, csrf: ((await r.json()) as { csrfToken: string }).csrfToken };
}

async function api<T>(s: Session, method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { cookie: s.cookie, 'x-csrf-token': s.csrf };
  if (body !== undefined && !(body instanceof FormData)) headers['content-type'] = 'application/json';
  const r = await fetch(`${base}${url}`, {
    method,
    headers,
    body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: (text && r.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text) as T };
}

/** The live events of a study, collected while the test runs. */
function watch(s: Session, studyId: string): { events: ConsoleEvent[]; stop(): void } {
  const events: ConsoleEvent[] = [];
  const { port } = app.server.address() as AddressInfo;
  let buffer = '';
  const request = http.get({ host: '127.0.0.1', port, path: `/api/studies/${studyId}/events`, headers: { cookie: s.cookie } }, (response) => {
    response.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
        const data = buffer
          .slice(0, cut)
          .split('\n')
          .find((l) => l.startsWith('data: '));
        buffer = buffer.slice(cut + 2);
        if (data) events.push(JSON.parse(data.slice(6)) as ConsoleEvent);
      }
    });
  });
  request.on('error', () => undefined);
  return { events, stop: () => request.destroy() };
}

it('a coordinator reads the cohort, registers a re-scan and overrides QC, and finds both in the audit trail', async () => {
  const studyId = study.protocol.studyId;
  // Both timelines get T1CE filed again as T2: QC fails their baseline (duplicate-image).
  for (const pseudonym of TIMELINES) {
    const patient = study.manifest.patients.find((p) => p.pseudonym === pseudonym)!;
    const handle = await enrolPatient(harness.client, cfg.taskQueues.pipeline, study.protocol, pseudonym, { ...patient.clinical });
    const baseline = patient.timepoints[0];
    for (const [modality, file] of Object.entries(baseline.files))
      await registerScan(handle, { timepoint: 'baseline', modality, source: study.file(modality === 'T2' ? baseline.files.T1CE : file) });
  }

  const cora = await signIn('cora', 'cora-password-1');
  const live = watch(cora, studyId);
  const cohortUrl = `/api/studies/${studyId}/cohort`;
  const failed = await eventually(
    () => api<CohortResponse>(cora, 'GET', cohortUrl),
    (r) => r.status === 200 && r.body.patients.length === 2 && r.body.patients.every((p) => p.cells[0].state === 'qc-failed'),
    180000,
    'both baselines failing QC',
  );
  expect(failed.body.timepoints).toEqual(['baseline', 'mid', 'preop']);
  for (const p of failed.body.patients) {
    expect(p).toMatchObject({ state: 'qc-failed', needsAction: true });
    expect(p.cells.slice(1).map((c) => c.state)).toEqual(['upcoming', 'upcoming']); // the synthetic protocol's later windows lie weeks ahead
  }
  const filtered = await api<CohortResponse>(cora, 'GET', `${cohortUrl}?state=qc-failed`);
  expect(filtered.body.patients.map((p) => p.pseudonym)).toEqual(TIMELINES);
  const shown = await api<PatientResponse>(cora, 'GET', `/api/studies/${studyId}/patients/SYN-001`);
  expect(shown.body.timepoints[0].qc!.findings.map((f) => f.code)).toContain('duplicate-image');

  // Bad input changes nothing: no reason, no CSRF header.
  const noReason = await api<{ field: string }>(cora, 'POST', `/api/studies/${studyId}/patients/SYN-002/timepoints/baseline/override`, {});
  expect(noReason).toMatchObject({ status: 400, body: { field: 'reason' } });
  const noCsrf = await fetch(`${base}/api/studies/${studyId}/patients/SYN-002/timepoints/baseline/override`, {
    method: 'POST',
    headers: { cookie: cora.cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'duplicate is fine' }),
  });
  expect(noCsrf.status).toBe(403);

  // SYN-001: the right T2 uploaded as a re-scan.
  const t2 = study.manifest.patients[0].timepoints[0].files.T2;
  const form = new FormData();
  form.append('modality', 'T2');
  form.append('file', new Blob([readFileSync(study.file(t2))]), path.basename(t2));
  const rescan = await api<{ auditId: number; patient: PatientResponse }>(
    cora,
    'POST',
    `/api/studies/${studyId}/patients/SYN-001/timepoints/baseline/scans`,
    form,
  );
  expect(rescan.status).toBe(200);
  expect(rescan.body.patient.timepoints[0].scans.filter((s) => s.modality === 'T2')).toHaveLength(2);

  // SYN-002: the failed verdict overridden, under the signed-in name.
  const override = await api<{ patient: PatientResponse }>(cora, 'POST', `/api/studies/${studyId}/patients/SYN-002/timepoints/baseline/override`, {
    reason: 'T2 re-export pending; T1CE features suffice for this visit',
  });
  expect(override.status).toBe(200);

  const done = await eventually(
    () => api<CohortResponse>(cora, 'GET', cohortUrl),
    (r) => r.body.patients.every((p) => p.cells[0].state === 'done'),
    240000,
    'both baselines done',
  );
  expect(done.body.patients.map((p) => p.needsAction)).toEqual([false, false]);
  const syn2 = (await api<PatientResponse>(cora, 'GET', `/api/studies/${studyId}/patients/SYN-002`)).body.timepoints[0];
  expect(syn2.qc).toMatchObject({ passed: false, override: { who: 'cora', reason: 'T2 re-export pending; T1CE features suffice for this visit' } });
  expect(syn2.features.length).toBeGreaterThan(0);
  const syn1 = (await api<PatientResponse>(cora, 'GET', `/api/studies/${studyId}/patients/SYN-001`)).body.timepoints[0];
  expect(syn1.qc).toMatchObject({ passed: true });
  expect(syn1.mosaics).toContain('T1CE');
  const png = await fetch(`${base}/api/studies/${studyId}/patients/SYN-001/timepoints/baseline/mosaic.png?modality=T1CE`, { headers: { cookie: cora.cookie } });
  expect(png.status).toBe(200);
  expect(png.headers.get('content-type')).toBe('image/png');
  expect(png.headers.get('x-mosaic-outlined')).toBe('true');

  // Live updates: the snapshot, then the changes as they happened (the stream polls once a second, so the last change
  // may arrive a moment after the API already answers it).
  const seenOf = () => live.events.flatMap((e) => (e.type === 'patients' ? e.patients.map((p) => `${p.pseudonym}:${p.cells[0].state}`) : []));
  const seen = await eventually(
    async () => seenOf(),
    (s) => s.includes('SYN-001:done') && s.includes('SYN-002:done'),
    20000,
    'both patients done on the live stream',
  );
  live.stop();
  expect(live.events[0]).toMatchObject({ type: 'snapshot' });
  expect(seen).toContain('SYN-001:done');
  expect(seen).toContain('SYN-002:done');

  const audit = await api<{ entries: { actor: string; action: string; target: string; outcome: string; reason: string | null }[] }>(
    cora,
    'GET',
    `/api/audit?actor=cora&target=${studyId}/`,
  );
  expect(audit.body.entries.map((e) => `${e.action} ${e.target} ${e.outcome}`)).toEqual([
    `qc.override ${studyId}/SYN-002/baseline ok`,
    `scan.register ${studyId}/SYN-001/baseline ok`,
  ]);
});

it('an ML engineer requests a promotion; the requester and the trainer are refused; another approver approves', async () => {
  const studyId = study.protocol.studyId;
  // The hold-out patients, labelled, with baseline features in the results store (as the pipeline stores them).
  const stored = await buildStoredStudy({
    patients: HOLDOUT.length + TIMELINES.length,
    seed: SEED,
    studyId,
    modelName: MODEL,
    storeFile: resultsStorePath(cfg),
    timepoints: 1,
    skip: TIMELINES,
  });
  await stored.store.close();
  expect(stored.protocol.features.paramHash).toBe(study.protocol.features.paramHash);
  const labels = HOLDOUT.map((p) => (study.manifest.patients.find((x) => x.pseudonym === p)!.necrosisPct >= GOOD_RESPONSE_NECROSIS_PCT ? 1 : 0));
  expect(labels).toEqual([0, 0, 1, 1]);

  // A one-feature model whose gate on these four passes under the lenient policy (checked here with the gate's own code).
  const valuesOf = async (feature: string) =>
    Promise.all(
      HOLDOUT.map(async (pseudonym) => {
        const [set] = await store
          .getFeatureSets({ studyId, pseudonym, timepoint: 'baseline' }, study.protocol.features.paramHash)
          .then((s) => s.filter((x) => x.modality === 'T1CE'));
        return set.features[feature];
      }),
    );
  let artifact: ModelArtifact | undefined;
  for (const feature of ['original_shape_MeshVolume', 'original_firstorder_Mean', 'original_firstorder_Entropy', 'original_glcm_Contrast']) {
    const values = await valuesOf(feature);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) || 1;
    for (const sign of [1, -1]) {
      const candidate: ModelArtifact = {
        format: ARTIFACT_FORMAT,
        kind: 'baseline',
        predictAt: 'baseline',
        timepoints: study.protocol.timepoints.map((t) => t.name),
        studyId,
        engine: { name: 'osteoflow-radiomics', version: 'test', paramHash: study.protocol.features.paramHash },
        dataset: { fingerprint: `console-${suffix}`, patients: 0, events: 0, trainingPatients: [] },
        features: [`baseline:T1CE:${feature}`],
        scaler: { means: [mean], scales: [sd] },
        intercept: 0,
        coefficients: [sign * 0.8],
        original: { intercept: (-sign * 0.8 * mean) / sd, coefficients: { [`baseline:T1CE:${feature}`]: (sign * 0.8) / sd } },
        ranges: { [`baseline:T1CE:${feature}`]: [Math.min(...values), Math.max(...values)] },
        youdenCutoff: 0.5,
        training: { alpha: 1, lambda: 0, lambdaRule: 'min', outerFolds: 0, innerFolds: 0, repeats: 0, seed: 0 },
        trainedAt: new Date().toISOString(),
      };
      const probabilities = [
        ...scoreRows(
          candidate,
          values.map((v) => ({ [`baseline:T1CE:${feature}`]: v })),
        ),
      ];
      const gate = evaluateGate({ patients: HOLDOUT, labels, challenger: { probabilities, missing: [] }, policy: LENIENT, source: 'holdout' });
      if (gate.passed) {
        artifact = candidate;
        break;
      }
    }
    if (artifact) break;
  }
  expect(artifact).toBeDefined();

  // Registered in the real MLflow, trained by tina (a tag a training run would set), alias challenger, hold-out locked.
  const experiment = await mlflow.getOrCreateExperiment(`console-it-${suffix}`);
  const run = await mlflow.createRun(experiment.experiment_id, 'hand-built');
  await mlflow.uploadArtifact(run.info.artifact_uri, 'model/model.json', JSON.stringify(artifact));
  await mlflow.finishRun(run.info.run_id);
  await mlflow.ensureRegisteredModel(MODEL, 'console test model');
  const version = await mlflow.createModelVersion({
    name: MODEL,
    source: `${run.info.artifact_uri}/model`,
    runId: run.info.run_id,
    tags: [
      { key: 'kind', value: 'baseline' },
      { key: 'predict_at', value: 'baseline' },
      { key: 'study_id', value: studyId },
      { key: 'auc', value: '0.75' },
      { key: 'auc_ci', value: '0.5,1' },
      { key: 'trained_by', value: 'tina' },
    ],
  });
  await mlflow.setAlias(MODEL, CHALLENGER_ALIAS, version.version);
  await mlflow.setRegisteredModelTag(MODEL, holdoutTag(studyId), JSON.stringify(HOLDOUT));

  const eng = await signIn('eng', 'eng-password-12');
  const models = await api<{ versions: { version: string; aliases: string[]; auc: number; aucCi: number[]; trainedBy: string }[] }>(
    eng,
    'GET',
    `/api/models/${MODEL}`,
  );
  expect(models.body.versions).toEqual([
    expect.objectContaining({ version: version.version, aliases: [CHALLENGER_ALIAS], auc: 0.75, aucCi: [0.5, 1], trainedBy: 'tina' }),
  ]);

  const requested = await api<PromotionResponse>(eng, 'POST', `/api/models/${MODEL}/promotion`, { studyId, reason: 'baseline model for the console test' });
  expect(requested.status).toBe(200);
  expect(requested.body).toMatchObject({ phase: 'awaiting-approval', open: true, requestedBy: 'eng', challenger: { version: version.version } });
  expect(requested.body.gate).toMatchObject({ passed: true, verdict: 'pass' });

  const self = await api<{ message: string }>(eng, 'POST', `/api/models/${MODEL}/promotion/approve`, { reason: 'my own model looks good' });
  expect(self).toEqual({
    status: 403,
    body: expect.objectContaining({ message: 'four eyes: eng requested this promotion and cannot decide on it; another approver must' }),
  });
  const tina = await signIn('tina', 'tina-password-1');
  const trainer = await api<{ message: string }>(tina, 'POST', `/api/models/${MODEL}/promotion/approve`, { reason: 'I trained it, it is fine' });
  expect(trainer.status).toBe(403);
  expect(trainer.body.message).toMatch(/^four eyes: tina trained the candidate/);
  // Still open, champion unchanged.
  expect((await api<PromotionResponse>(eng, 'GET', `/api/models/${MODEL}/promotion`)).body).toMatchObject({ phase: 'awaiting-approval', open: true });
  await expect(mlflow.getVersionByAlias(MODEL, CHAMPION_ALIAS)).rejects.toThrow();

  const appy = await signIn('appy', 'appy-password-1');
  const approved = await api<PromotionResponse>(appy, 'POST', `/api/models/${MODEL}/promotion/approve`, { reason: 'gate passed on the locked hold-out' });
  expect(approved.status).toBe(200);
  expect(approved.body.phase).toBe('promoted');
  expect(approved.body.decisions.find((d) => d.action === 'approved')).toMatchObject({ by: 'appy', reason: 'gate passed on the locked hold-out' });
  expect((await mlflow.getVersionByAlias(MODEL, CHAMPION_ALIAS)).version).toBe(version.version);
  expect(tagOf(await mlflow.getModelVersion(MODEL, version.version), 'promotion.by')).toBe('appy');

  const trail = await api<{ entries: { actor: string; action: string; outcome: string }[] }>(appy, 'GET', `/api/audit?target=model:${MODEL}`);
  expect(trail.body.entries.map((e) => `${e.actor} ${e.action} ${e.outcome}`)).toEqual([
    'appy promotion.approve ok',
    'tina promotion.approve refused',
    'eng promotion.approve refused',
    'eng promotion.request ok',
  ]);
});
