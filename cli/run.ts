// `osteoflow run` (what `npm start` runs): brings up the stack and the workers, drives a synthetic study through real
// timelines (with injected defects that fail QC and are re-scanned), prints the cohort summary, and leaves the stack
// as it found it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../config';
import { connectClient } from '../config/temporal';
import { StackError } from '../config/stackError';
import { startStack, stackStatus, stopStack } from '../ops/stack';
import { runSyntheticStudy, type SyntheticRun } from './syntheticRun';
import { createPipelineWorker } from '../workers/pipeline/worker';
import { installRuntime } from '../workers/runtime';
import { trainAndPromote, type MainJobModels } from '../clients/training';
import { parseArguments, type Command } from './command';
import { parseFlags, type FlagSpec } from './args';
import { cohortSummary, printCohortTable } from './summary';

const USAGE = 'usage: osteoflow run [--patients N] [--seed S] [--defect-rate R] [--workers K] [--study ID] [--summary-json FILE] [--keep-stack]';

const FLAGS = {
  patients: { kind: 'int', min: 1, max: 999 },
  seed: { kind: 'int', min: 0 },
  'defect-rate': { kind: 'number', min: 0, max: 1 },
  workers: { kind: 'int', min: 1, max: 16 },
  study: { kind: 'string' },
  'summary-json': { kind: 'string' },
  'keep-stack': { kind: 'boolean' },
} as const satisfies FlagSpec;

export const runCommand: Command = {
  summary: 'run the main job: a synthetic study through the whole pipeline on the embedded stack',
  async run(argv) {
    const flags = parseArguments('osteoflow run', USAGE, () => parseFlags(argv, FLAGS));
    if (typeof flags === 'number') return flags;
    try {
      await mainJob({
        patients: flags.patients ?? 24,
        seed: flags.seed ?? 7,
        defectRate: flags['defect-rate'] ?? 0.05,
        workers: flags.workers ?? Math.max(1, Math.min(2, os.cpus().length)),
        studyId: flags.study ?? `SYNTH-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`,
        summaryJson: flags['summary-json'],
        keepStack: flags['keep-stack'] === true,
      });
      return 0;
    } catch (err) {
      console.error(`osteoflow run: ${err instanceof StackError ? err.message : err instanceof Error ? (err.stack ?? err.message) : err}`);
      return 1;
    }
  },
};

interface MainJobOptions {
  patients: number;
  seed: number;
  defectRate: number;
  workers: number;
  studyId: string;
  summaryJson?: string;
  keepStack: boolean;
}

/** Extra worker processes beside the in-process one: extraction is CPU-bound, and one Node thread uses one core. */
function startWorkerProcesses(count: number, env: NodeJS.ProcessEnv): ChildProcess[] {
  return Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', path.join(PROJECT_ROOT, 'workers', 'pipeline', 'main.ts')], {
      cwd: PROJECT_ROOT,
      env: { ...env, OSTEOFLOW_LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return child;
  });
}

async function mainJob(opts: MainJobOptions): Promise<void> {
  const started = Date.now();
  const cfg = loadConfig();
  const log = (line: string) => console.log(`[osteoflow] ${line}`);
  const before = stackStatus(cfg);
  const wasRunning = before.temporal.startsWith('running') && before.mlflow.startsWith('running');
  const endpoints = await startStack(cfg, { log: (line) => console.log(`[stack] ${line}`) });
  // The summary below is what a person reads: failed QC verdicts are reported by the driver, not as worker warnings.
  installRuntime('ERROR');
  const pipeline = await createPipelineWorker(cfg, {
    address: endpoints.temporal.address,
    mlflowUri: endpoints.mlflow.trackingUri,
    maxConcurrentActivities: 1,
  });
  const running = pipeline.worker.run();
  const helpers = startWorkerProcesses(opts.workers - 1, process.env);
  const client = await connectClient(endpoints.temporal.address, cfg.temporal);
  let run: SyntheticRun;
  let models: MainJobModels;
  try {
    log(`stack ready (Temporal ${endpoints.temporal.address}, MLflow ${endpoints.mlflow.trackingUri}); ${opts.workers} pipeline worker(s)`);
    run = await runSyntheticStudy(client, cfg, {
      studyId: opts.studyId,
      patients: opts.patients,
      seed: opts.seed,
      defectRate: opts.defectRate,
      workDir: path.join(cfg.dataDir, 'studies', opts.studyId),
      log,
    });
    models = await trainAndPromote(client, cfg, run.protocol, {
      log,
      endpoints: { address: endpoints.temporal.address, mlflowUri: endpoints.mlflow.trackingUri },
    });
  } finally {
    for (const child of helpers) child.kill('SIGTERM');
    pipeline.worker.shutdown();
    await running;
    await pipeline.close();
    await client.connection.close();
    await Promise.all(helpers.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    if (!wasRunning && !opts.keepStack) await stopStack(cfg, (line) => console.log(`[stack] ${line}`));
  }
  const summary = await cohortSummary(cfg, run, models.models);
  printCohortTable(run, summary);
  if (opts.summaryJson) {
    mkdirSync(path.dirname(path.resolve(opts.summaryJson)), { recursive: true });
    writeFileSync(opts.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
    log(`summary written to ${opts.summaryJson}`);
  }
  log(`${run.timelines.length} patients, ${run.rescans.length} re-scan(s) after failed QC, done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
