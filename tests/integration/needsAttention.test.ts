// A Timepoint run that fails for a reason other than QC on the real stack: the timepoint waits for a person in
// 'needs-attention' (with a coded reason and a notification) while the timeline keeps running, and goes on to 'done'
// once the cause is fixed — by a retry on the same scans, or by a new mask.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { enrolPatient, listPatients, overrideQc, readTimeline, registerScan, retryTimepoint, withdraw, type TimelineHandle } from '../../clients/coordinator';
import { DEFAULT_PARAMS_FILE } from '../../cli/syntheticStudy';
import { readImage, writeNifti } from '../../imaging/io';
import type { Mat3 } from '../../imaging/image';
import type { TimelineView } from '../../contracts/timeline';
import type { SyntheticPatient } from '../../synthetic';
import { osteoflowStudy } from './support/cli';
import { eventually, makeStudy, recordHistory, type Harness, type StudyFixture } from './support/pipeline';
import { startNotifiedPipeline, type NotifiedPipeline } from './support/notifiedPipeline';

jest.setTimeout(300000);

let harness: Harness;
let notifications: NotifiedPipeline['notifications'];
let stack: NotifiedPipeline;

beforeAll(async () => {
  stack = await startNotifiedPipeline();
  ({ harness, notifications } = stack);
});

afterAll(() => stack?.stop());

async function registerTimepoint(handle: TimelineHandle, study: StudyFixture, patient: SyntheticPatient, timepoint: string, except: string[] = []) {
  const tp = patient.timepoints.find((t) => t.name === timepoint)!;
  for (const [modality, file] of Object.entries(tp.files)) {
    if (!except.includes(modality)) await registerScan(handle, { timepoint, modality, source: study.file(file) });
  }
}

const timepointOf = (v: TimelineView, name: string) => v.timepoints.find((t) => t.name === name)!;
const statusIs =
  (name: string, ...statuses: string[]) =>
  (v: TimelineView) =>
    statuses.includes(timepointOf(v, name).status);

async function rejection(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return String((err as WorkflowUpdateFailedError).cause?.message);
}

it('a parameter file changed after enrolment: the timepoint needs attention, the timeline runs on, a retry after restoring it completes it', async () => {
  // The study's own copy of the parameter file, so that the test can change it.
  const paramsFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'osteoflow-params-')), 'params.yaml');
  copyFileSync(DEFAULT_PARAMS_FILE, paramsFile);
  const original = readFileSync(paramsFile, 'utf8');
  const study = makeStudy({ patients: 1, seed: 31, paramsFile });
  const patient = study.manifest.patients[0];
  const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, study.protocol, patient.pseudonym, { ...patient.clinical });
  const id = { study: study.protocol.studyId, patient: patient.pseudonym };

  await registerTimepoint(handle, study, patient, 'baseline');
  const baselineDone = await eventually(() => readTimeline(handle), statusIs('baseline', 'done'), 120000, 'baseline done');

  expect(original).toMatch(/binCount: 32/);
  writeFileSync(paramsFile, original.replace('binCount: 32', 'binCount: 16'));
  await registerTimepoint(handle, study, patient, 'mid');
  const waiting = await eventually(() => readTimeline(handle), statusIs('mid', 'needs-attention', 'done'), 120000, 'mid needs attention');
  const mid = timepointOf(waiting, 'mid');
  expect(mid.status).toBe('needs-attention');
  expect(mid.attention).toEqual({
    code: 'parameters-changed',
    message: expect.stringMatching(/^extractFeatures: the parameter file .*params\.yaml changed since the study was enrolled/),
    at: expect.any(String),
  });
  // The run passed QC before extraction refused: the verdict is shown as it was.
  expect(mid.qc).toEqual({ passed: true, reasons: [] });
  expect(mid.runs).toBe(1);
  // The timeline is not failed, and the rest of it is as it was.
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect(timepointOf(waiting, 'baseline')).toEqual(timepointOf(baselineDone, 'baseline'));
  expect(timepointOf(waiting, 'preop').status).toBe('pending');
  await eventually(
    async () => notifications,
    (n) => n.some((x) => x.kind === 'needs-attention' && x.studyId === id.study && x.timepoint === 'mid'),
    30000,
    'needs-attention notification',
  );
  expect(notifications.find((x) => x.kind === 'needs-attention' && x.studyId === id.study)!.message).toMatch(
    /^timepoint 'mid' needs attention \(parameters-changed\): extractFeatures: the parameter file/,
  );
  await eventually(
    () => listPatients(harness.client, id.study, 'QcStatus = "needs-attention"'),
    (ids) => ids.length === 1,
    30000,
    'listing by QcStatus needs-attention',
  );
  const shown = await osteoflowStudy('show', '--study', id.study, '--patient', id.patient);
  expect(shown.code).toBe(0);
  expect(shown.out).toMatch(/\n {2}mid\s+needs-attention\s+due \S+\s+needs attention \(parameters-changed\) since \S+: extractFeatures: the parameter file/);

  // Only a timepoint that needs attention can be retried; a QC that passed cannot be overridden.
  expect(await rejection(retryTimepoint(handle, { timepoint: 'baseline', reason: 'parameter file restored', who: 'coordinator-7' }))).toBe(
    "timepoint 'baseline' is done, not needing attention; there is nothing to retry",
  );
  expect(await rejection(overrideQc(handle, { timepoint: 'mid', reason: 'looks fine', who: 'coordinator-7' }))).toMatch(/QC passed or was overridden/);
  const refused = await osteoflowStudy('retry', '--study', id.study, '--patient', id.patient, '--timepoint', 'preop', '--reason', 'x y z', '--who', 'c7');
  expect(refused).toEqual({ code: 1, out: expect.stringMatching(/rejected: timepoint 'preop' is pending, not needing attention/) });
  expect(timepointOf(await readTimeline(handle), 'mid').status).toBe('needs-attention');

  // The file is restored and a coordinator retries the timepoint on the same scans.
  writeFileSync(paramsFile, original);
  const retried = await osteoflowStudy(
    'retry',
    '--study',
    id.study,
    '--patient',
    id.patient,
    '--timepoint',
    'mid',
    '--reason',
    'parameter file restored',
    '--who',
    'coordinator-7',
  );
  expect(retried.code).toBe(0);
  const done = await eventually(() => readTimeline(handle), statusIs('mid', 'done'), 120000, 'mid done after the retry');
  const midDone = timepointOf(done, 'mid');
  expect(midDone).toMatchObject({ runs: 2, qc: { passed: true, reasons: [] }, retried: { reason: 'parameter file restored', who: 'coordinator-7' } });
  expect(midDone.attention).toBeUndefined();
  expect(midDone.deltas!.rows).toBeGreaterThan(100);
  await eventually(
    () => listPatients(harness.client, id.study, 'QcStatus = "needs-attention"'),
    (ids) => ids.length === 0,
    30000,
    'no longer listed as needing attention',
  );

  await withdraw(handle, { reason: 'end of test' });
  await handle.result();
  await recordHistory(harness, handle.workflowId, 'patientTimeline-needs-attention-retried');
  await recordHistory(harness, `${handle.workflowId}/mid/run-1`, 'timepoint-needs-attention');
});

it('a mask with flipped axes: the timeline is not failed, and a correct mask completes the timepoint', async () => {
  const study = makeStudy({ patients: 1, seed: 32 });
  const patient = study.manifest.patients[0];
  const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, study.protocol, patient.pseudonym, { ...patient.clinical });
  const baseline = patient.timepoints.find((t) => t.name === 'baseline')!;

  // The manual mask with its first axis flipped: same voxels and grid, mirrored in space.
  const mask = readImage(study.file(baseline.files.mask));
  const d = mask.geometry.direction;
  const flippedDirection: Mat3 = [-d[0], d[1], d[2], -d[3], d[4], d[5], -d[6], d[7], d[8]];
  const flipped = path.join(study.dir, 'flipped-mask.nii.gz');
  writeNifti(flipped, { ...mask, geometry: { ...mask.geometry, direction: flippedDirection } });

  await registerTimepoint(handle, study, patient, 'baseline', ['mask']);
  await registerScan(handle, { timepoint: 'baseline', modality: 'mask', source: flipped });
  let view = await eventually(
    () => readTimeline(handle),
    statusIs('baseline', 'qc-failed/awaiting-rescan', 'needs-attention', 'done'),
    120000,
    'the flipped mask refused',
  );
  // QC may catch the flipped mask itself (a re-scan is awaited) or extraction refuses it (a person is asked).
  expect(['qc-failed/awaiting-rescan', 'needs-attention']).toContain(timepointOf(view, 'baseline').status);
  expect((await handle.describe()).status.name).toBe('RUNNING');
  if (timepointOf(view, 'baseline').status === 'qc-failed/awaiting-rescan') {
    // Overriding QC lets the mask through to extraction, which cannot use it: the timepoint then needs attention.
    await overrideQc(handle, { timepoint: 'baseline', reason: 'mask orientation checked at the workstation', who: 'coordinator-7' });
    view = await eventually(() => readTimeline(handle), statusIs('baseline', 'needs-attention', 'done'), 120000, 'extraction refused the mask');
    expect(timepointOf(view, 'baseline').qc).toMatchObject({ passed: false, override: { who: 'coordinator-7' } });
  } else {
    expect(timepointOf(view, 'baseline').qc).toEqual({ passed: true, reasons: [] });
  }
  expect(timepointOf(view, 'baseline').status).toBe('needs-attention');
  expect(timepointOf(view, 'baseline').attention).toMatchObject({ code: 'extraction-failed', message: expect.stringMatching(/^extractFeatures: .*direction/) });
  expect((await handle.describe()).status.name).toBe('RUNNING');
  await eventually(
    async () => notifications,
    (n) => n.some((x) => x.kind === 'needs-attention' && x.studyId === study.protocol.studyId && x.timepoint === 'baseline'),
    30000,
    'needs-attention notification',
  );

  // A correct mask is registered: the pipeline reruns and completes.
  await registerScan(handle, { timepoint: 'baseline', modality: 'mask', source: study.file(baseline.files.mask) });
  const done = await eventually(() => readTimeline(handle), statusIs('baseline', 'done'), 120000, 'baseline done with the correct mask');
  expect(timepointOf(done, 'baseline').qc).toEqual({ passed: true, reasons: [] });
  expect(timepointOf(done, 'baseline').attention).toBeUndefined();
  expect(timepointOf(done, 'baseline').featureSet!.featureCount).toBeGreaterThan(400);

  await withdraw(handle, { reason: 'end of test' });
  await handle.result();
  await recordHistory(harness, handle.workflowId, 'patientTimeline-needs-attention-new-mask');
});

it('a scan registered while its timepoint runs is processed in a run after it, and `study show` answers with no worker running', async () => {
  const study = makeStudy({ patients: 1, seed: 33 });
  const patient = study.manifest.patients[0];
  // A worker of its own on a queue of its own, so that the test can stop it while the file's other worker runs on.
  const taskQueue = `it-late-scan-${study.protocol.studyId}`;
  const own = await harness.startWorker({ taskQueues: { ...harness.cfg.taskQueues, pipeline: taskQueue } });
  const running = own.worker.run();
  const handle = await enrolPatient(harness.client, taskQueue, study.protocol, patient.pseudonym, { ...patient.clinical });
  const id = { study: study.protocol.studyId, patient: patient.pseudonym };
  try {
    await registerTimepoint(handle, study, patient, 'baseline');
    // The set is complete, so the run has started; the T2 is registered again while it runs.
    const t2 = patient.timepoints.find((t) => t.name === 'baseline')!.files.T2;
    const during = await registerScan(handle, { timepoint: 'baseline', modality: 'T2', source: study.file(t2) });
    expect(['acquiring', 'segmenting', 'extracting']).toContain(timepointOf(during, 'baseline').status);
    const done = await eventually(() => readTimeline(handle), statusIs('baseline', 'done', 'needs-attention'), 120000, 'baseline done');
    // Not dropped: a second run took the late scan (its registration is the latest T2).
    expect(timepointOf(done, 'baseline')).toMatchObject({ status: 'done', runs: 2, qc: { passed: true, reasons: [] } });
    expect(timepointOf(done, 'baseline').scans.filter((s) => s.modality === 'T2')).toHaveLength(2);
    expect(timepointOf(done, 'baseline').featureSet!.featureCount).toBeGreaterThan(400);
    await withdraw(handle, { reason: 'end of test' });
    await handle.result();
    await recordHistory(harness, handle.workflowId, 'patientTimeline-late-scan');
  } finally {
    own.worker.shutdown();
    await running;
    await own.close();
  }

  // No worker polls the patient's queue now: the timeline is read from what the workflow last published.
  const shown = await osteoflowStudy('show', '--study', id.study, '--patient', id.patient);
  expect(shown.code).toBe(0);
  expect(shown.out).toMatch(/\n {2}baseline\s+done\s+due \S+\s+QC passed/);
  expect(shown.out).toMatch(/^\S+: withdrawn \(withdrawn: end of test\)\n/);
  expect(shown.out).toMatch(/\n {2}mid\s+pending\s/);
  expect(shown.out).toMatch(/\n {2}latest prediction: (none yet|p\(good response\) \d\.\d\d by \S+@\d+)\n/);
});
