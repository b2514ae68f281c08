// The access store's contract as tests, run against every backend (the unit project on SQLite, the integration
// project on a real PostgreSQL): users local and of an identity provider (one user per issuer and subject), roles and
// disabled state, sessions with both expiries, tokens kept by their hash and revoked once, and the audit trail —
// append-only even from a database prompt, filtered by actor, prefixes, outcome and time, paged newest first, and
// compared bytewise. Through AccessControl as the console uses it, and through the store's own methods.
import { AccessConflictError, AccessControl, type AccessStore } from '../../../../access';

export interface AccessBackend {
  name: string;
  /** A new, empty, migrated store of its own. */
  open(): Promise<AccessStore>;
  /** Runs one SQL statement on the store's database from another connection, as someone at a database prompt would. */
  sql(store: AccessStore, statement: string): Promise<unknown>;
  /** The audit table's name in this backend. */
  auditTable: string;
}

const FAST = { N: 2 ** 10, r: 8, p: 1 };

export function describeAccessContract(backend: AccessBackend): void {
  describe(`the access store on ${backend.name}`, () => {
    // Each test on a store of its own, opened and closed by it (scrypt and SQL are slow on a busy machine: 30 s each).
    const withStore = (name: string, body: (store: AccessStore) => Promise<void>) =>
      it(
        name,
        async () => {
          const store = await backend.open();
          try {
            await body(store);
          } finally {
            await store.close();
          }
        },
        30000,
      );

    withStore('keeps local users and users of an identity provider apart, one user per issuer and subject', async (store) => {
      const clock = { now: new Date('2026-05-01T08:00:00.000Z') };
      const access = new AccessControl(store, { scrypt: FAST, now: () => clock.now });
      await access.addUser('cora', 'cora-password-1', ['coordinator']);
      await expect(access.addUser('cora', 'other-password-1', ['viewer'])).rejects.toThrow(new AccessConflictError("user 'cora' exists already"));
      const ext = { issuer: 'https://idp.example.org', subject: 'sub-1' };
      const signed = await access.signInExternal({ ...ext, preferredName: 'cora', roles: ['approver'] });
      expect(signed.user.username).toMatch(/^cora-[0-9a-f]{8}$/);
      expect(await store.getUserByExternal(ext.issuer, ext.subject)).toMatchObject({ username: signed.user.username, roles: ['approver'], external: ext });
      expect(await store.getUserByExternal(ext.issuer, 'sub-2')).toBeUndefined();
      await expect(
        store.createUser({
          username: 'someone-else',
          passwordHash: '!external',
          roles: ['viewer'],
          disabled: false,
          createdAt: clock.now.toISOString(),
          external: ext,
        }),
      ).rejects.toThrow(new AccessConflictError(`subject 'sub-1' of https://idp.example.org has a user already`));
      // Bytewise order: upper case before lower case, as SQLite's BINARY collation.
      await access.addUser('Zed', 'zed-password-12', ['viewer']);
      expect((await store.listUsers()).map((u) => u.username)).toEqual(['Zed', 'cora', signed.user.username]);
      expect(await access.checkPassword('cora', 'cora-password-1')).toMatchObject({ username: 'cora', external: null });
      const updated = await access.updateUser('cora', { roles: ['viewer', 'coordinator'], disabled: true });
      expect(updated).toMatchObject({ roles: ['viewer', 'coordinator'], disabled: true });
      expect(await store.getUser('cora')).toMatchObject({ roles: ['viewer', 'coordinator'], disabled: true });
      expect(await store.updateUser('nobody', { disabled: true })).toBeUndefined();
    });

    withStore('ends sessions after 30 idle minutes or 12 hours, and when the user is disabled', async (store) => {
      const clock = { now: new Date('2026-05-01T08:00:00.000Z') };
      const access = new AccessControl(store, { scrypt: FAST, now: () => clock.now });
      await access.addUser('eng', 'eng-password-12', ['ml-engineer']);
      const first = (await access.signIn('eng', 'eng-password-12'))!;
      const second = (await access.signIn('eng', 'eng-password-12'))!;
      expect(await store.getSession(first.session.idHash)).toEqual(first.session);
      clock.now = new Date('2026-05-01T08:29:00.000Z');
      expect((await access.resolveSession(first.secret)).status).toBe('ok');
      clock.now = new Date('2026-05-01T09:00:00.000Z');
      expect(await access.resolveSession(second.secret)).toEqual({ status: 'expired', reason: 'idle' });
      clock.now = new Date('2026-05-01T20:00:01.000Z');
      expect(await access.resolveSession(first.secret)).toEqual({ status: 'expired', reason: 'absolute' });
      const third = (await access.signIn('eng', 'eng-password-12'))!;
      const stale = (await access.signIn('eng', 'eng-password-12'))!;
      await store.touchSession(third.session.idHash, '2026-05-01T20:00:01.000Z');
      expect(await store.pruneSessions('2026-05-01T20:00:00.500Z', '2026-05-01T20:00:01.000Z')).toBe(0);
      await store.touchSession(stale.session.idHash, '2026-05-01T19:00:00.000Z');
      expect(await store.pruneSessions('2026-05-01T19:30:00.000Z', '2026-05-01T20:00:01.000Z')).toBe(1);
      await access.updateUser('eng', { disabled: true });
      expect(await store.getSession(third.session.idHash)).toBeUndefined();
    });

    withStore('keeps tokens by their hash, revokes once, and lists them by user', async (store) => {
      const clock = { now: new Date('2026-05-01T08:00:00.000Z') };
      const access = new AccessControl(store, { scrypt: FAST, now: () => clock.now });
      await access.addUser('appy', 'appy-password-1', ['approver']);
      await access.addUser('cora', 'cora-password-1', ['coordinator']);
      const a = await access.createToken('appy', 'laptop', 30);
      const b = await access.createToken('cora', 'cli');
      expect(await store.getTokenBySecretHash(a.secret)).toBeUndefined();
      expect((await access.resolveToken(a.secret)).status).toBe('ok');
      expect((await store.getToken(a.token.id))?.lastUsedAt).toBe('2026-05-01T08:00:00.000Z');
      await access.revokeToken(a.token.id);
      clock.now = new Date('2026-05-02T08:00:00.000Z');
      await access.revokeToken(a.token.id);
      expect((await store.getToken(a.token.id))?.revokedAt).toBe('2026-05-01T08:00:00.000Z');
      expect((await access.resolveToken(a.secret)).status).toBe('revoked');
      expect((await store.listTokens('cora')).map((t) => t.id)).toEqual([b.token.id]);
      expect((await store.listTokens()).map((t) => t.username)).toEqual(['appy', 'cora']);
    });

    withStore('keeps the audit trail append-only and filters it', async (store) => {
      const add = (actor: string, action: string, target: string, at: string, outcome: 'ok' | 'refused' = 'ok') =>
        store.appendAudit({ actor, action, target, outcome, at, reason: null, detail: { n: 1 } });
      const first = await add('cora', 'qc.override', 'S1/P-1/baseline', '2026-01-01T00:00:00.000Z');
      expect(first).toEqual({
        id: first.id,
        at: '2026-01-01T00:00:00.000Z',
        actor: 'cora',
        action: 'qc.override',
        target: 'S1/P-1/baseline',
        reason: null,
        outcome: 'ok',
        detail: { n: 1 },
      });
      await add('cora', 'scan.register', 'S1/P-2/mid', '2026-01-02T00:00:00.000Z');
      await add('vic', 'qc.override', 'S2/P-1/baseline', '2026-01-03T00:00:00.000Z', 'refused');
      await add('cora', 'promotion.request', 'model:m', '2026-01-04T00:00:00.000Z');
      await add('cora', 'qcXoverride', 'S1_P-1', '2026-01-05T00:00:00.000Z');
      const ids = async (f: Parameters<AccessStore['listAudit']>[0]) => (await store.listAudit(f)).map((e) => e.id - first.id + 1);
      expect(await ids({})).toEqual([5, 4, 3, 2, 1]);
      expect(await ids({ actor: 'cora', action: 'qc.' })).toEqual([1]);
      expect(await ids({ target: 'S1/' })).toEqual([2, 1]);
      expect(await ids({ outcome: 'refused' })).toEqual([3]);
      expect(await ids({ since: '2026-01-02T00:00:00.000Z', until: '2026-01-03T00:00:00.000Z' })).toEqual([3, 2]);
      expect(await ids({ before: first.id + 3, limit: 2 })).toEqual([3, 2]);
      await expect(backend.sql(store, `UPDATE ${backend.auditTable} SET actor = 'mallory'`)).rejects.toThrow(/append-only: an entry is never changed/);
      await expect(backend.sql(store, `DELETE FROM ${backend.auditTable}`)).rejects.toThrow(/append-only: an entry is never deleted/);
      expect(await ids({})).toHaveLength(5);
    });
  });
}
