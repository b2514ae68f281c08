// Child processes the main job starts beside itself (extra pipeline workers): whether one has exited, waiting for it,
// and stopping them all. A process ended by a signal has `exitCode === null` and a `signalCode` instead, and its
// 'exit' event has already fired: both are checked, so no wait outlives the process.
import type { ChildProcess } from 'node:child_process';

/** True once the child has exited, with a code or by a signal. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves once the child has exited (at once if it already has); true when it did within `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs?: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = (exited: boolean) => {
      if (timer) clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      resolve(exited);
    };
    const onExit = () => settle(true);
    // A process that could not be started reports 'error' and never 'exit'.
    const onError = () => {
      if (child.pid === undefined || hasExited(child)) settle(true);
    };
    child.once('exit', onExit);
    child.on('error', onError);
    if (timeoutMs !== undefined) timer = setTimeout(() => settle(hasExited(child)), timeoutMs);
  });
}

/**
 * Asks each child still running to stop (SIGTERM: a worker finishes its tasks and leaves), then kills those still
 * there after `graceMs` (SIGKILL); resolves when every child has exited.
 */
export async function stopChildren(children: readonly ChildProcess[], graceMs = 30000): Promise<void> {
  const running = children.filter((c) => !hasExited(c) && c.pid !== undefined);
  for (const child of running) child.kill('SIGTERM');
  const exited = await Promise.all(running.map((c) => waitForExit(c, graceMs)));
  const stubborn = running.filter((_c, i) => !exited[i]);
  for (const child of stubborn) child.kill('SIGKILL');
  await Promise.all(stubborn.map((c) => waitForExit(c)));
}

/** How a child ended, in words: `exit code 1` or `signal SIGKILL`. */
export function exitDescription(child: ChildProcess): string {
  return child.signalCode !== null ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`;
}
