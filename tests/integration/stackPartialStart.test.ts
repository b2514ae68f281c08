// A stack start that fails part-way leaves nothing running: with the Orthanc port taken, the Temporal and MLflow
// servers this start had launched are stopped again, their records cleared, and the port error is what is reported.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config';
import { isAlive, readState, stackPaths } from '../../config/endpoints';
import { startStack } from '../../ops/stack';

jest.setTimeout(180000);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-partial-'));
const taken = net.createServer();

afterAll(() => {
  taken.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('stops the servers it started when another cannot start, and reports that one', async () => {
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  const cfg = loadConfig({
    ...process.env,
    OSTEOFLOW_DATA_DIR: dataDir,
    OSTEOFLOW_TEMPORAL_PORT: '0',
    OSTEOFLOW_MLFLOW_PORT: '0',
    OSTEOFLOW_ORTHANC_PORT: String(port),
    TEMPORAL_ADDRESS: undefined,
    MLFLOW_TRACKING_URI: undefined,
    ORTHANC_URL: undefined,
  });
  const pids: number[] = [];
  const err = await startStack(cfg, {
    headless: true,
    log: (line) => {
      const pid = /\(pid (\d+),/.exec(line)?.[1];
      if (pid) pids.push(Number(pid));
    },
  }).catch((e: unknown) => e);
  expect(String((err as Error).message)).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
  // Temporal and MLflow had been launched before the failure; they are stopped, and no record of them is left.
  expect(pids.length).toBeGreaterThanOrEqual(1);
  for (const pid of pids) expect([pid, isAlive(pid)]).toEqual([pid, false]);
  const state = readState(stackPaths(dataDir).state);
  expect([state.temporal, state.mlflow, state.orthanc]).toEqual([undefined, undefined, undefined]);
  expect(readFileSync(stackPaths(dataDir).state, 'utf8')).not.toMatch(/"pid"/);
});
