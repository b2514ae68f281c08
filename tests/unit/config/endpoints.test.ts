// Which servers a command needs: the coordinator's commands and the workers start with Temporal alone, and a worker
// takes the embedded MLflow's recorded address while that server restarts (its activities retry meanwhile).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../config';
import { currentEndpoints, mlflowEndpoint, stackPaths, temporalEndpoint } from '../../../config/endpoints';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-endpoints-'));
const cfg = loadConfig({ OSTEOFLOW_CONFIG: undefined, OSTEOFLOW_DATA_DIR: dataDir });
// A live process whose command line names the Temporal server stands in for it; a finished one for a stopped MLflow.
const temporal = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'temporal'], { stdio: 'ignore' });
const gone = spawnSync(process.execPath, ['-e', '0']).pid;

afterAll(() => {
  temporal.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

it('starts a Temporal-only command while the embedded MLflow restarts, and a worker with its recorded address', () => {
  writeFileSync(stackPaths(dataDir).state, JSON.stringify({ temporal: { pid: temporal.pid, port: 7399 }, mlflow: { pid: gone, port: 5399 } }));
  expect(temporalEndpoint(cfg)).toEqual({ address: '127.0.0.1:7399', namespace: 'osteoflow', embedded: true, uiUrl: undefined });
  expect(() => mlflowEndpoint(cfg)).toThrow(/the embedded MLflow server is not running/);
  expect(() => currentEndpoints(cfg)).toThrow(/the embedded MLflow server is not running/);
  expect(mlflowEndpoint(cfg, { whileRestarting: true })).toEqual({ trackingUri: 'http://127.0.0.1:5399', embedded: true });
});

it('still refuses when no MLflow server was ever recorded, and when Temporal is not running', () => {
  writeFileSync(stackPaths(dataDir).state, JSON.stringify({ temporal: { pid: gone, port: 7399 } }));
  expect(() => mlflowEndpoint(cfg, { whileRestarting: true })).toThrow(/the embedded MLflow server is not running/);
  expect(() => temporalEndpoint(cfg)).toThrow(/the embedded Temporal server is not running[\s\S]*start the stack/);
});

it('takes external servers from the configuration without looking at the state file', () => {
  const external = loadConfig({
    OSTEOFLOW_CONFIG: undefined,
    OSTEOFLOW_DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: 'temporal.example:7233',
    MLFLOW_TRACKING_URI: 'https://mlflow.example/',
  });
  expect(temporalEndpoint(external)).toEqual({ address: 'temporal.example:7233', namespace: 'osteoflow', embedded: false });
  expect(mlflowEndpoint(external)).toEqual({ trackingUri: 'https://mlflow.example/', embedded: false });
});
