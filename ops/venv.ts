// Provisions the project's Python venv (Temporal CLI + MLflow server, pinned in ops/requirements.txt) and reuses it
// while it still matches the pins.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from '../config/stackError';
import { withLock } from './processes';

export const REQUIREMENTS_FILE = path.join(__dirname, 'requirements.txt');
const STAMP = '.osteoflow-requirements.sha256';

export interface Venv {
  dir: string;
  python: string;
  temporal: string;
  mlflow: string;
}

export function venvLayout(dir: string): Venv {
  const bin = path.join(dir, 'bin');
  return { dir, python: path.join(bin, 'python'), temporal: path.join(bin, 'temporal'), mlflow: path.join(bin, 'mlflow') };
}

function requirementsHash(requirementsFile: string): string {
  return createHash('sha256').update(readFileSync(requirementsFile)).digest('hex');
}

function run(cmd: string, args: string[], logFile?: string) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (logFile) writeFileSync(logFile, `$ ${cmd} ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}\n`, { flag: 'a' });
  return result;
}

/** Checks that an interpreter exists and is Python ≥ 3.10; returns its version. */
export function checkPython(python: string): string {
  const result = run(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])']);
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new StackError(
      `Python interpreter '${python}' not found: osteoflow needs Python ≥ 3.10 to install the Temporal CLI and the MLflow server into its venv.`,
      `install Python 3 with venv support (Debian: apt-get install python3 python3-venv), or point OSTEOFLOW_PYTHON at an existing python3.`,
    );
  }
  if (result.status !== 0) {
    throw new StackError(
      `Python interpreter '${python}' does not run (exit ${result.status}): ${(result.stderr || '').trim().slice(0, 300)}`,
      `repair that Python installation, or point OSTEOFLOW_PYTHON at a working python3.`,
    );
  }
  const version = result.stdout.trim();
  const [major, minor] = version.split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 10)) {
    throw new StackError(
      `Python ${version} at '${python}' is too old: MLflow ${'3.x'} needs Python ≥ 3.10.`,
      `install Python ≥ 3.10 and set OSTEOFLOW_PYTHON to it.`,
    );
  }
  return version;
}

/** The servers' venv is whole when these are in its bin/: the Temporal CLI, MLflow, and ruff for the checks. */
export const STACK_VENV_REQUIRES = ['temporal', 'mlflow', 'ruff'];

export interface EnsureVenvOptions {
  venvDir: string;
  python: string;
  requirementsFile?: string;
  /** Files of bin/ the venv must have once installed (default: the stack's temporal and mlflow). */
  requires?: string[];
  logDir: string;
  log?: (line: string) => void;
}

/**
 * Returns a venv that matches the pinned requirements: reused when its stamp matches, updated in place when the pins
 * changed, created when absent. A venv whose interpreter no longer runs is reported, not silently replaced.
 */
export async function ensureVenv(options: EnsureVenvOptions): Promise<Venv> {
  const requirementsFile = options.requirementsFile ?? REQUIREMENTS_FILE;
  const venv = venvLayout(options.venvDir);
  const want = requirementsHash(requirementsFile);
  const stampFile = path.join(venv.dir, STAMP);
  const required = (options.requires ?? ['temporal', 'mlflow']).map((name) => path.join(venv.dir, 'bin', name));
  const isCurrent = () => existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === want && required.every((file) => existsSync(file));

  if (isCurrent()) return venv;

  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${path.basename(venv.dir).replace(/^\./, '')}-install.log`);
  return withLock(`${venv.dir}.lock`, 'provisioning the Python venv', async () => {
    if (isCurrent()) return venv; // another process finished it while we waited
    // Checked under the lock: a venv another process is still creating is not broken, only unfinished.
    if (existsSync(venv.dir)) assertVenvRuns(venv);
    if (!existsSync(venv.dir)) {
      checkPython(options.python);
      options.log?.(`creating the Python venv ${venv.dir}`);
      const created = run(options.python, ['-m', 'venv', venv.dir], logFile);
      if (created.status !== 0) {
        throw new StackError(
          `could not create a venv with '${options.python} -m venv': ${(created.stderr || created.stdout).trim().slice(-400)}`,
          `install the venv module (Debian: apt-get install python3-venv), then run again.`,
        );
      }
    }
    assertVenvRuns(venv);
    const pins = readPins(requirementsFile);
    const listed = pins.length > 4 ? `${pins.slice(0, 4).join(', ')} and ${pins.length - 4} more` : pins.join(', ');
    options.log?.(`installing ${listed} into ${venv.dir} (about 1–2 minutes, once; log: ${logFile})`);
    const installed = run(venv.python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', requirementsFile], logFile);
    if (installed.status !== 0 || !required.every((file) => existsSync(file))) {
      throw new StackError(
        `pip could not install ${path.basename(requirementsFile)} into ${venv.dir}: ${(installed.stderr || '').trim().split('\n').slice(-3).join(' ')}`,
        `check network access to PyPI and the log ${logFile}; then run again (the install resumes).`,
      );
    }
    writeFileSync(stampFile, `${want}\n`);
    return venv;
  });
}

function readPins(requirementsFile: string): string[] {
  return readFileSync(requirementsFile, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

function assertVenvRuns(venv: Venv): void {
  const fix = `remove it (rm -rf ${venv.dir}) and run again: osteoflow creates a fresh one.`;
  if (!existsSync(venv.python)) {
    throw new StackError(`the Python venv at ${venv.dir} is broken: ${venv.python} is missing.`, fix);
  }
  const probe = run(venv.python, ['-c', 'import sys']);
  if (probe.status !== 0) {
    const why = probe.error ? probe.error.message : (probe.stderr || '').trim().slice(0, 300);
    throw new StackError(`the Python venv at ${venv.dir} is broken: its interpreter does not run (${why}).`, fix);
  }
}
