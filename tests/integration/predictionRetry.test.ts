// A registry that stays unreachable through the prediction activity's retries does not leave a timepoint without its
// prediction for good: the timeline notes it, tries again on a durable timer (the study's model.retryAfter, then
// three times longer each time), and once the registry answers the prediction comes in with nobody acting.
import net from 'node:net';
import { enrolPatient, readTimeline, registerScan } from '../../clients/coordinator';
import { createPipelineWorker, type PipelineWorker } from '../../workers/pipeline/worker';
import { connectHarness, eventually, makeStudy, recordHistory, type Harness } from './support/pipeline';

jest.setTimeout(300000);

let harness: Harness;
const workers: { pipeline: PipelineWorker; running: Promise<void> }[] = [];

beforeAll(async () => {
  harness = await connectHarness();
});

afterAll(async () => {
  for (const { pipeline, running } of workers) {
    pipeline.worker.shutdown();
    await running.catch(() => undefined);
    await pipeline.close();
  }
  await harness?.close();
});

/** A port nothing listens on: the registry as seen during an outage. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startWorker(mlflowUri: string): Promise<{ pipeline: PipelineWorker; running: Promise<void> }> {
  const pipeline = await createPipelineWorker(harness.cfg, { address: harness.endpoints.temporal.address, mlflowUri });
  const entry = { pipeline, running: pipeline.worker.run() };
  workers.push(entry);
  return entry;
}

it('tries a prediction again on a timer once the registry is back, and notes each failed try', async () => {
  const study = makeStudy({ patients: 1, seed: 5, timeUnit: 's', predictionRetryAfter: '5s', modelName: `it-retry-${Date.now().toString(36)}` });
  const patient = study.manifest.patients[0];
  const down = await startWorker(`http://127.0.0.1:${await closedPort()}`);
  const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, study.protocol, patient.pseudonym);
  const baseline = patient.timepoints[0];
  for (const [modality, file] of Object.entries(baseline.files)) await registerScan(handle, { timepoint: baseline.name, modality, source: study.file(file) });

  // The activity's own retries (about half a minute of backoff) end; the timepoint is done without a prediction.
  const noted = await eventually(
    () => readTimeline(handle),
    (v) => /try 1; trying again at/.test(v.timepoints[0].note ?? ''),
    120000,
    'the failed prediction noted',
  );
  const first = noted.timepoints[0];
  expect(first.status).toBe('done');
  expect(first.prediction).toBeNull();
  expect(first.note).toMatch(/^prediction not available: .*\(try 1; trying again at \d{4}-\d\d-\d\dT/);

  // The registry answers again (a worker that reaches it): the next timer's try gets through. The study's model has
  // no champion, so the answer is the registry's own note, not a failure.
  down.pipeline.worker.shutdown();
  await down.running;
  await down.pipeline.close();
  workers.splice(workers.indexOf(down), 1);
  await startWorker(harness.endpoints.mlflow.trackingUri);
  const recovered = await eventually(
    () => readTimeline(handle),
    (v) => !/prediction not available/.test(v.timepoints[0].note ?? ''),
    120000,
    'the prediction tried again against a reachable registry',
  );
  expect(recovered.timepoints[0].status).toBe('done');
  expect(recovered.timepoints[0].note).toBe(`no 'champion' version of model '${study.protocol.model.name}' in the registry yet`);
  await recordHistory(harness, handle.workflowId, 'patientTimeline-prediction-retry');
});
