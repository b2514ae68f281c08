// Workers on separate hosts: two pipeline workers, the TypeScript segmentation worker and a training worker, each a
// process in its own network namespace with its own data folder and working directory, sharing nothing but the
// servers' addresses on a private test subnet (PostgreSQL for results and blobs, Temporal, MLflow). The coordinator
// sends every scan through the blob store, half the patients without a mask (segmented automatically); one pipeline
// worker is killed with SIGKILL mid-study and its work moves to the other; the study completes, the models train on
// the features in the shared store, and no workflow history names a folder of any host. Each host sees the other
// hosts' folders and the coordinator's as empty read-only folders, so a path that crossed hosts would fail to read.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { loadConfig, parseStoreUrl } from '../../config';
import { enrolPatient, readTimeline, recordPathology, registerScan, type TimelineHandle } from '../../clients/coordinator';
import { trainModels } from '../../clients/training';
import { writeSyntheticStudyFile } from '../../cli/syntheticStudy';
import type { StudyProtocol } from '../../contracts/study';
import type { TimelineView } from '../../contracts/timeline';
import type { TrainingResult } from '../../contracts/models';
import { MlflowClient } from '../../registry/mlflowClient';
import { holdoutTag } from '../../registry/modelPackage';
import { openBlobStore } from '../../store/blobs';
import { PostgresResultsStore } from '../../store/postgresStore';
import { loadStudyForSite } from '../../study/protocol';
import { writeStudy, type SyntheticStudyManifest } from '../../synthetic';
import { connectHarness, eventually, type Harness } from './support/pipeline';
import { startSite, type Site } from './support/multiHostSite';
import type { WorkerProcess } from './support/workerProcess';

jest.setTimeout(600000);

/**
 * Seed 4 gives 4 good and 4 poor responders among 8 patients: the fewest that nested cross-validation trains on (at
 * least 4 of each outcome; 6 patients would give 3 of each).
 */
const PATIENTS = 8;
const SEED = 4;
const HOSTS = ['pipeline-1', 'pipeline-2', 'segmentation', 'training'];
const MODALITIES = ['ADC', 'PET', 'T1CE', 'T2'];
/** Original-image first-order and shape features only: 18 + 14 per image, what each class enables by default in PyRadiomics 3.1. */
const PARAMS = `imageType:
  Original: {}
featureClass:
  shape:
  firstorder:
setting:
  binCount: 32
  label: 1
  padDistance: 5
  minimumROIDimensions: 2
  minimumROISize: 20
`;
const SHAPE_FEATURES = 14;
const FIRSTORDER_FEATURES = 18;

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const queues = {
  pipeline: `it-multihost-pipeline-${suffix}`,
  segmentation: `it-multihost-segmentation-${suffix}`,
  training: `it-multihost-training-${suffix}`,
};

let harness: Harness;
let site: Site;
let manifest: SyntheticStudyManifest;
let protocol: StudyProtocol;
let workers: Record<string, WorkerProcess>;
const handles: TimelineHandle[] = [];
/** Patients registered without masks: automatic segmentation makes theirs. */
const automatic = new Set<string>();
/** Blob addresses of every file the coordinator put into the blob store. */
const registered: string[] = [];
let trained: TrainingResult;

/** The coordinator's configuration: its own data folder, the shared store. */
const coordinatorConfig = () => loadConfig({ ...process.env, OSTEOFLOW_DATA_DIR: site.coordinatorDir, OSTEOFLOW_STORE_URL: site.storeUrl });

/** The last lines each worker printed, for failure messages. */
function workerLogs(): string {
  return Object.entries(workers ?? {})
    .map(([host, w]) => `--- ${host} (pid ${w.child.pid}) ---\n${w.output().slice(-1500)}`)
    .join('\n');
}

beforeAll(async () => {
  const t0 = Date.now();
  harness = await connectHarness();
  site = await startSite(HOSTS, harness.endpoints, harness.cfg.temporal.namespace);

  // The coordinator's study: synthetic scans, the study file and its parameter file in the coordinator's own folder,
  // which no host can see. Enrolled as a site whose workers share a store: no store folder in the protocol, and the
  // parameter file goes into the blob store.
  const paramsFile = path.join(site.coordinatorDir, 'firstorder-shape.yaml');
  writeFileSync(paramsFile, PARAMS);
  manifest = writeStudy({ seed: SEED, patients: PATIENTS, outDir: path.join(site.coordinatorDir, 'source') });
  const studyId = `IT-MH-${suffix}`;
  const studyFile = writeSyntheticStudyFile(site.coordinatorDir, { studyId, paramsFile, modelName: `it-multihost-${suffix}` });
  const loaded = await loadStudyForSite(studyFile, coordinatorConfig());
  protocol = { ...loaded, segmentation: { mode: 'automatic-allowed', taskQueue: queues.segmentation, workerWaitMs: 10 * 60000 } };

  const queueEnv = {
    OSTEOFLOW_TASK_QUEUE_PIPELINE: queues.pipeline,
    OSTEOFLOW_TASK_QUEUE_SEGMENTATION: queues.segmentation,
    OSTEOFLOW_TASK_QUEUE_TRAINING: queues.training,
  };
  const started = await Promise.all([
    site.startWorker('pipeline-1', 'workers/pipeline/main.ts', queueEnv, 'pipeline worker polling'),
    site.startWorker('pipeline-2', 'workers/pipeline/main.ts', queueEnv, 'pipeline worker polling'),
    site.startWorker(
      'segmentation',
      'workers/gpu/main.ts',
      { ...queueEnv, OSTEOFLOW_SEGMENTATION_PROVIDERS: 'cpu', OSTEOFLOW_SEGMENTATION_CPU_THREADS: '1' },
      'gpu worker polling',
    ),
    site.startWorker('training', 'workers/training/main.ts', queueEnv, 'training worker polling'),
  ]);
  workers = Object.fromEntries(HOSTS.map((host, i) => [host, started[i]]));
  console.log(`[multihost] ${HOSTS.length} hosts on ${site.network.subnet}, PostgreSQL and the workers ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, 300000);

afterAll(async () => {
  // Kills what runs in the namespaces, removes them, stops PostgreSQL and removes the run folder.
  await site?.close();
  await harness?.close();
});

/** Every timeline's view; throws (with the workers' logs) as soon as a timepoint waits for a person. */
async function readStudy(): Promise<TimelineView[]> {
  const views = await Promise.all(handles.map((h) => readTimeline(h)));
  const stuck = views.flatMap((view, i) =>
    view.timepoints
      .filter((tp) => tp.status === 'needs-attention' || tp.status === 'qc-failed/awaiting-rescan')
      .map((tp) => `${manifest.patients[i].pseudonym} ${tp.name}: ${tp.status} ${JSON.stringify(tp.attention ?? tp.qc?.reasons)}`),
  );
  if (stuck.length > 0) throw new Error(`timepoints that wait for a person:\n${stuck.join('\n')}\n${workerLogs()}`);
  return views;
}

const doneCount = (views: TimelineView[]) => views.flatMap((v) => v.timepoints).filter((tp) => tp.status === 'done').length;

/** The activities that the worker with this pid has started and still runs, in the running timepoints and timelines. */
async function activitiesStartedBy(views: TimelineView[], pid: number): Promise<Array<{ workflowId: string; type: string }>> {
  const running = views.flatMap((view, i) => [
    handles[i].workflowId,
    ...view.timepoints.filter((tp) => tp.status !== 'done' && tp.runs > 0).map((tp) => `${handles[i].workflowId}/${tp.name}/run-${tp.runs}`),
  ]);
  const found: Array<{ workflowId: string; type: string }> = [];
  for (const workflowId of running) {
    const pending = await harness.client.workflow
      .getHandle(workflowId)
      .describe()
      .then((d) => d.raw.pendingActivities ?? [])
      .catch(() => []);
    for (const a of pending) {
      if (a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED && a.lastWorkerIdentity?.startsWith(`${pid}@`)) {
        found.push({ workflowId, type: a.activityType?.name ?? '?' });
      }
    }
  }
  return found;
}

/** Every run of every workflow the study started: the timelines, their timepoint children, and the training. */
async function studyWorkflowRuns(client: Client): Promise<Array<{ workflowId: string; runId: string }>> {
  const runs: Array<{ workflowId: string; runId: string }> = [];
  const seen = new Set<string>();
  const ids = handles.map((h) => h.workflowId);
  for await (const wf of client.workflow.list({ query: `WorkflowType = "trainingWorkflow"` })) {
    if (wf.workflowId.startsWith(`training/${protocol.studyId}/`)) ids.push(wf.workflowId);
  }
  while (ids.length > 0) {
    const workflowId = ids.shift()!;
    if (seen.has(workflowId)) continue;
    seen.add(workflowId);
    for await (const wf of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      runs.push({ workflowId, runId: wf.runId });
      const history = await client.workflow.getHandle(workflowId, wf.runId).fetchHistory();
      for (const event of history.events ?? []) {
        const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
        if (child) ids.push(child);
      }
    }
  }
  return runs;
}

/** The history with every payload decoded (through the client's codecs, when payloads are encrypted) into plain values. */
async function decodedHistory(client: Client, workflowId: string, runId: string): Promise<Array<{ eventId: string; type: string; text: string }>> {
  const { payloadConverter, payloadCodecs } = client.options.loadedDataConverter;
  const decodePayload = async (payload: Payload): Promise<unknown> => {
    let decoded = [payload];
    for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
    try {
      return payloadConverter.fromPayload(decoded[0]);
    } catch {
      return Buffer.from(decoded[0].data ?? []).toString('utf8');
    }
  };
  const plain = async (value: unknown): Promise<unknown> => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (Array.isArray(value)) return Promise.all(value.map(plain));
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    if (object.data instanceof Uint8Array && object.metadata !== null && typeof object.metadata === 'object') return decodePayload(object as Payload);
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(object)) out[key] = await plain(inner);
    return out;
  };
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return Promise.all(
    (history.events ?? []).map(async (event) => ({
      eventId: String(event.eventId),
      type: temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType),
      text: JSON.stringify(await plain(event)),
    })),
  );
}

/** Prints 'connected', or the error code, for a TCP connection to the host:port given as the argument. */
const CONNECT_PROBE = `const a = process.argv[1], i = a.lastIndexOf(':');
const s = require('node:net').connect(Number(a.slice(i + 1)), a.slice(0, i));
s.on('connect', () => (console.log('connected'), process.exit(0)));
s.on('error', (e) => (console.log(e.code), process.exit(0)));
setTimeout(() => (console.log('timeout'), process.exit(0)), 5000);`;

it('lets each host reach the servers only at the bridge address, and hides the other hosts’ and the coordinator’s folders from it', () => {
  for (const host of HOSTS) {
    const connect = (address: string) => site.runOnHost(host, [process.execPath, '-e', CONNECT_PROBE, address]).stdout.trim();
    // PostgreSQL listens on 127.0.0.1 and on the bridge in the root namespace; a host's 127.0.0.1 is its own.
    const postgresPort = new URL(site.storeUrl).port;
    expect([`127.0.0.1:${postgresPort}`, `${site.network.serverAddress}:${postgresPort}`, site.temporalAddress].map(connect)).toEqual([
      'ECONNREFUSED',
      'connected',
      'connected',
    ]);
    const others = HOSTS.filter((h) => h !== host).map((h) => site.hosts[h].root);
    // `ls -A` prints nothing for an empty folder; the coordinator's and the other hosts' folders are not empty here.
    for (const dir of [site.coordinatorDir, ...others]) expect({ dir, listed: site.runOnHost(host, ['ls', '-A', dir]).stdout }).toEqual({ dir, listed: '' });
    expect(site.runOnHost(host, ['touch', path.join(site.coordinatorDir, 'written-by-a-host')]).status).not.toBe(0);
    expect(site.runOnHost(host, ['ls', '-A', site.hosts[host].root]).stdout.split('\n').filter(Boolean).sort()).toEqual(['data', 'work']);
  }
});

it('completes a study on workers in separate network namespaces, moves a killed pipeline worker’s work to the other, and trains on the shared store', async () => {
  const t0 = Date.now();
  const phase = (what: string) => console.log(`[multihost] ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // Hosts keep the study's files in their own folders, and read the parameter file by its address.
  expect(protocol.storeDir).toBeUndefined();
  expect(protocol.features.paramsSha256).toMatch(/^[0-9a-f]{64}$/);
  // The coordinator sends each scan into the shared blob store and registers its address, never a path of its own.
  const blobs = openBlobStore(coordinatorConfig());
  const sources = new Map<string, string>();
  try {
    for (const patient of manifest.patients) {
      for (const relative of patient.timepoints.flatMap((tp) => Object.values(tp.files))) {
        const { sha256 } = await blobs.put(path.join(site.coordinatorDir, 'source', relative));
        registered.push(sha256);
        sources.set(relative, `blob:${sha256}/${path.basename(relative)}`);
      }
    }
  } finally {
    await blobs.close();
  }
  for (const [i, patient] of manifest.patients.entries()) if (i % 2 === 1) automatic.add(patient.pseudonym);
  handles.push(
    ...(await Promise.all(
      manifest.patients.map(async (patient) => {
        const handle = await enrolPatient(harness.client, queues.pipeline, protocol, patient.pseudonym, { ...patient.clinical });
        for (const tp of patient.timepoints) {
          // A manual mask goes first, so the run that starts once the images are complete uses it.
          const files = Object.entries(tp.files).sort(([a], [b]) => Number(b === 'mask') - Number(a === 'mask'));
          for (const [modality, relative] of files) {
            if (modality === 'mask' && automatic.has(patient.pseudonym)) continue;
            await registerScan(handle, { timepoint: tp.name, modality, source: sources.get(relative)! });
          }
        }
        return handle;
      }),
    )),
  );
  const total = PATIENTS * protocol.timepoints.length;
  phase(`${PATIENTS} patients enrolled and their scans registered`);

  // Once some timepoints are done and others still run, the first pipeline worker is killed while it runs activities,
  // preferably only those that heartbeat often (acquisition, extraction), so the server notices the loss sooner. It is
  // stopped (SIGSTOP) while the server is asked what it holds, so nothing it holds can finish before the SIGKILL.
  const victim = workers['pipeline-1'];
  const survivor = workers['pipeline-2'];
  const watching = Date.now();
  const caught = await eventually(
    async () => {
      const views = await readStudy();
      const done = doneCount(views);
      if (done === 0 || done === total) return { done, held: [] };
      victim.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 300)); // completions already sent reach the server
      const held = await activitiesStartedBy(views, victim.child.pid!);
      const quick = held.every((a) => a.type === 'acquireScan' || a.type === 'extractFeatures');
      if (held.length > 0 && (quick || Date.now() - watching > 20000)) {
        victim.child.kill('SIGKILL');
        return { done, held };
      }
      victim.child.kill('SIGCONT');
      return { done, held: [] };
    },
    (s) => s.held.length > 0 || s.done === total,
    240000,
    'activities running on pipeline-1 while some timepoints are done',
    200,
  );
  expect(caught.held.length).toBeGreaterThan(0);
  await victim.exited;
  phase(
    `pipeline-1 (pid ${victim.child.pid}) killed in ${caught.held.map((a) => `${a.type} of ${a.workflowId}`).join(', ')}; ${caught.done}/${total} timepoints done;`,
  );
  expect(caught.done).toBeLessThan(total);

  const views = await eventually(readStudy, (v) => doneCount(v) === total, 300000, 'every timepoint done');
  for (const [i, patient] of manifest.patients.entries()) {
    const { necrosisPct, huvosGrade, reportDate } = patient.pathology;
    await recordPathology(handles[i], { necrosisPct, huvosGrade, date: reportDate });
  }
  await Promise.all(handles.map((h) => h.result()));
  phase('every timeline completed');

  // Automatic masks came from the segmentation host; manual masks were used as registered.
  const segPid = workers.segmentation.child.pid!;
  for (const [i, view] of views.entries()) {
    for (const tp of view.timepoints) {
      if (automatic.has(manifest.patients[i].pseudonym)) expect(tp.segmentation?.worker).toMatch(new RegExp(`:${segPid}$`));
      else expect(tp.segmentation).toBeUndefined();
    }
  }

  // Every timepoint's features are in the shared store: each image's 14 shape and 18 first-order features.
  const store = await PostgresResultsStore.open(parseStoreUrl({ url: site.storeUrl }));
  try {
    for (const patient of manifest.patients) {
      for (const tp of protocol.timepoints) {
        const sets = await store.getFeatureSets({ studyId: protocol.studyId, pseudonym: patient.pseudonym, timepoint: tp.name }, protocol.features.paramHash);
        expect(sets.map((s) => s.modality).sort()).toEqual(MODALITIES);
        for (const set of sets) {
          const names = Object.keys(set.features);
          expect([names.filter((n) => n.startsWith('original_shape_')).length, names.filter((n) => n.startsWith('original_firstorder_')).length]).toEqual([
            SHAPE_FEATURES,
            FIRSTORDER_FEATURES,
          ]);
        }
      }
    }
  } finally {
    await store.close();
  }

  // The killed worker's work moved: an activity it held was started again after its timeout, by pipeline-2.
  const moved: string[] = [];
  const didWork = new Set<string>();
  for (const { workflowId, runId } of await studyWorkflowRuns(harness.client)) {
    const { events } = await harness.client.workflow.getHandle(workflowId, runId).fetchHistory();
    for (const event of events ?? []) {
      const started = event.activityTaskStartedEventAttributes;
      if (!started) continue;
      didWork.add(started.identity?.split('@')[0] ?? '');
      if (started.identity?.startsWith(`${survivor.child.pid}@`) && (started.attempt ?? 1) >= 2 && started.lastFailure?.timeoutFailureInfo) {
        moved.push(`${workflowId} event ${event.eventId}`);
      }
    }
  }
  console.log(`[multihost] activities taken over by pipeline-2 after a timeout: ${moved.length}`);
  expect(moved.length).toBeGreaterThan(0);
  expect([...didWork]).toEqual(expect.arrayContaining([String(victim.child.pid), String(survivor.child.pid), String(segPid)]));

  // Training on the training host reads the labelled features from the shared store. The hold-out is locked empty
  // first, as a study that already locked one would: 8 patients leave none to spare for it.
  const mlflow = new MlflowClient({ trackingUri: harness.endpoints.mlflow.trackingUri });
  await mlflow.ensureRegisteredModel(protocol.model.name, 'multi-host integration test');
  await mlflow.setRegisteredModelTag(protocol.model.name, holdoutTag(protocol.studyId), '[]');
  trained = await trainModels(harness.client, { ...harness.cfg, taskQueues: queues }, protocol, {
    trainedBy: 'it-multihost',
    cvRepeats: 1,
    bootstrapReplicates: 0,
    robustnessPatients: 3,
    kinds: ['baseline', 'delta'],
    seed: 1,
  });
  phase('models trained');
  const good = manifest.patients.filter((p) => p.pathology.necrosisPct >= 90).length;
  expect(trained.dataset).toMatchObject({ patients: PATIENTS, events: good, holdout: [] });
  expect(trained.models.map((m) => m.kind).sort()).toEqual(['baseline', 'delta']);
  const training = (await studyWorkflowRuns(harness.client)).filter((r) => r.workflowId.startsWith('training/'));
  expect(training).toHaveLength(1);
  const trainingStarts = ((await harness.client.workflow.getHandle(training[0].workflowId, training[0].runId).fetchHistory()).events ?? []).flatMap((e) =>
    e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.identity ?? ''] : [],
  );
  expect(trainingStarts.length).toBeGreaterThan(0);
  expect(trainingStarts.every((identity) => identity.startsWith(`${workers.training.child.pid}@`))).toBe(true);
});

it('leaves no path of any host’s folders in any workflow history', async () => {
  expect(trained).toBeDefined(); // the study above completed
  const folders = Object.values(site.hosts).map((h) => h.root);
  const findings: string[] = [];
  // What the search must be able to see: the registered blob addresses and the store-relative name of an automatic
  // mask, read back from decoded payloads.
  const automaticPatient = [...automatic][0];
  const seen = { blob: false, relativeMask: false };
  const runs = await studyWorkflowRuns(harness.client);
  expect(runs.length).toBeGreaterThanOrEqual(PATIENTS * (1 + protocol.timepoints.length) + 1);
  for (const { workflowId, runId } of runs) {
    for (const event of await decodedHistory(harness.client, workflowId, runId)) {
      seen.blob ||= registered.some((sha) => event.text.includes(sha));
      seen.relativeMask ||= event.text.includes(`"${automaticPatient}/baseline/mask`);
      for (const folder of folders) {
        const at = event.text.indexOf(folder);
        if (at >= 0) findings.push(`${workflowId} event ${event.eventId} ${event.type}: …${event.text.slice(Math.max(0, at - 120), at + 160)}…`);
      }
    }
  }
  expect({ count: findings.length, first: findings.slice(0, 10) }).toEqual({ count: 0, first: [] });
  expect(seen).toEqual({ blob: true, relativeMask: true });
});
