// Trains a candidate on a worker thread. Nested cross-validation with bootstrap intervals is minutes of synchronous
// CPU on a large study; off the calling thread, a Temporal activity keeps heartbeating meanwhile, so a lost worker is
// noticed within a minute instead of after the whole training.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ModelInputError } from '../stats/errors';
import type { TrainingDataset } from '../dataset';
import type { Candidate, ModelKind } from '../../contracts/models';
import type { CandidateOptions } from './candidate';

/** Set by the build (ops/build.cjs) to the compiled worker beside the bundle; from source the worker runs through tsx. */
declare const OSTEOFLOW_TRAINING_WORKER: string | undefined;

export interface CandidateJob {
  dataset: TrainingDataset;
  kind: ModelKind;
  allowed: ReadonlySet<string> | undefined;
  options: CandidateOptions;
}

export type CandidateReply = { candidate: Candidate } | { error: { name: string; message: string; field?: string; stack?: string } };

/** Where the thread's code is: a file and the Node options it needs. */
export interface TrainingWorkerScript {
  file: string;
  execArgv: string[];
}

function workerScript(): TrainingWorkerScript {
  if (typeof OSTEOFLOW_TRAINING_WORKER === 'string') return { file: OSTEOFLOW_TRAINING_WORKER, execArgv: [] };
  return { file: path.join(__dirname, 'candidateWorker.ts'), execArgv: ['--require', require.resolve('tsx/cjs')] };
}

/** The error the worker threw, as the same kind: a ModelInputError stays one (not retryable), others keep their name. */
function rebuild(error: Extract<CandidateReply, { error: unknown }>['error']): Error {
  const e = error.name === 'ModelInputError' ? new ModelInputError('', error.field) : new Error();
  e.message = error.message; // already prefixed with the field by the worker's ModelInputError
  e.name = error.name;
  if (error.stack) e.stack = error.stack;
  return e;
}

/** trainCandidate on its own worker thread; aborting the signal stops the thread and rejects. */
export function trainCandidateOffThread(job: CandidateJob, signal?: AbortSignal, script: TrainingWorkerScript = workerScript()): Promise<Candidate> {
  return new Promise<Candidate>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('training cancelled'));
    const worker = new Worker(script.file, { execArgv: script.execArgv });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      fn();
    };
    const onAbort = () => settle(() => reject(signal?.reason ?? new Error('training cancelled')));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (reply: CandidateReply) => settle(() => ('candidate' in reply ? resolve(reply.candidate) : reject(rebuild(reply.error)))));
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) =>
      settle(() => reject(new Error(`the training thread for the ${job.kind} model stopped (exit code ${code}) before it answered`))),
    );
    worker.postMessage(job);
  });
}
