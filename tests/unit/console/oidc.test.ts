// OpenID Connect sign-in, the parts that need no provider: the configuration's settings and their refusals, the
// groups → roles mapping, where a sign-in may return to, the local user of a provider's identity (created once,
// roles replaced at each sign-in, never a local namesake, a disabled one refused, no password matching it), the
// v1 → v2 access store migration keeping its users, and a provider that cannot be reached when a sign-in starts.
// The whole flow against a real provider is tests/integration/consoleOidc.test.ts.
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AccessControl, AccessRefusedError, EXTERNAL_PASSWORD, SqliteAccessStore } from '../../../access';
import { ACCESS_MIGRATIONS } from '../../../access/migrations';
import { loadConfig, parseOidcRoleMap } from '../../../config';
import { oidcOf } from '../../../console/server';
import { OidcSignIn, rolesOfGroups, safeNext } from '../../../console/server/oidc';
import { FAST_SCRYPT, testServer } from './support';

const ISSUER = 'https://idp.example.org/realms/osteo';
const oidcEnv = (extra: Record<string, string> = {}) => ({
  OSTEOFLOW_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'osteoflow-oidc-cfg-')),
  OSTEOFLOW_OIDC_ISSUER: ISSUER,
  OSTEOFLOW_OIDC_CLIENT_ID: 'osteoflow-console',
  OSTEOFLOW_OIDC_CLIENT_SECRET: 's3cret',
  OSTEOFLOW_OIDC_REDIRECT_URL: 'https://osteoflow.site.example/api/session/oidc/callback',
  OSTEOFLOW_OIDC_ROLE_MAP: 'osteo-coord=coordinator, osteo-approvers=approver,osteo-approvers=viewer',
  ...extra,
});

describe('the OpenID Connect settings', () => {
  it('reads them from the environment, and leaves sign-in with passwords only when none is set', () => {
    const cfg = loadConfig(oidcEnv({ OSTEOFLOW_OIDC_CLIENT_ID: '1' }));
    // A client id of '1' stays text (other console settings read 1 as true).
    expect(cfg.console.oidc).toMatchObject({ issuer: ISSUER, clientId: '1', clientSecret: 's3cret' });
    expect(parseOidcRoleMap(cfg.console.oidc!.roleMap!)).toEqual({ 'osteo-coord': ['coordinator'], 'osteo-approvers': ['approver', 'viewer'] });
    expect(oidcOf(cfg)?.settings).toMatchObject({ issuer: ISSUER, clientId: '1', roleMap: { 'osteo-coord': ['coordinator'] } });
    expect(oidcOf(loadConfig({ OSTEOFLOW_DATA_DIR: oidcEnv().OSTEOFLOW_DATA_DIR }))).toBeUndefined();
  });

  it.each([
    [{ OSTEOFLOW_OIDC_CLIENT_ID: '' }, /'console\.oidc\.clientId \(OSTEOFLOW_OIDC_CLIENT_ID\)' must be set: OpenID Connect sign-in needs issuer, client id/],
    [
      { OSTEOFLOW_OIDC_ISSUER: 'http://idp.example.org' },
      /'console\.oidc\.issuer \(OSTEOFLOW_OIDC_ISSUER\)' must be an https URL \(http only on localhost, for testing\), got "http:\/\/idp\.example\.org"/,
    ],
    [{ OSTEOFLOW_OIDC_REDIRECT_URL: 'https://osteoflow.site.example/' }, /must be the console's callback, <console URL>\/api\/session\/oidc\/callback/],
    [
      { OSTEOFLOW_OIDC_ROLE_MAP: 'osteo-coord=coordinater' },
      /'console\.oidc\.roleMap \(OSTEOFLOW_OIDC_ROLE_MAP\)' must be 'group=role' pairs, comma-separated, each role one of viewer, coordinator, ml-engineer, approver, admin, got "osteo-coord=coordinater"/,
    ],
    [{ OSTEOFLOW_OIDC_ROLE_MAP: 'coordinator' }, /must be 'group=role' pairs/],
    [{ OSTEOFLOW_OIDC_SCOPES: 'profile groups' }, /'console\.oidc\.scopes \(OSTEOFLOW_OIDC_SCOPES\)' must be space-separated scopes including 'openid'/],
  ])('refuses %j naming the setting', (change, message) => {
    expect(() => loadConfig(oidcEnv(change))).toThrow(message);
  });
});

describe('mapping and returning', () => {
  it('maps groups (a list or one string) to roles, ignoring unmapped groups and non-strings', () => {
    const map = { a: ['coordinator'], b: ['approver', 'coordinator'], c: ['no-such-role'] };
    expect(rolesOfGroups(['x', 'b', 'a', 7], map)).toEqual({ groups: ['x', 'b', 'a'], roles: ['approver', 'coordinator'] });
    expect(rolesOfGroups('a', map)).toEqual({ groups: ['a'], roles: ['coordinator'] });
    expect(rolesOfGroups(undefined, map)).toEqual({ groups: [], roles: [] });
    expect(rolesOfGroups(['c'], map).roles).toEqual([]);
  });

  it('returns only to a path of this console', () => {
    expect(safeNext('/patients/OS-1/P-1?x=1')).toBe('/patients/OS-1/P-1?x=1');
    for (const bad of ['https://evil.example/', '//evil.example/', '/\\evil.example', '/sign-in?next=/', 'cohort', undefined, 3])
      expect(safeNext(bad)).toBe('/');
  });
});

describe("a provider's user in the access store", () => {
  const who = { issuer: ISSUER, subject: 'f2a7-11', preferredName: 'Dana Smith', roles: ['coordinator' as const] };

  it('is created at the first sign-in, found again by issuer and subject, its roles replaced by the provider', async () => {
    const access = new AccessControl(new SqliteAccessStore(':memory:'), { scrypt: FAST_SCRYPT });
    const first = await access.signInExternal(who);
    expect(first).toMatchObject({ created: true, user: { username: 'Dana-Smith', roles: ['coordinator'], external: { issuer: ISSUER, subject: 'f2a7-11' } } });
    expect(first.user.passwordHash).toBe(EXTERNAL_PASSWORD);
    const again = await access.signInExternal({ ...who, preferredName: 'renamed', roles: ['approver'] });
    expect(again).toMatchObject({ created: false, user: { username: 'Dana-Smith', roles: ['approver'] } });
    expect(await access.resolveSession(again.secret)).toMatchObject({ status: 'ok', user: { username: 'Dana-Smith', roles: ['approver'] } });
    // No password signs a provider's user in, not even the marker itself.
    expect(await access.checkPassword('Dana-Smith', EXTERNAL_PASSWORD)).toBeNull();
    // The same subject at another issuer is another person.
    const other = await access.signInExternal({ ...who, issuer: 'https://other.example.org' });
    expect(other.user.username).toMatch(/^Dana-Smith-[0-9a-f]{8}$/);
  });

  it('never takes over a local user of the same name, and stays refused once disabled', async () => {
    const access = new AccessControl(new SqliteAccessStore(':memory:'), { scrypt: FAST_SCRYPT });
    await access.addUser('dana', 'local-password-1', ['viewer']);
    const signed = await access.signInExternal({ ...who, preferredName: 'dana' });
    expect(signed.user.username).toMatch(/^dana-[0-9a-f]{8}$/);
    expect(await access.store.getUser('dana')).toMatchObject({ roles: ['viewer'], external: null });
    await access.updateUser(signed.user.username, { disabled: true });
    await expect(access.signInExternal({ ...who, preferredName: 'dana' })).rejects.toThrow(
      new AccessRefusedError(`user '${signed.user.username}' is disabled; ask an administrator`),
    );
    await expect(access.signInExternal({ ...who, roles: [] })).rejects.toThrow('roles must be a non-empty list');
  });

  it('keeps the users of a version-1 store through the migration', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'osteoflow-access-v1-')), 'access.sqlite');
    await new SqliteAccessStore(file, ACCESS_MIGRATIONS.slice(0, 1)).close();
    // A user as version 1 wrote it (this osteoflow writes the new columns).
    const old = new Database(file);
    old
      .prepare('INSERT INTO users (username, password_hash, roles, disabled, created_at) VALUES (?, ?, ?, 0, ?)')
      .run('cora', 'scrypt$1024$8$1$c2FsdA==$a2V5', '["coordinator"]', '2026-01-01T00:00:00.000Z');
    old.close();
    const v2 = new SqliteAccessStore(file);
    expect(await v2.getUser('cora')).toMatchObject({ roles: ['coordinator'], external: null });
    await v2.close();
    const db = new Database(file);
    expect((db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version)).toEqual([1, 2]);
    db.close();
  });
});

describe('a provider that cannot be reached', () => {
  it('sends the browser back to sign-in with the reason, opens nothing, and audits the failure', async () => {
    // A port nothing listens on: taken from the system, then closed.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });
    const oidc = new OidcSignIn({
      issuer: `http://127.0.0.1:${port}`,
      clientId: 'osteoflow-console',
      redirectUrl: 'http://127.0.0.1:8080/api/session/oidc/callback',
      roleMap: { staff: ['viewer'] },
      timeoutS: 2,
    });
    const t = await testServer({ oidc });
    try {
      const methods = await t.app.inject({ method: 'GET', url: '/api/session/methods' });
      expect(methods.json()).toEqual({ password: true, oidc: { label: 'your identity provider', start: '/api/session/oidc' } });
      const r = await t.app.inject({ method: 'GET', url: '/api/session/oidc?next=/cohort' });
      expect(r.statusCode).toBe(302);
      const location = new URL(r.headers.location as string, 'http://console');
      expect(location.pathname).toBe('/sign-in');
      expect(location.searchParams.get('error')).toBe(`the identity provider at http://127.0.0.1:${port} does not answer (ECONNREFUSED); try again later`);
      expect(r.headers['set-cookie']).toBeUndefined();
      const [entry] = await t.accessStore.listAudit({ action: 'session.login' });
      expect(entry).toMatchObject({ actor: 'anonymous', outcome: 'failed', detail: { via: 'oidc', stage: 'discovery' } });
      // A callback with no sign-in behind it: refused, nothing opened.
      const cb = await t.app.inject({ method: 'GET', url: '/api/session/oidc/callback?code=abc&state=def' });
      expect(new URL(cb.headers.location as string, 'http://console').searchParams.get('error')).toMatch(/\(state does not match\); start again$/);
      expect(String(cb.headers['set-cookie'])).not.toContain('osteoflow_session=');
    } finally {
      await t.close();
    }
  });

  it('has no provider routes when none is configured', async () => {
    const t = await testServer();
    try {
      expect((await t.app.inject({ method: 'GET', url: '/api/session/methods' })).json()).toEqual({ password: true, oidc: null });
      expect((await t.app.inject({ method: 'GET', url: '/api/session/oidc' })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });
});
