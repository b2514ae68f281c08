// The web console end to end, in a real browser (Debian's Chromium through playwright-core) against the real console
// server on the real stack: a coordinator signs in, finds the QC-failed patient of a small synthetic study first in
// the cohort, reads the QC reasons and the mosaic, uploads the re-scan and watches the timepoint turn done without a
// reload; then, from the page, overrides a failed QC (refused without a reason), retries a timepoint that needs
// attention, replaces a mask, records pathology (a second time refused) and withdraws a patient. An ML engineer
// requests a promotion, an approver rejects it, it is requested again and approved, then rolled back; the
// coordinator is refused (403) every model action. The audit page lists it all. Every page passes axe-core with no serious or critical violation; screenshots of each page are
// kept under .osteoflow/test-artifacts/console/.
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { GatePolicy, TrainingResult } from '../../contracts/models';
import type { ConsoleUser, RunningConsole } from '../e2e/consoleServer';
import { enrolPatient, readTimeline, registerScan, timelineHandle } from '../../clients/coordinator';
import { trainModels } from '../../clients/training';
import { MlflowClient } from '../../registry/mlflowClient';
import { resultsStorePath } from '../../store';
import { createTrainingWorker, type TrainingWorker } from '../../workers/training/worker';
import type { PipelineWorker } from '../../workers/pipeline/worker';
import type { OsteoflowConfig } from '../../config';
import { buildStoredStudy, type StoredStudy } from '../unit/models/support/studyStore';
import { DEFAULT_PARAMS_FILE } from '../../cli/syntheticStudy';
import { launchBrowser, screenshot, seriousViolations } from '../e2e/browser';
import { startConsole } from '../e2e/consoleServer';
import { connectHarness, eventually, makeStudy, type Harness, type StudyFixture } from './support/pipeline';
import { LENIENT_GATE } from './support/lenientGate';

jest.setTimeout(900000);

const suffix = Date.now().toString(36);
const MODEL = `e2e-response-${suffix}`;
const COORDINATOR: ConsoleUser = { username: 'coord-ana', password: 'coordinator-pass-1', roles: ['coordinator'] };
const ENGINEER: ConsoleUser = { username: 'mle-ben', password: 'engineer-pass-22', roles: ['ml-engineer'] };
const APPROVER: ConsoleUser = { username: 'appr-cai', password: 'approver-pass-333', roles: ['approver'] };
/** A gate that judges the stored study's small hold-out at all: this suite is about who may do what, not the statistics. */
const LENIENT: GatePolicy = LENIENT_GATE;

let harness: Harness;
let cfg: OsteoflowConfig;
let pipeline: PipelineWorker;
let training: TrainingWorker;
let running: Promise<void>[] = [];
let consoleServer: RunningConsole;
let browser: Browser;
/** The coordinator's study: two patients, one visit with a truncated file (seed 12: SYN-002's baseline T2). */
let study: StudyFixture;
/** The study's own copy of the feature parameters, changed for a while to make a timepoint need attention. */
let paramsFile: string;
/** The labelled study the models are trained on. */
let labelled: StoredStudy;
let trained: TrainingResult;

beforeAll(async () => {
  harness = await connectHarness();
  // Queues of this suite only, so that no other suite's worker picks up its tasks.
  cfg = { ...harness.cfg, taskQueues: { ...harness.cfg.taskQueues, pipeline: `e2e-pipeline-${suffix}`, training: `e2e-training-${suffix}` } };
  paramsFile = path.join(harness.cfg.dataDir, `e2e-params-${suffix}.yaml`);
  copyFileSync(DEFAULT_PARAMS_FILE, paramsFile);
  study = makeStudy({ patients: 2, seed: 12, defects: { rate: 1 / 6, kinds: ['truncated-file'] }, studyId: `E2E-${suffix}`, paramsFile });
  pipeline = await harness.startWorker({ taskQueues: cfg.taskQueues });
  training = await createTrainingWorker(cfg, { address: harness.endpoints.temporal.address, mlflowUri: harness.endpoints.mlflow.trackingUri });
  running = [pipeline.worker.run(), training.worker.run()];
  consoleServer = await startConsole(harness, cfg, { users: [COORDINATOR, ENGINEER, APPROVER], promotionPolicy: LENIENT });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await consoleServer?.close();
  pipeline?.worker.shutdown();
  training?.worker.shutdown();
  await Promise.all(running);
  await pipeline?.close();
  await training?.close();
  await labelled?.store.close();
  await harness?.close();
  for (const dir of [study?.dir, labelled?.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * A browser context of its own (cookies, storage) per user, signed in through the sign-in page; `keyboard`: with the
 * keyboard alone, checking that the focused field shows a focus ring.
 */
async function signIn(user: ConsoleUser, options: { screenshot?: string; keyboard?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  await page.goto(`${consoleServer.url}/`);
  // Signed out: the console sends the user to sign-in, to return afterwards.
  await page.waitForURL(/\/sign-in\?next=/);
  await page.getByLabel('User name').waitFor();
  if (options.screenshot) await checkPage(page, options.screenshot);
  if (options.keyboard) {
    const focused = () =>
      page.evaluate(() => {
        const { document, getComputedStyle } = globalThis as unknown as {
          document: { activeElement: { id: string } | null };
          getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string };
        };
        const style = document.activeElement ? getComputedStyle(document.activeElement) : null;
        return { id: document.activeElement?.id ?? null, outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : null };
      });
    await page.keyboard.press('Tab');
    expect(await focused()).toEqual({ id: 'username', outline: 'solid 3px' });
    await page.keyboard.type(user.username);
    await page.keyboard.press('Tab');
    expect(await focused()).toEqual({ id: 'password', outline: 'solid 3px' });
    await page.keyboard.type(user.password);
    await page.keyboard.press('Enter');
  } else {
    await page.getByLabel('User name').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.getByText(`Signed in as ${user.username}`).waitFor();
  return { context, page };
}

/** axe-core finds no serious or critical violation on the page as it stands; a screenshot is kept either way. */
async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect({ page: name, violations: await seriousViolations(page) }).toEqual({ page: name, violations: [] });
}

/** Calls the API from inside the page, as the front end does (session cookie and CSRF header). */
async function apiFromPage(page: Page, method: string, url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return page.evaluate(
    async ([method, url, body]) => {
      const session = (await (await fetch('/api/session')).json()) as { csrfToken?: string };
      const response = await fetch(url as string, {
        method: method as string,
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken ?? '' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    [method, url, body] as const,
  );
}

describe('a coordinator', () => {
  const defective = () => study.manifest.defects[0];

  it('finds the QC-failed patient first, reads the reasons and the mosaic, uploads the re-scan and sees the timepoint done without a reload', async () => {
    // The study as generated: one truncated file, in the second patient's baseline (so the order is not by name).
    expect(study.manifest.defects.map((d) => [d.pseudonym, d.timepoint, d.kind, d.modality])).toEqual([['SYN-002', 'baseline', 'truncated-file', 'T2']]);
    const studyId = study.protocol.studyId;
    for (const patient of study.manifest.patients) {
      const handle = await enrolPatient(harness.client, cfg.taskQueues.pipeline, study.protocol, patient.pseudonym, { ...patient.clinical });
      const baseline = patient.timepoints[0];
      for (const [modality, file] of Object.entries(baseline.files)) await registerScan(handle, { timepoint: 'baseline', modality, source: study.file(file) });
    }
    const settled = (pseudonym: string, status: string) =>
      eventually(
        () => readTimeline(timelineHandle(harness.client, studyId, pseudonym)),
        (v) => v.timepoints[0].status === status,
        240000,
        `${pseudonym} baseline ${status}`,
      );
    const failed = await settled('SYN-002', 'qc-failed/awaiting-rescan');
    await settled('SYN-001', 'done');
    expect(failed.timepoints[0].qc?.findings?.map((f) => f.code)).toContain('unreadable');

    const { context, page } = await signIn(COORDINATOR, { screenshot: 'sign-in', keyboard: true });
    let loads = 0;
    page.on('load', () => loads++);
    // Every mosaic the page fetched, with the answer's status and type (named in a failure's message).
    const mosaics: string[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/mosaic.png')) mosaics.push(`${response.status()} ${response.headers()['content-type']} ${response.url()}`);
    });

    // The cohort of this study (chosen in the study filter): the QC-failed patient first, its state in words.
    await page.getByLabel('Study').selectOption(studyId);
    await page.waitForURL(new RegExp(`/cohort\\?study=${studyId}`));
    const rows = page.locator('table.cohort tbody tr');
    await page.locator('table.cohort tbody tr[data-pseudonym="SYN-001"] td[data-timepoint="baseline"][data-state="done"]').waitFor();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { dataset: { pseudonym: string } }).dataset.pseudonym))).toEqual([
      'SYN-002',
      'SYN-001',
    ]);
    const first = rows.first();
    expect(await first.locator('td[data-timepoint="baseline"]').innerText()).toMatch(/QC failed/);
    expect(await first.locator('th').innerText()).toMatch(/needs a person/);
    expect(await rows.nth(1).locator('td[data-timepoint="baseline"]').innerText()).toMatch(/Done/);
    await page.getByText('Live: updates appear as they happen').waitFor();
    await checkPage(page, 'cohort');

    // Filtered by state: only the QC-failed patient.
    await page.getByLabel('State').selectOption('qc-failed');
    await page.waitForURL(/state=qc-failed/);
    await page.getByText(/^1 of 2 patients shown/).waitFor();
    expect(await rows.count()).toBe(1);
    await checkPage(page, 'cohort-filtered-qc-failed');

    // The patient: QC reasons with their codes, the mosaic of a readable scan with its mask outlined.
    await page.getByRole('link', { name: 'SYN-002' }).click();
    await page.waitForURL(new RegExp(`/patients/${studyId}/SYN-002$`));
    const baseline = page.locator('article[data-timepoint="baseline"]');
    await baseline.locator('[data-state="qc-failed"], .state-qc-failed').first().waitFor();
    const reasons = baseline.getByRole('list', { name: 'QC reasons for baseline' });
    await reasons.waitFor();
    const reasonText = await reasons.innerText();
    expect(reasonText).toMatch(/unreadable/);
    expect(reasonText).toMatch(/T2/);
    const mosaic = baseline.getByRole('img', { name: /T1CE slices of SYN-002 at baseline, tumour mask outlined/ });
    await mosaic.waitFor();
    await eventually(
      () => mosaic.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      (width) => width > 0,
      30000,
      'the T1CE mosaic loaded',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; mosaic answers: ${mosaics.join('; ') || 'none'}`);
    });
    await checkPage(page, 'patient-qc-failed');

    // A file that is no image: the server's message, and nothing changes.
    const bogus = path.join(study.dir, 'not-an-image.nii.gz');
    writeFileSync(bogus, 'this is not a NIfTI file');
    const upload = baseline.getByRole('form', { name: 'Upload a re-scan (baseline)' });
    await upload.getByLabel('Modality').selectOption(defective().modality!);
    await upload.getByLabel(/Image file/).setInputFiles(bogus);
    await upload.getByRole('button', { name: 'Upload scan' }).click();
    const refusal = upload.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/not-an-image\.nii\.gz' is not a readable \.nii\.gz image.*\(HTTP 400\)/s);
    await checkPage(page, 'patient-upload-refused');

    // A second tab on the cohort, to see it follow the re-scan too.
    const cohortTab = await context.newPage();
    await cohortTab.goto(`${consoleServer.url}/cohort?study=${studyId}`);
    await cohortTab.locator('tr[data-pseudonym="SYN-002"] td[data-timepoint="baseline"][data-state="qc-failed"]').waitFor();
    let cohortLoads = 0;
    cohortTab.on('load', () => cohortLoads++);

    // The re-scan of the truncated modality: the timepoint reruns and turns done on this page, with no reload.
    const rescan = study.manifest.patients[1].timepoints[0].rescanFiles![defective().modality!]!;
    await upload.getByLabel(/Image file/).setInputFiles(study.file(rescan));
    await upload.getByRole('button', { name: 'Upload scan' }).click();
    await upload
      .getByRole('status')
      .filter({ hasText: /Done.*audit entry \d+/ })
      .waitFor();
    await baseline.and(page.locator('[data-state="done"]')).waitFor({ timeout: 240000 });
    expect(await baseline.getByText('QC passed').count()).toBe(1);
    expect(loads).toBe(0);
    await checkPage(page, 'patient-done');
    // The cohort tab turned too, by its event stream alone: nobody waits for a person any more.
    await cohortTab.locator('tr[data-pseudonym="SYN-002"] td[data-timepoint="baseline"][data-state="done"]').waitFor({ timeout: 30000 });
    expect(await cohortTab.locator('table.cohort .tag').count()).toBe(0);
    expect(cohortLoads).toBe(0);
    await cohortTab.close();

    // Back to the cohort by the breadcrumb (in-page navigation, no state filter): both patients, SYN-002 done.
    await page.getByRole('link', { name: `Cohort ${studyId}` }).click();
    await page.locator('table.cohort tbody tr[data-pseudonym="SYN-002"] td[data-timepoint="baseline"][data-state="done"]').waitFor();
    expect(await rows.count()).toBe(2);
    expect(loads).toBe(0);

    // Signing out ends the session on the server too (a DELETE with the CSRF header).
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel('User name').waitFor();
    expect(await page.evaluate(async () => (await fetch('/api/session')).status)).toBe(401);
    await context.close();
  });

  it('overrides QC (not without a reason), retries, replaces a mask, records pathology once and withdraws, from the page', async () => {
    const studyId = study.protocol.studyId;
    const [syn1, syn2] = study.manifest.patients;
    const handle1 = timelineHandle(harness.client, studyId, syn1.pseudonym);
    const timepoint = async (name: string) => (await readTimeline(handle1)).timepoints.find((t) => t.name === name)!;
    let coordinatorContext: BrowserContext | undefined;
    let coordinatorPage: Page | undefined;
    // Two visits of SYN-001 that wait for a person: 'mid' with T1CE filed again as T2 (QC fails: a duplicate image),
    // 'preop' run while the study's parameter file differs from enrolment (extraction refuses: needs attention).
    const original = readFileSync(paramsFile, 'utf8');
    expect(original).toMatch(/binCount: 32/);
    writeFileSync(paramsFile, original.replace('binCount: 32', 'binCount: 16'));
    try {
      const [mid, preop] = [syn1.timepoints[1], syn1.timepoints[2]];
      for (const [modality, file] of Object.entries(mid.files))
        await registerScan(handle1, { timepoint: mid.name, modality, source: study.file(modality === 'T2' ? mid.files.T1CE : file) });
      for (const [modality, file] of Object.entries(preop.files)) await registerScan(handle1, { timepoint: preop.name, modality, source: study.file(file) });
      await eventually(
        () => timepoint('mid'),
        (t) => t.status === 'qc-failed/awaiting-rescan',
        240000,
        'SYN-001 mid QC failed',
      );
      await eventually(
        () => timepoint('preop'),
        (t) => t.status === 'needs-attention',
        240000,
        'SYN-001 preop needs attention',
      );

      const { context, page } = await signIn(COORDINATOR);
      coordinatorContext = context;
      coordinatorPage = page;
      await page.goto(`${consoleServer.url}/patients/${studyId}/${syn1.pseudonym}`);
      await page.locator('article[data-timepoint="mid"][data-state="qc-failed"]').waitFor();
      await page.locator('article[data-timepoint="preop"][data-state="needs-attention"]').waitFor();
      expect(await page.locator('article[data-timepoint="preop"]').innerText()).toMatch(/parameter file/);
      await checkPage(page, 'patient-needs-attention');

      // A retry before the cause is fixed: the timepoint runs again, and needs attention again.
      const retry = page.getByRole('form', { name: 'Retry (preop)' });
      await retry.getByLabel('What was fixed').fill('nothing yet: checking whether the parameter file was restored');
      await retry.getByRole('button', { name: 'Retry timepoint' }).click();
      await retry
        .getByRole('status')
        .filter({ hasText: /Done.*audit entry \d+/ })
        .waitFor();
      const retried = await eventually(
        () => timepoint('preop'),
        (t) => t.runs === 2 && t.status === 'needs-attention',
        240000,
        'SYN-001 preop retried',
      );
      expect(retried.retried).toMatchObject({ reason: 'nothing yet: checking whether the parameter file was restored', who: COORDINATOR.username });
    } finally {
      writeFileSync(paramsFile, original);
    }
    const page = coordinatorPage!;

    // Override without a reason (blanks only, which the browser's own check lets through): the server refuses, nothing changes.
    const override = page.getByRole('form', { name: 'Override QC (mid)' });
    await override.getByLabel('Why the verdict is overridden').fill('   ');
    await override.getByRole('button', { name: 'Override QC' }).click();
    const overrideRefusal = override.getByRole('alert');
    await overrideRefusal.waitFor();
    expect(await overrideRefusal.innerText()).toMatch(/^Override QC \(mid\) refused: .*reason.*\(HTTP 400\)$/s);
    expect((await timepoint('mid')).status).toBe('qc-failed/awaiting-rescan');
    await checkPage(page, 'patient-override-refused');
    // With a reason: done, the timepoint runs on the overridden verdict (the parameter file is restored by now).
    await override.getByLabel('Why the verdict is overridden').fill('T2 re-export pending; T1CE features suffice');
    await override.getByRole('button', { name: 'Override QC' }).click();
    await override
      .getByRole('status')
      .filter({ hasText: /Done.*audit entry \d+/ })
      .waitFor();

    // The parameter file restored, a new mask for preop: the timepoint runs on it and is done.
    const preopCard = page.locator('article[data-timepoint="preop"]');
    const maskForm = preopCard.getByRole('form', { name: 'Replace the mask (preop)' });
    await maskForm.getByLabel(/Mask file/).setInputFiles(study.file(syn1.timepoints[2].files.mask));
    await maskForm.getByRole('button', { name: 'Upload mask' }).click();
    await maskForm
      .getByRole('status')
      .filter({ hasText: /Done.*audit entry \d+/ })
      .waitFor();
    await page.locator('article[data-timepoint="mid"][data-state="done"]').waitFor({ timeout: 240000 });
    await page.locator('article[data-timepoint="preop"][data-state="done"]').waitFor({ timeout: 240000 });
    expect((await timepoint('mid')).qc?.override).toEqual({ reason: 'T2 re-export pending; T1CE features suffice', who: COORDINATOR.username });
    expect((await timepoint('preop')).runs).toBe(3);
    await checkPage(page, 'patient-actions-done');

    // Pathology, once: the page then says it is recorded, and the server refuses a second one (409).
    const pathology = page.getByRole('form', { name: 'Record pathology' });
    await pathology.getByLabel('Necrosis (%)').fill('95');
    // Grade III: 90 to under 100 % necrosis (the timeline checks that grade and percentage agree).
    await pathology.getByLabel('Huvos grade').selectOption('III');
    await pathology.getByLabel('Report date').fill('2026-11-20');
    await pathology.getByRole('button', { name: 'Record pathology' }).click();
    await pathology
      .getByRole('status')
      .filter({ hasText: /Done.*audit entry \d+/ })
      .waitFor();
    await page.getByText(/necrosis 95 %, Huvos III/).waitFor();
    await pathology.getByText('Pathology is recorded once; it is recorded already.').waitFor();
    expect(await pathology.getByRole('button', { name: 'Record pathology' }).isDisabled()).toBe(true);
    const twice = await apiFromPage(page, 'POST', `/api/studies/${studyId}/patients/${syn1.pseudonym}/pathology`, {
      necrosisPct: 60,
      huvosGrade: 'II',
      date: '2026-11-21',
    });
    expect(twice).toMatchObject({ status: 409, body: { statusCode: 409, message: expect.stringMatching(/pathology/i) } });
    await checkPage(page, 'patient-pathology-recorded');

    // SYN-002 withdrawn, with the reason on its page.
    await page.goto(`${consoleServer.url}/patients/${studyId}/${syn2.pseudonym}`);
    const withdraw = page.getByRole('form', { name: 'Withdraw the patient' });
    await withdraw.getByLabel('Why the patient is withdrawn').fill('consent withdrawn by the patient');
    await withdraw.getByRole('button', { name: 'Withdraw' }).click();
    await withdraw
      .getByRole('status')
      .filter({ hasText: /Done.*audit entry \d+/ })
      .waitFor();
    await page.getByText(/: consent withdrawn by the patient/).waitFor();
    await checkPage(page, 'patient-withdrawn');
    await coordinatorContext!.close();
  });
});

describe('a promotion', () => {
  beforeAll(async () => {
    // A labelled study in the pipeline's store, its models trained; one more patient enrolled as a timeline, which is
    // how the console finds the study's protocol for the gate.
    const stored = await buildStoredStudy({ patients: 25, seed: 7, modelName: MODEL, storeFile: resultsStorePath(cfg), skip: ['SYN-025'] });
    labelled = stored;
    const live = stored.manifest.patients.find((p) => p.pseudonym === 'SYN-025')!;
    const handle = await enrolPatient(harness.client, cfg.taskQueues.pipeline, stored.protocol, live.pseudonym, { ...live.clinical });
    // Its visits run through the pipeline meanwhile; with no champion yet, nothing predicts.
    for (const tp of live.timepoints)
      for (const [modality, file] of Object.entries(tp.files)) await registerScan(handle, { timepoint: tp.name, modality, source: stored.file(file) });
    trained = await trainModels(harness.client, cfg, stored.protocol, { kinds: ['delta'], cvRepeats: 1, bootstrapReplicates: 0, robustnessPatients: 6 });
    expect(trained.challenger).toBeTruthy();
    const done = await eventually(
      () => readTimeline(handle),
      (v) => v.timepoints.every((t) => t.status === 'done'),
      240000,
      'SYN-025 done',
    );
    expect(done.latestPrediction ?? null).toBeNull();
  });

  it('is requested by an ML engineer, rejected, requested again, refused to the coordinator (403), approved, rolled back, and all of it audited', async () => {
    const studyId = labelled.protocol.studyId;
    const openModel = async (page: Page, phase?: string) => {
      await page.getByRole('link', { name: 'Models', exact: true }).click();
      await page.getByRole('button', { name: MODEL }).click();
      await page.getByRole('table', { name: /Versions of/ }).waitFor();
      if (phase) await page.locator(`[data-phase="${phase}"]`).waitFor({ timeout: 180000 });
    };
    const request = async (page: Page, why: string) => {
      const requestForm = page.getByRole('form', { name: 'Request a promotion' });
      await requestForm.locator(`option[value="${studyId}"]`).waitFor({ state: 'attached' });
      expect(await requestForm.getByLabel(/Study whose hold-out/).inputValue()).toBe(studyId);
      await requestForm.getByLabel('Why').fill(why);
      await requestForm.getByRole('button', { name: 'Request promotion' }).click();
      await page.locator('[data-phase="awaiting-approval"]').waitFor({ timeout: 180000 });
    };

    // The ML engineer: may request, may not decide (the page says why).
    const engineer = await signIn(ENGINEER);
    await openModel(engineer.page);
    // The study offered first is the one the challenger was trained on (its version's study tag).
    const approveForm = engineer.page.getByRole('form', { name: 'Approve the promotion' });
    expect(await approveForm.innerText()).toMatch(/lacks the permission promotions\.decide/);
    expect(await approveForm.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    await request(engineer.page, 'first look at the delta model');
    await checkPage(engineer.page, 'models-awaiting-approval');

    // The approver rejects the first request.
    const approver = await signIn(APPROVER);
    await openModel(approver.page, 'awaiting-approval');
    const reject = approver.page.getByRole('form', { name: 'Reject the promotion' });
    await reject.getByLabel('Why').fill('calibration plot needs a second look');
    await reject.getByRole('button', { name: 'Reject' }).click();
    await approver.page.locator('[data-phase="rejected"]').waitFor({ timeout: 120000 });
    expect(await approver.page.getByRole('form', { name: 'Approve the promotion' }).innerText()).toMatch(/Not possible while the promotion is rejected/);
    await checkPage(approver.page, 'models-rejected');

    // Requested again, once the plot was looked at.
    await engineer.page.reload();
    await openModel(engineer.page, 'rejected');
    await request(engineer.page, 'delta model ready for the prospective phase');
    await engineer.context.close();

    // The coordinator: every model action disabled with the reason, and the server refuses each call itself.
    const coordinator = await signIn(COORDINATOR);
    await openModel(coordinator.page, 'awaiting-approval');
    const coordinatorApprove = coordinator.page.getByRole('form', { name: 'Approve the promotion' });
    expect(await coordinatorApprove.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    expect(await coordinatorApprove.innerText()).toMatch(/coordinator\) lacks the permission promotions\.decide/);
    for (const form of ['Reject the promotion', 'Roll back to the previous champion'])
      expect(await coordinator.page.getByRole('form', { name: form }).innerText()).toMatch(/lacks the permission promotions\.decide/);
    expect(await coordinator.page.getByRole('form', { name: 'Request a promotion' }).innerText()).toMatch(/lacks the permission promotions\.request/);
    const coordinatorCalls = {
      approve: await apiFromPage(coordinator.page, 'POST', `/api/models/${MODEL}/promotion/approve`, { reason: 'looks fine to me' }),
      reject: await apiFromPage(coordinator.page, 'POST', `/api/models/${MODEL}/promotion/reject`, { reason: 'does not look fine' }),
      request: await apiFromPage(coordinator.page, 'POST', `/api/models/${MODEL}/promotion`, { studyId, reason: 'try it anyway' }),
      rollback: await apiFromPage(coordinator.page, 'POST', `/api/models/${MODEL}/promotion/rollback`, { reason: 'undo it' }),
    };
    expect(coordinatorCalls).toEqual({
      approve: { status: 403, body: expect.objectContaining({ statusCode: 403, permission: 'promotions.decide' }) },
      reject: { status: 403, body: expect.objectContaining({ statusCode: 403, permission: 'promotions.decide' }) },
      request: { status: 403, body: expect.objectContaining({ statusCode: 403, permission: 'promotions.request' }) },
      rollback: { status: 403, body: expect.objectContaining({ statusCode: 403, permission: 'promotions.decide' }) },
    });
    await checkPage(coordinator.page, 'models-coordinator-refused');
    await coordinator.context.close();

    // The approver approves; the registry's champion is the challenger afterwards.
    await approver.page.reload();
    await openModel(approver.page, 'awaiting-approval');
    const approve = approver.page.getByRole('form', { name: 'Approve the promotion' });
    await approve.getByLabel('Why').fill('hold-out AUC and calibration reviewed');
    await approve.getByRole('button', { name: 'Approve' }).click();
    await approver.page.locator('[data-phase="promoted"]').waitFor({ timeout: 120000 });
    const mlflow = new MlflowClient({ trackingUri: harness.endpoints.mlflow.trackingUri });
    expect((await mlflow.getVersionByAlias(MODEL, 'champion')).version).toBe(trained.challenger);
    await approver.page.getByRole('table', { name: /Versions of/ }).waitFor();
    await checkPage(approver.page, 'models-promoted');

    // The promotion re-scores the study's timelines with the new champion: the patient page shows the prediction, its
    // model version, and the history from the ledger.
    await approver.page.goto(`${consoleServer.url}/patients/${studyId}/SYN-025`);
    const latest = approver.page.getByText(/^Latest: probability of a good response/);
    await latest.waitFor({ timeout: 120000 });
    expect(await latest.innerText()).toContain(`${MODEL}@${trained.challenger}`);
    const history = approver.page.getByRole('table', { name: 'Every prediction for this patient, oldest first' });
    const historyRows = await history
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from((tr as unknown as { cells: ArrayLike<{ innerText: string }> }).cells).map((c) => c.innerText.trim())));
    // Columns: #, when, timepoint, model version, probability, mode, re-score, in training set. (The re-score column
    // is the ledger's flag: a running timeline's own prediction after a promotion is recorded as not a re-score.)
    expect(historyRows).toContainEqual([
      expect.any(String),
      expect.any(String),
      'preop',
      `${MODEL}@${trained.challenger}`,
      expect.stringMatching(/^\d+\.\d %$/),
      'live (champion)',
      expect.stringMatching(/^(yes|no)$/),
      'no',
    ]);
    await checkPage(approver.page, 'patient-predicted');

    // Rolled back from the page: no champion afterwards (there was none before this promotion).
    await openModel(approver.page, 'promoted');
    const rollback = approver.page.getByRole('form', { name: 'Roll back to the previous champion' });
    await rollback.getByLabel('Why').fill('prospective drift check failed');
    await rollback.getByRole('button', { name: 'Roll back' }).click();
    await approver.page.locator('[data-phase="rolled-back"]').waitFor({ timeout: 120000 });
    await expect(mlflow.getVersionByAlias(MODEL, 'champion')).rejects.toThrow();
    await checkPage(approver.page, 'models-rolled-back');

    // The audit page: the sign-in, the re-scan, the request, the refusal and the approval, with who and why.
    await approver.page.getByRole('link', { name: 'Audit', exact: true }).click();
    await approver.page.getByRole('table', { name: /Audit entries/ }).waitFor();
    const rows = await approver.page
      .locator('table.audit tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from((tr as unknown as { cells: ArrayLike<{ innerText: string }> }).cells).map((c) => c.innerText.trim())));
    // Columns: #, when, who, what, target, outcome, why, detail.
    const has = (who: string, what: string, outcome: string, why?: RegExp) =>
      rows.some((r) => r[2] === who && r[3] === what && r[5].endsWith(outcome) && (!why || why.test(r[6])));
    const expected = {
      coordinatorSignIn: has(COORDINATOR.username, 'session.login', 'ok'),
      scanUpload: has(COORDINATOR.username, 'scan.register', 'ok'),
      override: has(COORDINATOR.username, 'qc.override', 'ok', /T2 re-export pending/),
      retry: has(COORDINATOR.username, 'timepoint.retry', 'ok', /checking whether the parameter file/),
      mask: has(COORDINATOR.username, 'mask.replace', 'ok'),
      pathology: has(COORDINATOR.username, 'pathology.record', 'ok'),
      pathologyTwice: has(COORDINATOR.username, 'pathology.record', 'refused'),
      withdraw: has(COORDINATOR.username, 'patient.withdraw', 'ok', /consent withdrawn/),
      firstRequest: has(ENGINEER.username, 'promotion.request', 'ok', /first look/),
      rejection: has(APPROVER.username, 'promotion.reject', 'ok', /second look/),
      request: has(ENGINEER.username, 'promotion.request', 'ok', /prospective phase/),
      coordinatorApproveRefused: has(COORDINATOR.username, 'promotion.approve', 'refused'),
      coordinatorRejectRefused: has(COORDINATOR.username, 'promotion.reject', 'refused'),
      coordinatorRequestRefused: has(COORDINATOR.username, 'promotion.request', 'refused'),
      coordinatorRollbackRefused: has(COORDINATOR.username, 'promotion.rollback', 'refused'),
      approval: has(APPROVER.username, 'promotion.approve', 'ok', /calibration reviewed/),
      rollback: has(APPROVER.username, 'promotion.rollback', 'ok', /drift check/),
    };
    expect(expected).toEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, true])));
    await checkPage(approver.page, 'audit');

    // Filtered to one actor.
    await approver.page.getByLabel('Who (user name)').fill(ENGINEER.username);
    await approver.page.getByRole('button', { name: 'Apply filters' }).click();
    await approver.page.waitForFunction(
      (name) =>
        Array.from(
          (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ innerText: string }> } }).document.querySelectorAll(
            'table.audit tbody tr td:nth-child(3)',
          ),
        ).every((td) => td.innerText.trim() === name),
      ENGINEER.username,
    );
    await approver.context.close();
  });
});
