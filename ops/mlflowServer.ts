// The embedded MLflow server (SQLite backend store, artifacts served through the server's proxy), its probe and its
// pre-migrated empty database.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function mlflowServerArgs(opts: { dbFile: string; artifactsDir: string; port: number }): string[] {
  return [
    'server',
    '--backend-store-uri',
    `sqlite:///${opts.dbFile}`,
    '--artifacts-destination',
    opts.artifactsDir,
    '--serve-artifacts',
    '--host',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--workers',
    '1',
  ];
}

/** True when GET <uri>/health answers 200. */
export async function mlflowAnswers(trackingUri: string, token?: string): Promise<boolean> {
  const response = await fetch(new URL('health', withSlash(trackingUri)), {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(2000),
  });
  return response.ok;
}

export function withSlash(uri: string): string {
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/**
 * MLflow's first start on an empty database creates its tables and runs every schema migration, each committed on its
 * own: seconds of CPU and many more on a busy disk. The stack instead copies in a database migrated once per MLflow
 * installation (kept in the venv, named by the hash of the pins that installed it), made the way `mlflow server`
 * initialises its stores with served artifacts — so the default experiment's artifact location is `mlflow-artifacts:/0`,
 * the same as on a fresh start. Does nothing when the database exists; a template that cannot be made is reported and
 * MLflow migrates as before.
 */
export async function seedMlflowDatabase(opts: { python: string; venvDir: string; requirementsFile: string; dbFile: string; log?: (line: string) => void }) {
  if (existsSync(opts.dbFile)) return;
  const pins = createHash('sha256').update(readFileSync(opts.requirementsFile)).digest('hex').slice(0, 16);
  const template = path.join(opts.venvDir, `osteoflow-mlflow-template-${pins}.sqlite`);
  if (!existsSync(template)) {
    opts.log?.('preparing an empty MLflow database (once per MLflow installation)');
    const tmp = `${template}.${process.pid}.tmp`;
    try {
      await run(opts.python, ['-c', MAKE_TEMPLATE, tmp], { env: { ...process.env, MLFLOW_TRACKING_URI: '', MLFLOW_ENABLE_WORKSPACES: 'false' } });
    } catch (err) {
      rmSync(tmp, { force: true });
      const why = String((err as { stderr?: string }).stderr || (err as Error).message)
        .trim()
        .split('\n')
        .at(-1);
      opts.log?.(`could not prepare the MLflow database template (MLflow migrates a new database itself): ${why}`);
      return;
    }
    renameSync(tmp, template);
  }
  mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  copyFileSync(template, opts.dbFile, constants.COPYFILE_EXCL);
}

/** What `mlflow server --serve-artifacts` does to its backend store before serving (mlflow/cli/__init__.py, server). */
const MAKE_TEMPLATE = `
import sys
from mlflow.server.handlers import initialize_backend_stores
from mlflow.utils.server_cli_utils import resolve_default_artifact_root
uri = "sqlite:///" + sys.argv[1]
initialize_backend_stores(uri, uri, resolve_default_artifact_root(True, None, uri))
`;
