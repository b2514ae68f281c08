// `npm start` / `npm test` on a fresh clone: needs only Node itself. Installs the npm packages when node_modules is
// missing or older than package-lock.json, builds the CLI (dist/, ops/build.cjs) when a source changed since the last
// build, then hands over to the entry points (which provision the venv).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import build from './build.cjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = path.join(root, 'node_modules', '.osteoflow-lock.sha256');

function lockHash() {
  return createHash('sha256')
    .update(readFileSync(path.join(root, 'package-lock.json')))
    .digest('hex');
}

function run(command, args, extraEnv = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function ensureNodeModules() {
  const want = lockHash();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === want) return;
  console.log('[osteoflow] installing npm packages (npm ci) …');
  // onnxruntime-node's install script would download a CUDA provider from outside the npm registry; skipped.
  const status = run('npm', ['ci', '--no-audit', '--no-fund'], { ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_onnxruntime_node_install: 'skip' });
  if (status !== 0) {
    console.error('[osteoflow] npm ci failed; fix the error above and run again.');
    process.exit(status);
  }
  writeFileSync(stampFile, `${want}\n`);
}

async function ensureBuild() {
  const stale = build.staleBundles();
  if (stale.length === 0) return;
  console.log(`[osteoflow] building ${stale.join(', ')} (esbuild → dist/) …`);
  // A failed build is not fatal: the bin then runs the sources through tsx, and the type check names the error.
  await build.build().catch((err) => console.error(`[osteoflow] build failed, running from the TypeScript sources: ${err.message}`));
}

/**
 * Starts provisioning the Python venvs (the servers' and the Python worker's) in background processes, so that pip
 * downloads and unpacks while the bundles build and the type checks and linters run. Their later users wait on the
 * venv's lock (ops/venv.ts), and provision it again, reporting the error, if the background attempt failed. Not
 * detached: an interrupted run stops them too.
 */
function prepareVenvsInBackground() {
  const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  for (const which of ['stack', 'torch']) {
    const child = spawn(process.execPath, [tsx, path.join(root, 'ops', 'prepareVenv.ts'), which], { cwd: root, stdio: 'ignore' });
    child.on('error', () => undefined); // the foreground provisioning reports any problem
    child.unref();
  }
}

const [mode, ...args] = process.argv.slice(2);
ensureNodeModules();
// Orthanc + DICOMweb plugin + DCMTK from Debian (apt-get, as root); the tests also PostgreSQL and Chromium.
(await import('./systemPackages.mjs')).ensureSystemPackagesOrExit(mode === 'start' ? 'start' : 'test');
if (mode === 'test' && args.length === 0) prepareVenvsInBackground();
await ensureBuild();
const node = process.execPath;
if (mode === 'start') {
  // The entry script itself, not node on it: its shell line sets the allocator for the pipeline's extraction threads,
  // then starts the node running this script.
  const PATH = [path.dirname(node), process.env.PATH].filter(Boolean).join(path.delimiter);
  process.exit(run(path.join(root, 'bin', 'osteoflow.js'), ['run', ...args], { PATH }));
} else if (mode === 'test') {
  // The browser front end has its own settings (DOM, JSX): a second project.
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const webProject = path.join(root, 'console', 'web', 'tsconfig.json');
  for (const project of [path.join(root, 'tsconfig.json'), ...(existsSync(webProject) ? [webProject] : [])]) {
    const typecheck = run(node, [tsc, '--noEmit', '-p', project]);
    if (typecheck !== 0) process.exit(typecheck);
  }
  // Lint, format, layer and ruff checks (ops/checks.ts) on a whole run; `npm test -- <path>` runs just those tests.
  if (args.length === 0) {
    const checks = run(node, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'ops', 'checks.ts')]);
    if (checks !== 0) process.exit(checks);
  }
  process.exit(run(node, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...args]));
} else {
  console.error('usage: node ops/bootstrap.mjs <start|test> [args…]');
  process.exit(2);
}
