// PACS intake on a real Orthanc and the real stack, with nobody acting: STS_001's CT, T1 and PET series and their
// three RTSTRUCT contours (StudyDate moved to today, as a new visit) arrive by C-STORE (DCMTK's storescu); intake
// finds them in the change feed, matches the patient through the identifier map and each series to the study's
// modality by its rules, de-identifies them into the study store and registers them, and the baseline completes
// with features per modality in each series' own contour. Another patient's CT, not enrolled, waits on the review
// list until a coordinator dismisses it. Then no original PatientID, PatientName or other identifier is found in the
// study store, the results store or the raw stored histories of the three workflows.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { enrolPatient, readTimeline } from '../../clients/coordinator';
import { dismissSeries, intakeHandle, readIntake, startIntake } from '../../clients/intake';
import { newKey } from '../../config/aesGcm';
import { readDicomObject } from '../../imaging/contours';
import { startOrthanc, type OrthancServer } from '../../ops/orthancServer';
import { IdentityMap, loadIdentityKey, sendWithStorescu } from '../../pacs';
import { resultsStorePath } from '../../store';
import { SqliteResultsStore } from '../../store/sqliteStore';
import { describeWithReferenceData, referencePath } from '../support/referenceData';
import { filesUnder, rewriteFolder } from './support/dicomRewrite';
import { connectHarness, eventually, type Harness } from './support/pipeline';
import { type Haystack, identifiersFound, storeFiles, studyRows, textsOf } from './support/identifierSearch';
import { writeStsStudy } from './support/stsStudy';

jest.setTimeout(300000);

const FOLDERS = { CT: 'CT', T1: 'MR_T1', PET: 'PET' } as const;
const MODALITIES = Object.keys(FOLDERS) as (keyof typeof FOLDERS)[];
const required = MODALITIES.flatMap((m) => [`sts/dicom/STS_001/${FOLDERS[m]}/image`, `sts/dicom/STS_001/${FOLDERS[m]}/mask/RS.dcm`]).concat([
  'sts/dicom/STS_002/CT/image',
]);

/** Copies a folder's DICOM files with StudyDate set to `date` (the visit happens today). */
function copyWithStudyDate(from: string, to: string, date: string): void {
  rewriteFolder(from, to, (ds) => void (ds.StudyDate = date));
}

describeWithReferenceData('PACS intake on a real Orthanc (STS_001: CT, T1 and PET with their contours)', required, () => {
  let harness: Harness;
  let orthanc: OrthancServer;
  let dir: string;

  beforeAll(async () => {
    harness = await connectHarness();
    dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-intake-it-'));
    orthanc = await startOrthanc(path.join(dir, 'orthanc'), { stableAgeSeconds: 1 });
  });
  afterAll(async () => {
    await orthanc?.stop();
    await harness?.close();
  });

  it('takes in a visit with nobody acting, de-identified, and lists another patient’s series for review', async () => {
    const started = Date.now();
    const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    const sent = path.join(dir, 'modality');
    for (const m of MODALITIES) {
      copyWithStudyDate(referencePath('sts', 'dicom', 'STS_001', FOLDERS[m], 'image'), path.join(sent, 'STS_001', m, 'image'), today);
      copyWithStudyDate(referencePath('sts', 'dicom', 'STS_001', FOLDERS[m], 'mask'), path.join(sent, 'STS_001', m, 'mask'), today);
    }
    copyWithStudyDate(referencePath('sts', 'dicom', 'STS_002', 'CT', 'image'), path.join(sent, 'STS_002', 'CT'), today);

    // What must never come out: the identifying attributes of both patients, as their files hold them.
    const identifiers = new Set<string>();
    for (const file of [referencePath('sts', 'dicom', 'STS_001', 'CT', 'mask', 'RS.dcm'), filesUnder(path.join(sent, 'STS_002'))[0]]) {
      const ds = readDicomObject(file, { expected: 'a DICOM file', headerOnly: true }).dataSet;
      for (const tag of ['x00100010', 'x00100020', 'x00100030', 'x00080050']) {
        const value = ds.string(tag)?.trim();
        if (value) identifiers.add(value);
      }
    }
    expect([...identifiers]).toEqual(expect.arrayContaining(['STS_001', 'STS_002']));

    // The site's identifier map: STS_001 is enrolled under a pseudonym; STS_002 is not in this study.
    const keyFile = path.join(dir, 'identity.key');
    writeFileSync(keyFile, `${newKey()}\n`, { mode: 0o600 });
    const mapFile = path.join(dir, 'identity-map.enc');
    const studyId = `IT-INTAKE-${Date.now().toString(36)}`;
    const pseudonym = IdentityMap.open(mapFile, loadIdentityKey(keyFile)).pseudonymFor(studyId, 'STS_001');
    expect(pseudonym).toBe('OSF-0001');

    const { protocol, intake: intakeStudy } = writeStsStudy(dir, {
      studyId,
      modalities: MODALITIES,
      featureClass: { shape: null, firstorder: null },
      intakeSeries: [
        { modality: 'CT', dicomModality: ['CT'] },
        { modality: 'T1', dicomModality: ['MR'] },
        { modality: 'PET', dicomModality: ['PT'] },
      ],
    });
    const { settings, pollEveryMs } = intakeStudy!;

    const pipeline = await harness.startWorker({
      orthanc: { url: orthanc.url, username: orthanc.credentials.username, password: orthanc.credentials.password },
      identity: { keyFile, mapFile },
    });
    const store = new SqliteResultsStore(resultsStorePath(harness.cfg));
    try {
      await pipeline.worker.runUntil(async () => {
        const timeline = await enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, protocol, pseudonym);
        const intake = await startIntake(harness.client, harness.cfg.taskQueues.pipeline, protocol, settings, { pollEveryMs, startCursor: 0 });
        // The modality sends the images first, then the contours, as a planning system would after them.
        await sendWithStorescu(orthanc.dicom, [...MODALITIES.map((m) => path.join(sent, 'STS_001', m, 'image')), path.join(sent, 'STS_002', 'CT')]);
        await eventually(
          () => readIntake(intake),
          (s) => s.taken.length === 3,
          120000,
          'the three image series taken in',
        );
        await sendWithStorescu(
          orthanc.dicom,
          MODALITIES.map((m) => path.join(sent, 'STS_001', m, 'mask')),
        );

        const done = await eventually(
          () => readTimeline(timeline),
          (v) => ['done', 'qc-failed/awaiting-rescan', 'needs-attention'].includes(v.timepoints[0].status),
          180000,
          'baseline done',
        );
        expect(done.timepoints[0].qc?.reasons).toEqual([]);
        expect(done.timepoints[0]).toMatchObject({ status: 'done', qc: { passed: true } });
        expect(done.timepoints[0].masks?.map((m) => [m.for, m.kind]).sort()).toEqual([
          ['CT', 'RTSTRUCT'],
          ['PET', 'RTSTRUCT'],
          ['T1', 'RTSTRUCT'],
        ]);
        const sets = await store.getFeatureSets({ studyId, pseudonym, timepoint: 'baseline' });
        expect(sets.map((s) => s.modality).sort()).toEqual(['CT', 'PET', 'T1']);
        for (const s of sets) expect(s.features.original_shape_VoxelVolume).toBeGreaterThan(1000);

        // Intake's record: six series taken in (three images, three contours), the other patient's CT for review.
        const state = await eventually(
          () => readIntake(intake),
          (s) => s.taken.length === 6 && s.review.length === 1,
          60000,
          'intake state',
        );
        expect(state.taken.map((t) => `${t.modality}${t.for ? ` for ${t.for}` : ''}`).sort()).toEqual([
          'CT',
          'PET',
          'T1',
          'mask for CT',
          'mask for PET',
          'mask for T1',
        ]);
        expect(state.review[0]).toMatchObject({ code: 'unknown-patient', status: 'open' });
        expect(state.review[0].message).toMatch(
          new RegExp(`^series ${state.review[0].pacsSeriesId} \\(CT\\): its patient is not enrolled in study ${studyId}$`),
        );

        // A coordinator dismisses it, with a reason; a dismissal without one is refused and changes nothing.
        const refused = await dismissSeries(intakeHandle(harness.client, studyId), {
          pacsSeriesId: state.review[0].pacsSeriesId,
          who: 'coordinator',
          note: ' ',
        }).catch((err: Error) => err);
        expect((refused as Error & { cause?: Error }).cause?.message).toBe('note must say why');
        expect((await readIntake(intake)).review[0].status).toBe('open');
        const after = await dismissSeries(intakeHandle(harness.client, studyId), {
          pacsSeriesId: state.review[0].pacsSeriesId,
          who: 'coordinator',
          note: 'not a study patient',
        });
        expect(after.review[0]).toMatchObject({ status: 'dismissed', resolution: { who: 'coordinator', note: 'not a study patient' } });

        // No identifier anywhere osteoflow keeps things: the study store's files, the results store, the raw histories.
        const haystacks: Haystack[] = [];
        haystacks.push(...storeFiles(protocol.storeDir!), ...studyRows(resultsStorePath(harness.cfg), studyId));
        for (const id of [timeline.workflowId, `${timeline.workflowId}/baseline/run-1`, intake.workflowId]) {
          const history = await harness.client.workflow.getHandle(id).fetchHistory();
          haystacks.push([`history of ${id}`, textsOf(history).join('\n')]);
        }
        const found = identifiersFound(haystacks, identifiers);
        expect(found).toEqual([]);
        expect(haystacks.length).toBeGreaterThan(10);
        await intake.terminate('test over');
        console.log(`[intake] ${haystacks.length} places searched for ${identifiers.size} identifiers; whole test ${Date.now() - started} ms`);
      });
    } finally {
      await store.close();
      await pipeline.close();
    }
  });
});
