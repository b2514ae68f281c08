// Keeps an activity heartbeating while its work runs elsewhere (a worker thread, a pool): the event loop is free, so a
// timer can report progress, and the activity's cancellation reaches the work through the signal.
import { Context } from '@temporalio/activity';

/** How often: well inside the one-minute heartbeat timeouts of workflows/policies.ts. */
export const HEARTBEAT_EVERY_MS = 10_000;

/** Runs `work` with the activity's cancellation signal, heartbeating `details()` now and every `everyMs` until it settles. */
export async function whileHeartbeating<T>(work: (signal: AbortSignal) => Promise<T>, details: () => unknown, everyMs = HEARTBEAT_EVERY_MS): Promise<T> {
  const context = Context.current();
  context.heartbeat(details());
  const timer = setInterval(() => context.heartbeat(details()), everyMs);
  try {
    return await work(context.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
