// One chaos campaign, start to end: a throw-away folder with its own stack (the project's Temporal dev server and
// MLflow server on free ports), a reference champion in the registry, supervised workers, the synthetic study driven
// through real timelines while the planned faults strike, then the results store checked against what the study's
// scans should produce. Everything it started is stopped on the way out, whatever happened.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type OsteoflowConfig } from '../../config';
import { currentEndpoints } from '../../config/endpoints';
import { patientWorkflowId } from '../../contracts/ids';
import { openResultsStore, resultsStorePath } from '../../store';
import { freePort } from '../processes';
import { stopStack } from '../stack';
import { checkStore, type CompletedTimepoint } from './checker';
import { StudyDriver } from './driver';
import { expectedFeatureNames } from './expected';
import { FaultRunner } from './faults';
import { planFaults } from './plan';
import { registerReferenceChampion } from './referenceModel';
import { ensureStack, killStackNow, stackRunning } from './servers';
import { MODALITIES, TIMEPOINTS, prepareStudy } from './study';
import type { CampaignReport, TimelineOutcome } from './table';
import { Timelines } from './timelines';
import { restoreAll } from './unwritable';
import { WorkerSupervisor } from './workers';

export interface CampaignOptions {
  patients: number;
  faults: number;
  seed: number;
  /** Pipeline worker processes (the segmentation worker comes on top). */
  workers: number;
  /** The study must have settled within this long after it started. */
  timeoutMs: number;
  log: (line: string) => void;
}

export interface Campaign {
  report: CampaignReport;
  /** The throw-away folder (data, study, logs). */
  runDir: string;
}

/** What the campaign started, for the synchronous last resort on the way out of a dying process. */
const started: { cfg?: OsteoflowConfig; workers?: WorkerSupervisor } = {};

export function killEverythingNow(): void {
  restoreAll();
  started.workers?.killAllNow();
  if (started.cfg) killStackNow(started.cfg);
}

export async function runCampaign(options: CampaignOptions, interrupted: AbortSignal): Promise<Campaign> {
  const t0 = Date.now();
  const log = options.log;
  const runDir = mkdtempSync(path.join(os.tmpdir(), `osteoflow-chaos-s${options.seed}-`));
  const dataDir = path.join(runDir, 'data');
  const resultsDir = path.join(runDir, 'results');
  const logDir = path.join(runDir, 'logs');
  const temporalPort = await freePort();
  let mlflowPort = await freePort();
  while (mlflowPort === temporalPort) mlflowPort = await freePort();
  // Fixed ports, so that a restarted server comes back where the workers and clients look for it. External servers
  // are never the campaign's: it restarts its servers.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OSTEOFLOW_DATA_DIR: dataDir,
    OSTEOFLOW_TEMPORAL_PORT: String(temporalPort),
    OSTEOFLOW_MLFLOW_PORT: String(mlflowPort),
    TEMPORAL_ADDRESS: '',
    MLFLOW_TRACKING_URI: '',
    ORTHANC_URL: '',
    // Any other server the stack starts beside them takes free ports too, so that campaigns and test stacks never meet.
    OSTEOFLOW_TEMPORAL_UI_PORT: '0',
    OSTEOFLOW_ORTHANC_PORT: '0',
    OSTEOFLOW_ORTHANC_DICOM_PORT: '0',
  };
  const cfg = loadConfig(env);
  if (cfg.temporal.address || cfg.mlflow.trackingUri) throw new Error('the configuration names external servers; a chaos campaign runs and restarts its own');
  // The results database gets a folder of its own (linked from the data folder), so that making it unwritable takes
  // the results store away and not the Temporal and MLflow databases beside it.
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  symlinkSync(path.join(resultsDir, 'results.sqlite'), resultsStorePath(cfg));

  const studyId = `CHAOS-S${options.seed}-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
  log(`generating ${options.patients} synthetic patients (seed ${options.seed}) in ${runDir}`);
  const study = prepareStudy({ workDir: path.join(runDir, 'study'), studyId, seed: options.seed, patients: options.patients });
  const plan = planFaults({
    seed: options.seed,
    faults: options.faults,
    patients: options.patients,
    timepoints: TIMEPOINTS,
    modalities: MODALITIES,
    pipelineWorkers: options.workers,
  });
  const report: CampaignReport = {
    seed: options.seed,
    patients: options.patients,
    studyId,
    plan,
    injected: [],
    timelines: [],
    badFiles: [],
    attention: [],
    automaticMasks: { planned: plan.automatic.length, made: 0 },
    workerCrashes: [],
    wallMs: 0,
  };

  const stop = new AbortController();
  const onInterrupt = () => stop.abort(interrupted.reason);
  interrupted.addEventListener('abort', onInterrupt, { once: true });
  const timeout = setTimeout(() => stop.abort(new Error(`the study had not settled ${options.timeoutMs / 60000} min after it started`)), options.timeoutMs);
  timeout.unref();
  started.cfg = cfg;
  let timelines: Timelines | undefined;
  let workers: WorkerSupervisor | undefined;
  let driver: StudyDriver | undefined;
  let faults: FaultRunner | undefined;
  let champion: { name: string; version: string } | undefined;
  let running: Array<Promise<unknown>> = [];
  try {
    log(`starting the stack (Temporal on 127.0.0.1:${temporalPort}, MLflow on 127.0.0.1:${mlflowPort})`);
    await ensureStack(cfg, (line) => log(`[stack] ${line}`));
    const endpoints = currentEndpoints(cfg);
    champion = await registerReferenceChampion(endpoints.mlflow.trackingUri, study.protocol);
    log(`reference model ${champion.name}@${champion.version} registered as champion`);
    workers = started.workers = new WorkerSupervisor(env, logDir, options.workers, log);
    workers.startAll();
    timelines = new Timelines(cfg, endpoints.temporal.address, study.protocol);
    driver = new StudyDriver(study, plan, timelines, env, log, stop.signal);
    faults = new FaultRunner(plan, {
      cfg,
      study,
      driver,
      timelines,
      workers,
      storeFolders: [resultsDir, study.protocol.storeDir!],
      badFileDir: path.join(runDir, 'bad-files'),
      log,
      signal: stop.signal,
    });
    log(`enrolling ${options.patients} patients in ${studyId}; ${plan.faults.length} faults over ${(plan.horizonMs / 1000).toFixed(0)} s`);
    await driver.enrolAll();
    const studyStart = Date.now();
    const faultsDone = faults.run(studyStart);
    const sent = driver.sendPlannedVisits(studyStart);
    // A failure to send or inject stops the campaign; the watch ends once every timeline has closed.
    running = [faultsDone, sent, driver.watch(faultsDone)];
    await Promise.all(running);
    report.timelines = outcomes(driver);
  } catch (err) {
    if (!stop.signal.aborted) stop.abort(err);
    report.aborted = stop.signal.aborted ? String((stop.signal.reason as Error)?.message ?? stop.signal.reason) : (err as Error).message;
    log(`campaign stopped: ${report.aborted}`);
    if (driver) report.timelines = outcomes(driver);
  } finally {
    // Whatever is still under way (a restart, a registration, a coordinator's command) ends at its next step.
    await Promise.allSettled([...running, driver?.settled()]);
    clearTimeout(timeout);
    interrupted.removeEventListener('abort', onInterrupt);
    restoreAll();
  }

  report.injected = faults?.injected ?? [];
  report.badFiles = driver ? [...driver.badFiles.values()] : [];
  report.attention = driver?.attention ?? [];
  report.automaticMasks.made = (driver?.states ?? []).reduce(
    (n, p) => n + (p.view?.timepoints.filter((t) => t.status === 'done' && t.segmentation).length ?? 0),
    0,
  );
  report.workerCrashes = (workers?.unexpectedExits ?? []).map((w) => ({ ...w, at: w.at - t0 }));
  try {
    if (driver && !interrupted.aborted) {
      if (!stackRunning(cfg)) await ensureStack(cfg, (line) => log(`[stack] ${line}`));
      report.retries = await timelines!.retries(workflowIds(study.protocol.studyId, driver)).catch((err: Error) => {
        log(`activity retries not counted: ${err.message.split('\n')[0]}`);
        return undefined;
      });
      await workers?.stopAll();
      report.check = await checkResults(cfg, study, driver, expectedFeatureNames(study.protocol.features.paramsFile, MODALITIES), champion);
    }
  } catch (err) {
    report.aborted ??= `the results store could not be checked: ${(err as Error).message}`;
  } finally {
    await workers?.stopAll().catch(() => undefined);
    await timelines?.close();
    log('stopping the stack');
    await stopStack(cfg).catch(() => killStackNow(cfg));
    started.cfg = undefined;
    started.workers = undefined;
  }
  report.wallMs = Date.now() - t0;
  return { report, runDir };
}

/** Every PatientTimeline of the study and every Timepoint run it started. */
function workflowIds(studyId: string, driver: StudyDriver): string[] {
  return driver.states.flatMap((p) => {
    const id = patientWorkflowId(studyId, p.pseudonym);
    return [id, ...(p.view?.timepoints ?? []).flatMap((tp) => Array.from({ length: tp.runs }, (_, i) => `${id}/${tp.name}/run-${i + 1}`))];
  });
}

/** Each timeline's end: closed and completed, still waiting for a person, or failed (closed otherwise, or never closed). */
function outcomes(driver: StudyDriver): TimelineOutcome[] {
  return driver.states.map((p): TimelineOutcome => {
    if (p.closed?.status === 'COMPLETED') return { pseudonym: p.pseudonym, outcome: 'completed' };
    if (p.closed) return { pseudonym: p.pseudonym, outcome: 'FAILED', detail: `${p.closed.status}: ${p.closed.failure ?? 'no failure recorded'}` };
    const statuses = p.view?.timepoints.map((t) => `${t.name} ${t.status}${t.attention ? ` (${t.attention.code})` : ''}`).join(', ') ?? 'never read';
    const waiting = p.view?.timepoints.some((t) => t.status === 'needs-attention' || t.status === 'qc-failed/awaiting-rescan');
    return waiting
      ? { pseudonym: p.pseudonym, outcome: 'needs-attention', detail: statuses }
      : { pseudonym: p.pseudonym, outcome: 'FAILED', detail: `never closed: ${statuses}` };
  });
}

async function checkResults(
  cfg: OsteoflowConfig,
  study: ReturnType<typeof prepareStudy>,
  driver: StudyDriver,
  expected: Record<string, string[]>,
  model: { name: string; version: string } | undefined,
): Promise<CampaignReport['check']> {
  const timepoints: CompletedTimepoint[] = [];
  const pathology: Array<{ pseudonym: string; necrosisPct: number; huvosGrade: string; date: string }> = [];
  for (const p of driver.states) {
    for (const tp of p.view?.timepoints ?? []) {
      if (tp.status !== 'done') continue;
      timepoints.push({ pseudonym: p.pseudonym, timepoint: tp.name, ...(tp.prediction ? {} : { predictionNote: tp.note ?? undefined }) });
    }
    if (p.closed?.status === 'COMPLETED') {
      const { necrosisPct, huvosGrade, reportDate } = study.manifest.patients[p.index].pathology;
      pathology.push({ pseudonym: p.pseudonym, necrosisPct, huvosGrade, date: reportDate });
    }
  }
  const store = openResultsStore(cfg);
  try {
    return await checkStore(store, {
      studyId: study.protocol.studyId,
      paramHash: study.protocol.features.paramHash,
      expected,
      timepoints,
      model,
      pathology,
    });
  } finally {
    await store.close();
  }
}

/** Removes the run folder (after a campaign that passed). */
export function removeRunDir(runDir: string): void {
  rmSync(runDir, { recursive: true, force: true });
}
