// The console's PACS review list on the real stack: a real Orthanc holds one CT series of a patient no study enrols
// (STS_002, sent by DCMTK's storescu), the study's real PacsIntake workflow lists it for review, and the console, over
// real HTTP, shows it to a viewer, refuses the viewer's dismissal (403) and a dismissal without a note (400); a
// coordinator dismisses it on the review page in Chromium (the page passes axe): the workflow's own memo then records
// the coordinator as who, with the note, and the audit trail has the action.
import { openBlobStore } from '../../store/blobs';
import { StudyFiles } from '../../study/storedFiles';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AccessControl, SqliteAccessStore } from '../../access';
import { intakeHandle, readIntake, startIntake } from '../../clients/intake';
import { newKey } from '../../config/aesGcm';
import { newCodecKey } from '../../config/payloadCodec';
import { connectClient } from '../../config/temporal';
import { INTAKE_MEMO, intakeWorkflowId } from '../../contracts/intake';
import { pacsIntakeWorkflow } from '../../workflows/intake';
import { patientTimelineWorkflow } from '../../workflows/patientTimeline';
import { patientWorkflowId } from '../../contracts/ids';
import { TIMELINE_VIEW_MEMO } from '../../contracts/timeline';
import { buildWeb } from '../../ops/build.cjs';
import { buildConsoleServer } from '../../console/server/app';
import { MlflowModelBackend, TemporalIntakeBackend, TemporalTimelineBackend } from '../../console/server/temporalBackend';
import type { IntakeResponse, IntakeStudyView } from '../../contracts/console';
import { startOrthanc, type OrthancServer } from '../../ops/orthancServer';
import { IdentityMap, loadIdentityKey, sendWithStorescu } from '../../pacs';
import { MlflowClient } from '../../registry/mlflowClient';
import { openResultsStore, type ResultsStore } from '../../store';
import { describeWithReferenceData, referencePath } from '../support/referenceData';
import { launchBrowser, screenshot, seriousViolations } from '../e2e/browser';
import { WEB_ROOT } from '../e2e/consoleServer';
import { connectHarness, eventually, type Harness } from './support/pipeline';
import { writeStsStudy } from './support/stsStudy';

jest.setTimeout(300000);

describeWithReferenceData('the PACS review list in the console (real Orthanc, real intake workflow)', ['sts/dicom/STS_002/CT/image'], () => {
  const suffix = Date.now().toString(36);
  const studyId = `IT-CONSOLE-INTAKE-${suffix}`;
  let harness: Harness;
  let orthanc: OrthancServer;
  let store: ResultsStore;
  let accessStore: SqliteAccessStore;
  let app: FastifyInstance;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    harness = await connectHarness();
    dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-console-intake-'));
    orthanc = await startOrthanc(path.join(dir, 'orthanc'), { stableAgeSeconds: 1 });
    store = openResultsStore(harness.cfg);
    accessStore = new SqliteAccessStore(path.join(dir, 'access.sqlite'));
    const access = new AccessControl(accessStore);
    await access.addUser('cora', 'cora-password-1', ['coordinator']);
    await access.addUser('vic', 'vic-password-12', ['viewer']);
    await buildWeb();
    app = await buildConsoleServer({
      webRoot: WEB_ROOT,
      access,
      timelines: new TemporalTimelineBackend(harness.client),
      models: new MlflowModelBackend(harness.client, harness.cfg, new MlflowClient({ trackingUri: harness.endpoints.mlflow.trackingUri })),
      intake: new TemporalIntakeBackend(harness.client),
      store,
      files: new StudyFiles(openBlobStore(harness.cfg), path.join(dir, 'studies')),
      uploadDir: path.join(dir, 'uploads'),
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await intakeHandle(harness.client, studyId)
      .terminate('test over')
      .catch(() => undefined);
    await app?.close();
    await orthanc?.stop();
    await store?.close();
    await accessStore?.close();
    await harness?.close();
  });

  async function signIn(username: string, password: string): Promise<Record<string, string>> {
    const r = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(r.status).toBe(200);
    return { cookie: r.headers.get('set-cookie')!.split(';')[0], 'x-csrf-token': ((await r.json()) as { csrfToken: string }).csrfToken };
  }
  const call = async <T>(headers: Record<string, string>, method: string, url: string, body?: unknown) => {
    const r = await fetch(`${base}${url}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as T };
  };

  it('lists the unmatched series and dismisses it through the API, as the signed-in coordinator', async () => {
    const started = Date.now();
    // The site's identifier map enrols someone else: STS_002 is no patient of the study.
    const keyFile = path.join(dir, 'identity.key');
    writeFileSync(keyFile, `${newKey()}\n`, { mode: 0o600 });
    const mapFile = path.join(dir, 'identity-map.enc');
    IdentityMap.open(mapFile, loadIdentityKey(keyFile)).pseudonymFor(studyId, 'SOMEONE-ELSE');
    const { protocol, intake: intakeStudy } = writeStsStudy(dir, { studyId, modalities: ['CT'], intakeSeries: [{ modality: 'CT', dicomModality: ['CT'] }] });
    const { settings, pollEveryMs } = intakeStudy!;
    const taskQueues = { ...harness.cfg.taskQueues, pipeline: `it-console-intake-${suffix}` };
    const worker = await harness.startWorker({
      taskQueues,
      orthanc: { url: orthanc.url, username: orthanc.credentials.username, password: orthanc.credentials.password },
      identity: { keyFile, mapFile },
    });
    try {
      await worker.worker.runUntil(async () => {
        await startIntake(harness.client, taskQueues.pipeline, protocol, settings, { pollEveryMs, startCursor: 0 });
        await sendWithStorescu(orthanc.dicom, [referencePath('sts', 'dicom', 'STS_002', 'CT', 'image')]);

        const vic = await signIn('vic', 'vic-password-12');
        const cora = await signIn('cora', 'cora-password-1');
        const listed = await eventually(
          () => call<IntakeStudyView>(vic, 'GET', `/api/studies/${studyId}/intake`),
          (r) => r.status === 200 && r.body.open.length === 1,
          120000,
          'the series on the review list',
        );
        const [entry] = listed.body.open;
        expect(entry).toMatchObject({ code: 'unknown-patient', label: 'Patient not enrolled', status: 'open', resolution: null });
        expect(entry.message).toMatch(new RegExp(`its patient is not enrolled in study ${studyId}$`));
        // No identifier of the patient on the page.
        expect(JSON.stringify(listed.body)).not.toContain('STS_002');
        // Another study's intake whose memo is encrypted with a key this console lacks (written at start by a client with
        // the codec, so no worker is needed): the list leaves it out and still shows the readable study.
        const codecFile = path.join(dir, 'other-codec-keys.json');
        writeFileSync(codecFile, JSON.stringify({ encryptWith: 'k-other', keys: { 'k-other': newCodecKey() } }), { mode: 0o600 });
        const sealed = await connectClient(harness.endpoints.temporal.address, { ...harness.cfg.temporal, codecKeysFile: codecFile });
        const unreadable = await sealed.workflow.start(pacsIntakeWorkflow, {
          workflowId: intakeWorkflowId(`${studyId}-SEALED`),
          taskQueue: `${taskQueues.pipeline}-nobody`,
          args: [{ protocol, settings, pollEveryMs, startCursor: 0 }],
          memo: { [INTAKE_MEMO]: { cursor: 0, taken: [], review: [], polls: 0 } },
        });
        // And a timeline of that study, sealed the same way: the studies list still answers with the readable ones.
        const sealedTimeline = await sealed.workflow.start(patientTimelineWorkflow, {
          workflowId: patientWorkflowId(`${studyId}-SEALED`, 'SYN-900'),
          taskQueue: `${taskQueues.pipeline}-nobody`,
          args: [{ protocol: { ...protocol, studyId: `${studyId}-SEALED` }, pseudonym: 'SYN-900' }],
          memo: { [TIMELINE_VIEW_MEMO]: { studyId: `${studyId}-SEALED`, pseudonym: 'SYN-900' } },
        });
        try {
          const studies = await call<{ studies: { studyId: string }[] }>(vic, 'GET', '/api/studies');
          expect(studies.status).toBe(200);
          expect(studies.body.studies.map((st) => st.studyId)).not.toContain(`${studyId}-SEALED`);
          const all = await eventually(
            () => call<IntakeResponse>(vic, 'GET', '/api/intake'),
            (r) => r.status === 200 && r.body.studies.some((s) => s.studyId === studyId),
            30000,
            'the readable intake listed',
          );
          expect(all.body.studies.map((s) => s.studyId)).not.toContain(`${studyId}-SEALED`);
        } finally {
          await unreadable.terminate('test over');
          await sealedTimeline.terminate('test over');
          await sealed.connection.close();
        }

        const url = `/api/studies/${studyId}/intake/${entry.pacsSeriesId}/dismiss`;
        const byViewer = await call<{ permission: string }>(vic, 'POST', url, { note: 'not a study patient' });
        expect(byViewer).toMatchObject({ status: 403, body: { permission: 'studies.act' } });
        const noNote = await call<{ field: string }>(cora, 'POST', url, {});
        expect(noNote).toMatchObject({ status: 400, body: { field: 'note' } });
        expect((await readIntake(intakeHandle(harness.client, studyId))).review[0].status).toBe('open');

        // The coordinator dismisses it on the review page, through the same API.
        const browser = await launchBrowser();
        try {
          const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
          await page.goto(`${base}/sign-in?next=/intake`);
          await page.getByLabel('User name').fill('cora');
          await page.getByLabel('Password').fill('cora-password-1');
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.getByRole('heading', { name: `${studyId}: 1 waiting` }).waitFor();
          const item = page.getByRole('listitem').filter({ hasText: entry.pacsSeriesId });
          await item.getByText('Patient not enrolled').waitFor();
          await screenshot(page, 'pacs-review');
          expect(await seriousViolations(page)).toEqual([]);
          await item.getByLabel('Why it is not taken in').fill('not a study patient');
          await item.getByRole('button', { name: 'Dismiss series' }).click();
          await page.getByRole('heading', { name: `${studyId}: 0 waiting` }).waitFor();
          const resolved = page.getByRole('table', { name: `Resolved series of ${studyId}` });
          await resolved.getByRole('row').filter({ hasText: entry.pacsSeriesId }).getByText('not a study patient').waitFor();
          expect(await resolved.getByRole('row').filter({ hasText: entry.pacsSeriesId }).innerText()).toMatch(/dismissed\s+cora/);
        } finally {
          await browser.close();
        }
        const after = await call<IntakeStudyView>(cora, 'GET', `/api/studies/${studyId}/intake`);
        expect(after.body.open).toEqual([]);
        expect(after.body.resolved[0]).toMatchObject({
          pacsSeriesId: entry.pacsSeriesId,
          status: 'dismissed',
          resolution: { who: 'cora', note: 'not a study patient' },
        });
        // The workflow's own record, as the CLI reads it.
        const memo = await eventually(
          () => readIntake(intakeHandle(harness.client, studyId)),
          (s) => s.review[0]?.status === 'dismissed',
          30000,
          'the dismissal in the memo',
        );
        expect(memo.review[0].resolution).toMatchObject({ who: 'cora', note: 'not a study patient' });
        const again = await call<{ message: string }>(cora, 'POST', url, { note: 'twice' });
        expect(again.status).toBe(409);
        const audit = await accessStore.listAudit({ action: 'intake.dismiss' });
        expect(audit.map((e) => [e.actor, e.outcome]).sort()).toEqual([
          ['cora', 'ok'],
          ['cora', 'refused'],
          ['vic', 'refused'],
        ]);
        console.log(`[console intake] listed and dismissed in ${Date.now() - started} ms`);
      });
    } finally {
      await worker.close();
    }
  });
});
