// The maintainers' static checks, run by `npm test` before the test suites (and alone by `npm run lint`): ESLint,
// Prettier, the layer rules (dependency-cruiser) and ruff on the Python sources. Every check runs, then the failures
// are listed, so one run shows everything to fix. The Node checks run side by side (each mostly waits on one core),
// each one's output printed whole when it ends.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../config';
import { stackPaths } from '../config/endpoints';
import { ensureVenv, STACK_VENV_REQUIRES } from './venv';

interface Check {
  name: string;
  command: string;
  args: string[];
}

function bin(name: string): string {
  return path.join(PROJECT_ROOT, 'node_modules', '.bin', name);
}

const NODE_CHECKS: Check[] = [
  { name: 'eslint', command: bin('eslint'), args: ['--max-warnings=0', '.'] },
  { name: 'prettier', command: bin('prettier'), args: ['--check', '--log-level=warn', '.'] },
  { name: 'layers', command: bin('depcruise'), args: ['--config', '.dependency-cruiser.cjs', '--output-type', 'err', '.'] },
];

/** ruff is pinned in the servers' venv (ops/requirements.txt), which the integration tests need anyway. */
async function ruffChecks(): Promise<Check[]> {
  const cfg = loadConfig();
  const venv = await ensureVenv({
    venvDir: cfg.venvDir,
    python: cfg.python,
    logDir: stackPaths(cfg.dataDir).logs,
    requires: STACK_VENV_REQUIRES,
    log: (line) => console.log(`[checks] ${line}`),
  });
  const ruff = path.join(venv.dir, 'bin', 'ruff');
  return [
    { name: 'ruff check', command: ruff, args: ['check', '--quiet', '.'] },
    { name: 'ruff format', command: ruff, args: ['format', '--check', '--quiet', '.'] },
  ];
}

async function main(): Promise<number> {
  const failed: string[] = [];
  const run = (check: Check) =>
    new Promise<void>((resolve) => {
      const started = Date.now();
      let output = '';
      let error: Error | undefined;
      const child = spawn(check.command, check.args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.on('error', (err) => (error = err));
      child.on('close', (status) => {
        const ok = status === 0 && !error;
        if (output) process.stdout.write(output);
        console.log(
          `[checks] ${check.name}: ${ok ? 'ok' : error ? `could not run (${error.message})` : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
        if (!ok) failed.push(check.name);
        resolve();
      });
    });
  // The Node checks first: the venv ruff lives in may still be installing in the background (ops/prepareVenv.ts).
  await Promise.all(NODE_CHECKS.map(run));
  for (const check of await ruffChecks()) await run(check);
  if (failed.length > 0) console.error(`[checks] failed: ${failed.join(', ')} (fix: npm run format for Prettier; eslint --fix for what ESLint can fix)`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
