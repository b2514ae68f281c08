// Sign-in, sessions, CSRF, rate limit, API tokens and roles of the console API, through app.inject: one message for
// every failed sign-in, 401 with a clear message for an expired session, 403 naming the missing permission.
import { SESSION_COOKIE } from '../../../contracts/console';
import { testServer, type TestServer } from './support';

let t: TestServer;
beforeEach(async () => {
  t = await testServer();
  await t.user('cora', ['coordinator']);
  await t.user('vic', ['viewer']);
  await t.user('adam', ['admin']);
});
afterEach(async () => t.close());

const login = (username: string, password: string, ip = '10.0.0.1') =>
  t.app.inject({ method: 'POST', url: '/api/session', payload: { username, password }, remoteAddress: ip });

describe('sign-in', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie and returns the CSRF token, roles and permissions', async () => {
    const r = await login('cora', 'cora-password-1');
    expect(r.statusCode).toBe(200);
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/; Secure/); // plain http, secureCookies 'auto'
    const body = r.json();
    expect(body).toMatchObject({
      username: 'cora',
      roles: ['coordinator'],
      via: 'session',
      permissions: ['studies.read', 'studies.act', 'models.read', 'audit.read'],
    });
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // The session id is stored hashed: the cookie's value is nowhere in the store.
    const secret = cookie.split(';')[0].split('=')[1];
    expect(await t.accessStore.getSession(secret)).toBeUndefined();
  });

  it('marks the cookie Secure when configured, and behind an https proxy when trusted', async () => {
    const secure = await (await import('./support')).testServer({ secureCookies: true });
    await secure.user('cora', ['coordinator']);
    const r = await secure.app.inject({ method: 'POST', url: '/api/session', payload: { username: 'cora', password: 'cora-password-1' } });
    expect(String(r.headers['set-cookie'])).toMatch(/; Secure/);
    await secure.close();
    const proxied = await (await import('./support')).testServer({ trustProxy: true });
    await proxied.user('cora', ['coordinator']);
    const p = await proxied.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { username: 'cora', password: 'cora-password-1' },
    });
    expect(String(p.headers['set-cookie'])).toMatch(/; Secure/);
    await proxied.close();
  });

  it('answers a wrong password, an unknown user and a disabled user alike', async () => {
    await t.access.updateUser('vic', { disabled: true });
    const wrong = await login('cora', 'not-her-password', '10.0.0.2');
    const unknown = await login('nobody', 'whatever-password', '10.0.0.3');
    const disabled = await login('vic', 'vic-password-1', '10.0.0.4');
    for (const r of [wrong, unknown, disabled]) {
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'wrong username or password' });
      expect(r.headers['set-cookie']).toBeUndefined();
    }
    // The failed attempts are audited without the name typed (it could be a password, or tell which names exist).
    const failed = await t.accessStore.listAudit({ action: 'session.login', outcome: 'refused' });
    expect(failed.map((e) => e.actor)).toEqual(['anonymous', 'anonymous', 'anonymous']);
    expect(JSON.stringify(failed)).not.toMatch(/nobody|cora|vic/);
  });

  it('refuses a body without a password with 400 naming the field', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/session', payload: { username: 'cora' } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ field: 'password' });
  });

  it('limits sign-in attempts to 5 a minute per IP and user name', async () => {
    for (let i = 0; i < 5; i++) expect((await login('cora', `guess-${i}-xxxxxx`)).statusCode).toBe(401);
    const sixth = await login('cora', 'cora-password-1');
    expect(sixth.statusCode).toBe(429);
    expect(sixth.json().message).toMatch(/^too many sign-in attempts; try again in \d+ s$/);
    // Another user from the same address, and the same user from another address, still sign in.
    expect((await login('vic', 'vic-password-1')).statusCode).toBe(200);
    expect((await login('cora', 'cora-password-1', '10.9.9.9')).statusCode).toBe(200);
  });
});

describe('sessions', () => {
  it('GET /api/session shows the session; DELETE ends it', async () => {
    const { cookie, csrf } = await t.signIn('cora');
    const me = await t.app.inject({ method: 'GET', url: '/api/session', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      username: 'cora',
      csrfToken: csrf,
      idleExpiresAt: '2026-03-01T10:30:00.000Z',
      absoluteExpiresAt: '2026-03-01T22:00:00.000Z',
    });
    const out = await t.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    const after = await t.app.inject({ method: 'GET', url: '/api/session', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json().message).toBe('your session has ended; sign in again');
  });

  it('without a cookie: 401 asking to sign in', async () => {
    const r = await t.app.inject({ method: 'GET', url: `/api/studies` });
    expect(r.statusCode).toBe(401);
    expect(r.json().message).toBe('not signed in: sign in first (POST /api/session)');
  });

  it('ends a session 30 minutes after the last request', async () => {
    const { cookie } = await t.signIn('cora');
    t.clock.now = new Date('2026-03-01T10:29:00Z');
    expect((await t.app.inject({ method: 'GET', url: '/api/studies', headers: { cookie } })).statusCode).toBe(200);
    t.clock.now = new Date('2026-03-01T10:58:59Z'); // 29 min 59 s after the last request: still alive
    expect((await t.app.inject({ method: 'GET', url: '/api/studies', headers: { cookie } })).statusCode).toBe(200);
    t.clock.now = new Date('2026-03-01T11:29:00Z'); // 30 min 1 s idle
    const r = await t.app.inject({ method: 'GET', url: '/api/studies', headers: { cookie } });
    expect(r.statusCode).toBe(401);
    expect(r.json().message).toBe('your session expired after 30 minutes without activity; sign in again');
    expect(String(r.headers['set-cookie'])).toMatch(new RegExp(`^${SESSION_COOKIE}=;`)); // cleared
  });

  it('ends a session 12 hours after sign-in however active', async () => {
    const { cookie } = await t.signIn('cora');
    for (let minutes = 20; minutes < 12 * 60; minutes += 20) {
      t.clock.now = new Date(Date.parse('2026-03-01T10:00:00Z') + minutes * 60000);
      expect((await t.app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).statusCode).toBe(200);
    }
    t.clock.now = new Date('2026-03-01T22:00:00Z');
    const r = await t.app.inject({ method: 'GET', url: '/api/session', headers: { cookie } });
    expect(r.statusCode).toBe(401);
    expect(r.json().message).toBe('your session expired 12 hours after sign-in; sign in again');
  });

  it('disabling a user ends their sessions', async () => {
    const { cookie } = await t.signIn('cora');
    const admin = await t.signIn('adam');
    const r = await t.app.inject({
      method: 'PATCH',
      url: '/api/users/cora',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      payload: { disabled: true },
    });
    expect(r.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('CSRF', () => {
  const override = (headers: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url: '/api/studies/OS-T1/patients/P-001/timepoints/baseline/override',
      headers,
      payload: { reason: 'reviewed: slices fine' },
    });

  it('refuses an unsafe request with the cookie but without the header, or with a wrong one; nothing changes', async () => {
    const { cookie, csrf } = await t.signIn('cora');
    for (const headers of [{ cookie }, { cookie, 'x-csrf-token': `${csrf.slice(0, -1)}${csrf.endsWith('x') ? 'y' : 'x'}` }] as Record<string, string>[]) {
      const r = await override(headers);
      expect(r.statusCode).toBe(403);
      expect(r.json().message).toMatch(/^missing or wrong x-csrf-token header/);
    }
    expect(t.timelines.views.get('P-001')!.timepoints[0].qc!.override).toBeUndefined();
    expect((await override({ cookie, 'x-csrf-token': csrf })).statusCode).toBe(200);
  });

  it('needs no header with an API token', async () => {
    const { cookie, csrf } = await t.signIn('cora');
    const created = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'laptop' } });
    expect(created.statusCode).toBe(201);
    const { token } = created.json();
    const r = await override({ authorization: `Bearer ${token}` });
    expect(r.statusCode).toBe(200);
    expect(t.timelines.views.get('P-001')!.timepoints[0].qc!.override).toEqual({ reason: 'reviewed: slices fine', who: 'cora' });
    const [entry] = await t.accessStore.listAudit({ action: 'qc.override' });
    expect(entry).toMatchObject({ actor: 'cora', outcome: 'ok', detail: { via: 'token' } });
  });
});

describe('API tokens', () => {
  it('shows the secret once, keeps only its hash, and a revoked token no longer works', async () => {
    const { cookie, csrf } = await t.signIn('cora');
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { name: 'cli', expiresInDays: 30 },
    });
    const { token, id, expiresAt } = created.json();
    expect(token).toMatch(/^oft_[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toBe('2026-03-31T10:00:00.000Z');
    const list = await t.app.inject({ method: 'GET', url: '/api/tokens', headers: { cookie } });
    expect(list.json().tokens).toHaveLength(1);
    expect(list.body).not.toContain(token.slice(4));
    const bearer = { authorization: `Bearer ${token}` };
    expect((await t.app.inject({ method: 'GET', url: '/api/session', headers: bearer })).json()).toMatchObject({ username: 'cora', via: 'token' });
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: bearer })).statusCode).toBe(204);
    const after = await t.app.inject({ method: 'GET', url: '/api/session', headers: bearer });
    expect(after.statusCode).toBe(401);
    expect(after.json().message).toBe('the API token is revoked; create a new one');
  });

  it('an expired token is refused; a malformed Authorization header is a 401 saying the form', async () => {
    const { secret } = await t.access.createToken('cora', 'short', 1);
    t.clock.now = new Date('2026-03-02T10:00:00Z');
    const r = await t.app.inject({ method: 'GET', url: '/api/session', headers: { authorization: `Bearer ${secret}` } });
    expect(r.json()).toMatchObject({ statusCode: 401, message: 'the API token is expired; create a new one' });
    const bad = await t.app.inject({ method: 'GET', url: '/api/session', headers: { authorization: 'Basic abc' } });
    expect(bad.json()).toMatchObject({ statusCode: 401, message: "the Authorization header must be 'Bearer <api token>'" });
  });

  it("another user's token: only with tokens.manage", async () => {
    const { token } = await t.access.createToken('vic', 'vic laptop');
    const cora = await t.signIn('cora');
    const refused = await t.app.inject({ method: 'DELETE', url: `/api/tokens/${token.id}`, headers: { cookie: cora.cookie, 'x-csrf-token': cora.csrf } });
    expect(refused.json()).toMatchObject({ statusCode: 403, permission: 'tokens.manage' });
    const admin = await t.signIn('adam');
    const listed = await t.app.inject({ method: 'GET', url: '/api/tokens?username=vic', headers: { cookie: admin.cookie } });
    expect(listed.json().tokens.map((x: { name: string }) => x.name)).toEqual(['vic laptop']);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/tokens/${token.id}`, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf } })).statusCode,
    ).toBe(204);
  });
});

describe('roles', () => {
  it('a viewer reads but cannot act: 403 naming the permission, the refusal audited, nothing changed', async () => {
    const { cookie, csrf } = await t.signIn('vic');
    expect((await t.app.inject({ method: 'GET', url: '/api/studies/OS-T1/cohort', headers: { cookie } })).statusCode).toBe(200);
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/studies/OS-T1/patients/P-001/timepoints/baseline/override',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { reason: 'looks fine to me' },
    });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: "permission 'studies.act' is needed (your roles: viewer)",
      permission: 'studies.act',
    });
    expect(t.timelines.views.get('P-001')!.timepoints[0].qc!.override).toBeUndefined();
    const [entry] = await t.accessStore.listAudit({ actor: 'vic', action: 'qc.override' });
    expect(entry).toMatchObject({ outcome: 'refused', target: 'OS-T1/P-001/baseline', detail: { permission: 'studies.act' } });
  });

  it('a coordinator cannot manage users or request promotions', async () => {
    const { cookie, csrf } = await t.signIn('cora');
    expect((await t.app.inject({ method: 'GET', url: '/api/users', headers: { cookie } })).json()).toMatchObject({
      statusCode: 403,
      permission: 'users.manage',
    });
    const p = await t.app.inject({
      method: 'POST',
      url: '/api/models/resp/promotion',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { studyId: 'OS-T1', reason: 'try it' },
    });
    expect(p.json()).toMatchObject({ statusCode: 403, permission: 'promotions.request' });
  });
});

describe('users (admin)', () => {
  it('adds a user, refuses a taken name, a short password and an unknown role, changes roles', async () => {
    const { cookie, csrf } = await t.signIn('adam');
    const h = { cookie, 'x-csrf-token': csrf };
    const add = (payload: object) => t.app.inject({ method: 'POST', url: '/api/users', headers: h, payload });
    const added = await add({ username: 'appy', password: 'a-long-enough-pw', roles: ['approver'] });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ username: 'appy', roles: ['approver'], disabled: false });
    expect(added.body).not.toMatch(/password|scrypt/);
    expect((await add({ username: 'appy', password: 'a-long-enough-pw', roles: ['viewer'] })).json()).toMatchObject({
      statusCode: 409,
      message: "user 'appy' exists already",
    });
    expect((await add({ username: 'shorty', password: 'short', roles: ['viewer'] })).json()).toMatchObject({
      statusCode: 400,
      field: 'password',
      message: 'password must have at least 12 characters',
    });
    const badRole = await add({ username: 'rolf', password: 'a-long-enough-pw', roles: ['superuser'] });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json().message).toMatch(/roles\/0 must be equal to one of the allowed values/);
    expect(await t.accessStore.getUser('rolf')).toBeUndefined();
    const changed = await t.app.inject({ method: 'PATCH', url: '/api/users/appy', headers: h, payload: { roles: ['approver', 'viewer'] } });
    expect(changed.json().roles).toEqual(['approver', 'viewer']);
    const self = await t.app.inject({ method: 'PATCH', url: '/api/users/adam', headers: h, payload: { disabled: true } });
    expect(self.json()).toMatchObject({ statusCode: 400, field: 'disabled' });
    const actions = (await t.accessStore.listAudit({ actor: 'adam', action: 'user.' })).map((e) => `${e.action} ${e.target}`);
    expect(actions).toEqual(['user.update user:appy', 'user.create user:appy']);
  });
});
