// What PACS intake does with input it cannot use, on a real Orthanc and the real stack, with nobody acting: a CT
// series marked BurnedInAnnotation = YES is refused by de-identification (a review entry, nothing in the study
// store, nothing registered); a structure set drawn in another frame of reference, and one that holds no ROI, are
// taken in as contours and QC says why each is unusable (the timeline shows it); and a PACS that stops answering is
// retried, then the intake's memo says it needs attention (reason and since) while the workflow keeps polling, and
// the attention clears once the PACS answers again. A series taken in again (a retried poll) is not registered twice.
// Neither the refusal, the QC failures' notifications, the outage's
// log lines nor the stored histories name a patient by an identifier of the files.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { enrolPatient, readTimeline } from '../../clients/coordinator';
import { readIntake, startIntake } from '../../clients/intake';
import { newKey } from '../../config/aesGcm';
import { launchOrthanc, startOrthanc, waitForOrthanc, type OrthancServer } from '../../ops/orthancServer';
import { stopProcessGroup } from '../../ops/processes';
import { IdentityMap, loadIdentityKey, sendWithStorescu } from '../../pacs';
import { intakeDeps } from '../../workers/pipeline/intake';
import { describeWithReferenceData, referencePath } from '../support/referenceData';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIntakeActivities } from '../../activities/intake/activities';
import type { TakenSeries } from '../../contracts/intake';
import { readDicomObject } from '../../imaging/contours';
import { filesUnder, itemsOf, rewriteFolder } from './support/dicomRewrite';
import { connectHarness, eventually, recordHistory, type Harness } from './support/pipeline';
import { startWebhook, type Webhook } from './support/notifiedPipeline';
import { identifiersFound } from './support/identifierSearch';
import { writeStsStudy } from './support/stsStudy';

jest.setTimeout(300000);

const PATIENTS = ['STS_001', 'STS_002', 'STS_003'] as const;
const required = PATIENTS.flatMap((p) => [`sts/dicom/${p}/CT/image`, `sts/dicom/${p}/CT/mask/RS.dcm`]);

describeWithReferenceData('PACS intake refuses or flags bad input and survives the PACS going down', required, () => {
  let harness: Harness;
  let orthanc: OrthancServer;
  let dir: string;
  let restartedPid: number | undefined;
  let webhook: Webhook;
  const notifications: string[] = [];
  const logLines: string[] = [];
  const writeStderr = process.stderr.write.bind(process.stderr);

  beforeAll(async () => {
    // The worker logs to stderr (Temporal's runtime logger): what it writes is searched for identifiers below.
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logLines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (writeStderr as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    webhook = await startWebhook((body) => notifications.push(body));
    harness = await connectHarness();
    dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-intake-faults-'));
    orthanc = await startOrthanc(path.join(dir, 'orthanc'), { stableAgeSeconds: 1 });
  });
  afterAll(async () => {
    process.stderr.write = writeStderr;
    webhook?.close();
    if (restartedPid !== undefined) await stopProcessGroup(restartedPid);
    await orthanc?.stop();
    await harness?.close();
  });

  it('refuses a burned-in series, registers unusable contours that QC names, and needs attention while the PACS is down', async () => {
    const started = Date.now();
    const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    const sent = path.join(dir, 'modality');
    const ct = (p: string, part: 'image' | 'mask') => referencePath('sts', 'dicom', p, 'CT', part);
    // STS_001: every CT slice says its pixels carry burned-in text.
    rewriteFolder(ct('STS_001', 'image'), path.join(sent, 'STS_001', 'image'), (ds) => {
      ds.StudyDate = today;
      ds.BurnedInAnnotation = 'YES';
    });
    for (const p of ['STS_002', 'STS_003']) rewriteFolder(ct(p, 'image'), path.join(sent, p, 'image'), (ds) => void (ds.StudyDate = today));
    // STS_002: the structure set names its CT series but draws its ROI in another frame of reference.
    const elsewhere = `2.25.${BigInt(`0x${randomBytes(16).toString('hex')}`)}`;
    rewriteFolder(ct('STS_002', 'mask'), path.join(sent, 'STS_002', 'mask'), (ds) => {
      ds.StudyDate = today;
      for (const roi of itemsOf(ds, 'StructureSetROISequence')) roi.ReferencedFrameOfReferenceUID = elsewhere;
      for (const frame of itemsOf(ds, 'ReferencedFrameOfReferenceSequence')) frame.FrameOfReferenceUID = elsewhere;
      ds.FrameOfReferenceUID = elsewhere;
    });
    // STS_003: the structure set holds no ROI at all (a planning system's empty export).
    rewriteFolder(ct('STS_003', 'mask'), path.join(sent, 'STS_003', 'mask'), (ds) => {
      ds.StudyDate = today;
      ds.StructureSetROISequence = [];
      ds.ROIContourSequence = [];
      ds.RTROIObservationsSequence = [];
    });

    const keyFile = path.join(dir, 'identity.key');
    writeFileSync(keyFile, `${newKey()}\n`, { mode: 0o600 });
    const mapFile = path.join(dir, 'identity-map.enc');
    const studyId = `IT-INTAKE-BAD-${Date.now().toString(36)}`;
    const map = IdentityMap.open(mapFile, loadIdentityKey(keyFile));
    const pseudonyms = PATIENTS.map((p) => map.pseudonymFor(studyId, p));
    const { protocol, intake: intakeStudy } = writeStsStudy(dir, { studyId, modalities: ['CT'], intakeSeries: [{ modality: 'CT', dicomModality: ['CT'] }] });
    const { settings, pollEveryMs } = intakeStudy!;

    const workerConfig = {
      orthanc: { url: orthanc.url, username: orthanc.credentials.username, password: orthanc.credentials.password },
      identity: { keyFile, mapFile },
    };
    const pipeline = await harness.startWorker({
      ...workerConfig,
      notifications: { webhookUrl: webhook.url },
    });
    try {
      await pipeline.worker.runUntil(async () => {
        const timelines = await Promise.all(pseudonyms.map((p) => enrolPatient(harness.client, harness.cfg.taskQueues.pipeline, protocol, p)));
        // Three attempts (1 s, then 2 s apart): the outage below needs attention within seconds, not the default 10 minutes.
        const intake = await startIntake(harness.client, harness.cfg.taskQueues.pipeline, protocol, settings, {
          pollEveryMs,
          startCursor: 0,
          pacsAttempts: 3,
        });
        await sendWithStorescu(
          orthanc.dicom,
          PATIENTS.map((p) => path.join(sent, p, 'image')),
        );
        const images = await eventually(
          () => readIntake(intake),
          (s) => s.taken.length === 2 && s.review.length === 1,
          120000,
          'two CT series taken in and one refused',
        );

        // Burned-in annotation: a review entry with the reason, nothing in the study store, nothing registered.
        expect(images.taken.map((t) => t.pseudonym).sort()).toEqual([pseudonyms[1], pseudonyms[2]]);
        const [refused] = images.review;
        expect(refused).toMatchObject({ code: 'deidentification-refused', status: 'open' });
        expect(refused.message).toMatch(new RegExp(`^series ${refused.pacsSeriesId} \\(CT\\): .*BurnedInAnnotation \\(0028,0301\\) is YES`));
        expect(existsSync(path.join(protocol.storeDir!, pseudonyms[0])) ? filesUnder(path.join(protocol.storeDir!, pseudonyms[0])) : []).toEqual([]);
        expect((await readTimeline(timelines[0])).timepoints[0].scans).toEqual([]);

        // The two structure sets: taken in as contours for CT, then QC says why neither can be used.
        await sendWithStorescu(
          orthanc.dicom,
          ['STS_002', 'STS_003'].map((p) => path.join(sent, p, 'mask')),
        );
        const failed = await Promise.all(
          timelines.slice(1).map((t) =>
            eventually(
              () => readTimeline(t),
              (v) => ['done', 'qc-failed/awaiting-rescan', 'needs-attention'].includes(v.timepoints[0].status),
              180000,
              `QC of ${t.workflowId}`,
            ),
          ),
        );
        const contours = await readIntake(intake);
        expect(contours.taken.map((t) => `${t.pseudonym} ${t.modality}${t.for ? ` for ${t.for}` : ''}`).sort()).toEqual(
          [`${pseudonyms[1]} CT`, `${pseudonyms[1]} mask for CT`, `${pseudonyms[2]} CT`, `${pseudonyms[2]} mask for CT`].sort(),
        );
        const expected = [
          // Intake registers the contour object by its address; the image series is named by its name in the study's store.
          /^CT mask: unusable \(file blob:[0-9a-f]{64}\/[^/,]+\.dcm, field 'ReferencedFrameOfReferenceUID \(3006,0024\)': ROI 'GTV_Mass_CT' is drawn in another frame of reference than the image series OSF-\d{4}\/baseline\/CT-[0-9a-f]{12} /,
          /^CT mask: unusable \(file blob:[0-9a-f]{64}\/[^/,]+\.dcm, field 'StructureSetROISequence \(3006,0020\)': the structure set holds no ROI/,
        ];
        failed.forEach((view, i) => {
          const tp = view.timepoints[0];
          expect([view.pseudonym, tp.status]).toEqual([pseudonyms[i + 1], 'qc-failed/awaiting-rescan']);
          expect(tp.qc?.findings?.map((f) => [f.code, f.modality])).toEqual([['contour-unusable', 'CT']]);
          expect(tp.qc?.findings?.[0].message).toMatch(expected[i]);
        });

        // A poll retried after failing part-way takes its series in again: the timeline, waiting for a re-scan and
        // so open to one, is not given the same series twice (the activity run directly, as a retry would).
        const ctOf2 = contours.taken.find((t) => t.pseudonym === pseudonyms[1] && t.modality === 'CT')!;
        const activities = createIntakeActivities(intakeDeps({ ...harness.cfg, ...workerConfig }, harness.endpoints.temporal.address));
        const again: TakenSeries = await new MockActivityEnvironment().run(activities.takeInSeries, {
          protocol,
          pacsSeriesId: ctOf2.pacsSeriesId,
          pseudonym: pseudonyms[1],
          timepoint: 'baseline',
          modality: 'CT',
        });
        expect(again.seriesKey).toBe(ctOf2.seriesKey);
        const after = (await readTimeline(timelines[1])).timepoints[0];
        expect([after.status, after.scans.filter((scan) => scan.modality === 'CT').length]).toEqual(['qc-failed/awaiting-rescan', 1]);

        // The PACS stops answering: polls are retried, then the memo says so; the workflow runs on.
        await orthanc.stop();
        const down = Date.now();
        const attention = await eventually(
          () => readIntake(intake),
          (s) => s.attention !== undefined,
          60000,
          'attention while the PACS is down',
        );
        const toAttention = Date.now() - down;
        expect(attention.attention!.reason).toMatch(/PACS|Orthanc|127\.0\.0\.1|ECONNREFUSED|fetch failed/i);
        expect(Date.parse(attention.attention!.since)).toBeGreaterThanOrEqual(down - 5000);
        expect((await intake.describe()).status.name).toBe('RUNNING');

        // It answers again on the same ports, with what it stored: the attention clears, nothing is taken twice.
        const ports = { http: Number(new URL(orthanc.url).port), dicom: orthanc.dicom.port };
        const odir = path.join(dir, 'orthanc');
        const relaunched = launchOrthanc({
          configFile: path.join(odir, 'orthanc.json'),
          credentialsFile: path.join(odir, 'credentials.json'),
          storageDir: path.join(odir, 'storage'),
          indexDir: path.join(odir, 'index'),
          logFile: path.join(odir, 'orthanc.log'),
          httpPort: ports.http,
          dicomPort: ports.dicom,
          stableAgeSeconds: 1,
        });
        restartedPid = relaunched.pid;
        await waitForOrthanc(orthanc.url, relaunched.credentials, relaunched.pid, path.join(odir, 'orthanc.log'), 30000);
        const back = Date.now();
        const cleared = await eventually(
          () => readIntake(intake),
          (s) => s.attention === undefined,
          60000,
          'attention cleared once the PACS answers',
        );
        expect(cleared.taken).toHaveLength(4);
        expect(cleared.review).toHaveLength(1);
        console.log(
          `[intake faults] attention ${toAttention} ms after the PACS stopped (${attention.attention!.failedPolls} failed polls: ${attention.attention!.reason}); ` +
            `cleared ${Date.now() - back} ms after it answered; whole test ${Date.now() - started} ms`,
        );
        await intake.terminate('test over');
        await recordHistory(harness, intake.workflowId, 'intake-faults');

        // No identifier of the files in what was said and kept: notifications (the QC failures), the worker's log
        // (the outage's retries), the stored histories of the intake, the timelines and their runs.
        const identifiers = new Set<string>();
        for (const p of PATIENTS) {
          const ds = readDicomObject(filesUnder(path.join(sent, p, 'image'))[0], { expected: 'a DICOM file', headerOnly: true }).dataSet;
          for (const tag of ['x00100010', 'x00100020', 'x00100030', 'x00080050']) {
            const value = ds.string(tag)?.trim();
            if (value) identifiers.add(value);
          }
        }
        expect([...identifiers]).toEqual(expect.arrayContaining([...PATIENTS]));
        const haystacks: Array<[string, string]> = [
          ['notifications', notifications.join('\n')],
          ['worker log', logLines.join('')],
        ];
        for (const id of [intake.workflowId, ...timelines.map((t) => t.workflowId), ...timelines.slice(1).map((t) => `${t.workflowId}/baseline/run-1`)]) {
          haystacks.push([
            `history of ${id}`,
            JSON.stringify(await harness.client.workflow.getHandle(id).fetchHistory(), (_k, v: unknown) =>
              v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v,
            ),
          ]);
        }
        const found = identifiersFound(haystacks, identifiers);
        expect(found).toEqual([]);
        // They were there to search: a notification per failed QC, and the outage's retries in the log.
        expect(notifications.map((n) => (JSON.parse(n) as { kind: string }).kind)).toEqual(['qc-failed', 'qc-failed']);
        expect(logLines.some((l) => l.includes('PACS GET /changes: no answer'))).toBe(true);
      });
    } finally {
      await pipeline.close();
    }
  });
});
