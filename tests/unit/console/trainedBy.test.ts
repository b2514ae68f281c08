// `osteoflow model train` records who trained: with an API token, the token's user as the console knows them (and a
// user without models.train is refused before anything starts); without one, this machine's user name, marked
// unverified on the terminal. Temporal and the training run are stand-ins here: what is checked is the identity the
// command hands to the training (which writes it as the versions' trained_by tag).
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { main } from '../../../cli/main';
import { writeSyntheticStudyFile } from '../../../cli/syntheticStudy';
import type { TrainingOptions } from '../../../contracts/models';
import { captureOutput } from '../cli/support/captureOutput';
import { testServer, type TestServer } from './support';

const trainCalls: (TrainingOptions | undefined)[] = [];
let connects = 0;

jest.mock('../../../config/temporal', () => ({
  ...jest.requireActual('../../../config/temporal'),
  connectClient: jest.fn(async () => {
    connects++;
    return { connection: { close: async () => undefined } };
  }),
}));
jest.mock('../../../clients/training', () => ({
  ...jest.requireActual('../../../clients/training'),
  trainModels: jest.fn(async (_client: unknown, _cfg: unknown, protocol: { studyId: string }, options?: TrainingOptions) => {
    trainCalls.push(options);
    return { dataset: { patients: 0, events: 0, holdout: [], predictAt: 'preop' }, models: [], studyId: protocol.studyId };
  }),
}));

const osteoflow = (...argv: string[]) => captureOutput(() => main(argv));
const saved = {
  url: process.env.OSTEOFLOW_CONSOLE_URL,
  token: process.env.OSTEOFLOW_API_TOKEN,
  data: process.env.OSTEOFLOW_DATA_DIR,
  temporal: process.env.TEMPORAL_ADDRESS,
  mlflow: process.env.MLFLOW_TRACKING_URI,
};
let t: TestServer;
let studyFile: string;

async function tokenOf(username: string): Promise<string> {
  const { cookie, csrf } = await t.signIn(username);
  const created = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'cli' } });
  return (created.json() as { token: string }).token;
}

beforeAll(async () => {
  t = await testServer();
  await t.user('eng', ['ml-engineer']);
  await t.user('cora', ['coordinator']);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const dir = mkdtempSync(`${os.tmpdir()}/osteoflow-trained-by-`);
  process.env.OSTEOFLOW_DATA_DIR = dir;
  // Servers named, so that no running stack is looked for (nothing connects to them: Temporal is a stand-in).
  process.env.TEMPORAL_ADDRESS = '127.0.0.1:1';
  process.env.MLFLOW_TRACKING_URI = 'http://127.0.0.1:1';
  studyFile = writeSyntheticStudyFile(dir, { studyId: 'OS-TRAIN' });
});

afterEach(() => {
  trainCalls.length = 0;
  connects = 0;
  delete process.env.OSTEOFLOW_CONSOLE_URL;
  delete process.env.OSTEOFLOW_API_TOKEN;
});

afterAll(async () => {
  for (const [name, value] of [
    ['OSTEOFLOW_CONSOLE_URL', saved.url],
    ['OSTEOFLOW_API_TOKEN', saved.token],
    ['OSTEOFLOW_DATA_DIR', saved.data],
    ['TEMPORAL_ADDRESS', saved.temporal],
    ['MLFLOW_TRACKING_URI', saved.mlflow],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await t?.close();
});

const consoleUrl = () => `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;

describe('osteoflow model train', () => {
  it("records the API token's user as the trainer", async () => {
    process.env.OSTEOFLOW_CONSOLE_URL = consoleUrl();
    process.env.OSTEOFLOW_API_TOKEN = await tokenOf('eng');
    const result = await osteoflow('model', 'train', '--study', studyFile, '--no-worker');
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(trainCalls).toEqual([expect.objectContaining({ trainedBy: 'eng' })]);
  });

  it('refuses a token whose user may not train, before connecting to anything', async () => {
    process.env.OSTEOFLOW_CONSOLE_URL = consoleUrl();
    process.env.OSTEOFLOW_API_TOKEN = await tokenOf('cora');
    const result = await osteoflow('model', 'train', '--study', studyFile, '--no-worker');
    expect(result.code).toBe(1);
    expect(result.err).toBe("osteoflow model train: the API token's user cora (roles: coordinator) lacks the permission models.train\n");
    expect({ trainCalls, connects }).toEqual({ trainCalls: [], connects: 0 });
  });

  it("refuses a token the console does not know, with the console's reason", async () => {
    process.env.OSTEOFLOW_CONSOLE_URL = consoleUrl();
    process.env.OSTEOFLOW_API_TOKEN = 'oft_not-a-token-the-console-issued';
    const result = await osteoflow('model', 'train', '--study', studyFile, '--no-worker');
    expect(result.code).toBe(1);
    expect(result.err).toBe('osteoflow model train: the console refused: the API token is not valid; create a new one (401)\n');
    expect(trainCalls).toEqual([]);
  });

  it("without a token, records this machine's user name and says it is unverified", async () => {
    const result = await osteoflow('model', 'train', '--study', studyFile, '--no-worker');
    expect(result.code).toBe(0);
    const me = os.userInfo().username;
    expect(result.err).toContain(`trained_by: ${me} (this machine's user name, unverified;`);
    expect(trainCalls).toEqual([expect.objectContaining({ trainedBy: me })]);
  });
});
