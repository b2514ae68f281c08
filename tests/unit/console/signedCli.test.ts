// A coordinator's or an approver's CLI command signed with an API token goes through the console: it acts as the
// token's user (the timeline or the promotion records that user, the audit trail the action), takes no free-text
// --who or --by, and a role without the permission, or a requester approving their own request, is refused with the
// console's reason.
import type { AddressInfo } from 'node:net';
import { main } from '../../../cli/main';
import { captureOutput } from '../cli/support/captureOutput';
import { testServer, type TestServer } from './support';

const osteoflow = (...argv: string[]) => captureOutput(() => main(argv));

let t: TestServer;
const saved = { url: process.env.OSTEOFLOW_CONSOLE_URL, token: process.env.OSTEOFLOW_API_TOKEN };

async function tokenOf(username: string): Promise<string> {
  const { cookie, csrf } = await t.signIn(username);
  const created = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'cli' } });
  return (created.json() as { token: string }).token;
}

beforeAll(async () => {
  t = await testServer();
  await t.user('cora', ['coordinator']);
  await t.user('vic', ['viewer']);
  await t.user('eng', ['ml-engineer', 'approver']);
  await t.user('appy', ['approver']);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  process.env.OSTEOFLOW_CONSOLE_URL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const [name, value] of [
    ['OSTEOFLOW_CONSOLE_URL', saved.url],
    ['OSTEOFLOW_API_TOKEN', saved.token],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await t?.close();
});

describe('osteoflow study with an API token', () => {
  it("overrides QC as the token's user, through the console, and the audit trail has it", async () => {
    process.env.OSTEOFLOW_API_TOKEN = await tokenOf('cora');
    const result = await osteoflow(
      'study',
      'override',
      '--study',
      'OS-T1',
      '--patient',
      'P-001',
      '--timepoint',
      'baseline',
      '--reason',
      'reviewed: slices fine',
    );
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^OS-T1\/P-001: \S+ — override recorded \(audit entry \d+\)/);
    expect(t.timelines.views.get('P-001')!.timepoints[0].qc!.override).toEqual({ reason: 'reviewed: slices fine', who: 'cora' });
    const [entry] = await t.accessStore.listAudit({ action: 'qc.override' });
    expect(entry).toMatchObject({ actor: 'cora', outcome: 'ok' });
  });

  it('takes no --who with a token', async () => {
    process.env.OSTEOFLOW_API_TOKEN = await tokenOf('cora');
    const result = await osteoflow('study', 'withdraw', '--study', 'OS-T1', '--patient', 'P-002', '--reason', 'moved away', '--who', 'someone else');
    expect(result.code).toBe(2);
    expect(result.err).toContain("unknown argument '--who'");
    const override = await osteoflow('study', 'retry', '--study', 'OS-T1', '--patient', 'P-002', '--timepoint', 'mid', '--reason', 'x', '--who', 'mallory');
    expect(override).toMatchObject({ code: 2, err: "osteoflow study retry: --who is not taken with an API token: the token's user is who acts\n" });
  });

  it("refuses a viewer's token with the console's reason, and changes nothing", async () => {
    process.env.OSTEOFLOW_API_TOKEN = await tokenOf('vic');
    const before = JSON.stringify(t.timelines.views.get('P-002'));
    const result = await osteoflow('study', 'withdraw', '--study', 'OS-T1', '--patient', 'P-002', '--reason', 'moved away');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^osteoflow study withdraw: the console refused: .*studies\.act.* \(403\)\n$/);
    expect(JSON.stringify(t.timelines.views.get('P-002'))).toBe(before);
  });
});

describe('osteoflow model with an API token', () => {
  it("approves as the token's user after four eyes refused the requester, and takes no --by", async () => {
    const eng = await t.signIn('eng');
    const requested = await t.app.inject({
      method: 'POST',
      url: '/api/models/resp/promotion',
      headers: { cookie: eng.cookie, 'x-csrf-token': eng.csrf },
      payload: { studyId: 'OS-T1', reason: 'delta model beats baseline' },
    });
    expect(requested.statusCode).toBe(200);
    process.env.OSTEOFLOW_API_TOKEN = await tokenOf('eng');
    const own = await osteoflow('model', 'promote', '--model', 'resp', '--approve', '--reason', 'looks good');
    expect(own.code).toBe(1);
    expect(own.err).toMatch(/^osteoflow model promote: the console refused: .* \(403\)\n$/);
    process.env.OSTEOFLOW_API_TOKEN = await tokenOf('appy');
    const named = await osteoflow('model', 'promote', '--model', 'resp', '--approve', '--reason', 'x', '--by', 'someone');
    expect(named).toMatchObject({ code: 2, err: "osteoflow model promote: --by is not taken with an API token: the token's user is who decides\n" });
    const approved = await osteoflow('model', 'promote', '--model', 'resp', '--approve', '--reason', 'gate passed, reviewed the report');
    expect(approved.code).toBe(0);
    expect(approved.out).toMatch(/^promotion of resp: promoted \(approved of version \d+ by appy\); audit entry \d+\n$/);
    const [entry] = await t.accessStore.listAudit({ action: 'promotion.approve', outcome: 'ok' });
    expect(entry).toMatchObject({ actor: 'appy' });
  });
});
