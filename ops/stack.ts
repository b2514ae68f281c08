// Starts, finds and stops osteoflow's embedded stack (Temporal dev server + MLflow server + Orthanc as the PACS), or
// adopts the external servers named by TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI / ORTHANC_URL. State (pids, ports) lives
// in <dataDir>/stack.json.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { OsteoflowConfig } from '../config';
import { StackError } from '../config/stackError';
import {
  currentEndpoints,
  isAlive,
  isOurs,
  readOrthancCredentials,
  readState,
  stackPaths,
  type Endpoints,
  type ServerRecord,
  type StackState,
} from '../config/endpoints';
import { mlflowAnswers, mlflowServerArgs, seedMlflowDatabase } from './mlflowServer';
import { checkDicomwebPlugin, launchOrthanc, orthancAnswers, orthancHasDicomweb, orthancProgram } from './orthancServer';
import { freePort, isPortFree, spawnDetached, stopProcessGroup, tail, waitUntil, withLock } from './processes';
import { devServerArgs, missingSearchAttributes, temporalAnswers } from './temporalServer';
import { ensureVenv, REQUIREMENTS_FILE, type Venv } from './venv';

export interface StartOptions {
  /** No Temporal web UI (tests). */
  headless?: boolean;
  log?: (line: string) => void;
  /** Start the embedded Orthanc too (default true); false leaves it as it is (suites that start their own). */
  orthanc?: boolean;
}

const START_TIMEOUT_MS = { temporal: 60000, mlflow: 180000, orthanc: 60000 };

function writeState(file: string, state: StackState): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

async function choosePort(configured: number, what: string, envName: string): Promise<number> {
  if (configured === 0) return freePort();
  if (!(await isPortFree(configured))) {
    throw new StackError(
      `port ${configured} on 127.0.0.1 is already in use, so the ${what} cannot start there.`,
      `stop the program that uses it, or choose another port with ${envName}=<port> (0 picks a free one)` +
        (what.startsWith('Temporal')
          ? ', or use an existing server with TEMPORAL_ADDRESS.'
          : what.startsWith('Orthanc')
            ? ', or use an existing PACS with ORTHANC_URL.'
            : ', or use an existing server with MLFLOW_TRACKING_URI.'),
    );
  }
  return configured;
}

/**
 * Brings the stack up and returns its endpoints. Idempotent: servers already running for this data folder are reused,
 * stale pid records are cleared, and external servers (TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI) are only checked.
 */
export async function startStack(cfg: OsteoflowConfig, options: StartOptions = {}): Promise<Endpoints> {
  const log = options.log ?? (() => undefined);
  const paths = stackPaths(cfg.dataDir);
  mkdirSync(paths.logs, { recursive: true });
  return withLock(paths.lock, `starting the stack in ${cfg.dataDir}`, async () => {
    const state = readState(paths.state);
    const launches: Array<Promise<void>> = [];
    /** Servers this call started, so that a start that fails part-way stops them again. */
    const started: Array<{ pid: number; clear: () => void }> = [];
    try {
      return await start(state, launches, started);
    } catch (err) {
      // A start that fails part-way (a taken port, a server that does not answer) leaves nothing it started running:
      // the other launches are awaited, their servers stopped and their records cleared, and the first error reported.
      await Promise.allSettled(launches);
      for (const server of started) {
        await stopProcessGroup(server.pid);
        server.clear();
      }
      writeState(paths.state, state);
      throw err;
    }
  });

  async function start(state: StackState, launches: Array<Promise<void>>, started: Array<{ pid: number; clear: () => void }>): Promise<Endpoints> {
    const needsEmbedded = !cfg.temporal.address || !cfg.mlflow.trackingUri;
    let venv: Venv | undefined;
    const getVenv = async () => (venv ??= await ensureVenv({ venvDir: cfg.venvDir, python: cfg.python, logDir: paths.logs, log }));
    /**
     * Starts one server and waits for it. A port picked as free (configured 0) can be taken by another process before
     * the server binds it (MLflow needs seconds to migrate its database first): then it retries on another port.
     */
    const launch = async (spec: {
      what: string;
      configuredPort: number;
      envName: string;
      logFile: string;
      start: (port: number) => Promise<{ pid: number; uiPort?: number }>;
      record: (record: ServerRecord | undefined) => void;
      probe: (port: number) => Promise<boolean>;
      timeoutMs: number;
    }) => {
      for (let attempt = 1; ; attempt++) {
        const port = await choosePort(spec.configuredPort, spec.what, spec.envName);
        const { pid, uiPort } = await spec.start(port);
        spec.record({ pid, port, uiPort });
        started.push({ pid, clear: () => spec.record(undefined) });
        writeState(paths.state, state);
        log(`starting the ${spec.what} (pid ${pid}, 127.0.0.1:${port})`);
        try {
          await waitForServer(spec.what, spec.logFile, pid, spec.timeoutMs, () => spec.probe(port));
          return;
        } catch (err) {
          // 'address already in use' (Temporal, MLflow), 'port of the HTTP server is privileged or already in use' (Orthanc)
          const portTaken = /already in use/i.test(tail(spec.logFile, 5));
          if (spec.configuredPort !== 0 || !portTaken || attempt >= 3) throw err;
          log(`port ${port} was taken before the ${spec.what} could bind it; trying another`);
          await stopProcessGroup(pid);
        }
      }
    };

    if (cfg.temporal.address) {
      await checkExternalTemporal(cfg);
      delete state.temporal;
    } else if (state.temporal && isOurs(state.temporal, 'temporal')) {
      log(`Temporal dev server already running (pid ${state.temporal.pid}, 127.0.0.1:${state.temporal.port})`);
    } else {
      if (state.temporal) log(`clearing a stale Temporal pid record (pid ${state.temporal.pid} is not running)`);
      // A taken port is reported before minutes of provisioning, not after.
      await choosePort(cfg.ports.temporal, 'Temporal dev server', 'OSTEOFLOW_TEMPORAL_PORT');
      const { temporal } = await getVenv();
      launches.push(
        launch({
          what: 'Temporal dev server',
          configuredPort: cfg.ports.temporal,
          envName: 'OSTEOFLOW_TEMPORAL_PORT',
          logFile: paths.temporalLog,
          start: async (port) => {
            const uiPort = options.headless ? undefined : await choosePort(cfg.ports.temporalUi, 'Temporal web UI', 'OSTEOFLOW_TEMPORAL_UI_PORT');
            const args = devServerArgs({
              dbFile: paths.temporalDb,
              namespace: cfg.temporal.namespace,
              port,
              uiPort: uiPort ?? 0,
              headless: !!options.headless,
            });
            return { pid: spawnDetached(temporal, args, paths.temporalLog), uiPort };
          },
          record: (record) => (state.temporal = record),
          probe: (port) => temporalAnswers(`127.0.0.1:${port}`, cfg.temporal),
          timeoutMs: START_TIMEOUT_MS.temporal,
        }),
      );
    }

    if (cfg.mlflow.trackingUri) {
      await checkExternalMlflow(cfg);
      delete state.mlflow;
    } else if (state.mlflow && isOurs(state.mlflow, 'mlflow')) {
      log(`MLflow server already running (pid ${state.mlflow.pid}, 127.0.0.1:${state.mlflow.port})`);
    } else {
      if (state.mlflow) log(`clearing a stale MLflow pid record (pid ${state.mlflow.pid} is not running)`);
      await choosePort(cfg.ports.mlflow, 'MLflow server', 'OSTEOFLOW_MLFLOW_PORT');
      const { mlflow, python, dir } = await getVenv();
      mkdirSync(paths.mlflowArtifacts, { recursive: true });
      launches.push(
        launch({
          what: 'MLflow server',
          configuredPort: cfg.ports.mlflow,
          envName: 'OSTEOFLOW_MLFLOW_PORT',
          logFile: paths.mlflowLog,
          start: async (port) => {
            await seedMlflowDatabase({ python, venvDir: dir, requirementsFile: REQUIREMENTS_FILE, dbFile: paths.mlflowDb, log });
            const args = mlflowServerArgs({ dbFile: paths.mlflowDb, artifactsDir: paths.mlflowArtifacts, port });
            return { pid: spawnDetached(mlflow, args, paths.mlflowLog, { ...process.env, MLFLOW_TRACKING_URI: '' }) };
          },
          record: (record) => (state.mlflow = record),
          probe: (port) => mlflowAnswers(`http://127.0.0.1:${port}`),
          timeoutMs: START_TIMEOUT_MS.mlflow,
        }),
      );
    }
    if (cfg.orthanc.url) {
      await checkExternalOrthanc(cfg);
      delete state.orthanc;
    } else if (options.orthanc === false) {
      // left as it is: running or not
    } else if (state.orthanc && isOurs(state.orthanc, 'Orthanc')) {
      log(`Orthanc already running (pid ${state.orthanc.pid}, 127.0.0.1:${state.orthanc.port}, DICOM ${state.orthanc.dicomPort})`);
    } else {
      if (state.orthanc) log(`clearing a stale Orthanc pid record (pid ${state.orthanc.pid} is not running)`);
      // Missing packages and taken ports are reported before anything starts.
      orthancProgram();
      checkDicomwebPlugin();
      await choosePort(cfg.ports.orthanc, 'Orthanc HTTP server', 'OSTEOFLOW_ORTHANC_PORT');
      await choosePort(cfg.ports.orthancDicom, 'Orthanc DICOM server', 'OSTEOFLOW_ORTHANC_DICOM_PORT');
      let dicomPort = 0;
      launches.push(
        launch({
          what: 'Orthanc PACS',
          configuredPort: cfg.ports.orthanc,
          envName: 'OSTEOFLOW_ORTHANC_PORT',
          logFile: paths.orthancLog,
          start: async (port) => {
            dicomPort = await choosePort(cfg.ports.orthancDicom, 'Orthanc DICOM server', 'OSTEOFLOW_ORTHANC_DICOM_PORT');
            while (dicomPort === port) dicomPort = await choosePort(0, 'Orthanc DICOM server', 'OSTEOFLOW_ORTHANC_DICOM_PORT');
            const { pid } = launchOrthanc({
              configFile: paths.orthancConfig,
              credentialsFile: paths.orthancCredentials,
              storageDir: paths.orthancStorage,
              indexDir: paths.orthancIndex,
              logFile: paths.orthancLog,
              httpPort: port,
              dicomPort,
            });
            return { pid };
          },
          record: (record) => (state.orthanc = record && { ...record, dicomPort }),
          probe: (port) => orthancAnswers(`http://127.0.0.1:${port}`, readOrthancCredentials(paths.orthancCredentials)),
          timeoutMs: START_TIMEOUT_MS.orthanc,
        }),
      );
    }
    writeState(paths.state, state);
    if (!needsEmbedded) log('using external Temporal and MLflow servers');
    await Promise.all(launches);
    return currentEndpoints(cfg);
  }
}

async function waitForServer(what: string, logFile: string, pid: number, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  try {
    await waitUntil(what, probe, timeoutMs, () => isAlive(pid));
  } catch (err) {
    throw new StackError(
      `${(err as Error).message}. Its log (${logFile}) ends with:\n${tail(logFile)}`,
      `read the log above; then stop the stack (npx osteoflow stack stop) and start it again.`,
    );
  }
}

async function checkExternalTemporal(cfg: OsteoflowConfig): Promise<void> {
  const address = cfg.temporal.address!;
  const answers = await temporalAnswers(address, cfg.temporal).catch((err: Error) => {
    throw new StackError(
      `the Temporal server at TEMPORAL_ADDRESS=${address} (namespace '${cfg.temporal.namespace}') does not answer: ${err.message}`,
      'check the address, the namespace (TEMPORAL_NAMESPACE) and the TLS settings (TEMPORAL_TLS_*), or unset TEMPORAL_ADDRESS to use the embedded dev server.',
    );
  });
  if (!answers) throw new StackError(`the Temporal server at ${address} does not answer.`, 'check TEMPORAL_ADDRESS.');
  const missing = await missingSearchAttributes(address, cfg.temporal);
  if (missing.length > 0) {
    throw new StackError(
      `the namespace '${cfg.temporal.namespace}' on ${address} lacks osteoflow's search attributes ${missing.join(', ')}.`,
      `register them once: ${missing.map((m) => `temporal operator search-attribute create --address ${address} --namespace ${cfg.temporal.namespace} --name ${m.split('=')[0]} --type ${m.split('=')[1]}`).join(' && ')}`,
    );
  }
}

async function checkExternalMlflow(cfg: OsteoflowConfig): Promise<void> {
  const uri = cfg.mlflow.trackingUri!;
  const ok = await mlflowAnswers(uri, cfg.mlflow.token).catch(() => false);
  if (!ok) {
    throw new StackError(
      `the MLflow server at MLFLOW_TRACKING_URI=${uri} does not answer on /health.`,
      'check the URL and MLFLOW_TRACKING_TOKEN, or unset MLFLOW_TRACKING_URI to use the embedded server.',
    );
  }
}

async function checkExternalOrthanc(cfg: OsteoflowConfig): Promise<void> {
  const url = cfg.orthanc.url!;
  const credentials = cfg.orthanc.username && cfg.orthanc.password ? { username: cfg.orthanc.username, password: cfg.orthanc.password } : undefined;
  const ok = await orthancAnswers(url, credentials).catch(() => false);
  if (!ok) {
    throw new StackError(
      `the PACS at ORTHANC_URL=${url} does not answer on /system (or refuses the credentials).`,
      'check the URL and ORTHANC_USERNAME/ORTHANC_PASSWORD, or unset ORTHANC_URL to use the embedded Orthanc.',
    );
  }
  if (!(await orthancHasDicomweb(url, credentials).catch(() => false))) {
    throw new StackError(
      `the PACS at ORTHANC_URL=${url} has no DICOMweb plugin (GET /plugins does not list dicom-web).`,
      "load Orthanc's DICOMweb plugin there.",
    );
  }
}

/** Stops the embedded servers recorded for this data folder (external servers are never touched). */
export async function stopStack(cfg: OsteoflowConfig, log: (line: string) => void = () => undefined): Promise<void> {
  const paths = stackPaths(cfg.dataDir);
  if (!existsSync(cfg.dataDir)) return;
  await withLock(paths.lock, `stopping the stack in ${cfg.dataDir}`, async () => {
    const state = readState(paths.state);
    const stops: Array<Promise<void>> = [];
    for (const [name, program] of [
      ['temporal', 'temporal'],
      ['mlflow', 'mlflow'],
      ['orthanc', 'Orthanc'],
    ] as const) {
      const record = state[name];
      if (record && isOurs(record, program)) {
        log(`stopping ${name} (pid ${record.pid})`);
        stops.push(stopProcessGroup(record.pid));
      }
    }
    await Promise.all(stops);
    rmSync(paths.state, { force: true });
  });
}

export interface StackStatus {
  temporal: string;
  mlflow: string;
  orthanc: string;
}

export function stackStatus(cfg: OsteoflowConfig): StackStatus {
  const state = readState(stackPaths(cfg.dataDir).state);
  const describe = (record: ServerRecord | undefined, program: string, external?: string) =>
    external
      ? `external (${external})`
      : record && isOurs(record, program)
        ? `running (pid ${record.pid}, port ${record.port}${record.dicomPort ? `, DICOM port ${record.dicomPort}` : ''})`
        : record
          ? `stale record (pid ${record.pid} not running)`
          : 'stopped';
  return {
    temporal: describe(state.temporal, 'temporal', cfg.temporal.address),
    mlflow: describe(state.mlflow, 'mlflow', cfg.mlflow.trackingUri),
    orthanc: describe(state.orthanc, 'Orthanc', cfg.orthanc.url),
  };
}
