// Worker processes that integration tests start, kill and restart: output kept for failure messages, optionally
// resolved only once the worker says it polls, and every one still alive killed when the test file ends.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../config';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts `command`; with `readyLine`, resolves once the output contains it and rejects if the process exits first. */
export async function startWorkerProcess(
  command: string,
  args: string[],
  options: Pick<SpawnOptions, 'cwd' | 'env'>,
  readyLine?: string,
): Promise<WorkerProcess> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (readyLine !== undefined) {
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => output.includes(readyLine) && (clearInterval(timer), resolve()), 100);
      void exited.then(
        (code) => (clearInterval(timer), reject(new Error(`${command} ${args.join(' ')} exited with ${code} before printing '${readyLine}':\n${output}`))),
      );
    });
  }
  return { child, output: () => output, exited };
}

/** SIGTERM (the SDKs' graceful shutdown signal) and wait for the exit; returns the exit code. */
export async function stopWorkerProcess(worker: WorkerProcess): Promise<number | null> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
  return worker.exited;
}

/** A TypeScript segmentation worker process (workers/gpu/main.ts, the shipped model on the CPU provider) on `taskQueue`, resolved once it polls. */
export function startGpuWorker(taskQueue: string): Promise<WorkerProcess> {
  const env = {
    ...process.env,
    OSTEOFLOW_LOG_LEVEL: 'WARN',
    OSTEOFLOW_TASK_QUEUE_SEGMENTATION: taskQueue,
    OSTEOFLOW_SEGMENTATION_PROVIDERS: 'cpu',
    OSTEOFLOW_SEGMENTATION_CPU_THREADS: '2',
  };
  return startWorkerProcess(
    process.execPath,
    ['-r', 'tsx/cjs', path.join(PROJECT_ROOT, 'workers', 'gpu', 'main.ts')],
    { cwd: PROJECT_ROOT, env },
    `gpu worker polling '${taskQueue}'`,
  );
}
