// Provisions PyRadiomics 3.1.0 in the git-ignored .venv-bench/ for the benchmark. The plain `pip install
// pyradiomics==3.1.0` is tried first; when it fails (the 3.1.0 sdist declares version 3.0.1a1 and lacks two C
// headers), bench/pyradiomics/install_sdist.py installs the same sdist with those two packaging faults repaired.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const VENV = path.resolve(__dirname, '..', '.venv-bench');
export const PYTHON = path.join(VENV, 'bin', 'python');
const WANTED = 'v3.1.0';

function run(cmd: string, args: string[], quiet = true): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: quiet ? 'pipe' : 'inherit' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export function installedVersion(): string | null {
  if (!existsSync(PYTHON)) return null;
  const r = run(PYTHON, ['-c', 'import radiomics; print(radiomics.__version__)']);
  return r.ok ? r.out.trim().split('\n').at(-1)! : null;
}

/** Returns the interpreter to run PyRadiomics with, or throws with the reason it could not be installed. */
export function ensurePyRadiomics(log: (line: string) => void): string {
  if (installedVersion() === WANTED) return PYTHON;
  if (!existsSync(PYTHON)) {
    log(`creating ${VENV}`);
    const venv = run('python3', ['-m', 'venv', VENV]);
    if (!venv.ok) throw new Error(`python3 -m venv failed:\n${venv.out}`);
    // The venv ignores itself, so it never shows up in git status (no edit to the project's .gitignore needed).
    writeFileSync(path.join(VENV, '.gitignore'), '*\n');
  }
  log('pip install pyradiomics==3.1.0');
  const plain = run(PYTHON, ['-m', 'pip', 'install', '--quiet', 'pyradiomics==3.1.0']);
  if (!plain.ok || installedVersion() !== WANTED) {
    const reason = plain.out
      .split('\n')
      .filter((l) => /inconsistent version|error/i.test(l))
      .slice(0, 2)
      .join(' | ');
    log(`  failed (${reason || 'see pip output'}); installing the 3.1.0 sdist with its packaging repaired`);
    const repaired = run(PYTHON, [path.join(__dirname, 'pyradiomics', 'install_sdist.py')]);
    if (!repaired.ok) throw new Error(`PyRadiomics 3.1.0 could not be installed:\n${repaired.out.slice(-2000)}`);
  }
  const version = installedVersion();
  if (version !== WANTED) throw new Error(`PyRadiomics ${version ?? '(none)'} installed, expected ${WANTED}`);
  return PYTHON;
}
