// `osteoflow console` as the main job's --keep-stack starts it: a background process against the real stack, recorded
// in the data folder, reused rather than started twice, answering /healthz and a sign-in over HTTP, and gone with
// its record after SIGTERM.
import { existsSync } from 'node:fs';
import { accessStorePath, AccessControl, SqliteAccessStore } from '../../access';
import { loadConfig } from '../../config';
import { consoleRecordPath, keepConsoleRunning, runningConsole } from '../../cli/console';
import type { Health } from '../../contracts/console';
import { eventually } from './support/pipeline';

jest.setTimeout(240000);

const suffix = Date.now().toString(36);
// Queues of this suite only: the console hosts workers, which must not take other suites' tasks.
const QUEUES = {
  OSTEOFLOW_TASK_QUEUE_PIPELINE: `it-console-cmd-pipeline-${suffix}`,
  OSTEOFLOW_TASK_QUEUE_SEGMENTATION: `it-console-cmd-seg-${suffix}`,
  OSTEOFLOW_TASK_QUEUE_TRAINING: `it-console-cmd-training-${suffix}`,
};
const saved: Record<string, string | undefined> = {};
let pid: number | undefined;

beforeAll(() => {
  for (const [k, v] of Object.entries(QUEUES)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});

afterAll(() => {
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

it('starts in the background, is reused, serves sign-in and health, and leaves with its record on SIGTERM', async () => {
  const cfg = loadConfig();
  const store = new SqliteAccessStore(accessStorePath(cfg));
  const username = `cmd-${suffix}`;
  await new AccessControl(store).addUser(username, 'a-long-password-1', ['viewer']);
  await store.close();

  const started = await keepConsoleRunning(cfg);
  pid = started.pid;
  expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(runningConsole(cfg)).toEqual(started);
  // A second --keep-stack finds it instead of starting another.
  expect(await keepConsoleRunning(cfg)).toEqual(started);

  const health = await fetch(`${started.url}/healthz`);
  expect(health.status).toBe(200);
  expect((await health.json()) as Health).toMatchObject({ ok: true, temporal: { ok: true }, mlflow: { ok: true }, store: { ok: true } });
  const signIn = await fetch(`${started.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'a-long-password-1' }),
  });
  expect(signIn.status).toBe(200);
  expect(((await signIn.json()) as { roles: string[] }).roles).toEqual(['viewer']);

  process.kill(started.pid, 'SIGTERM');
  await eventually(
    async () => existsSync(consoleRecordPath(cfg)),
    (present) => !present,
    60000,
    'the console record removed',
  );
  expect(runningConsole(cfg)).toBeUndefined();
  await expect(fetch(`${started.url}/healthz`)).rejects.toThrow();
  pid = undefined;
});
