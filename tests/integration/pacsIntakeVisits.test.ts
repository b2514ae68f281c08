// Three visits of three patients from a PACS to a prediction with nobody acting, on a real Orthanc and the real
// stack with the payload codec on: the IBSI set's STS_001–003 (CT, T1 and PET, each with its RTSTRUCT) sent with
// DCMTK's storescu as the baseline, then again with later study dates and new UIDs (the structure sets' references
// moved with them, by dcmjs) as the mid and pre-op visits; intake places every series by the identifier map, the
// protocol's windows and the study's rules, de-identifies and registers it; QC, extraction and the registry's
// champion (a delta model) follow. One more series, dated after every window, waits on the review list. Then each
// original PatientName, PatientID, PatientBirthDate and AccessionNumber is searched for in the study store, the
// study's rows of the results store, the stored histories (decoded; and raw, which holds ciphertext only), MLflow's
// run and model tags and params, the worker's log lines and the notifications — and none is found.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { Client } from '@temporalio/client';
import { enrolPatient, readTimeline } from '../../clients/coordinator';
import { readIntake, startIntake } from '../../clients/intake';
import { newKey } from '../../config/aesGcm';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, loadCodecKeys, newCodecKey } from '../../config/payloadCodec';
import { connectClient } from '../../config/temporal';
import { ARTIFACT_FORMAT, CHAMPION_ALIAS, type ModelArtifact } from '../../contracts/models';
import { readDicomObject } from '../../imaging/contours';
import { startOrthanc, type OrthancServer } from '../../ops/orthancServer';
import { IdentityMap, loadIdentityKey, sendWithStorescu } from '../../pacs';
import { MlflowClient } from '../../registry/mlflowClient';
import { resultsStorePath } from '../../store';
import { installRuntime } from '../../workers/runtime';
import { describeWithReferenceData, referencePath } from '../support/referenceData';
import { filesUnder, remapUids, rewriteFolder } from './support/dicomRewrite';
import { connectHarness, eventually, type Harness } from './support/pipeline';
import { startWebhook, type Webhook } from './support/notifiedPipeline';
import { type Haystack, identifiersFound, storeFiles, studyRows, textsOf } from './support/identifierSearch';
import { writeStsStudy } from './support/stsStudy';

jest.setTimeout(900000);

const PATIENTS = ['STS_001', 'STS_002', 'STS_003'] as const;
const FOLDERS = { CT: 'CT', T1: 'MR_T1', PET: 'PET' } as const;
const MODALITIES = Object.keys(FOLDERS) as (keyof typeof FOLDERS)[];
/** The visits: timepoint, days after enrolment (its due day, and the study date sent). */
const VISITS = [
  { timepoint: 'baseline', day: 0 },
  { timepoint: 'mid', day: 60 },
  { timepoint: 'pre-op', day: 120 },
] as const;
const required = PATIENTS.flatMap((p) => MODALITIES.flatMap((m) => [`sts/dicom/${p}/${FOLDERS[m]}/image`, `sts/dicom/${p}/${FOLDERS[m]}/mask/RS.dcm`]));
const DELTA_FEATURE = 'delta:pre-op:CT:original_firstorder_Mean';

const newUid = () => `2.25.${BigInt(`0x${randomBytes(16).toString('hex')}`)}`;
const dicomDate = (daysFromToday: number) => new Date(Date.now() + daysFromToday * 86400000).toISOString().slice(0, 10).replaceAll('-', '');

interface RawPayload {
  metadata?: Record<string, Uint8Array>;
  data?: Uint8Array;
}
/** Every payload of a history as the server stores it, but search attributes (indexed in clear by design) and patch markers. */
function payloadsIn(value: unknown, out: RawPayload[] = []): RawPayload[] {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return out;
  const obj = value as Record<string, unknown>;
  if (obj.metadata && typeof obj.metadata === 'object' && 'data' in obj && ArrayBuffer.isView(obj.data)) {
    out.push(obj as RawPayload);
    return out;
  }
  for (const [key, child] of Object.entries(obj)) if (key !== 'searchAttributes' && key !== 'patch-data') payloadsIn(child, out);
  return out;
}
describeWithReferenceData('three patients, three visits: PACS to prediction with nobody acting, and no identifier anywhere', required, () => {
  let harness: Harness;
  let orthanc: OrthancServer;
  let client: Client;
  let dir: string;
  let webhook: Webhook;
  const notifications: string[] = [];
  const logLines: string[] = [];
  const writeStderr = process.stderr.write.bind(process.stderr);

  beforeAll(async () => {
    // INFO: the worker's own lines (intake's, Temporal's) are part of what is searched.
    installRuntime('INFO');
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logLines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (writeStderr as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    harness = await connectHarness();
    dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-intake-visits-'));
    orthanc = await startOrthanc(path.join(dir, 'orthanc'), { stableAgeSeconds: 1 });
    webhook = await startWebhook((body) => notifications.push(body));
  });
  afterAll(async () => {
    process.stderr.write = writeStderr;
    webhook?.close();
    await client?.connection.close();
    await orthanc?.stop();
    await harness?.close();
  });

  it('takes in baseline, mid and pre-op of three patients, predicts at pre-op, and keeps every identifier out', async () => {
    const started = Date.now();
    // ---- what the modality sends: each visit's series, the later ones with new UIDs (structure sets' references too) ----
    const sent = path.join(dir, 'modality');
    const birthDates = { STS_001: '19630521', STS_002: '19711103', STS_003: '19580917' } as const;
    const folders: { images: string[]; contours: string[] } = { images: [], contours: [] };
    for (const patient of PATIENTS) {
      for (const visit of VISITS) {
        const uids = new Map<string, string>(); // one map per visit: a structure set's references follow its images
        const edit = (ds: Record<string, unknown>) => {
          ds.StudyDate = dicomDate(visit.day);
          ds.PatientBirthDate = birthDates[patient]; // the set has none; a hospital's files do
          if (visit.day > 0) remapUids(ds, uids, newUid);
        };
        for (const m of MODALITIES) {
          const to = (part: string) => path.join(sent, patient, visit.timepoint, m, part);
          rewriteFolder(referencePath('sts', 'dicom', patient, FOLDERS[m], 'image'), to('image'), edit);
          rewriteFolder(referencePath('sts', 'dicom', patient, FOLDERS[m], 'mask'), to('mask'), edit);
          folders.images.push(to('image'));
          folders.contours.push(to('mask'));
        }
      }
    }
    // A CT of STS_001 dated after every window (a follow-up scan the study does not take): for review.
    const extra = path.join(sent, 'STS_001', 'late', 'CT');
    const lateUids = new Map<string, string>();
    rewriteFolder(referencePath('sts', 'dicom', 'STS_001', 'CT', 'image'), extra, (ds) => {
      ds.StudyDate = dicomDate(365);
      remapUids(ds, lateUids, newUid);
    });
    const prepared = Date.now() - started;

    // The identifiers, as the sent files hold them (each series' first file).
    const identifiers = new Set<string>();
    for (const folder of [...folders.images, ...folders.contours, extra]) {
      const ds = readDicomObject(filesUnder(folder)[0], { expected: 'a DICOM file', headerOnly: true }).dataSet;
      for (const tag of ['x00100010', 'x00100020', 'x00100030', 'x00080050']) {
        const value = ds.string(tag)?.trim();
        if (value) identifiers.add(value);
      }
    }
    expect([...identifiers]).toEqual(expect.arrayContaining([...PATIENTS, ...Object.values(birthDates)]));
    // Every accession number of the set (one per patient's study) is among them too.
    expect([...identifiers].filter((v) => /^\d{16}$/.test(v)).length).toBeGreaterThanOrEqual(3);

    // ---- the study: its identifier map, rules, windows, a light parameter file, and the codec on ----
    const keyFile = path.join(dir, 'identity.key');
    writeFileSync(keyFile, `${newKey()}\n`, { mode: 0o600 });
    const mapFile = path.join(dir, 'identity-map.enc');
    const studyId = `IT-VISITS-${Date.now().toString(36)}`;
    const map = IdentityMap.open(mapFile, loadIdentityKey(keyFile));
    const pseudonyms = PATIENTS.map((p) => map.pseudonymFor(studyId, p));
    const {
      protocol,
      modelName,
      intake: intakeStudy,
    } = writeStsStudy(dir, {
      studyId,
      modalities: MODALITIES,
      visits: VISITS.map((v) => ({ name: v.timepoint, day: v.day })),
      intakeSeries: [
        { modality: 'CT', dicomModality: ['CT'] },
        { modality: 'T1', dicomModality: ['MR'] },
        { modality: 'PET', dicomModality: ['PT'] },
      ],
    });
    const { settings, pollEveryMs } = intakeStudy!;
    const codecKeysFile = path.join(dir, 'codec-keys.json');
    writeFileSync(codecKeysFile, JSON.stringify({ encryptWith: 'k-visits', keys: { 'k-visits': newCodecKey() } }), { mode: 0o600 });
    const temporal = { ...harness.cfg.temporal, codecKeysFile };
    client = await connectClient(harness.endpoints.temporal.address, temporal);

    // ---- the registry's champion: a one-feature delta model on the CT mean at pre-op (the pipeline is the point) ----
    const mlflow = new MlflowClient({ trackingUri: harness.endpoints.mlflow.trackingUri });
    const artifact: ModelArtifact = {
      format: ARTIFACT_FORMAT,
      kind: 'delta',
      predictAt: 'pre-op',
      timepoints: VISITS.map((v) => v.timepoint),
      studyId,
      engine: { name: 'osteoflow-radiomics', version: 'test', paramHash: protocol.features.paramHash },
      dataset: { fingerprint: `visits-${studyId}`, patients: 0, events: 0, trainingPatients: [] },
      features: [DELTA_FEATURE],
      scaler: { means: [0], scales: [0.1] },
      intercept: 0.4,
      coefficients: [-1],
      original: { intercept: 0.4, coefficients: { [DELTA_FEATURE]: -10 } },
      ranges: { [DELTA_FEATURE]: [-0.5, 0.5] },
      youdenCutoff: 0.5,
      training: { alpha: 1, lambda: 0, lambdaRule: 'min', outerFolds: 0, innerFolds: 0, repeats: 0, seed: 0 },
      trainedAt: new Date().toISOString(),
    };
    const experiment = await mlflow.getOrCreateExperiment(`intake-visits-${studyId}`);
    const run = await mlflow.createRun(experiment.experiment_id, 'hand-built', [{ key: 'study_id', value: studyId }]);
    await mlflow.logBatch(run.info.run_id, { params: { feature: DELTA_FEATURE, kind: 'delta' } });
    await mlflow.uploadArtifact(run.info.artifact_uri, 'model/model.json', JSON.stringify(artifact));
    await mlflow.finishRun(run.info.run_id);
    await mlflow.ensureRegisteredModel(modelName, 'PACS intake test model');
    const version = await mlflow.createModelVersion({
      name: modelName,
      source: `${run.info.artifact_uri}/model`,
      runId: run.info.run_id,
      tags: [
        { key: 'kind', value: 'delta' },
        { key: 'predict_at', value: 'pre-op' },
        { key: 'study_id', value: studyId },
      ],
    });
    await mlflow.setAlias(modelName, CHAMPION_ALIAS, version.version);

    const webhookUrl = webhook.url;
    const pipeline = await harness.startWorker({
      temporal,
      orthanc: { url: orthanc.url, username: orthanc.credentials.username, password: orthanc.credentials.password },
      identity: { keyFile, mapFile },
      notifications: { webhookUrl },
    });
    let times = '';
    try {
      await pipeline.worker.runUntil(async () => {
        const timelines = await Promise.all(pseudonyms.map((p) => enrolPatient(client, harness.cfg.taskQueues.pipeline, protocol, p)));
        const intake = await startIntake(client, harness.cfg.taskQueues.pipeline, protocol, settings, { pollEveryMs, startCursor: 0 });

        // The images of every visit (and the late CT), then the contours drawn on them.
        const t0 = Date.now();
        await sendWithStorescu(orthanc.dicom, [...folders.images, extra]);
        const imagesIn = await eventually(
          () => readIntake(intake),
          (s) => s.taken.length === folders.images.length && s.review.length === 1,
          300000,
          'every image series taken in',
          1000,
        );
        const t1 = Date.now();
        expect(imagesIn.review[0]).toMatchObject({ code: 'outside-windows', status: 'open' });
        await sendWithStorescu(orthanc.dicom, folders.contours);
        const views = await Promise.all(
          timelines.map((t) =>
            eventually(
              () => readTimeline(t),
              (v) => v.timepoints.every((tp) => ['done', 'qc-failed/awaiting-rescan', 'needs-attention'].includes(tp.status)),
              600000,
              `every visit of ${t.workflowId}`,
              1000,
            ),
          ),
        );
        const t2 = Date.now();

        // Every visit of every patient: QC passed, features per modality, each in its own contour; a prediction at pre-op.
        for (const view of views) {
          expect(view.timepoints.map((tp) => [tp.name, tp.status, tp.qc?.reasons])).toEqual(VISITS.map((v) => [v.timepoint, 'done', []]));
          for (const tp of view.timepoints) {
            expect([tp.name, tp.featureSet?.modalities.slice().sort()]).toEqual([tp.name, ['CT', 'PET', 'T1']]);
            expect([tp.name, tp.masks?.map((m) => `${m.for} ${m.kind}`).sort()]).toEqual([tp.name, ['CT RTSTRUCT', 'PET RTSTRUCT', 'T1 RTSTRUCT']]);
          }
          // Each visit repeats the baseline's pixels and contours: the CT mean's change is 0, so the model says
          // 1 / (1 + e^−0.4) (intercept 0.4, the feature at its mean).
          expect(view.timepoints[2].prediction).toMatchObject({ model: `${modelName}@${version.version}` });
          expect(view.timepoints[2].prediction!.probability).toBeCloseTo(1 / (1 + Math.exp(-0.4)), 9);
          expect(view.latestPrediction).toMatchObject({ model: `${modelName}@${version.version}` });
        }
        const state = await readIntake(intake);
        expect(state.taken).toHaveLength(folders.images.length + folders.contours.length);
        expect(state.attention).toBeUndefined();
        // Every series once: an image per patient, visit and modality, and a contour for each.
        const placed = new Set(state.taken.map((t) => `${t.pseudonym} ${t.timepoint} ${t.modality}${t.for ? ` for ${t.for}` : ''}`));
        expect(placed.size).toBe(state.taken.length);
        await intake.terminate('test over');
        times = `prepared ${prepared} ms; images in ${t1 - t0} ms; contours to three predictions ${t2 - t1} ms`;

        // ---- the search: every place osteoflow keeps or sends something ----
        const haystacks: Haystack[] = [];
        haystacks.push(...storeFiles(protocol.storeDir!), ...studyRows(resultsStorePath(harness.cfg), studyId));
        // Histories as the server holds them (read without the codec): ciphertext only; then decoded with the key.
        const raw = new Client({ connection: client.connection, namespace: harness.cfg.temporal.namespace });
        const codec = new AesGcmPayloadCodec(loadCodecKeys(codecKeysFile));
        const ids = [intake.workflowId, ...timelines.flatMap((t) => [t.workflowId, ...VISITS.map((v) => `${t.workflowId}/${v.timepoint}/run-1`)])];
        for (const id of ids) {
          const history = await raw.workflow.getHandle(id).fetchHistory();
          const payloads = payloadsIn(history);
          const clear = payloads.filter((p) => Buffer.from(p.metadata?.encoding ?? []).toString() !== ENCRYPTED_ENCODING);
          expect([id, payloads.length > 3, clear.length]).toEqual([id, true, 0]);
          haystacks.push([`raw history of ${id}`, textsOf(history).join('\n')]);
          const decoded = await codec.decode(payloads as Payload[]);
          haystacks.push([`decoded history of ${id}`, [...textsOf(history), ...decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8'))].join('\n')]);
        }
        // MLflow: the study's model, its versions, their runs' tags and params.
        const registered = await mlflow.getRegisteredModel(modelName);
        haystacks.push([`MLflow model ${modelName}`, JSON.stringify(registered)]);
        for (const v of await mlflow.searchModelVersions(`name = '${modelName}'`)) {
          haystacks.push([`MLflow version ${v.version}`, JSON.stringify(v)]);
          if (v.run_id) haystacks.push([`MLflow run ${v.run_id}`, JSON.stringify((await mlflow.getRun(v.run_id)).data)]);
        }
        haystacks.push(['worker log', logLines.join('')]);
        haystacks.push(['notifications', notifications.join('\n')]);
        // The search finds what is there: the sent files themselves hold every identifier.
        const sentText = [...folders.images, ...folders.contours, extra].map((f) => readFileSync(filesUnder(f)[0]).toString('latin1')).join('\n');
        expect([...identifiers].filter((value) => !sentText.includes(value))).toEqual([]);
        const found = identifiersFound(haystacks, identifiers);
        expect(found).toEqual([]);
        // The search looked where things are: the worker logged intake's registrations, the histories decoded.
        expect(logLines.filter((l) => l.includes('intake: series')).length).toBe(state.taken.length);
        expect(haystacks.find(([w]) => w.startsWith('decoded history of intake/'))![1]).toContain(pseudonyms[0]);
        console.log(
          `[intake visits] ${state.taken.length} series taken in, ${views.length * VISITS.length} visits done; ${times}; ` +
            `${haystacks.length} places searched for ${identifiers.size} identifiers (${logLines.length} log writes, ${notifications.length} notifications); ` +
            `whole test ${Date.now() - started} ms`,
        );
      });
    } finally {
      await pipeline.close();
    }
  });
});
