// Bad input around the models on the real stack: training a study with too few labelled patients or a single outcome
// class fails the Training workflow with a message that says so; an MLflow server that does not answer makes the
// prediction step retry, then the timeline notes why and keeps waiting for its next scans (running, not failed).
import { WorkflowFailedError } from '@temporalio/client';
import { freePort } from '../../ops/processes';
import { resultsStorePath } from '../../store';
import { enrolPatient, readTimeline, registerScan } from '../../clients/coordinator';
import { trainModels } from '../../clients/training';
import { createTrainingWorker, type TrainingWorker } from '../../workers/training/worker';
import { createPipelineWorker } from '../../workers/pipeline/worker';
import type { OsteoflowConfig } from '../../config';
import { buildStoredStudy } from '../unit/models/support/studyStore';
import { connectHarness, eventually, makeStudy, type Harness } from './support/pipeline';

jest.setTimeout(600000);

const suffix = Date.now().toString(36);
let harness: Harness;
let cfg: OsteoflowConfig;
let training: TrainingWorker;
let running: Promise<void>;

beforeAll(async () => {
  harness = await connectHarness();
  cfg = { ...harness.cfg, taskQueues: { ...harness.cfg.taskQueues, pipeline: `it-bad-pipeline-${suffix}`, training: `it-bad-training-${suffix}` } };
  training = await createTrainingWorker(cfg, { address: harness.endpoints.temporal.address, mlflowUri: harness.endpoints.mlflow.trackingUri });
  running = training.worker.run();
});

afterAll(async () => {
  training?.worker.shutdown();
  await running;
  await training?.close();
  await harness?.close();
});

/** The innermost message of a failed workflow (workflow → activity → application failure). */
function rootMessage(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof Error && cause.cause) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}

it('refuses to train with too few labelled patients, and with a single outcome class', async () => {
  // Six patients: two good and four poor responders (the generator's blocks of five are 2 good, 3 poor).
  const small = await buildStoredStudy({ patients: 6, seed: 5, modelName: `it-bad-${suffix}`, storeFile: resultsStorePath(cfg), timepoints: 1 });
  const good = small.manifest.patients.filter((p) => p.responder === 'good').map((p) => p.pseudonym);
  await small.store.close();
  const options = { predictAt: 'baseline', robustnessPatients: 3, bootstrapReplicates: 0 };
  const tooFew = await trainModels(harness.client, cfg, small.protocol, options).catch((e: unknown) => e);
  expect(tooFew).toBeInstanceOf(WorkflowFailedError);
  expect(rootMessage(tooFew)).toBe(
    `labels: too few labelled patients in study ${small.protocol.studyId}: ${good.length} good and ${6 - good.length} poor responses (at least 4 of each needed for nested cross-validation)`,
  );

  // The same patients with only the poor responders' pathology recorded.
  const single = await buildStoredStudy({
    patients: 6,
    seed: 5,
    modelName: `it-bad-${suffix}`,
    storeFile: resultsStorePath(cfg),
    timepoints: 1,
    unlabelled: good,
  });
  await single.store.close();
  const oneClass = await trainModels(harness.client, cfg, single.protocol, options).catch((e: unknown) => e);
  expect(rootMessage(oneClass)).toBe(
    `labels: a single outcome class among ${6 - good.length} labelled patients of study ${single.protocol.studyId} (0 good, ${6 - good.length} poor responses): a response model needs both`,
  );
});

it('with MLflow unreachable, retries the prediction, then notes why and when it tries again, and leaves the timeline waiting', async () => {
  const unreachable = `http://127.0.0.1:${await freePort()}`;
  const study = makeStudy({ patients: 1, seed: 12 });
  const patient = study.manifest.patients[0];
  const pipeline = await createPipelineWorker(cfg, { address: harness.endpoints.temporal.address, mlflowUri: unreachable });
  try {
    await pipeline.worker.runUntil(async () => {
      const handle = await enrolPatient(harness.client, cfg.taskQueues.pipeline, study.protocol, patient.pseudonym);
      for (const [modality, file] of Object.entries(patient.timepoints[0].files))
        await registerScan(handle, { timepoint: 'baseline', modality, source: study.file(file) });
      const view = await eventually(
        () => readTimeline(handle),
        (v) => v.timepoints[0].note !== undefined,
        240000,
        'prediction note',
      );
      expect(view.timepoints[0].status).toBe('done');
      expect(view.timepoints[0].prediction).toBeNull();
      expect(view.timepoints[0].note).toMatch(
        /^prediction not available: MLflow registered-models\/alias: NETWORK_ERROR \(HTTP 0\): .* \(http:\/\/127\.0\.0\.1:\d+, 5 attempts\) \(try 1; trying again at \d{4}-\d\d-\d\dT[\d:.]+Z\)$/,
      );
      // Still running, waiting for the mid-treatment scans.
      expect(view.stage).toBe('mid');
      expect((await handle.describe()).status.name).toBe('RUNNING');
      // The activity was retried by its policy (six attempts) before the timeline gave up on it.
      const events = (await handle.fetchHistory()).events ?? [];
      const attempts = events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
      expect(Math.max(...attempts)).toBe(6);
      await handle.terminate('test finished');
    });
  } finally {
    await pipeline.close();
  }
});
