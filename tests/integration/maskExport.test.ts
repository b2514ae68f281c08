// Automatic masks back to the PACS, on a real Orthanc and the real stack: a synthetic patient's T1CE and T2, written
// as DICOM MR series with a hospital's identifiers, arrive by C-STORE; intake takes them in de-identified; no contour
// comes, so the segmentation worker makes the mask; the Timepoint stores it in Orthanc as a SEG of the original T1CE
// series, in the original study, under the patient's real identity (the PACS is where that belongs). The SEG read back
// on the original series is the stored automatic mask voxel for voxel; exporting again stores no second instance; and
// no identifier reaches the study store or the stored histories.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createMaskExport } from '../../activities/intake/maskExport';
import { enrolPatient, readTimeline } from '../../clients/coordinator';
import { INTAKE_MESSAGES, type ExportMaskInput, type IntakeState } from '../../contracts/intake';
import { startIntake } from '../../clients/intake';
import { newKey } from '../../config/aesGcm';
import { readDicomMask, readDicomObject } from '../../imaging/contours';
import { readImage } from '../../imaging/io';
import { startOrthanc, type OrthancServer } from '../../ops/orthancServer';
import { dicomValue, IdentityMap, loadIdentityKey, sendWithStorescu } from '../../pacs';
import { resultsStorePath } from '../../store';
import { SqliteResultsStore } from '../../store/sqliteStore';
import { intakeDeps } from '../../workers/pipeline/intake';
import { type Haystack, identifiersFound, storeFiles, textsOf } from './support/identifierSearch';
import { connectHarness, eventually, makeStudy, recordHistory, type Harness } from './support/pipeline';
import { writeStsStudy } from './support/stsStudy';
import { writeVolumeAsDicomSeries } from './support/volumeAsDicom';
import { startGpuWorker, stopWorkerProcess } from './support/workerProcess';

jest.setTimeout(600000);

const PATIENT = { PatientID: 'HOSP-7734021', PatientName: 'Doe^Jane', PatientBirthDate: '19870412', AccessionNumber: 'ACC-55190' };
const STUDY_UID = '1.2.826.0.1.3680043.8.498.4455.1';
const SERIES_UID = { T1CE: '1.2.826.0.1.3680043.8.498.4455.2', T2: '1.2.826.0.1.3680043.8.498.4455.3' };

let harness: Harness;
let orthanc: OrthancServer;
let dir: string;

beforeAll(async () => {
  harness = await connectHarness();
  dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-mask-export-it-'));
  orthanc = await startOrthanc(path.join(dir, 'orthanc'), { stableAgeSeconds: 1 });
});
afterAll(async () => {
  await orthanc?.stop();
  await harness?.close();
});

it('stores the automatic mask in the PACS as a SEG of the original series, once, with no identifier kept by osteoflow', async () => {
  // The modality's series: the synthetic baseline T1CE and T2 (what the shipped segmentation model reads).
  const synthetic = makeStudy({ patients: 1, seed: 43 });
  const files = synthetic.manifest.patients[0].timepoints[0].files as Record<string, string>;
  const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const sent: Record<string, string> = {};
  for (const modality of ['T1CE', 'T2'] as const) {
    sent[modality] = writeVolumeAsDicomSeries(readImage(synthetic.file(files[modality])), path.join(dir, 'modality', modality), {
      ...PATIENT,
      StudyInstanceUID: STUDY_UID,
      SeriesInstanceUID: SERIES_UID[modality],
      FrameOfReferenceUID: '1.2.826.0.1.3680043.8.498.4455.9',
      StudyDate: today,
      SeriesDescription: modality,
      SeriesNumber: modality === 'T1CE' ? 1 : 2,
    });
  }

  const keyFile = path.join(dir, 'identity.key');
  writeFileSync(keyFile, `${newKey()}\n`, { mode: 0o600 });
  const mapFile = path.join(dir, 'identity-map.enc');
  const studyId = `IT-EXPORT-${Date.now().toString(36)}`;
  const pseudonym = IdentityMap.open(mapFile, loadIdentityKey(keyFile)).pseudonymFor(studyId, PATIENT.PatientID);
  const taskQueue = `it-segmentation-${studyId}`;
  const { protocol, intake } = writeStsStudy(dir, {
    studyId,
    modalities: ['T1CE', 'T2'],
    segmentation: { mode: 'automatic-allowed', taskQueue },
    intakeSeries: [
      { modality: 'T1CE', dicomModality: ['MR'], seriesDescription: '^T1CE$' },
      { modality: 'T2', dicomModality: ['MR'], seriesDescription: '^T2$' },
    ],
  });
  // A study that takes its scans from the PACS exports its automatic masks there without saying so.
  expect(protocol.segmentation.exportToPacs).toBe(true);

  const overrides = {
    orthanc: { url: orthanc.url, username: orthanc.credentials.username, password: orthanc.credentials.password },
    identity: { keyFile, mapFile },
  };
  const store = new SqliteResultsStore(resultsStorePath(harness.cfg));
  const pipeline = await harness.startWorker(overrides);
  const gpu = await startGpuWorker(taskQueue);
  try {
    await pipeline.worker.runUntil(async () => {
      const timeline = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, protocol, pseudonym);
      const intakeHandle = await startIntake(harness.client, harness.cfg.taskQueues.pipeline, protocol, intake!.settings, {
        pollEveryMs: intake!.pollEveryMs,
        startCursor: 0,
      });
      try {
        await sendWithStorescu(orthanc.dicom, [sent.T1CE, sent.T2]);
        const done = await eventually(
          () => readTimeline(timeline),
          (v) => ['done', 'qc-failed/awaiting-rescan', 'needs-attention'].includes(v.timepoints[0].status),
          300000,
          'baseline done',
        );
        expect(done.timepoints[0]).toMatchObject({ status: 'done', qc: { passed: true } });
        const segmentation = done.timepoints[0].segmentation!;
        expect(segmentation.model).toBe('osteoflow-tumour-unet3d@1.0.0');
        expect(segmentation.pacsExport).toMatchObject({ status: 'stored', modality: 'T1CE' });
        const exported = segmentation.pacsExport as { frames: number };

        // In the PACS: one SEG series in the original study, under the patient's own identity, naming the model.
        const deps = intakeDeps({ ...harness.cfg, ...overrides }, harness.endpoints.temporal.address);
        const { dicomweb } = deps.pacs();
        const segSeries = async () => (await dicomweb.searchSeries(STUDY_UID)).filter((s) => dicomValue(s, '00080060') === 'SEG');
        const [seg] = await segSeries();
        expect(await segSeries()).toHaveLength(1);
        const segUid = String(dicomValue(seg, '0020000E'));
        const retrieved = await dicomweb.retrieveSeries(STUDY_UID, segUid, path.join(dir, 'seg-back'));
        expect(retrieved.files).toHaveLength(1);
        const read = readDicomMask(retrieved.files[0], sent.T1CE);
        expect(read.series.volume.seriesInstanceUid).toBe(SERIES_UID.T1CE);
        // The worker's mask, laid out in the study's folder by its address (its name carries the address's first digits).
        const timepointDir = path.join(protocol.storeDir!, pseudonym, 'baseline');
        const maskName = readdirSync(timepointDir).filter((f) => f.startsWith('mask.auto.osteoflow-tumour-unet3d-1.0.0-'));
        expect(maskName).toHaveLength(1);
        const stored = readImage(path.join(timepointDir, maskName[0]));
        const plane = stored.geometry.size[0] * stored.geometry.size[1];
        let inside = 0;
        let differing = 0;
        for (let i = 0; i < stored.data.length; i++) {
          if (stored.data[i] !== 0) inside++;
          if ((stored.data[i] !== 0 ? 1 : 0) !== read.mask.data[i]) differing++;
        }
        expect(inside).toBeGreaterThan(100);
        expect(differing).toBe(0);
        const ds = readDicomObject(retrieved.files[0], { expected: 'a SEG' }).dataSet;
        expect(ds.string('x00100020')).toBe(PATIENT.PatientID);
        expect(ds.string('x0020000d')).toBe(STUDY_UID);
        expect(ds.elements.x00620002?.items?.[0]?.dataSet?.string('x00620009')).toBe('osteoflow-tumour-unet3d@1.0.0');
        expect(exported.frames).toBe(
          new Set(
            Array.from(stored.data.keys())
              .filter((i) => stored.data[i] !== 0)
              .map((i) => Math.floor(i / plane)),
          ).size,
        );
        // Exported again, as an attempt retried after the PACS had stored it would: the same instance, no second SEG.
        const images = (await store.listScans({ studyId, pseudonym, timepoint: 'baseline' })).filter((s) => s.role === 'image');
        const reexport: ExportMaskInput = {
          studyId,
          pseudonym,
          timepoint: 'baseline',
          mask: { path: stored.source!, sha256: createHash('sha256').update(readFileSync(stored.source!)).digest('hex') },
          // T1CE and T2 share the mask's grid: in the study's order, as the Timepoint sends them, T1CE comes first.
          images: ['T1CE', 'T2'].map((modality) => ({ modality, path: path.join(protocol.storeDir!, images.find((s) => s.modality === modality)!.path) })),
          algorithm: segmentation.model,
        };
        const again = await new MockActivityEnvironment().run(createMaskExport(deps).exportMask, reexport);
        expect(again).toEqual(segmentation.pacsExport);
        // Nothing to put it beside: the image as NIfTI (never in the PACS), or a pseudonym the identifier map does not hold.
        const exportMask = (input: Partial<ExportMaskInput>) =>
          new MockActivityEnvironment().run(createMaskExport(deps).exportMask, { ...reexport, ...input } as ExportMaskInput);
        const asNifti = await exportMask({ images: [{ modality: 'T1CE', path: synthetic.file(files.T1CE) }] });
        expect(asNifti).toEqual({ status: 'skipped', reason: expect.stringMatching(/the mask is on no DICOM series of the timepoint/) });
        const unknown = await exportMask({ pseudonym: 'OSF-0999' });
        expect(unknown).toEqual({
          status: 'skipped',
          reason: expect.stringMatching(/^patient OSF-0999, timepoint baseline: the identifier map has no patient/),
        });
        // A patient the map holds but whose series the PACS does not: the stored copy maps to none of theirs.
        const other = IdentityMap.open(mapFile, loadIdentityKey(keyFile)).pseudonymFor(studyId, 'HOSP-0000001');
        const notInPacs = await exportMask({ pseudonym: other });
        expect(notInPacs).toEqual({ status: 'skipped', reason: expect.stringMatching(/the T1CE series the mask is on is not in the PACS/) });
        const segsAfter = await segSeries();
        expect(segsAfter.map((s) => dicomValue(s, '0020000E'))).toEqual([segUid]);
        expect(Number(dicomValue(segsAfter[0], '00201209'))).toBe(1);
        await recordHistory(harness, `${timeline.workflowId}/baseline/run-1`, 'timepoint-mask-export');

        // osteoflow kept no identifier: the study store's files and the stored histories (intake, timeline, timepoint).
        const haystacks: Haystack[] = [...storeFiles(protocol.storeDir!)];
        for (const id of [timeline.workflowId, `${timeline.workflowId}/baseline/run-1`, intakeHandle.workflowId]) {
          const history = await harness.client.workflow.getHandle(id).fetchHistory();
          haystacks.push([`history of ${id}`, textsOf(history).join('\n')]);
        }
        expect(identifiersFound(haystacks, [...Object.values(PATIENT), STUDY_UID, ...Object.values(SERIES_UID)])).toEqual([]);
        // The exported SEG reaches intake's change feed too, and is left alone: not taken back as a contour, not for review.
        // (The workflow's query, not its memo: the memo is written when what it shows changes, not at every poll.)
        const live = () => intakeHandle.query<IntakeState>(INTAKE_MESSAGES.state);
        const polled = (await live()).polls;
        const later = await eventually(live, (state) => state.polls >= polled + 5, 60000, 'five more polls');
        expect(later.taken.map((t) => t.modality).sort()).toEqual(['T1CE', 'T2']);
        expect(later.review).toEqual([]);
      } finally {
        // A failed expectation must not leave intake polling: the worker would wait for it at shutdown.
        await intakeHandle.terminate('test over');
      }
    });
  } finally {
    await stopWorkerProcess(gpu);
    await pipeline.close();
    await store.close();
  }
});
