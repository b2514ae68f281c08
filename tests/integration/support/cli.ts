// Runs `osteoflow study …` as a coordinator would (a separate process, through bin/osteoflow.js) against the stack the
// jest global setup started: the environment names it.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../../config';

const run = promisify(execFile);
const BIN = path.join(PROJECT_ROOT, 'bin', 'osteoflow.js');

/** Exit code and everything printed (stdout, then stderr). */
export async function osteoflowStudy(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'study', ...args], { env: process.env });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}
