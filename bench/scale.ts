// The orchestration at scale (a benchmark, run on demand): `npm run bench:scale -- --patients 1000`. A Temporal dev
// server of its own, the real PatientTimeline and Timepoint workflows on one worker, and every activity replaced by a
// stand-in that sleeps for its measured duration — the median of that activity in the recorded histories of real runs
// (tests/fixtures/histories) — so only orchestration is measured. Each patient is enrolled, gets its three timepoints'
// scans (15 updates) and its pathology, and runs to completion. Printed: timelines started per second, the whole
// study's wall time, workflow-task latency percentiles, history events and bytes per patient (timeline and its
// Timepoint children, continue-as-new included), peak memory of the server and of the worker process, and from those an
// estimate for 100,000 patients.
import { existsSync, readdirSync, readFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporal as proto } from '@temporalio/proto';
import { loadConfig, PROJECT_ROOT } from '../config';
import { connectClient } from '../config/temporal';
import { stackPaths } from '../config/endpoints';
import { enrolPatient } from '../clients/coordinator';
import { recordPathologyUpdate, registerScanUpdate } from '../workflows/timeline/messages';
import { writeSyntheticStudyFile } from '../cli/syntheticStudy';
import { loadStudyFile } from '../study/protocol';
import { devServerArgs, temporalAnswers } from '../ops/temporalServer';
import { freePort, spawnDetached, stopProcessGroup, waitUntil } from '../ops/processes';
import { ensureVenv } from '../ops/venv';
import { workflowBundle } from '../ops/workflowBundle';
import { installRuntime } from '../workers/runtime';
import type { PipelineActivities } from '../contracts/pipeline';

const HISTORIES = path.join(PROJECT_ROOT, 'tests', 'fixtures', 'histories');
const TASK_QUEUE = 'osteoflow-scale';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got '${process.argv[i + 1]}'`);
  return value;
}

const ms = (time: string) => Date.parse(time);
const percentile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);

/** The fields of a recorded history event (proto JSON, as `temporal workflow show -o json` writes it) read here. */
interface RecordedEvent {
  eventId: string;
  eventTime: string;
  activityTaskScheduledEventAttributes?: { activityType: { name: string } };
  activityTaskStartedEventAttributes?: { scheduledEventId: string };
  activityTaskCompletedEventAttributes?: { scheduledEventId: string };
}

/** Median start-to-completion time of each activity in the recorded histories of real runs. */
function measuredDurations(): Record<string, number> {
  const durations: Record<string, number[]> = {};
  for (const file of readdirSync(HISTORIES).filter((f) => f.endsWith('.json'))) {
    const events = (JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8')) as { history: { events: RecordedEvent[] } }).history.events;
    const scheduled = new Map<string, string>();
    const started = new Map<string, number>();
    for (const e of events) {
      if (e.activityTaskScheduledEventAttributes) scheduled.set(e.eventId, e.activityTaskScheduledEventAttributes.activityType.name);
      if (e.activityTaskStartedEventAttributes) started.set(e.activityTaskStartedEventAttributes.scheduledEventId, ms(e.eventTime));
      const done = e.activityTaskCompletedEventAttributes;
      if (done && started.has(done.scheduledEventId)) {
        (durations[scheduled.get(done.scheduledEventId)!] ??= []).push(ms(e.eventTime) - started.get(done.scheduledEventId)!);
      }
    }
  }
  return Object.fromEntries(Object.entries(durations).map(([name, list]) => [name, list.sort((a, b) => a - b)[Math.floor(list.length / 2)]]));
}

/** The pipeline's activities as stand-ins: each sleeps its measured duration and answers what the workflows read. */
function standIns(durations: Record<string, number>): PipelineActivities {
  const nap = (name: string) => new Promise<void>((resolve) => setTimeout(resolve, durations[name] ?? 20));
  return {
    recordEnrolment: () => nap('recordEnrolment'),
    acquireScan: async ({ scan }) => {
      await nap('acquireScan');
      return {
        modality: scan.modality,
        role: scan.modality === 'mask' ? 'mask' : 'image',
        path: `/store/${scan.modality}`,
        sha256: '0'.repeat(64),
        source: scan.source,
      };
    },
    checkQuality: async () => {
      await nap('checkQuality');
      return { passed: true, reasons: [] };
    },
    extractFeatures: async ({ acquired }) => {
      await nap('extractFeatures');
      const modalities = acquired.filter((a) => a.role === 'image').map((a) => a.modality);
      return { paramHash: 'h', modalities, featureCount: 107 * modalities.length };
    },
    computeDeltas: async () => {
      await nap('computeDeltas');
      return { rows: 428, named: {} };
    },
    predictResponse: async () => {
      await nap('predictResponse');
      return { prediction: null, note: 'stand-in: no model' };
    },
    recordPathology: () => nap('recordPathology'),
    notify: () => nap('notify'),
  };
}

/** Peak resident memory (VmHWM) of a process, MiB. */
function peakRssMiB(pid: number | 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/** Calls the server gave up on for load (deadline, unavailable, exhausted), tried again; each carries its own id. */
const TRANSIENT = /deadline exceeded|DEADLINE_EXCEEDED|UNAVAILABLE|RESOURCE_EXHAUSTED/i;
let retriedCalls = 0;

async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const said = `${(err as Error)?.message ?? String(err)} ${(err as { cause?: Error })?.cause?.message ?? ''}`;
      if (attempt >= 20 || !TRANSIENT.test(said)) throw err;
      retriedCalls++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * attempt)));
    }
  }
}

/** Runs `task` for each item with at most `limit` in flight. */
async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

async function main(): Promise<void> {
  const patients = flag('patients', 1000);
  const inFlight = flag('in-flight', 50);
  const sample = Math.min(patients, flag('sample', 50));
  const cfg = loadConfig();
  const durations = measuredDurations();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-scale-'));
  const venv = await ensureVenv({ venvDir: cfg.venvDir, python: cfg.python, logDir: stackPaths(cfg.dataDir).logs, requires: ['temporal'] });
  const port = await freePort();
  const serverPid = spawnDetached(
    path.join(venv.dir, 'bin', 'temporal'),
    devServerArgs({ dbFile: path.join(dir, 'temporal.sqlite'), namespace: cfg.temporal.namespace, port, uiPort: 0, headless: true }),
    path.join(dir, 'temporal.log'),
  );
  const address = `127.0.0.1:${port}`;
  installRuntime('WARN');
  try {
    await waitUntil('the Temporal dev server', () => temporalAnswers(address, cfg.temporal).catch(() => false), 60000);
    const connection = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection,
      namespace: cfg.temporal.namespace,
      taskQueue: TASK_QUEUE,
      workflowBundle: await workflowBundle(require.resolve('../workflows')),
      activities: standIns(durations),
      // Stand-ins only sleep: many at once, as a fleet of pipeline workers would run them.
      maxConcurrentActivityTaskExecutions: 1000,
      maxCachedWorkflows: Math.min(patients * 2, 5000),
    });
    const running = worker.run();
    const client = await connectClient(address, cfg.temporal);
    const studyDir = mkdtempSync(path.join(dir, 'study-'));
    const protocol = loadStudyFile(writeSyntheticStudyFile(studyDir, { studyId: `SCALE-${patients}` }), { storeRoot: path.join(dir, 'store') });
    const pseudonyms = Array.from({ length: patients }, (_, i) => `SYN-${String(i + 1).padStart(6, '0')}`);

    // Enrolment alone: timelines started per second.
    const enrolStart = performance.now();
    await inParallel(pseudonyms, inFlight, async (p) => void (await retrying(() => enrolPatient(client, TASK_QUEUE, protocol, p))));
    const enrolSeconds = (performance.now() - enrolStart) / 1000;

    // The study: every timepoint's scans and the pathology, then each timeline to its end.
    const studyStart = performance.now();
    await inParallel(pseudonyms, inFlight, async (p) => {
      const handle = client.workflow.getHandle(`${protocol.studyId}/${p}`);
      // Each update carries its own id, so a call retried after a deadline is applied once (Temporal deduplicates).
      for (const tp of protocol.timepoints)
        for (const modality of [...tp.modalities, 'mask']) {
          const scan = { timepoint: tp.name, modality, source: `/scans/${p}/${tp.name}/${modality}.nii.gz` };
          await retrying(() => handle.executeUpdate(registerScanUpdate, { args: [scan], updateId: `scan/${tp.name}/${modality}` }));
        }
      const pathology = { necrosisPct: 92, huvosGrade: 'III' as const, date: '2027-01-01' };
      await retrying(() => handle.executeUpdate(recordPathologyUpdate, { args: [pathology], updateId: 'pathology' }));
      await retrying(() => handle.result());
    });
    const studySeconds = (performance.now() - studyStart) / 1000;

    // A sample of patients' histories: events, bytes, and workflow-task latencies.
    const events: number[] = [];
    const bytes: number[] = [];
    const scheduleToStart: number[] = [];
    const startToComplete: number[] = [];
    const bytesByEventType = new Map<string, number>();
    let runs = 0;
    for (const p of pseudonyms.slice(0, sample)) {
      let patientEvents = 0;
      let patientBytes = 0;
      const ids = [`${protocol.studyId}/${p}`, ...protocol.timepoints.map((tp) => `${protocol.studyId}/${p}/${tp.name}/run-1`)];
      for (const id of ids) {
        const history = await retrying(() => client.workflow.getHandle(id).fetchHistory());
        const list = history.events ?? [];
        runs++;
        patientEvents += list.length;
        patientBytes += proto.api.history.v1.History.encode(history).finish().length;
        const scheduledAt = new Map<number, number>();
        const startedAt = new Map<number, number>();
        const when = (e: (typeof list)[number]) => Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6);
        for (const e of list) {
          const type = proto.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
          bytesByEventType.set(type, (bytesByEventType.get(type) ?? 0) + proto.api.history.v1.HistoryEvent.encode(e).finish().length);
          if (e.workflowTaskScheduledEventAttributes) scheduledAt.set(Number(e.eventId), when(e));
          const started = e.workflowTaskStartedEventAttributes;
          if (started) {
            startedAt.set(Number(e.eventId), when(e));
            scheduleToStart.push(when(e) - scheduledAt.get(Number(started.scheduledEventId))!);
          }
          const completed = e.workflowTaskCompletedEventAttributes;
          if (completed) startToComplete.push(when(e) - startedAt.get(Number(completed.startedEventId))!);
        }
      }
      events.push(patientEvents);
      bytes.push(patientBytes);
    }
    scheduleToStart.sort((a, b) => a - b);
    startToComplete.sort((a, b) => a - b);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const result = {
      patients,
      cores: os.availableParallelism(),
      activityMs: durations,
      enrol: { seconds: enrolSeconds, perSecond: patients / enrolSeconds },
      study: { seconds: studySeconds, patientsPerSecond: patients / studySeconds },
      workflowTaskMs: {
        scheduleToStart: { p50: percentile(scheduleToStart, 0.5), p95: percentile(scheduleToStart, 0.95), p99: percentile(scheduleToStart, 0.99) },
        execution: { p50: percentile(startToComplete, 0.5), p95: percentile(startToComplete, 0.95), p99: percentile(startToComplete, 0.99) },
        tasksSampled: startToComplete.length,
      },
      historyPerPatient: { events: mean(events), maxEvents: Math.max(...events), bytes: mean(bytes), workflowsSampled: runs },
      peakRssMiB: { server: peakRssMiB(serverPid), worker: peakRssMiB('self') },
      // The server's SQLite file and its write-ahead log: history, visibility and indexes, as stored.
      databaseMiB:
        ['', '-wal'].map((suffix) => path.join(dir, `temporal.sqlite${suffix}`)).reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0) / 2 ** 20,
      retriedCalls,
    };
    // 100,000 patients: the same histories per patient; the activity work (seconds per patient) spread over a year.
    const workSecondsPerPatient =
      15 * durations.acquireScan + 3 * (durations.checkQuality + durations.extractFeatures + durations.computeDeltas + durations.predictResponse);
    const estimate = {
      historyGiB: (100000 * result.historyPerPatient.bytes) / 2 ** 30,
      historyEvents: 100000 * result.historyPerPatient.events,
      activitySecondsPerPatient: workSecondsPerPatient / 1000,
      cpuCoreHoursPerYear: (100000 * workSecondsPerPatient) / 1000 / 3600,
    };
    const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
    console.log(`\nosteoflow orchestration at scale — ${patients} patients, ${result.cores} cores, stand-in activities (median ms of real runs)`);
    line(
      'activity durations (ms)',
      Object.entries(durations)
        .filter(([k]) => k in standIns(durations))
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    );
    line('timelines started per second', result.enrol.perSecond.toFixed(1));
    line('whole study (enrolled → all completed)', `${studySeconds.toFixed(1)} s (${result.study.patientsPerSecond.toFixed(2)} patients/s)`);
    line('workflow task schedule-to-start p50/p95/p99', `${Object.values(result.workflowTaskMs.scheduleToStart).join(' / ')} ms`);
    line('workflow task execution p50/p95/p99', `${Object.values(result.workflowTaskMs.execution).join(' / ')} ms (${startToComplete.length} tasks)`);
    line(
      'history per patient (timeline + 3 Timepoints)',
      `${result.historyPerPatient.events.toFixed(0)} events (max ${result.historyPerPatient.maxEvents}), ${(result.historyPerPatient.bytes / 1024).toFixed(1)} KiB`,
    );
    line(
      'history bytes per patient by event type',
      [...bytesByEventType]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([type, n]) => `${type.replace(/^EVENT_TYPE_/, '').toLowerCase()} ${(n / sample / 1024).toFixed(1)} KiB`)
        .join(', '),
    );
    line('client calls retried after a deadline', String(retriedCalls));
    line('peak RSS: server / worker process', `${result.peakRssMiB.server.toFixed(0)} / ${result.peakRssMiB.worker.toFixed(0)} MiB`);
    line(
      'server database (SQLite file and log)',
      `${result.databaseMiB.toFixed(0)} MiB, ${((result.databaseMiB * 1024) / patients).toFixed(0)} KiB per patient`,
    );
    line(
      '100,000 patients: history',
      `${(estimate.historyEvents / 1e6).toFixed(1)} M events, ${estimate.historyGiB.toFixed(1)} GiB (before the database's own overhead)`,
    );
    line(
      '100,000 patients: activity work',
      `${estimate.activitySecondsPerPatient.toFixed(1)} s per patient, ${estimate.cpuCoreHoursPerYear.toFixed(0)} core-hours in all`,
    );
    const out = process.argv.indexOf('--out');
    if (out > 0) writeFileSync(process.argv[out + 1], `${JSON.stringify({ ...result, estimate }, null, 2)}\n`);
    worker.shutdown();
    await running;
    await client.connection.close();
    await connection.close();
  } finally {
    await stopProcessGroup(serverPid).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
