// The worker thread behind trainCandidateOffThread (candidateThread.ts): trains one candidate and posts it back, or
// posts the error's name, message and field so the calling thread can raise the same kind of error.
import { parentPort } from 'node:worker_threads';
import { trainCandidate } from './candidate';
import type { CandidateJob, CandidateReply } from './candidateThread';

parentPort!.once('message', (job: CandidateJob) => {
  let reply: CandidateReply;
  try {
    reply = { candidate: trainCandidate(job.dataset, job.kind, job.allowed, job.options) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { error: { name: e.name, message: e.message, field: (e as { field?: string }).field, stack: e.stack } };
  }
  parentPort!.postMessage(reply);
});
