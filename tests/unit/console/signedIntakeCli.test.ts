// `osteoflow intake assign|dismiss` signed with an API token goes through the console: the review entry is resolved
// as the token's user (the intake records that user, the audit trail the action), --who is refused, a role without
// the permission and a patient the study does not have are refused with the console's reason and change nothing.
// Without a token, --who is required, as before.
import type { AddressInfo } from 'node:net';
import { main } from '../../../cli/main';
import { captureOutput } from '../cli/support/captureOutput';
import { STUDY, testServer, type TestServer } from './support';

const osteoflow = (...argv: string[]) => captureOutput(() => main(argv));

let t: TestServer;
const saved = { url: process.env.OSTEOFLOW_CONSOLE_URL, token: process.env.OSTEOFLOW_API_TOKEN };
let url = '';

async function tokenOf(username: string): Promise<string> {
  const { cookie, csrf } = await t.signIn(username);
  const created = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'cli' } });
  return (created.json() as { token: string }).token;
}

// The two open entries of the fake intake's review list.
const UNKNOWN_PATIENT = '0a1b2c3d-44556677-8899aabb-ccddeeff-00112233';
const OUTSIDE_WINDOWS = 'ffeeddcc-bbaa9988-77665544-33221100-abcdef01';

const assign = (series: string, patient: string, ...extra: string[]) =>
  osteoflow(
    'intake',
    'assign',
    '--study',
    STUDY,
    '--series',
    series,
    '--patient',
    patient,
    '--timepoint',
    'baseline',
    '--modality',
    'T1CE',
    '--note',
    'read the requisition: this is P-001',
    ...extra,
  );

beforeAll(async () => {
  t = await testServer();
  await t.user('cora', ['coordinator']);
  await t.user('vic', ['viewer']);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  process.env.OSTEOFLOW_CONSOLE_URL = url;
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

describe('osteoflow intake with an API token', () => {
  it("refuses a viewer's token with the console's reason, and nothing reaches the intake", async () => {
    process.env.OSTEOFLOW_API_TOKEN = await tokenOf('vic');
    const result = await assign(UNKNOWN_PATIENT, 'P-001');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^osteoflow intake assign: the console refused: .*studies\.act.* \(403\)\n$/);
    expect(t.intake.updates).toEqual([]);
  });

  it('takes no --who with a token', async () => {
    process.env.OSTEOFLOW_API_TOKEN = await tokenOf('cora');
    const result = await osteoflow('intake', 'dismiss', '--study', STUDY, '--series', OUTSIDE_WINDOWS, '--note', 'old scan', '--who', 'mallory');
    expect(result).toMatchObject({ code: 2, err: "osteoflow intake dismiss: --who is not taken with an API token: the token's user is who acts\n" });
    expect(t.intake.updates).toEqual([]);
  });

  it('refuses a patient the study does not have, naming the pseudonym, and changes nothing', async () => {
    process.env.OSTEOFLOW_API_TOKEN = await tokenOf('cora');
    const result = await assign(UNKNOWN_PATIENT, 'P-404');
    expect(result.code).toBe(1);
    expect(result.err).toBe("osteoflow intake assign: the console refused: no patient 'P-404' in study 'OS-T1' (400)\n");
    expect(t.intake.updates).toEqual([]);
    expect(t.intake.states.get(STUDY)!.review.find((e) => e.pacsSeriesId === UNKNOWN_PATIENT)!.status).toBe('open');
  });

  it("assigns and dismisses as the token's user, through the console, and the audit trail has both", async () => {
    process.env.OSTEOFLOW_API_TOKEN = await tokenOf('cora');
    const assigned = await assign(UNKNOWN_PATIENT, 'P-001');
    expect(assigned.code).toBe(0);
    expect(assigned.out).toMatch(
      new RegExp(
        `^intake of OS-T1: assign recorded \\(audit entry \\d+\\)\\n${UNKNOWN_PATIENT}  assigned by cora at 2026-03-01T10:00:00.000Z: read the requisition: this is P-001\\n`,
      ),
    );
    expect(assigned.out).toContain('on the review list: 1 open\n');
    expect(t.intake.updates.at(-1)).toEqual({
      pacsSeriesId: UNKNOWN_PATIENT,
      pseudonym: 'P-001',
      timepoint: 'baseline',
      modality: 'T1CE',
      who: 'cora',
      note: 'read the requisition: this is P-001',
    });
    const dismissed = await osteoflow('intake', 'dismiss', '--study', STUDY, '--series', OUTSIDE_WINDOWS, '--note', 'a scan from before the study');
    expect(dismissed.code).toBe(0);
    expect(dismissed.out).toContain(`${OUTSIDE_WINDOWS}  dismissed by cora at 2026-03-01T10:00:00.000Z: a scan from before the study\n`);
    expect(dismissed.out).toContain('on the review list: 0 open\n');
    // The viewer's attempt is audited as refused; the unknown patient was refused before any action (a bad request).
    const audit = await t.accessStore.listAudit({ action: 'intake.' });
    expect(audit.map((e) => `${e.action} ${e.actor} ${e.outcome}`).sort()).toEqual([
      'intake.assign cora ok',
      'intake.assign vic refused',
      'intake.dismiss cora ok',
    ]);
    expect(audit.find((e) => e.actor === 'cora' && e.action === 'intake.assign')).toMatchObject({
      target: `${STUDY}/intake/${UNKNOWN_PATIENT}`,
      reason: 'read the requisition: this is P-001',
    });
  });
});

describe('osteoflow intake without an API token', () => {
  it('requires --who for assign and dismiss, before anything is asked', async () => {
    delete process.env.OSTEOFLOW_API_TOKEN;
    delete process.env.OSTEOFLOW_CONSOLE_URL;
    try {
      const result = await osteoflow('intake', 'dismiss', '--study', STUDY, '--series', OUTSIDE_WINDOWS, '--note', 'x');
      expect(result.code).toBe(2);
      expect(result.err).toMatch(
        /^osteoflow intake dismiss: --who is required \(or sign the command with an API token: OSTEOFLOW_CONSOLE_URL and OSTEOFLOW_API_TOKEN\)\n/,
      );
    } finally {
      process.env.OSTEOFLOW_CONSOLE_URL = url;
    }
  });
});
