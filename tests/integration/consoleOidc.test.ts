// Sign-in to the console through a real OpenID Connect provider (oidc-provider in its own process), over real HTTP,
// with the console on the real stack: a user signs in at the provider and lands in the console signed in, with the
// role their groups map to, and acts under that identity (the audit trail says so); local passwords keep working
// beside it. Refused, each with its reason on the sign-in page and no session: a user in no mapped group, a wrong
// state, a replayed answer, an answer carried to another browser, an ID token for another client, an ID token of
// another issuer, and the provider gone.
import { openBlobStore } from '../../store/blobs';
import { StudyFiles } from '../../study/storedFiles';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AccessControl, SqliteAccessStore } from '../../access';
import type { SessionInfo } from '../../contracts/console';
import { buildConsoleServer } from '../../console/server/app';
import { OidcSignIn } from '../../console/server/oidc';
import { MlflowModelBackend, TemporalTimelineBackend } from '../../console/server/temporalBackend';
import { MlflowClient } from '../../registry/mlflowClient';
import { openResultsStore, type ResultsStore } from '../../store';
import { connectHarness, type Harness } from './support/pipeline';
import { CookieBrowser, freePort, idTokenFor, signInAtProvider, startProvider, type RunningProvider, type TestClient } from './support/oidcTestProvider';

jest.setTimeout(180000);

const CALLBACK = '/api/session/oidc/callback';
const USERS = {
  'sub-dana-7f3': { preferred_username: 'dana', name: 'Dana Coordinator', groups: ['staff', 'osteo-coordinators'] },
  'sub-erin-19c': { preferred_username: 'erin', name: 'Erin Approver', groups: ['osteo-approvers', 'osteo-ml'] },
  'sub-finn-4d0': { preferred_username: 'finn', name: 'Finn Visitor', groups: ['staff'] },
  'sub-gus-8a1': { preferred_username: 'gus', name: 'Gus No Groups' },
};
const ROLE_MAP = { 'osteo-coordinators': ['coordinator'], 'osteo-approvers': ['approver'], 'osteo-ml': ['ml-engineer'] };

let harness: Harness;
let dir: string;
let store: ResultsStore;
let accessStore: SqliteAccessStore;
let app: FastifyInstance;
let base: string;
let idp: RunningProvider;
let otherIdp: RunningProvider;
let consoleClient: TestClient;
let otherClient: TestClient;

beforeAll(async () => {
  harness = await connectHarness();
  dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-oidc-it-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  consoleClient = { client_id: 'osteoflow-console', client_secret: 'console-secret-0123456789', redirect_uris: [`${base}${CALLBACK}`] };
  otherClient = { client_id: 'other-app', client_secret: 'other-secret-0123456789', redirect_uris: ['http://127.0.0.1:9/callback'] };
  idp = await startProvider({ clients: [consoleClient, otherClient], users: USERS });
  // Another provider that knows the console under the same client id: its tokens have the right audience, another issuer.
  otherIdp = await startProvider({ clients: [consoleClient], users: USERS });
  store = openResultsStore(harness.cfg);
  accessStore = new SqliteAccessStore(path.join(dir, 'access.sqlite'));
  const access = new AccessControl(accessStore);
  // A local user whose name the provider's 'dana' also wants: the provider's user must not become her.
  await access.addUser('dana', 'local-dana-password', ['viewer']);
  await access.addUser('lou', 'local-lou-password', ['coordinator']);
  app = await buildConsoleServer({
    access,
    timelines: new TemporalTimelineBackend(harness.client, harness.endpoints.temporal.address),
    models: new MlflowModelBackend(
      harness.client,
      harness.cfg,
      new MlflowClient({ trackingUri: harness.endpoints.mlflow.trackingUri }),
      harness.endpoints.mlflow.trackingUri,
    ),
    store,
    files: new StudyFiles(openBlobStore(harness.cfg), path.join(dir, 'studies')),
    uploadDir: path.join(dir, 'uploads'),
    oidc: new OidcSignIn({
      issuer: idp.issuer,
      clientId: consoleClient.client_id,
      clientSecret: consoleClient.client_secret,
      redirectUrl: `${base}${CALLBACK}`,
      scopes: 'openid profile groups',
      rolesClaim: 'groups',
      roleMap: ROLE_MAP,
      label: 'Hospital sign-in',
      timeoutS: 5,
    }),
  });
  await app.listen({ port, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await idp?.stop();
  await otherIdp?.stop();
  await store?.close();
  await accessStore?.close();
  await harness?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts a sign-in at the console: the browser is sent to the provider's authorization URL. */
async function startAtConsole(browser: CookieBrowser, next = '/cohort'): Promise<string> {
  const location = await browser.redirect(`${base}/api/session/oidc?next=${encodeURIComponent(next)}`);
  expect(location.startsWith(`${idp.issuer}/auth?`)).toBe(true);
  return location;
}

/** Hands the provider's answer to the console: where the console sends the browser, and the session cookie if any. */
async function callback(browser: CookieBrowser, url: string): Promise<{ location: string; session: string | undefined; error: string | null }> {
  const location = await browser.redirect(url);
  const session = browser.cookies(base).get('osteoflow_session');
  return { location, session, error: new URL(location).searchParams.get('error') };
}

async function whoAmI(browser: CookieBrowser): Promise<{ status: number; body: SessionInfo }> {
  const r = await browser.request(`${base}/api/session`);
  return { status: r.status, body: (await r.json()) as SessionInfo };
}

const hash8 = (issuer: string, subject: string) => createHash('sha256').update(`${issuer}|${subject}`).digest('hex').slice(0, 8);

describe('sign-in with the identity provider', () => {
  it('offers the provider beside passwords', async () => {
    const r = await fetch(`${base}/api/session/methods`);
    expect(await r.json()).toEqual({ password: true, oidc: { label: 'Hospital sign-in', start: '/api/session/oidc' } });
  });

  it('signs a coordinator in with the mapped role, under a name that is not the local namesake, and audits what they do', async () => {
    const browser = new CookieBrowser();
    const authorization = new URL(await startAtConsole(browser));
    // The authorization request: code flow with PKCE (S256), state and nonce, to the registered callback.
    expect(
      Object.fromEntries(['response_type', 'client_id', 'redirect_uri', 'scope', 'code_challenge_method'].map((k) => [k, authorization.searchParams.get(k)])),
    ).toEqual({
      response_type: 'code',
      client_id: consoleClient.client_id,
      redirect_uri: `${base}${CALLBACK}`,
      scope: 'openid profile groups',
      code_challenge_method: 'S256',
    });
    for (const k of ['state', 'nonce', 'code_challenge']) expect(authorization.searchParams.get(k)).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const answer = await signInAtProvider(browser, authorization.href, 'sub-dana-7f3');
    expect(answer.startsWith(`${base}${CALLBACK}?code=`)).toBe(true);
    const landed = await callback(browser, answer);
    expect({ location: landed.location, error: landed.error }).toEqual({ location: `${base}/cohort`, error: null });
    expect(landed.session).toBeTruthy();

    const name = `dana-${hash8(idp.issuer, 'sub-dana-7f3')}`;
    const me = await whoAmI(browser);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      username: name,
      roles: ['coordinator'],
      via: 'session',
      permissions: ['studies.read', 'studies.act', 'models.read', 'audit.read'],
    });
    expect(me.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    // The local user of the same name is untouched and still signs in with her password.
    expect(await accessStore.getUser('dana')).toMatchObject({ roles: ['viewer'], external: null });
    expect(await accessStore.getUser(name)).toMatchObject({ roles: ['coordinator'], external: { issuer: idp.issuer, subject: 'sub-dana-7f3' } });

    // The session is like a password session: CSRF needed on unsafe methods, and actions are audited under the name.
    const noCsrf = await browser.request(`${base}/api/tokens`, { method: 'POST', body: '{"name":"cli"}', headers: { 'content-type': 'application/json' } });
    expect(noCsrf.status).toBe(403);
    const csrf = { 'content-type': 'application/json', 'x-csrf-token': me.body.csrfToken! };
    const token = await browser.request(`${base}/api/tokens`, { method: 'POST', body: '{"name":"cli"}', headers: csrf });
    expect(token.status).toBe(201);
    const approve = await browser.request(`${base}/api/models/no-such-model/promotion/approve`, {
      method: 'POST',
      body: '{"reason":"looks fine"}',
      headers: csrf,
    });
    expect(approve.status).toBe(403);

    const trail = await accessStore.listAudit({ actor: name });
    expect(trail.map((e) => [e.action, e.outcome]).reverse()).toEqual([
      ['session.login', 'ok'],
      ['token.create', 'ok'],
      ['promotion.approve', 'refused'],
    ]);
    expect(trail[trail.length - 1].detail).toMatchObject({ via: 'oidc', issuer: idp.issuer, subject: 'sub-dana-7f3', roles: ['coordinator'], created: true });

    // Signing out ends it, as for any session.
    const out = await browser.request(`${base}/api/session`, { method: 'DELETE', headers: { 'x-csrf-token': me.body.csrfToken! } });
    expect(out.status).toBe(204);
    expect((await whoAmI(browser)).status).toBe(401);
  });

  it('gives a user the roles of all their mapped groups, and the same user again at the next sign-in', async () => {
    for (const round of [1, 2]) {
      const browser = new CookieBrowser();
      const landed = await callback(browser, await signInAtProvider(browser, await startAtConsole(browser, '/models'), 'sub-erin-19c'));
      expect({ round, location: landed.location }).toEqual({ round, location: `${base}/models` });
      expect((await whoAmI(browser)).body).toMatchObject({ username: 'erin', roles: ['approver', 'ml-engineer'] });
    }
    expect((await accessStore.listUsers()).filter((u) => u.external?.subject === 'sub-erin-19c').map((u) => u.username)).toEqual(['erin']);
  });

  it('keeps local passwords working beside the provider', async () => {
    const r = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lou', password: 'local-lou-password' }),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ username: 'lou', roles: ['coordinator'] });
    // A provider's user has no local password: none signs them in.
    const provider = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'erin', password: '!external' }),
    });
    expect(provider.status).toBe(401);
  });
});

describe('a refused sign-in opens no session and says why', () => {
  const refused = async (browser: CookieBrowser, url: string) => {
    const landed = await callback(browser, url);
    expect(landed.location.startsWith(`${base}/sign-in?error=`)).toBe(true);
    expect(landed.session).toBeUndefined();
    expect((await whoAmI(browser)).status).toBe(401);
    return landed.error!;
  };
  const lastRefusal = async () => (await accessStore.listAudit({ action: 'session.login', outcome: 'refused', limit: 1 }))[0];

  it('a user in no group that maps to a role', async () => {
    const browser = new CookieBrowser();
    const message = await refused(browser, await signInAtProvider(browser, await startAtConsole(browser), 'sub-finn-4d0'));
    expect(message).toBe(
      "your account at the identity provider (finn) is in no group that has a console role (claim 'groups': staff); ask an administrator to add you to one",
    );
    const none = new CookieBrowser();
    expect(await refused(none, await signInAtProvider(none, await startAtConsole(none), 'sub-gus-8a1'))).toMatch(/\(claim 'groups': absent\)/);
    expect((await accessStore.listUsers()).some((u) => u.external?.subject === 'sub-finn-4d0' || u.external?.subject === 'sub-gus-8a1')).toBe(false);
    expect((await lastRefusal()).detail).toMatchObject({ via: 'oidc', stage: 'roles', subject: 'sub-gus-8a1' });
  });

  it('a wrong state, a replayed answer, and an answer carried to another browser', async () => {
    const stateMessage = 'this sign-in answer does not belong to a sign-in started in this browser, or was used already (state does not match); start again';
    const forging = new CookieBrowser();
    const forged = new URL(await signInAtProvider(forging, await startAtConsole(forging), 'sub-erin-19c'));
    forged.searchParams.set('state', 'x'.repeat(43));
    expect(await refused(forging, forged.href)).toBe(stateMessage);
    expect((await lastRefusal()).detail).toMatchObject({ via: 'oidc', stage: 'state' });

    const browser = new CookieBrowser();
    const answer = new URL(await signInAtProvider(browser, await startAtConsole(browser), 'sub-erin-19c'));
    // Another browser presenting this browser's answer (a planted sign-in): it holds no binding cookie.
    expect(await refused(new CookieBrowser(), answer.href)).toBe(stateMessage);

    // The first use in its own browser succeeds; the same answer again, with the same cookies, is refused.
    const replay = new CookieBrowser();
    for (const [k, v] of browser.cookies(base)) replay.cookies(base).set(k, v);
    const first = await callback(browser, answer.href);
    expect(first.error).toBeNull();
    expect(await refused(replay, answer.href)).toBe(stateMessage);

    // A used code under a fresh sign-in of the same browser: the provider refuses it (and PKCE would not match).
    const fresh = new CookieBrowser();
    const freshAnswer = new URL(await signInAtProvider(fresh, await startAtConsole(fresh), 'sub-erin-19c'));
    const reused = new URL(freshAnswer);
    reused.searchParams.set('code', answer.searchParams.get('code')!);
    expect(await refused(fresh, reused.href)).toMatch(/^the identity provider refused to exchange the sign-in code: invalid_grant/);
    expect((await lastRefusal()).detail).toMatchObject({ via: 'oidc', stage: 'token' });
  });

  it('an ID token the provider issued to another client', async () => {
    const foreign = await idTokenFor(idp, otherClient, 'sub-erin-19c');
    const browser = new CookieBrowser();
    const answer = await signInAtProvider(browser, await startAtConsole(browser), 'sub-erin-19c');
    await idp.substituteIdToken(foreign);
    const message = await refused(browser, answer);
    expect(message).toMatch(
      /^the identity provider's answer failed verification \(unexpected JWT claim value encountered: unexpected JWT "aud" \(audience\) claim value\)$/,
    );
  });

  it('an ID token of another issuer', async () => {
    const foreign = await idTokenFor(otherIdp, { ...consoleClient, redirect_uris: consoleClient.redirect_uris }, 'sub-erin-19c');
    const browser = new CookieBrowser();
    const answer = await signInAtProvider(browser, await startAtConsole(browser), 'sub-erin-19c');
    await idp.substituteIdToken(foreign);
    const message = await refused(browser, answer);
    expect(message).toMatch(
      /^the identity provider's answer failed verification \(unexpected JWT claim value encountered: unexpected JWT "iss" \(issuer\) claim value\)$/,
    );
  });

  it('the provider gone between its login page and the code exchange', async () => {
    const browser = new CookieBrowser();
    const answer = await signInAtProvider(browser, await startAtConsole(browser), 'sub-erin-19c');
    await idp.stop();
    const message = await refused(browser, answer);
    expect(message).toBe(`the identity provider at ${idp.issuer} does not answer (ECONNREFUSED); try again later`);
    expect((await lastRefusal()).detail).toMatchObject({ via: 'oidc', stage: 'token' });
    // Passwords still work meanwhile.
    const r = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lou', password: 'local-lou-password' }),
    });
    expect(r.status).toBe(200);
  });
});
