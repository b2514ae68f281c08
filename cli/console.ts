// `osteoflow console [--port P] [--host H] [--no-worker] [--exit-with-stack]`: the web console against the running
// stack. Prints its address and serves until Ctrl-C (or, with --exit-with-stack, until the stack's Temporal server
// stops answering). The configuration's console settings (OSTEOFLOW_CONSOLE_SECURE_COOKIES, OSTEOFLOW_CONSOLE_TRUST_PROXY)
// decide the session cookie's Secure flag and whether a proxy's forwarded headers count. The running console is recorded in
// `<data folder>/console.json`, so the main job's --keep-stack finds it instead of starting a second one.
import { isAlive } from '../config/endpoints';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT, type OsteoflowConfig } from '../config';
import { installRuntime } from '../workers/runtime';
import { startConsole } from '../console/server';
import { parseArguments, type Command } from './command';
import { parseFlags } from './args';

const USAGE = `usage: osteoflow console [--port P] [--host H] [--no-worker] [--exit-with-stack]
  --port             port to listen on (default 8080; 0 = a free one)
  --host             address to listen on (default 127.0.0.1; 0.0.0.0 for every interface, behind an https proxy)
  --no-worker        do not host a pipeline and a training worker (workers of your own answer the console's actions)
  --exit-with-stack  close when the stack's Temporal server has stopped answering for 15 s`;

const STACK_CHECK_MS = 5000;
const STACK_MISSES = 3;

export interface ConsoleRecord {
  pid: number;
  url: string;
  startedAt: string;
}

export const consoleRecordPath = (cfg: Pick<OsteoflowConfig, 'dataDir'>) => path.join(cfg.dataDir, 'console.json');

/** The console recorded as running in the data folder, or undefined (a record whose process is gone is removed). */
export function runningConsole(cfg: Pick<OsteoflowConfig, 'dataDir'>): ConsoleRecord | undefined {
  const file = consoleRecordPath(cfg);
  if (!existsSync(file)) return undefined;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as ConsoleRecord;
    if (Number.isInteger(record.pid) && isAlive(record.pid)) return record;
  } catch {
    // unreadable: treated as none
  }
  rmSync(file, { force: true });
  return undefined;
}

/**
 * The console for the main job's --keep-stack: the running one, or a new one started in the background (a free port,
 * closing by itself once the stack stops), its output in `<data folder>/logs/console.log`. Resolves to its address.
 */
export async function keepConsoleRunning(cfg: OsteoflowConfig, timeoutMs = 120000): Promise<ConsoleRecord> {
  const existing = runningConsole(cfg);
  if (existing) return existing;
  const logDir = path.join(cfg.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = openSync(path.join(logDir, 'console.log'), 'a');
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'osteoflow.js'), 'console', '--port', '0', '--exit-with-stack'], {
    cwd: PROJECT_ROOT,
    env: process.env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const record = runningConsole(cfg);
    if (record && record.pid === child.pid) return record;
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the console stopped at start (${child.exitCode ?? child.signalCode}); see ${path.join(logDir, 'console.log')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the console did not start within ${timeoutMs / 1000} s; see ${path.join(logDir, 'console.log')}`);
}

/** Resolves on the first SIGINT or SIGTERM. */
const interrupted = () =>
  new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });

export const consoleCommand: Command = {
  summary: 'the web console (sign-in, roles, audit trail) against the running stack',
  async run(argv) {
    const flags = parseArguments('osteoflow console', USAGE, () =>
      parseFlags(argv, {
        port: { kind: 'int', min: 0, max: 65535 },
        host: { kind: 'string' },
        'no-worker': { kind: 'boolean' },
        'exit-with-stack': { kind: 'boolean' },
      }),
    );
    if (typeof flags === 'number') return flags;
    const cfg = loadConfig();
    installRuntime('WARN');
    const running = await startConsole(cfg, {
      port: flags.port ?? 8080,
      host: flags.host ?? '127.0.0.1',
      workers: !flags['no-worker'],
      deps: {
        secureCookies: cfg.console.secureCookies ?? 'auto',
        trustProxy: cfg.console.trustProxy,
        logger: { level: 'warn' },
      },
    });
    const record: ConsoleRecord = { pid: process.pid, url: running.url, startedAt: new Date().toISOString() };
    writeFileSync(consoleRecordPath(cfg), `${JSON.stringify(record)}\n`);
    console.log(`console: ${running.url}`);
    if (running.users === 0) console.log('no users yet: add one with  osteoflow users add <username> --role admin');
    let timer: NodeJS.Timeout | undefined;
    const stackGone = new Promise<string>((resolve) => {
      if (!flags['exit-with-stack']) return;
      let misses = 0;
      timer = setInterval(() => {
        void running.temporalAnswers().then((ok) => {
          misses = ok ? 0 : misses + 1;
          if (misses >= STACK_MISSES) resolve('the stack stopped');
        });
      }, STACK_CHECK_MS);
    });
    const why = await Promise.race([interrupted(), stackGone]);
    clearInterval(timer);
    console.error(`[osteoflow] ${why}: stopping the console`);
    if (runningConsole(cfg)?.pid === process.pid) rmSync(consoleRecordPath(cfg), { force: true });
    await running.close();
    return 0;
  },
};
