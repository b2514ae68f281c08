// The embedded stack's contract: a workflow run through a real worker, an MLflow model version with an artifact and
// an alias — all still there after both servers are stopped and started again, and the workflow after the Temporal
// server is killed outright. This suite starts its own stack (its own data folder, free ports), separate from the
// shared one, because it stops and restarts it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config';
import { connectClient } from '../../config/temporal';
import { isAlive, readState, stackPaths } from '../../config/endpoints';
import { startStack, stackStatus, stopStack } from '../../ops/stack';
import { MlflowClient } from '../../registry/mlflowClient';
import { enrolPatient, readTimeline, recordPathology, registerScan } from '../../clients/coordinator';
import { eventually, makeStudy } from './support/pipeline';
import { createPipelineWorker } from '../../workers/pipeline/worker';
import { installRuntime } from '../../workers/runtime';

jest.setTimeout(240000);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-persist-'));
const cfg = loadConfig({
  ...process.env,
  OSTEOFLOW_DATA_DIR: dataDir,
  OSTEOFLOW_TEMPORAL_PORT: '0',
  OSTEOFLOW_MLFLOW_PORT: '0',
  TEMPORAL_ADDRESS: undefined,
  MLFLOW_TRACKING_URI: undefined,
});
const log = (line: string) => console.log(`[persist] ${line}`);

afterAll(async () => {
  await stopStack(cfg);
  rmSync(dataDir, { recursive: true, force: true });
});

it('keeps workflow history, model version, artifact and alias across a stop and start of both servers', async () => {
  installRuntime('WARN');
  const first = await startStack(cfg, { headless: true, log });
  expect(first.temporal.embedded && first.mlflow.embedded).toBe(true);

  // Starting twice does not start two.
  const statusBefore = stackStatus(cfg);
  const again = await startStack(cfg, { headless: true, log });
  expect(again).toEqual(first);
  expect(stackStatus(cfg)).toEqual(statusBefore);

  // A patient's whole timeline through a real worker; result and history read back through the client.
  const study = makeStudy({ patients: 1, seed: 51, studyId: 'PERSIST-1' });
  const patient = study.manifest.patients[0];
  const client = await connectClient(first.temporal.address, cfg.temporal);
  const pipeline = await createPipelineWorker(cfg, { address: first.temporal.address, mlflowUri: first.mlflow.trackingUri });
  const handle = await enrolPatient(client, cfg.taskQueues.pipeline, study.protocol, patient.pseudonym);
  const workflowId = handle.workflowId;
  const result = await pipeline.worker.runUntil(async () => {
    for (const tp of patient.timepoints) {
      for (const [modality, file] of Object.entries(tp.files)) await registerScan(handle, { timepoint: tp.name, modality, source: study.file(file) });
    }
    await eventually(
      () => readTimeline(handle),
      (v) => v.timepoints.every((t) => t.status === 'done'),
      180000,
      'timeline done',
    );
    await recordPathology(handle, { necrosisPct: patient.necrosisPct, huvosGrade: patient.huvosGrade, date: patient.pathology.reportDate });
    return handle.result();
  });
  await pipeline.close();
  expect(result).toMatchObject({ studyId: 'PERSIST-1', pseudonym: patient.pseudonym, stage: 'labelled' });
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const eventTypes = history.events!.map((e) => e.eventType);
  expect(eventTypes.length).toBeGreaterThanOrEqual(20);
  await client.connection.close();

  // A registered model version whose artifact went through the server's artifact proxy, with an alias.
  const mlflow = new MlflowClient({ trackingUri: first.mlflow.trackingUri });
  const experiment = await mlflow.getOrCreateExperiment('persistence-check');
  const run = await mlflow.createRun(experiment.experiment_id, 'persistence');
  const artifact = JSON.stringify({ coefficients: [0.5, -1.25], features: ['original_shape_MeshVolume', 'original_glcm_Contrast'] });
  await mlflow.uploadArtifact(run.info.artifact_uri, 'model/model.json', artifact);
  await mlflow.finishRun(run.info.run_id);
  await mlflow.createRegisteredModel('osteoflow-persistence');
  const version = await mlflow.createModelVersion({ name: 'osteoflow-persistence', source: `${run.info.artifact_uri}/model`, runId: run.info.run_id });
  await mlflow.setAlias('osteoflow-persistence', 'champion', version.version);
  expect((await mlflow.getVersionByAlias('osteoflow-persistence', 'champion')).version).toBe(version.version);

  // Stop both; their pids are gone and the addresses no longer answer.
  await stopStack(cfg, log);
  expect(stackStatus(cfg)).toEqual({ temporal: 'stopped', mlflow: 'stopped', orthanc: 'stopped' });
  await expect(fetch(`${first.mlflow.trackingUri}/health`)).rejects.toThrow();

  // A stale pid record (a process that has exited) must not stop the next start.
  const exited = spawnSync('true');
  writeFileSync(stackPaths(dataDir).state, JSON.stringify({ temporal: { pid: exited.pid, port: 1 }, mlflow: { pid: exited.pid, port: 1 } }));
  const lines: string[] = [];
  const second = await startStack(cfg, { headless: true, log: (l) => lines.push(l) });
  expect(lines.join('\n')).toMatch(/clearing a stale Temporal pid record/);

  const client2 = await connectClient(second.temporal.address, cfg.temporal);
  try {
    const handle = client2.workflow.getHandle(workflowId);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(await handle.result()).toEqual(result);
    expect((await handle.fetchHistory()).events!.map((e) => e.eventType)).toEqual(eventTypes);
  } finally {
    await client2.connection.close();
  }

  const mlflow2 = new MlflowClient({ trackingUri: second.mlflow.trackingUri });
  const byAlias = await mlflow2.getVersionByAlias('osteoflow-persistence', 'champion');
  expect(byAlias).toMatchObject({ version: version.version, run_id: run.info.run_id, source: `${run.info.artifact_uri}/model` });
  const downloadUri = await mlflow2.getModelVersionDownloadUri('osteoflow-persistence', byAlias.version);
  expect(new TextDecoder().decode(await mlflow2.downloadArtifact(downloadUri, 'model.json'))).toBe(artifact);

  // The Temporal server's database is in write-ahead-log mode (SQLite header bytes 18–19 are 2), and a server killed
  // outright loses nothing it had committed: the next start finds the workflow as it was.
  const paths = stackPaths(dataDir);
  expect([...readFileSync(paths.temporalDb).subarray(18, 20)]).toEqual([2, 2]);
  const temporalPid = readState(paths.state).temporal!.pid;
  process.kill(temporalPid, 'SIGKILL');
  await eventually(
    async () => isAlive(temporalPid),
    (alive) => !alive,
    10000,
    'the killed Temporal server gone',
  );
  const third = await startStack(cfg, { headless: true, log });
  const client3 = await connectClient(third.temporal.address, cfg.temporal);
  try {
    const handle = client3.workflow.getHandle(workflowId);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect((await handle.fetchHistory()).events!.map((e) => e.eventType)).toEqual(eventTypes);
  } finally {
    await client3.connection.close();
  }
});
