// A FIFO for tests that check readers never open one (Node has no mkfifo: the mkfifo command makes it).
import { execFileSync } from 'node:child_process';

/** Makes a FIFO at `path` and returns it, or undefined where the mkfifo command is missing. */
export function mkfifoSync(path: string): string | undefined {
  try {
    execFileSync('mkfifo', [path], { stdio: 'ignore' });
    return path;
  } catch {
    return undefined;
  }
}
