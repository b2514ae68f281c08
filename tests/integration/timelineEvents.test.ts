// What happens around a timeline on the real stack: QC failures and re-scans, coordinator overrides, a flaky source,
// an overdue scan, and updates a validator must reject without losing state.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { enrolPatient, listPatients, overrideQc, readTimeline, recordPathology, registerScan, withdraw, type TimelineHandle } from '../../clients/coordinator';
import type { SyntheticPatient } from '../../synthetic';
import { eventually, makeStudy, recordHistory, type Harness, type StudyFixture } from './support/pipeline';
import { startNotifiedPipeline, type NotifiedPipeline } from './support/notifiedPipeline';

jest.setTimeout(240000);

let harness: Harness;
let notifications: NotifiedPipeline['notifications'];
let stack: NotifiedPipeline;

beforeAll(async () => {
  stack = await startNotifiedPipeline();
  ({ harness, notifications } = stack);
});

afterAll(() => stack?.stop());

async function registerTimepoint(
  handle: TimelineHandle,
  study: StudyFixture,
  patient: SyntheticPatient,
  timepoint: string,
  source = (f: string) => study.file(f),
) {
  const tp = patient.timepoints.find((t) => t.name === timepoint)!;
  for (const [modality, file] of Object.entries(tp.files)) await registerScan(handle, { timepoint, modality, source: source(file) });
}

const statusOf = (timepoint: string) => (v: Awaited<ReturnType<typeof readTimeline>>) => v.timepoints.find((t) => t.name === timepoint)!.status;

it('a scan that fails QC waits for a re-scan (visible by query and by search attribute), then completes', async () => {
  const study = makeStudy({ patients: 1, seed: 21, defects: { rate: 1, kinds: ['missing-slice'] } });
  const patient = study.manifest.patients[0];
  const defect = patient.timepoints.flatMap((t) => t.defects)[0];
  expect(defect).toBeDefined();
  const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, study.protocol, patient.pseudonym);
  await registerTimepoint(handle, study, patient, defect.timepoint);

  const failed = await eventually(
    () => readTimeline(handle),
    (v) => statusOf(defect.timepoint)(v) === 'qc-failed/awaiting-rescan',
    120000,
    'QC failure',
  );
  const tp = failed.timepoints.find((t) => t.name === defect.timepoint)!;
  expect(tp.qc?.passed).toBe(false);
  expect(tp.qc?.reasons.join('\n')).toMatch(new RegExp(`${defect.modality}: slice ${defect.slice} blank between non-blank neighbours \\(missing slice\\)`));
  await eventually(
    () => listPatients(harness.client, study.protocol.studyId, 'QcStatus = "failed"'),
    (ids) => ids.length === 1,
    30000,
    'listing by QcStatus',
  );
  expect(notifications).toContainEqual(expect.objectContaining({ kind: 'qc-failed', pseudonym: patient.pseudonym, timepoint: defect.timepoint }));

  const rescan = patient.timepoints.find((t) => t.name === defect.timepoint)!.rescanFiles![defect.modality!]!;
  await registerScan(handle, { timepoint: defect.timepoint, modality: defect.modality!, source: study.file(rescan) });
  const done = await eventually(
    () => readTimeline(handle),
    (v) => statusOf(defect.timepoint)(v) === 'done',
    120000,
    're-scan processed',
  );
  expect(done.timepoints.find((t) => t.name === defect.timepoint)!.qc).toEqual({ passed: true, reasons: [] });
  await eventually(
    () => listPatients(harness.client, study.protocol.studyId, 'QcStatus = "failed"'),
    (ids) => ids.length === 0,
    30000,
    'no longer listed as failed',
  );
  await withdraw(handle, { reason: 'end of test' });
  await handle.result();
  await recordHistory(harness, handle.workflowId, 'patientTimeline-qc-rescan-withdrawn');
  await recordHistory(harness, `${handle.workflowId}/${defect.timepoint}/run-1`, 'timepoint-qc-failed');
});

it('a coordinator override lets a failed scan set through, with the reason and who recorded', async () => {
  const study = makeStudy({ patients: 1, seed: 22, defects: { rate: 1, kinds: ['wrong-modality'] } });
  const patient = study.manifest.patients[0];
  const defect = patient.timepoints.flatMap((t) => t.defects)[0];
  const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, study.protocol, patient.pseudonym);
  await registerTimepoint(handle, study, patient, defect.timepoint);
  const failed = await eventually(
    () => readTimeline(handle),
    (v) => statusOf(defect.timepoint)(v) === 'qc-failed/awaiting-rescan',
    120000,
    'QC failure',
  );
  expect(failed.timepoints.find((t) => t.name === defect.timepoint)!.qc!.reasons.join('\n')).toMatch(/byte-identical to .* \(wrong modality filed\?\)/);

  await overrideQc(handle, { timepoint: defect.timepoint, reason: 'sequence verified at the scanner console', who: 'coordinator-7' });
  const done = await eventually(
    () => readTimeline(handle),
    (v) => statusOf(defect.timepoint)(v) === 'done',
    120000,
    'override processed',
  );
  expect(done.timepoints.find((t) => t.name === defect.timepoint)!.qc).toMatchObject({
    passed: false,
    override: { reason: 'sequence verified at the scanner console', who: 'coordinator-7' },
  });
});

it('a source that fails twice and then answers is retried without anyone acting', async () => {
  const study = makeStudy({ patients: 1, seed: 23 });
  const patient = study.manifest.patients[0];
  const hits = new Map<string, number>();
  const source = http.createServer((req, res) => {
    const n = (hits.get(req.url!) ?? 0) + 1;
    hits.set(req.url!, n);
    if (n <= 2) return res.writeHead(503).end('PACS busy');
    res.writeHead(200).end(readFileSync(study.file(decodeURIComponent(req.url!.slice(1)))));
  });
  await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
  try {
    const base = `http://127.0.0.1:${(source.address() as AddressInfo).port}/`;
    const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, study.protocol, patient.pseudonym);
    await registerTimepoint(handle, study, patient, 'baseline', (f) => base + encodeURIComponent(f));
    const done = await eventually(
      () => readTimeline(handle),
      (v) => statusOf('baseline')(v) === 'done',
      120000,
      'baseline done',
    );
    expect(done.timepoints[0].runs).toBe(1);
    // Every file was asked for three times: two refusals, then the copy.
    expect([...hits.values()].every((n) => n === 3)).toBe(true);
    expect(hits.size).toBe(5);
  } finally {
    source.close();
  }
});

it('a scan not registered within its window turns the timepoint overdue and notifies; a late scan still completes it', async () => {
  const study = makeStudy({
    patients: 1,
    seed: 24,
    windows: [
      { dueAfter: '0s', window: '3s' },
      { dueAfter: '1h', window: '1h' },
      { dueAfter: '2h', window: '1h' },
    ],
    missedAfter: '1h',
  });
  const patient = study.manifest.patients[0];
  const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, study.protocol, patient.pseudonym);
  await eventually(
    () => readTimeline(handle),
    (v) => statusOf('baseline')(v) === 'overdue',
    30000,
    'overdue',
  );
  await eventually(
    async () => notifications,
    (n) => n.some((x) => x.kind === 'overdue' && x.pseudonym === patient.pseudonym),
    30000,
    'overdue notification',
  );
  await eventually(
    () => listPatients(harness.client, study.protocol.studyId, 'Stage = "baseline"'),
    (ids) => ids.length === 1,
    30000,
    'listing by Stage',
  );
  await registerTimepoint(handle, study, patient, 'baseline');
  await eventually(
    () => readTimeline(handle),
    (v) => statusOf('baseline')(v) === 'done',
    120000,
    'late baseline done',
  );
});

it('rejects bad updates with a clear message and keeps the state as it was', async () => {
  const study = makeStudy({ patients: 1, seed: 25 });
  const patient = study.manifest.patients[0];
  const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, study.protocol, patient.pseudonym);
  const before = await readTimeline(handle);
  const rejection = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return String((err as WorkflowUpdateFailedError).cause?.message);
  };
  expect(await rejection(registerScan(handle, { timepoint: 'week-3', modality: 'T1CE', source: '/x.nii.gz' }))).toBe(
    'unknown timepoint "week-3" (expected one of baseline, mid, preop)',
  );
  expect(await rejection(registerScan(handle, { timepoint: 'mid', modality: 'CT', source: '/x.nii.gz' }))).toMatch(
    /modality "CT" is not part of timepoint 'mid'/,
  );
  expect(await rejection(recordPathology(handle, { necrosisPct: 120, huvosGrade: 'IV', date: '2026-05-01' }))).toBe(
    'necrosisPct must be a number from 0 to 100, got 120',
  );
  expect(await rejection(recordPathology(handle, { necrosisPct: 40, huvosGrade: 'III', date: '2026-05-01' }))).toBe(
    'Huvos grade III means necrosis 90–100 %, but necrosisPct is 40',
  );
  expect(await rejection(overrideQc(handle, { timepoint: 'baseline', reason: 'looks fine', who: 'c1' }))).toMatch(/not awaiting a re-scan/);
  await recordPathology(handle, { necrosisPct: 95, huvosGrade: 'III', date: '2026-05-01' });
  expect(await rejection(recordPathology(handle, { necrosisPct: 95, huvosGrade: 'III', date: '2026-05-01' }))).toMatch(
    /pathology is already recorded \(necrosis 95 %, Huvos III, 2026-05-01\); it is recorded once/,
  );
  const after = await readTimeline(handle);
  expect(after.timepoints).toEqual(before.timepoints);
  expect(after.pathology).toEqual({ necrosisPct: 95, huvosGrade: 'III', date: '2026-05-01' });
});
