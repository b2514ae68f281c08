// Shared set-up for pipeline integration tests: a synthetic study on disk, its protocol, a client and a real worker
// on the shared stack that the jest global setup started.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { loadConfig, type OsteoflowConfig } from '../../../config';
import { connectClient } from '../../../config/temporal';
import { currentEndpoints, type Endpoints } from '../../../config/endpoints';
import { loadStudyFile } from '../../../study/protocol';
import { writeSyntheticStudyFile, type SyntheticStudyFileOptions } from '../../../cli/syntheticStudy';
import type { StudyProtocol } from '../../../contracts/study';
import { writeStudy, type SyntheticStudyManifest, type DefectOptions } from '../../../synthetic';
import { createPipelineWorker, type PipelineWorker } from '../../../workers/pipeline/worker';
import { installRuntime } from '../../../workers/runtime';

export interface StudyFixture {
  dir: string;
  manifest: SyntheticStudyManifest;
  protocol: StudyProtocol;
  /** Absolute path of a file named in the manifest. */
  file(relative: string): string;
}

export function makeStudy(
  options: { patients: number; seed: number; defects?: DefectOptions; size?: [number, number, number]; spacing?: [number, number, number] } & Omit<
    SyntheticStudyFileOptions,
    'studyId'
  > & { studyId?: string },
): StudyFixture {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-study-'));
  const manifest = writeStudy({
    seed: options.seed,
    patients: options.patients,
    outDir: path.join(dir, 'source'),
    defects: options.defects,
    size: options.size,
    spacing: options.spacing,
  });
  const studyId = options.studyId ?? `IT-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const studyFile = writeSyntheticStudyFile(dir, { ...options, studyId });
  const protocol = loadStudyFile(studyFile, { storeRoot: path.join(dir, 'store') });
  return { dir, manifest, protocol, file: (relative) => path.join(dir, 'source', relative) };
}

export interface Harness {
  cfg: OsteoflowConfig;
  endpoints: Endpoints;
  client: Client;
  /** A real pipeline worker on the shared stack; `overrides` adjust its configuration (e.g. a webhook). */
  startWorker(overrides?: Partial<OsteoflowConfig>): Promise<PipelineWorker>;
  close(): Promise<void>;
}

export async function connectHarness(): Promise<Harness> {
  installRuntime('WARN');
  const cfg = loadConfig();
  const endpoints = currentEndpoints(cfg);
  const client = await connectClient(endpoints.temporal.address, cfg.temporal);
  return {
    cfg,
    endpoints,
    client,
    startWorker: (overrides = {}) =>
      createPipelineWorker({ ...cfg, ...overrides }, { address: endpoints.temporal.address, mlflowUri: endpoints.mlflow.trackingUri }),
    close: () => client.connection.close(),
  };
}

/** Polls `read` until `done` holds (visibility and timelines move asynchronously). */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60000, what = 'condition', pollMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, pollMs));
    last = await read();
  }
  return last;
}

/**
 * With OSTEOFLOW_RECORD_HISTORIES=<dir>, saves a finished workflow's history there (proto JSON, written by the
 * `temporal` CLI), for the replay test (tests/unit/workflows/replay.test.ts) to run through future workflow code.
 */
export async function recordHistory(harness: Harness, workflowId: string, name: string): Promise<void> {
  const dir = process.env.OSTEOFLOW_RECORD_HISTORIES;
  if (!dir) return;
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const temporal = path.join(harness.cfg.venvDir, 'bin', 'temporal');
  const args = [
    'workflow',
    'show',
    '--address',
    harness.endpoints.temporal.address,
    '--namespace',
    harness.cfg.temporal.namespace,
    '-w',
    workflowId,
    '-o',
    'json',
  ];
  const shown = spawnSync(temporal, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (shown.status !== 0) throw new Error(`temporal workflow show ${workflowId}: ${shown.stderr}`);
  mkdirSync(dir, { recursive: true });
  // The workflow id travels with the history: replay needs it (child ids are derived from it).
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify({ workflowId, history: JSON.parse(shown.stdout) }, null, 1)}\n`);
}
