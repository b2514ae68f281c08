// The Python worker's own tests (workers/torch/tests: the activity body on bad input, device and memory handling,
// the sliding window against nnU-Net's, nnU-Net model folders, the blob stores and study folder layout against the
// TypeScript stores and a throw-away PostgreSQL cluster), run with pytest in the worker's venv, which this provisions
// as `osteoflow worker torch` does. A failing pytest fails this test with pytest's report.
import { spawn } from 'node:child_process';
import { loadConfig } from '../../config';
import { ensureTorchVenv, TORCH_WORKER_DIR } from '../../ops/torchWorker';

jest.setTimeout(900000);

it('passes the Python worker test suite (pytest)', async () => {
  const python = await ensureTorchVenv(loadConfig());
  const child = spawn(python, ['-m', 'pytest', 'tests', '-q', '-p', 'no:cacheprovider', '-W', 'ignore::DeprecationWarning'], {
    cwd: TORCH_WORKER_DIR,
    env: { ...process.env, PYTHONPATH: TORCH_WORKER_DIR, PYTHONDONTWRITEBYTECODE: '1' },
  });
  let report = '';
  child.stdout.on('data', (chunk: Buffer) => (report += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (report += chunk.toString('utf8')));
  const run = await new Promise<{ status: number | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status }));
  });
  console.log(report.trim().split('\n').slice(-3).join('\n'));
  if (run.status !== 0) throw new Error(`pytest exited ${run.status}:\n${report.slice(-20000)}`);
  // Guard against a suite that silently collected nothing or skipped its way to green.
  expect(report).toMatch(/\d+ passed/);
  expect(report).not.toMatch(/skipped|xfail|no tests ran/);
});
