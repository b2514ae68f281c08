// Determinism: recorded histories of real runs replayed through the current workflow code. A change to a workflow
// that would break running timelines fails here; such a change needs `patched()` (see workflows/patientTimeline.ts).
// Histories are recorded from the integration tests with OSTEOFLOW_RECORD_HISTORIES=tests/fixtures/histories.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { installRuntime } from '../../../workers/runtime';

jest.setTimeout(120000);

const dir = path.join(__dirname, '..', '..', 'fixtures', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

beforeAll(() => installRuntime('WARN'));

it('has recorded histories of the timeline and the timepoint workflows', () => {
  expect(files.some((f) => f.startsWith('patientTimeline-'))).toBe(true);
  expect(files.some((f) => f.startsWith('timepoint-'))).toBe(true);
});

it.each(files)('replays %s without non-determinism', async (file) => {
  const { workflowId, history } = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../../../workflows') }, history, workflowId);
});
