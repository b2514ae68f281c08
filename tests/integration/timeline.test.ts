// A patient's whole timeline on the real stack: enrolment → three timepoints → deltas → pathology → labelled.
import { SqliteResultsStore } from '../../store/sqliteStore';
import { resultsStorePath } from '../../store';
import { enrolPatient, readTimeline, recordPathology, registerScan } from '../../clients/coordinator';
import { connectHarness, eventually, makeStudy, recordHistory, type Harness } from './support/pipeline';

jest.setTimeout(240000);

let harness: Harness;
beforeAll(async () => {
  harness = await connectHarness();
});
afterAll(async () => harness?.close());

it('runs a full timeline to done at all three timepoints, with deltas stored', async () => {
  const study = makeStudy({ patients: 1, seed: 11 });
  const patient = study.manifest.patients[0];
  const pipeline = await harness.startWorker();
  await pipeline.worker.runUntil(async () => {
    const handle = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, study.protocol, patient.pseudonym, { ...patient.clinical });
    for (const tp of patient.timepoints) {
      for (const [modality, file] of Object.entries(tp.files)) await registerScan(handle, { timepoint: tp.name, modality, source: study.file(file) });
    }
    const done = await eventually(
      () => readTimeline(handle),
      (v) => v.timepoints.every((t) => t.status === 'done'),
      180000,
      'all timepoints done',
    );
    expect(done.timepoints.map((t) => t.qc?.passed)).toEqual([true, true, true]);
    expect(done.timepoints.every((t) => t.featureSet && t.featureSet.featureCount > 4 * 100)).toBe(true);
    expect(done.timepoints[0].deltas).toBeUndefined();
    for (const later of done.timepoints.slice(1)) {
      expect(later.deltas!.rows).toBeGreaterThan(400);
      expect(later.deltas!.named.volumeChangePct).not.toBeNull();
    }
    expect(done.stage).toBe('awaiting-pathology');
    const labelled = await recordPathology(handle, { necrosisPct: patient.necrosisPct, huvosGrade: patient.huvosGrade, date: patient.pathology.reportDate });
    expect(labelled.pathology?.necrosisPct).toBe(patient.necrosisPct);
    const result = await handle.result();
    expect(result.stage).toBe('labelled');
    await recordHistory(harness, handle.workflowId, 'patientTimeline-full');
    await recordHistory(harness, `${handle.workflowId}/mid/run-1`, 'timepoint-mid');
  });

  const store = new SqliteResultsStore(resultsStorePath(harness.cfg));
  try {
    const key = { studyId: study.protocol.studyId, pseudonym: patient.pseudonym };
    const mid = await store.getDeltas({ ...key, timepoint: 'mid' });
    expect(mid.some((d) => d.reference === 'baseline' && d.feature === 'original_shape_MeshVolume' && d.modality === 'T1CE')).toBe(true);
    const preop = await store.getDeltas({ ...key, timepoint: 'preop' });
    expect(new Set(preop.map((d) => d.reference))).toEqual(new Set(['baseline', 'previous']));
    expect(await store.getPathology(key)).toMatchObject({ necrosisPct: patient.necrosisPct, huvosGrade: patient.huvosGrade });
  } finally {
    await store.close();
    await pipeline.close();
  }
});
