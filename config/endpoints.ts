// Where the stack's servers are: the embedded ones recorded in <dataDir>/stack.json by ops/ when it starts them, or
// the external ones named by TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI. Read by workers, clients and the CLI; only ops/
// writes the state file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { OsteoflowConfig } from './index';
import { StackError } from './stackError';

export interface Endpoints {
  temporal: { address: string; namespace: string; embedded: boolean; uiUrl?: string };
  mlflow: { trackingUri: string; embedded: boolean };
}

export interface ServerRecord {
  pid: number;
  port: number;
  uiPort?: number;
}

export interface StackState {
  temporal?: ServerRecord;
  mlflow?: ServerRecord;
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

/** Endpoints of a running stack (embedded ones from the state file); throws when the embedded stack is not running. */
export function currentEndpoints(cfg: OsteoflowConfig): Endpoints {
  const state = readState(stackPaths(cfg.dataDir).state);
  const notRunning = (what: string) =>
    new StackError(
      `the embedded ${what} is not running (no live server recorded in ${stackPaths(cfg.dataDir).state}).`,
      'start the stack: npx osteoflow stack start (or npm start).',
    );
  let temporal: Endpoints['temporal'];
  if (cfg.temporal.address) temporal = { address: cfg.temporal.address, namespace: cfg.temporal.namespace, embedded: false };
  else if (state.temporal && isOurs(state.temporal, 'temporal'))
    temporal = {
      address: `127.0.0.1:${state.temporal.port}`,
      namespace: cfg.temporal.namespace,
      embedded: true,
      uiUrl: state.temporal.uiPort ? `http://127.0.0.1:${state.temporal.uiPort}` : undefined,
    };
  else throw notRunning('Temporal server');
  let mlflow: Endpoints['mlflow'];
  if (cfg.mlflow.trackingUri) mlflow = { trackingUri: cfg.mlflow.trackingUri, embedded: false };
  else if (state.mlflow && isOurs(state.mlflow, 'mlflow')) mlflow = { trackingUri: `http://127.0.0.1:${state.mlflow.port}`, embedded: true };
  else throw notRunning('MLflow server');
  return { temporal, mlflow };
}
