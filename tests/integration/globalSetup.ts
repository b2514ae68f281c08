// Starts the real stack once for the integration tests, in a throw-away data folder on free ports — or checks the
// external servers named by TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI. Tests find it through the same environment.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config';
import { startStack, stackStatus } from '../../ops/stack';
import { ensureTorchVenv } from '../../ops/torchWorker';

export default async function globalSetup(): Promise<void> {
  if (!process.env.OSTEOFLOW_DATA_DIR) {
    process.env.OSTEOFLOW_DATA_DIR = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-it-'));
    process.env.OSTEOFLOW_TEST_OWNS_DATA_DIR = 'true';
  }
  // Free ports, so that two test runs on one machine never collide.
  process.env.OSTEOFLOW_TEMPORAL_PORT ??= '0';
  process.env.OSTEOFLOW_MLFLOW_PORT ??= '0';
  process.env.OSTEOFLOW_ORTHANC_PORT ??= '0';
  process.env.OSTEOFLOW_ORTHANC_DICOM_PORT ??= '0';
  const started = Date.now();
  const before = stackStatus(loadConfig());
  // Only a stack this run starts is stopped by the teardown; one a developer left running stays up.
  process.env.OSTEOFLOW_TEST_STOPS_STACK = before.temporal.startsWith('running') || before.mlflow.startsWith('running') ? 'false' : 'true';
  // No Orthanc in the shared stack: the PACS suite starts its own (ops/orthancServer.ts), so other suites wait for none.
  const endpoints = await startStack(loadConfig(), { headless: true, orthanc: false, log: (line) => console.log(`[stack] ${line}`) });
  console.log(`\n[stack] Temporal ${endpoints.temporal.address}, MLflow ${endpoints.mlflow.trackingUri} (ready in ${Date.now() - started} ms)`);
  // The Python worker's venv is made here, before any suite runs: making it takes minutes the first time, and suites
  // that need it must not each wait on its lock (tests/support/integrationRunner.cjs runs two at a time).
  const torchStarted = Date.now();
  await ensureTorchVenv(loadConfig(), (line) => console.log(`[torch venv] ${line}`));
  console.log(`[torch venv] ready in ${Date.now() - torchStarted} ms`);
}
