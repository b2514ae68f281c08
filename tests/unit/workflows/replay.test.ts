// Determinism: recorded histories of real runs replayed through the current workflow code, each through the bundle of
// the worker that runs it. A change to a workflow that would break running executions fails here; such a change needs
// `patched()` (see workflows/patientTimeline.ts).
// Timeline and timepoint histories are recorded from the integration tests with
// OSTEOFLOW_RECORD_HISTORIES=tests/fixtures/histories; training and promotion histories by
// tests/integration/support/recordModelHistories.ts with the same variable.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { installRuntime } from '../../../workers/runtime';

jest.setTimeout(120000);

const dir = path.join(__dirname, '..', '..', 'fixtures', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

/** The workflow entry point of each worker: the pipeline worker's and the training worker's (workers/training/worker.ts). */
const BUNDLES: { prefixes: string[]; workflowsPath: string }[] = [
  { prefixes: ['patientTimeline-', 'timepoint-'], workflowsPath: require.resolve('../../../workflows') },
  { prefixes: ['training-', 'promotion-'], workflowsPath: require.resolve('../../../workflows/models') },
];
const bundleOf = (file: string) => BUNDLES.find((b) => b.prefixes.some((p) => file.startsWith(p)));

beforeAll(() => installRuntime('WARN'));

it('has recorded histories of every workflow, and knows the worker of each', () => {
  for (const prefix of ['patientTimeline-', 'timepoint-', 'training-', 'promotion-']) {
    expect([prefix, files.some((f) => f.startsWith(prefix))]).toEqual([prefix, true]);
  }
  expect(files.filter((f) => !bundleOf(f))).toEqual([]);
});

it('has promotion histories that end rejected, closed and rolled back', () => {
  expect(files.filter((f) => f.startsWith('promotion-')).sort()).toEqual(['promotion-closed.json', 'promotion-rejected.json', 'promotion-rolled-back.json']);
});

it.each(files)('replays %s without non-determinism', async (file) => {
  const { workflowId, history } = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  await Worker.runReplayHistory({ workflowsPath: bundleOf(file)!.workflowsPath }, history, workflowId);
});
