// A study coordinator's way forward, taken through the `osteoflow study …` command as a person would type it: register
// a good scan again, or retry a timepoint once its cause is gone. Runs in its own process against the campaign's stack
// (the environment names its data folder).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../config';

const run = promisify(execFile);
const BIN = path.join(PROJECT_ROOT, 'bin', 'osteoflow.js');

export interface CliOutcome {
  code: number;
  /** The command's last two lines (what it printed about the outcome, and the fix it suggests). */
  said: string;
}

/** Runs `osteoflow study <args>`; the command is stopped when `signal` aborts (the campaign is stopping). */
export async function osteoflowStudy(env: NodeJS.ProcessEnv, args: string[], signal: AbortSignal, timeoutMs = 120000): Promise<CliOutcome> {
  const last = (text: string) =>
    text
      .trim()
      .split('\n')
      .slice(-2)
      .map((l) => l.trim())
      .join(' / ');
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'study', ...args], { env, signal, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 });
    return { code: 0, said: last(stderr) || last(stdout) };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
    const said = e.killed ? `no answer within ${timeoutMs / 1000} s` : last(e.stderr ?? '') || last(e.stdout ?? '');
    return { code: typeof e.code === 'number' ? e.code : 1, said };
  }
}
