// `osteoflow run` (what `npm start` runs): brings up the stack and the workers, drives a synthetic study through real
// timelines (with injected defects that fail QC and are re-scanned), prints the cohort summary, and leaves the stack
// as it found it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../config';
import { connectClient } from '../config/temporal';
import { nodeArguments } from '../ops/build.cjs';
import { startStack, stackStatus, stopStack } from '../ops/stack';
import { runSyntheticStudy, type SyntheticRun } from './syntheticRun';
import { createPipelineWorker } from '../workers/pipeline/worker';
import { installRuntime } from '../workers/runtime';
import { trainAndPromote, type MainJobModels } from '../clients/training';
import { parseArguments, type Command } from './command';
import { parseFlags, type FlagSpec } from './args';
import { cohortSummary, printCohortTable } from './summary';
import { exitDescription, stopChildren } from './processes';

const USAGE = 'usage: osteoflow run [--patients N] [--seed S] [--defect-rate R] [--workers K] [--study ID] [--summary-json FILE] [--keep-stack] [--debug]';

const FLAGS = {
  patients: { kind: 'int', min: 1, max: 999 },
  seed: { kind: 'int', min: 0 },
  'defect-rate': { kind: 'number', min: 0, max: 1 },
  workers: { kind: 'int', min: 1, max: 16 },
  study: { kind: 'string' },
  'summary-json': { kind: 'string' },
  'keep-stack': { kind: 'boolean' },
  debug: { kind: 'boolean' },
} as const satisfies FlagSpec;

/** SIGINT or SIGTERM while the main job ran: it stopped what it had started. */
class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

const EXIT_ON_SIGNAL: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export const runCommand: Command = {
  summary: 'run the main job: a synthetic study through the whole pipeline on the embedded stack',
  async run(argv) {
    const flags = parseArguments('osteoflow run', USAGE, () => parseFlags(argv, FLAGS));
    if (typeof flags === 'number') return flags;
    // A failure is reported in one line by `osteoflow` itself; --debug adds the stack trace (as OSTEOFLOW_DEBUG=1 does).
    if (flags.debug) process.env.OSTEOFLOW_DEBUG = '1';
    const interrupts = watchInterrupts();
    try {
      await mainJob(
        {
          patients: flags.patients ?? 24,
          seed: flags.seed ?? 7,
          defectRate: flags['defect-rate'] ?? 0.05,
          workers: flags.workers ?? Math.max(1, Math.min(2, os.cpus().length)),
          studyId: flags.study ?? `SYNTH-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`,
          summaryJson: flags['summary-json'],
          keepStack: flags['keep-stack'] === true,
        },
        interrupts.signal,
      );
      return 0;
    } catch (err) {
      const interrupted = interrupts.signal.aborted ? (interrupts.signal.reason as Interrupted) : undefined;
      if (!interrupted) throw err;
      console.error(`osteoflow run: ${interrupted.message}; stopped`);
      return EXIT_ON_SIGNAL[interrupted.signal] ?? 1;
    } finally {
      interrupts.dispose();
    }
  },
};

/**
 * The first SIGINT/SIGTERM aborts the returned signal (the main job then stops its workers and the servers it
 * started); a second one leaves at once.
 */
function watchInterrupts(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      console.error(`\n[osteoflow] ${signal}: stopping the workers and the servers this run started (${signal} again to leave at once)`);
      controller.abort(new Interrupted(signal));
      return;
    }
    console.error(`[osteoflow] ${signal} again: leaving now; servers may still be running (npx osteoflow stack stop)`);
    process.exit(EXIT_ON_SIGNAL[signal] ?? 1);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const s of signals) process.on(s, onSignal);
  return { signal: controller.signal, dispose: () => signals.forEach((s) => process.off(s, onSignal)) };
}

/** The promise's outcome, unless `signal` is aborted first (then its reason); the promise's later failure is ignored. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

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
  return Array.from({ length: count }, () =>
    spawn(process.execPath, nodeArguments('pipeline-worker'), {
      cwd: PROJECT_ROOT,
      env: { ...env, OSTEOFLOW_LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
}

/** How long an aborted job waits for its abandoned work (a training worker drains its activity first) to settle. */
const ABANDONED_WORK_WAIT_MS = 60000;

/** Resolves once `promise` has settled, either way, or after `ms`. */
async function settledWithin(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!promise) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.then(noop, noop), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

const noop = () => undefined;

/** Runs every step, in order, even when one fails; rethrows the first failure at the end. */
async function allSteps(steps: Array<() => unknown>): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}

async function mainJob(opts: MainJobOptions, interrupted: AbortSignal): Promise<void> {
  const started = Date.now();
  const cfg = loadConfig();
  const log = (line: string) => console.log(`[osteoflow] ${line}`);
  const stackLog = (line: string) => console.log(`[stack] ${line}`);
  const before = stackStatus(cfg);
  const wasRunning = before.temporal.startsWith('running') && before.mlflow.startsWith('running');
  const stopServers = async () => {
    if (!wasRunning && !opts.keepStack) await stopStack(cfg, stackLog);
  };
  let endpoints: Awaited<ReturnType<typeof startStack>>;
  try {
    // Not interruptible half-way: once it returns, what it started is on record and can be stopped.
    endpoints = await startStack(cfg, { log: stackLog });
  } catch (err) {
    await stopServers().catch(() => undefined);
    throw err;
  }

  let run: SyntheticRun | undefined;
  let models: MainJobModels | undefined;
  const helpers: ChildProcess[] = [];
  let stopping = false;
  let pipeline: Awaited<ReturnType<typeof createPipelineWorker>> | undefined;
  let running: Promise<void> | undefined;
  let client: Awaited<ReturnType<typeof connectClient>> | undefined;
  let outcome: { error: unknown } | undefined;
  /** The work under way, which an abort leaves behind: the client's connection stays open until it has settled. */
  let pending: Promise<unknown> | undefined;
  // The job stops early when interrupted, or when the in-process worker stops on its own.
  const abort = new AbortController();
  const forwardInterrupt = () => abort.abort(interrupted.reason);
  if (interrupted.aborted) forwardInterrupt();
  else interrupted.addEventListener('abort', forwardInterrupt, { once: true });
  try {
    if (abort.signal.aborted) throw abort.signal.reason;
    // The summary below is what a person reads: failed QC verdicts are reported by the driver, not as worker warnings.
    installRuntime('ERROR');
    pipeline = await createPipelineWorker(cfg, {
      address: endpoints.temporal.address,
      mlflowUri: endpoints.mlflow.trackingUri,
      maxConcurrentActivities: 1,
    });
    running = pipeline.worker.run();
    running.then(
      () => stopping || abort.abort(new Error('the pipeline worker in this process stopped before the job was done')),
      (err: unknown) => stopping || abort.abort(err),
    );
    for (const child of startWorkerProcesses(opts.workers - 1, process.env)) {
      helpers.push(child);
      child.once('exit', () => {
        if (!stopping) log(`pipeline worker process ${child.pid} ended (${exitDescription(child)}); the other workers carry on`);
      });
    }
    client = await connectClient(endpoints.temporal.address, cfg.temporal);
    log(`stack ready (Temporal ${endpoints.temporal.address}, MLflow ${endpoints.mlflow.trackingUri}); ${opts.workers} pipeline worker(s)`);
    // Aborting cancels the calls under way and stops the work before its next call; `pending` settles soon after.
    const study = runSyntheticStudy(client, cfg, {
      studyId: opts.studyId,
      patients: opts.patients,
      seed: opts.seed,
      defectRate: opts.defectRate,
      workDir: path.join(cfg.dataDir, 'studies', opts.studyId),
      log,
      signal: abort.signal,
    });
    pending = study;
    run = await unlessAborted(study, abort.signal);
    const trained = trainAndPromote(client, cfg, run.protocol, {
      log,
      endpoints: { address: endpoints.temporal.address, mlflowUri: endpoints.mlflow.trackingUri },
      signal: abort.signal,
    });
    pending = trained;
    models = await unlessAborted(trained, abort.signal);
  } catch (error) {
    outcome = { error };
  }

  stopping = true;
  interrupted.removeEventListener('abort', forwardInterrupt);
  const worker = pipeline?.worker;
  const cleanup = allSteps([
    () => settledWithin(pending, ABANDONED_WORK_WAIT_MS),
    async () => {
      const helpersStopped = stopChildren(helpers);
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      await running;
      await helpersStopped;
    },
    () => pipeline?.close(),
    () => client?.connection.close(),
    stopServers,
  ]);
  try {
    await cleanup;
  } catch (error) {
    outcome ??= { error };
  }
  if (outcome) throw outcome.error;

  const summary = await cohortSummary(cfg, run!, models!.models, models!.skipped);
  printCohortTable(run!, summary);
  if (opts.summaryJson) {
    mkdirSync(path.dirname(path.resolve(opts.summaryJson)), { recursive: true });
    writeFileSync(opts.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
    log(`summary written to ${opts.summaryJson}`);
  }
  log(`${run!.timelines.length} patients, ${run!.rescans.length} re-scan(s) after failed QC, done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (opts.keepStack) await keepConsole(cfg, log);
}

/**
 * With --keep-stack the web console stays up beside the stack (started in the background unless one runs already; it
 * closes by itself when the stack stops). Its failure to start is reported, not the job's.
 */
async function keepConsole(cfg: ReturnType<typeof loadConfig>, log: (line: string) => void): Promise<void> {
  try {
    // Loaded here: the console's server is no part of the job itself.
    const { keepConsoleRunning } = await import('./console');
    const running = await keepConsoleRunning(cfg);
    log(`console: ${running.url} (up while the stack runs; add a user with: npx osteoflow users add <name> --role admin)`);
  } catch (err) {
    log(`console not started: ${(err as Error).message}`);
  }
}
