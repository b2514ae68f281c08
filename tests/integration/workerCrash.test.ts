// A pipeline worker process killed with SIGKILL in the middle of feature extraction: the activity's heartbeat times
// out, a restarted worker runs it again, the timeline completes, and the results store holds each row once.
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { PROJECT_ROOT } from '../../config';
import { resultsStorePath } from '../../store';
import { SqliteResultsStore } from '../../store/sqliteStore';
import { enrolPatient, readTimeline, registerScan } from '../../clients/coordinator';
import { connectHarness, eventually, makeStudy, type Harness } from './support/pipeline';
import { startWorkerProcess, type WorkerProcess } from './support/workerProcess';

jest.setTimeout(300000);

let harness: Harness;

beforeAll(async () => {
  harness = await connectHarness();
});
afterAll(async () => {
  await harness?.close();
});

/** A real worker process (`workers/pipeline/main.ts`), in-process TypeScript so that SIGKILL reaches the worker itself. */
function startPipelineWorker(): Promise<WorkerProcess> {
  return startWorkerProcess(process.execPath, ['-r', 'tsx/cjs', path.join(PROJECT_ROOT, 'workers', 'pipeline', 'main.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, OSTEOFLOW_LOG_LEVEL: 'WARN' },
  });
}

it('completes the timeline after the worker is killed mid-activity and started again, without duplicate rows', async () => {
  // Larger volumes, so that extraction lasts long enough to be interrupted.
  const study = makeStudy({ patients: 1, seed: 31, size: [128, 128, 64] });
  const patient = study.manifest.patients[0];
  const first = await startPipelineWorker();
  const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, study.protocol, patient.pseudonym);
  for (const [modality, file] of Object.entries(patient.timepoints[0].files)) {
    await registerScan(handle, { timepoint: 'baseline', modality, source: study.file(file) });
  }
  const timepoint = harness.client.workflow.getHandle(`${handle.workflowId}/baseline/run-1`);
  const extracting = async () =>
    (
      (await timepoint.describe().then(
        (d) => d.raw.pendingActivities,
        () => [],
      )) ?? []
    ).filter((a) => a.activityType?.name === 'extractFeatures');
  // Kill only once the extraction activity has been handed to the worker (state STARTED); it runs for about a second.
  const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
  await eventually(extracting, (a) => a.length === 1 && a[0].state === STARTED, 120000, 'extraction running', 20);
  first.child.kill('SIGKILL');
  await first.exited;

  // No worker runs the activity now: the timeline waits (running, not failed). Queries need a worker, so ask the server.
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect(await extracting()).toHaveLength(1);

  await startPipelineWorker();
  const done = await eventually(
    () => readTimeline(handle),
    (v) => v.timepoints[0].status === 'done',
    180000,
    'baseline done after restart',
  );

  // The extraction ran twice: once on the killed worker, once on the new one.
  const events = (await timepoint.fetchHistory()).events!;
  const extractStarts = events.filter(
    (e) =>
      e.activityTaskStartedEventAttributes &&
      events.find((s) => Number(s.eventId) === Number(e.activityTaskStartedEventAttributes!.scheduledEventId))?.activityTaskScheduledEventAttributes
        ?.activityType?.name === 'extractFeatures',
  );
  expect(extractStarts[0].activityTaskStartedEventAttributes!.attempt).toBeGreaterThanOrEqual(2);

  const store = new SqliteResultsStore(resultsStorePath(harness.cfg));
  try {
    const key = { studyId: study.protocol.studyId, pseudonym: patient.pseudonym, timepoint: 'baseline' };
    expect(await store.countFeatureRows(key)).toBe(done.timepoints[0].featureSet!.featureCount);
    expect((await store.getFeatureSets(key)).map((s) => s.modality).sort()).toEqual(['ADC', 'PET', 'T1CE', 'T2']);
  } finally {
    await store.close();
  }
});
