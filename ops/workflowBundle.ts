// Temporal's workflow bundle (webpack over the workflow sources), made once and kept in dist/workflow-bundles/ with the
// content hash of every file webpack read for it: each worker that serves the same workflow code — in the main job,
// in worker processes, in the tests — loads the bundle instead of making it again (a second or more per worker), and
// a change to any of those files makes the next worker bundle afresh.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Runtime } from '@temporalio/worker';
import { PROJECT_ROOT } from '../config';

export const WORKFLOW_BUNDLE_DIR = path.join(PROJECT_ROOT, 'dist', 'workflow-bundles');

interface BundleRecord {
  /** File (relative to the project root) → SHA-256 of its content, for every file in the bundle. */
  inputs: Record<string, string>;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function unchanged(record: BundleRecord): boolean {
  return Object.entries(record.inputs).every(([file, hash]) => {
    try {
      return sha256(path.join(PROJECT_ROOT, file)) === hash;
    } catch {
      return false;
    }
  });
}

function writeAtomically(file: string, contents: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/** The bundle of the workflows at `workflowsPath` (a worker's `workflowBundle` option), reused while its inputs are unchanged. */
export async function workflowBundle(workflowsPath: string, cacheDir = WORKFLOW_BUNDLE_DIR): Promise<{ codePath: string }> {
  const name = path.relative(PROJECT_ROOT, workflowsPath).replace(/[^A-Za-z0-9]+/g, '-');
  const codePath = path.join(cacheDir, `${name}.js`);
  const recordPath = path.join(cacheDir, `${name}.inputs.json`);
  if (existsSync(codePath) && existsSync(recordPath)) {
    try {
      if (unchanged(JSON.parse(readFileSync(recordPath, 'utf8')) as BundleRecord)) return { codePath };
    } catch {
      // an unreadable record: bundle again
    }
  }
  const files = new Set<string>();
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    // the process's Temporal runtime logger, at the level its entry point chose (as a worker bundling itself logs)
    logger: Runtime.instance().logger,
    webpackConfigHook: (config) => ({
      ...config,
      plugins: [
        ...(config.plugins ?? []),
        {
          apply: (compiler) =>
            compiler.hooks.afterCompile.tap('osteoflow-workflow-inputs', (compilation) => {
              for (const file of compilation.fileDependencies) files.add(file);
            }),
        },
      ],
    }),
  });
  const inputs: BundleRecord['inputs'] = {};
  for (const file of [...files].sort()) if (statSync(file, { throwIfNoEntry: false })?.isFile()) inputs[path.relative(PROJECT_ROOT, file)] = sha256(file);
  mkdirSync(cacheDir, { recursive: true });
  // the code before its record: a reader that meets the new code under an old record finds that record stale too
  writeAtomically(codePath, code);
  writeAtomically(recordPath, `${JSON.stringify({ inputs } satisfies BundleRecord)}\n`);
  return { codePath };
}
