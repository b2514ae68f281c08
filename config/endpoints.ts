// Where the stack's servers are: the embedded ones recorded in <dataDir>/stack.json by ops/ when it starts them, or
// the external ones named by TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI / ORTHANC_URL. Read by workers, clients and the CLI;
// only ops/ writes the state file and the embedded Orthanc's credentials file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { OsteoflowConfig } from './index';
import { StackError } from './stackError';

export interface Endpoints {
  temporal: { address: string; namespace: string; embedded: boolean; uiUrl?: string };
  mlflow: { trackingUri: string; embedded: boolean };
  /** The PACS, when ORTHANC_URL names one or the embedded Orthanc runs (a stack may run without it). */
  orthanc?: OrthancEndpoint;
}

export interface OrthancCredentials {
  username: string;
  password: string;
}

export interface OrthancEndpoint {
  /** Base URL of Orthanc's REST API; DICOMweb is at <url>/dicom-web. */
  url: string;
  /** HTTP Basic credentials (absent for an external PACS without authentication). */
  credentials?: OrthancCredentials;
  embedded: boolean;
  /** The embedded Orthanc's DICOM listener: C-STORE to this AE title from 127.0.0.1 with the calling AE title. */
  dicom?: { host: string; port: number; calledAet: string; callingAet: string };
}

/** AE titles of the embedded Orthanc (PS3.8 9.3.1: up to 16 characters). */
export const ORTHANC_AET = { called: 'OSTEOFLOW_PACS', calling: 'OSTEOFLOW' } as const;

export interface ServerRecord {
  pid: number;
  port: number;
  uiPort?: number;
  /** Orthanc's DICOM port (its HTTP port is `port`). */
  dicomPort?: number;
}

export interface StackState {
  temporal?: ServerRecord;
  mlflow?: ServerRecord;
  orthanc?: ServerRecord;
}

export function stackPaths(dataDir: string) {
  return {
    state: path.join(dataDir, 'stack.json'),
    lock: path.join(dataDir, 'stack.lock'),
    logs: path.join(dataDir, 'logs'),
    temporalDb: path.join(dataDir, 'temporal.sqlite'),
    temporalLog: path.join(dataDir, 'logs', 'temporal.log'),
    mlflowDb: path.join(dataDir, 'mlflow.sqlite'),
    mlflowArtifacts: path.join(dataDir, 'mlflow-artifacts'),
    mlflowLog: path.join(dataDir, 'logs', 'mlflow.log'),
    /** The embedded Orthanc: its generated configuration, storage and index (the PACS's own copy of the images). */
    orthancDir: path.join(dataDir, 'orthanc'),
    orthancConfig: path.join(dataDir, 'orthanc', 'orthanc.json'),
    orthancStorage: path.join(dataDir, 'orthanc', 'storage'),
    orthancIndex: path.join(dataDir, 'orthanc', 'index'),
    /** Generated HTTP credentials of the embedded Orthanc (mode 0600). */
    orthancCredentials: path.join(dataDir, 'orthanc-credentials.json'),
    orthancLog: path.join(dataDir, 'logs', 'orthanc.log'),
  };
}

export function readState(file: string): StackState {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackState;
  } catch {
    return {}; // a torn write: the pids are re-discovered as stale below
  }
}

/** A process lives (or exists under another user) when signal 0 reaches it. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A recorded server is ours and still running when its pid lives and runs the expected program. */
export function isOurs(record: ServerRecord | undefined, program: string): boolean {
  if (!record || !isAlive(record.pid)) return false;
  try {
    return readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').includes(program);
  } catch {
    return true; // no /proc: trust the pid
  }
}

function notRunning(cfg: OsteoflowConfig, what: string): StackError {
  return new StackError(
    `the embedded ${what} is not running (no live server recorded in ${stackPaths(cfg.dataDir).state}).`,
    'start the stack: npx osteoflow stack start (or npm start).',
  );
}

/** The Temporal server: TEMPORAL_ADDRESS's, or the embedded one; throws when the embedded one is not running. */
export function temporalEndpoint(cfg: OsteoflowConfig, state = readState(stackPaths(cfg.dataDir).state)): Endpoints['temporal'] {
  if (cfg.temporal.address) return { address: cfg.temporal.address, namespace: cfg.temporal.namespace, embedded: false };
  if (state.temporal && isOurs(state.temporal, 'temporal')) {
    return {
      address: `127.0.0.1:${state.temporal.port}`,
      namespace: cfg.temporal.namespace,
      embedded: true,
      uiUrl: state.temporal.uiPort ? `http://127.0.0.1:${state.temporal.uiPort}` : undefined,
    };
  }
  throw notRunning(cfg, 'Temporal server');
}

/**
 * The MLflow server: MLFLOW_TRACKING_URI's, or the embedded one. With `whileRestarting`, an embedded server recorded
 * on a port but not running now (being restarted) still gives its address: a worker reaches MLflow only inside
 * activities, which retry, so it must not refuse to start over it. Throws when no embedded server is recorded.
 */
export function mlflowEndpoint(
  cfg: OsteoflowConfig,
  options: { whileRestarting?: boolean } = {},
  state = readState(stackPaths(cfg.dataDir).state),
): Endpoints['mlflow'] {
  if (cfg.mlflow.trackingUri) return { trackingUri: cfg.mlflow.trackingUri, embedded: false };
  if (state.mlflow && (options.whileRestarting || isOurs(state.mlflow, 'mlflow')))
    return { trackingUri: `http://127.0.0.1:${state.mlflow.port}`, embedded: true };
  throw notRunning(cfg, 'MLflow server');
}

/** Endpoints of a running stack (embedded ones from the state file); throws when the embedded stack is not running. */
export function currentEndpoints(cfg: OsteoflowConfig): Endpoints {
  const state = readState(stackPaths(cfg.dataDir).state);
  const temporal = temporalEndpoint(cfg, state);
  const mlflow = mlflowEndpoint(cfg, {}, state);
  const orthanc = orthancFromState(cfg, state);
  return { temporal, mlflow, ...(orthanc ? { orthanc } : {}) };
}

/** The embedded Orthanc's credentials, as ops/ generated them; undefined when the file is absent or unreadable. */
export function readOrthancCredentials(file: string): OrthancCredentials | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<OrthancCredentials>;
    return typeof parsed.username === 'string' && typeof parsed.password === 'string' ? { username: parsed.username, password: parsed.password } : undefined;
  } catch {
    return undefined;
  }
}

function orthancFromState(cfg: OsteoflowConfig, state: StackState): OrthancEndpoint | undefined {
  if (cfg.orthanc.url) {
    const { username, password } = cfg.orthanc;
    return { url: cfg.orthanc.url.replace(/\/+$/, ''), embedded: false, ...(username && password ? { credentials: { username, password } } : {}) };
  }
  if (!state.orthanc || !isOurs(state.orthanc, 'Orthanc')) return undefined;
  const credentials = readOrthancCredentials(stackPaths(cfg.dataDir).orthancCredentials);
  return {
    url: `http://127.0.0.1:${state.orthanc.port}`,
    embedded: true,
    ...(credentials ? { credentials } : {}),
    ...(state.orthanc.dicomPort
      ? { dicom: { host: '127.0.0.1', port: state.orthanc.dicomPort, calledAet: ORTHANC_AET.called, callingAet: ORTHANC_AET.calling } }
      : {}),
  };
}

/** The PACS: ORTHANC_URL's, or the embedded Orthanc; throws when the embedded one is not running. */
export function orthancEndpoint(cfg: OsteoflowConfig): OrthancEndpoint {
  const found = orthancFromState(cfg, readState(stackPaths(cfg.dataDir).state));
  if (found) return found;
  throw new StackError(
    `the embedded Orthanc is not running (no live server recorded in ${stackPaths(cfg.dataDir).state}).`,
    'start the stack: npx osteoflow stack start, or name an existing PACS with ORTHANC_URL (and ORTHANC_USERNAME/ORTHANC_PASSWORD).',
  );
}
