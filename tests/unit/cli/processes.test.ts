// The main job's helper processes: waiting for one must end once it has exited, whether with a code or by a signal
// (then its exitCode stays null), and stopping them ends even those that ignore SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { exitDescription, hasExited, stopChildren, waitForExit } from '../../../cli/processes';

jest.setTimeout(30000);

const started: ChildProcess[] = [];

/** A Node process that idles until stopped; `ignoreTerm` makes it ignore SIGTERM. */
async function idler(ignoreTerm = false): Promise<ChildProcess> {
  const script = `${ignoreTerm ? "process.on('SIGTERM', () => undefined);" : ''} setInterval(() => undefined, 1000); console.log('ready');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(child);
  await once(child.stdout!, 'data'); // its handlers are in place
  return child;
}

afterEach(() => {
  for (const child of started.splice(0)) if (!hasExited(child)) child.kill('SIGKILL');
});

describe('waitForExit', () => {
  it('resolves for a process killed by SIGKILL whose exit has already been reported', async () => {
    const child = await idler();
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBe('SIGKILL');
    expect(hasExited(child)).toBe(true);
    await expect(waitForExit(child)).resolves.toBe(true);
    expect(exitDescription(child)).toBe('signal SIGKILL');
  });

  it('resolves when a running process is killed later', async () => {
    const child = await idler();
    expect(hasExited(child)).toBe(false);
    const waited = waitForExit(child);
    child.kill('SIGKILL');
    await expect(waited).resolves.toBe(true);
  });

  it('resolves for a process that exited with a code', async () => {
    const child = spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' });
    started.push(child);
    await expect(waitForExit(child)).resolves.toBe(true);
    expect(exitDescription(child)).toBe('exit code 3');
  });

  it('gives up after the timeout with false while the process runs', async () => {
    const child = await idler();
    await expect(waitForExit(child, 200)).resolves.toBe(false);
    expect(hasExited(child)).toBe(false);
  });
});

describe('stopChildren', () => {
  it('stops running children, kills those that ignore SIGTERM after the grace time, and skips those already gone', async () => {
    const polite = await idler();
    const stubborn = await idler(true);
    const gone = await idler();
    gone.kill('SIGKILL');
    await once(gone, 'exit');
    const t0 = Date.now();
    await stopChildren([polite, stubborn, gone], 500);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(polite.signalCode).toBe('SIGTERM');
    expect(stubborn.signalCode).toBe('SIGKILL');
    expect(gone.signalCode).toBe('SIGKILL');
  });

  it('resolves at once for no children', async () => {
    await expect(stopChildren([])).resolves.toBeUndefined();
  });
});
