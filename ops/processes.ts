// Small process and port helpers for the stack scripts (no Temporal, no MLflow knowledge here).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isAlive } from '../config/endpoints';

/** Resolves true when nothing listens on 127.0.0.1:port and we may bind it. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port free right now (the caller binds it soon after), picked at random below Linux's ephemeral range
 * (32768–60999), where outgoing connections take their source ports, so that a busy machine does not hand the same
 * port to a client in the meantime.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await isPortFree(port, host)) return port;
  }
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a long-running server in its own process group, output appended to a log file, not tied to our lifetime. */
export function spawnDetached(command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): number {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM to the process group, then SIGKILL after `graceMs`; resolves when the leader is gone. */
export async function stopProcessGroup(pid: number, graceMs = 15000): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        /* already gone */
      }
    }
  };
  if (!isAlive(pid)) return;
  signalGroup('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signalGroup('SIGKILL');
  while (isAlive(pid)) await sleep(50);
  // Children of the group (e.g. MLflow's uvicorn workers) may outlive the leader by a moment.
  signalGroup('SIGKILL');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it resolves true or `timeoutMs` passes; rejects with `what` on timeout. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, stillAlive?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    if (stillAlive && !stillAlive()) throw new Error(`${what}: the process exited before it answered`);
    await sleep(250);
  }
  throw new Error(`${what}: no answer within ${Math.round(timeoutMs / 1000)} s`);
}

/** Last lines of a log, to put the server's own words into an error. */
export function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * A cross-process mutex as a directory (atomic mkdir) holding the owner's pid; a lock whose owner died is taken over.
 */
export async function withLock<T>(lockDir: string, what: string, fn: () => Promise<T>, timeoutMs = 600000): Promise<T> {
  const ownerFile = path.join(lockDir, 'pid');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lockDir, { recursive: false });
      writeFileSync(ownerFile, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(existsSync(ownerFile) ? readFileSync(ownerFile, 'utf8') : NaN);
      if (Number.isInteger(owner) && !isAlive(owner)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${what}: still locked by process ${owner} after ${timeoutMs / 1000} s (${lockDir})`, { cause: err });
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
