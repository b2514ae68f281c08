// The Temporal server stopped and started again in the middle of a study: the timelines resume where they were.
// This suite runs its own Temporal dev server (its own data folder, a fixed free port) beside the shared MLflow.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config';
import { connectClient } from '../../config/temporal';
import { currentEndpoints } from '../../config/endpoints';
import { startStack, stopStack } from '../../ops/stack';
import { freePort } from '../../ops/processes';
import { enrolPatient, readTimeline, registerScan, timelineHandle } from '../../clients/coordinator';
import { createPipelineWorker } from '../../workers/pipeline/worker';
import { installRuntime } from '../../workers/runtime';
import { eventually, makeStudy } from './support/pipeline';

jest.setTimeout(300000);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-restart-'));

afterAll(async () => {
  await stopStack(loadConfig({ ...process.env, OSTEOFLOW_DATA_DIR: dataDir }));
  rmSync(dataDir, { recursive: true, force: true });
});

it('resumes every timeline after the Temporal server is stopped and started mid-study', async () => {
  installRuntime('WARN');
  const shared = currentEndpoints(loadConfig());
  // The same port after the restart, so that the running worker reconnects by itself.
  const port = await freePort();
  const cfg = loadConfig({
    ...process.env,
    OSTEOFLOW_DATA_DIR: dataDir,
    OSTEOFLOW_TEMPORAL_PORT: String(port),
    TEMPORAL_ADDRESS: undefined,
    MLFLOW_TRACKING_URI: shared.mlflow.trackingUri,
  });
  const endpoints = await startStack(cfg, { headless: true });
  const study = makeStudy({ patients: 2, seed: 41 });
  const pipeline = await createPipelineWorker(cfg, { address: endpoints.temporal.address, mlflowUri: endpoints.mlflow.trackingUri });
  const running = pipeline.worker.run();
  let client = await connectClient(endpoints.temporal.address, cfg.temporal);
  try {
    for (const patient of study.manifest.patients) {
      const handle = await enrolPatient(client, cfg.taskQueues.pipeline, study.protocol, patient.pseudonym);
      for (const [modality, file] of Object.entries(patient.timepoints[0].files))
        await registerScan(handle, { timepoint: 'baseline', modality, source: study.file(file) });
    }
    const first = timelineHandle(client, study.protocol.studyId, study.manifest.patients[0].pseudonym);
    await eventually(
      () => readTimeline(first),
      (v) => v.timepoints[0].status === 'done',
      120000,
      'first baseline done',
    );

    await stopStack(cfg);
    await client.connection.close();
    await new Promise((r) => setTimeout(r, 2000));
    await startStack(cfg, { headless: true });
    client = await connectClient(endpoints.temporal.address, cfg.temporal);

    // Both timelines are still there, and go on: the rest of the scans complete them.
    for (const patient of study.manifest.patients) {
      const handle = timelineHandle(client, study.protocol.studyId, patient.pseudonym);
      for (const tp of patient.timepoints.slice(1)) {
        for (const [modality, file] of Object.entries(tp.files)) await registerScan(handle, { timepoint: tp.name, modality, source: study.file(file) });
      }
    }
    for (const patient of study.manifest.patients) {
      const handle = timelineHandle(client, study.protocol.studyId, patient.pseudonym);
      const done = await eventually(
        () => readTimeline(handle),
        (v) => v.timepoints.every((t) => t.status === 'done'),
        180000,
        `${patient.pseudonym} done`,
      );
      expect(done.timepoints.map((t) => t.runs)).toEqual([1, 1, 1]);
    }
  } finally {
    pipeline.worker.shutdown();
    await running;
    await pipeline.close();
    await client.connection.close();
  }
});
