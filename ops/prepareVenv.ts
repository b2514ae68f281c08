// Provisions one of the Python venvs ahead of need: `npm test` (ops/bootstrap.mjs) starts this in the background for
// the servers' venv and the Python worker's, so that pip's downloads and unpacking overlap the bundling, type checks
// and linters that run meanwhile. Whoever needs a venv later (the checks' ruff, the stack, the integration set-up) calls
// ensureVenv, which waits on the same lock and finds it ready; if this failed, that call provisions it again and
// reports the error where it is read.
import { loadConfig } from '../config';
import { stackPaths } from '../config/endpoints';
import { ensureTorchVenv } from './torchWorker';
import { ensureVenv, STACK_VENV_REQUIRES } from './venv';

async function main(which: string | undefined): Promise<void> {
  const cfg = loadConfig();
  if (which === 'stack') await ensureVenv({ venvDir: cfg.venvDir, python: cfg.python, logDir: stackPaths(cfg.dataDir).logs, requires: STACK_VENV_REQUIRES });
  else if (which === 'torch') await ensureTorchVenv(cfg);
  else throw new Error(`usage: prepareVenv.ts stack|torch (got ${JSON.stringify(which)})`);
}

main(process.argv[2]).then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
