// The access library: the role table, scrypt hashes with their parameters, the SQLite store (append-only audit,
// migrations), sessions and tokens kept as hashes, the four-eyes rule, and a failed sign-in that takes as long for
// an unknown name as for a wrong password.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scryptSync } from 'node:crypto';
import Database from 'better-sqlite3';
import {
  AccessControl,
  fourEyesRefusal,
  hashPassword,
  hasPermission,
  parseRoles,
  permissionsOf,
  ROLE_PERMISSIONS,
  sha256,
  SqliteAccessStore,
  verifyPassword,
} from '../../../access';
import { PERMISSIONS, ROLES } from '../../../contracts/console';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'osteoflow-access-'));

describe('roles', () => {
  it('gives each role its work and reading; the admin everything', () => {
    expect(permissionsOf(['viewer'])).toEqual(['studies.read', 'models.read', 'audit.read']);
    expect(hasPermission(['coordinator'], 'studies.act')).toBe(true);
    expect(hasPermission(['coordinator'], 'promotions.decide')).toBe(false);
    expect(hasPermission(['ml-engineer'], 'promotions.request')).toBe(true);
    expect(hasPermission(['ml-engineer'], 'promotions.decide')).toBe(false);
    expect(hasPermission(['approver'], 'promotions.decide')).toBe(true);
    expect(hasPermission(['approver'], 'promotions.request')).toBe(false);
    expect(permissionsOf(['admin'])).toEqual([...PERMISSIONS]);
    expect(Object.keys(ROLE_PERMISSIONS).sort()).toEqual([...ROLES].sort());
    // Only the admin manages users and others' tokens.
    for (const role of ROLES.filter((r) => r !== 'admin')) expect(hasPermission([role], 'users.manage') || hasPermission([role], 'tokens.manage')).toBe(false);
  });

  it('parses a role list and names an unknown role', () => {
    expect(parseRoles('coordinator, approver,coordinator')).toEqual(['coordinator', 'approver']);
    expect(() => parseRoles('coordinator,root')).toThrow("unknown role 'root' (expected one or more of viewer, coordinator, ml-engineer, approver, admin)");
    expect(() => parseRoles(' , ')).toThrow(/^no role given/);
  });
});

describe('passwords', () => {
  it('stores scrypt with its parameters and a random salt; the key is scrypt of the password', async () => {
    const params = { N: 1024, r: 8, p: 1 };
    const a = await hashPassword('correct horse battery', params);
    const b = await hashPassword('correct horse battery', params);
    expect(a).not.toBe(b); // salted
    const [scheme, N, r, p, salt, key] = a.split('$');
    expect([scheme, N, r, p]).toEqual(['scrypt', '1024', '8', '1']);
    // Recomputed independently with node's synchronous scrypt.
    expect(scryptSync('correct horse battery', Buffer.from(salt, 'base64'), 32, { N: 1024, r: 8, p: 1 }).toString('base64')).toBe(key);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('x', 'plain-text-not-a-hash')).toBe(false);
  });
});

describe('the SQLite access store', () => {
  it('keeps the audit trail append-only, even to someone with the file', async () => {
    const file = path.join(tmp(), 'access.sqlite');
    const store = new SqliteAccessStore(file);
    const entry = await store.appendAudit({ actor: 'cora', action: 'qc.override', target: 'S/P-1/baseline', reason: 'fine', outcome: 'ok', detail: { x: 1 } });
    expect(entry).toMatchObject({ id: 1, actor: 'cora', detail: { x: 1 } });
    await store.close();
    const db = new Database(file);
    expect(() => db.prepare("UPDATE audit_log SET actor = 'mallory'").run()).toThrow('audit_log is append-only: an entry is never changed');
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow('audit_log is append-only: an entry is never deleted');
    expect((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version)).toEqual([1, 2]);
    db.close();
    // Reopening applies nothing twice.
    const again = new SqliteAccessStore(file);
    expect(await again.listAudit()).toHaveLength(1);
    await again.close();
  });

  it('filters the audit trail by actor, action prefix, target prefix, outcome, time, and pages newest first', async () => {
    const store = new SqliteAccessStore(':memory:');
    const add = (actor: string, action: string, target: string, at: string, outcome: 'ok' | 'refused' = 'ok') =>
      store.appendAudit({ actor, action, target, outcome, at });
    await add('cora', 'qc.override', 'S1/P-1/baseline', '2026-01-01T00:00:00.000Z');
    await add('cora', 'scan.register', 'S1/P-2/mid', '2026-01-02T00:00:00.000Z');
    await add('vic', 'qc.override', 'S2/P-1/baseline', '2026-01-03T00:00:00.000Z', 'refused');
    await add('cora', 'promotion.request', 'model:m', '2026-01-04T00:00:00.000Z');
    const ids = async (f: Parameters<typeof store.listAudit>[0]) => (await store.listAudit(f)).map((e) => e.id);
    expect(await ids({})).toEqual([4, 3, 2, 1]);
    expect(await ids({ actor: 'cora' })).toEqual([4, 2, 1]);
    expect(await ids({ action: 'qc.override' })).toEqual([3, 1]);
    expect(await ids({ action: 'qc.' })).toEqual([3, 1]);
    expect(await ids({ target: 'S1/' })).toEqual([2, 1]);
    expect(await ids({ target: 'S1' })).toEqual([]); // no separator at the end: exact
    expect(await ids({ outcome: 'refused' })).toEqual([3]);
    expect(await ids({ since: '2026-01-02T00:00:00.000Z', until: '2026-01-03T00:00:00.000Z' })).toEqual([3, 2]);
    expect(await ids({ limit: 2 })).toEqual([4, 3]);
    expect(await ids({ before: 3, limit: 2 })).toEqual([2, 1]);
    // A LIKE wildcard in a prefix is literal.
    expect(await ids({ target: 'S_/' })).toEqual([]);
    await store.close();
  });
});

describe('access control', () => {
  const params = { N: 1024, r: 8, p: 1 };

  it('keeps session ids and tokens as SHA-256 only', async () => {
    const store = new SqliteAccessStore(':memory:');
    const access = new AccessControl(store, { scrypt: params });
    await access.addUser('cora', 'cora-password-1', ['coordinator']);
    const signed = (await access.signIn('cora', 'cora-password-1'))!;
    expect(signed.session.idHash).toBe(sha256(signed.secret));
    expect(await store.getSession(signed.secret)).toBeUndefined();
    const { secret, token } = await access.createToken('cora', 'cli');
    expect(token.secretHash).toBe(sha256(secret));
    expect(JSON.stringify(await store.listTokens('cora'))).not.toContain(secret);
    await store.close();
  });

  it('refuses bad user names, short passwords and unknown roles, naming the field', async () => {
    const access = new AccessControl(new SqliteAccessStore(':memory:'), { scrypt: params });
    await expect(access.addUser('a b', 'long-enough-password', ['viewer'])).rejects.toMatchObject({ field: 'username' });
    await expect(access.addUser('ab', 'short', ['viewer'])).rejects.toMatchObject({ field: 'password', message: 'password must have at least 12 characters' });
    await expect(access.addUser('ab', 'long-enough-password', ['root' as 'viewer'])).rejects.toMatchObject({ field: 'roles', message: 'unknown role "root"' });
    await expect(access.addUser('ab', 'long-enough-password', [])).rejects.toMatchObject({ field: 'roles' });
    expect(await access.store.listUsers()).toEqual([]);
  });

  it('takes about as long for an unknown name as for a wrong password (a dummy hash is checked)', async () => {
    // Real cost parameters, so that the hash dominates the time of either answer.
    const access = new AccessControl(new SqliteAccessStore(':memory:'), { scrypt: { N: 2 ** 14, r: 8, p: 1 } });
    await access.addUser('cora', 'cora-password-1', ['coordinator']);
    const time = async (name: string) => {
      const started = process.hrtime.bigint();
      expect(await access.checkPassword(name, 'wrong-password-x')).toBeNull();
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await time('nobody'); // the dummy hash is made once, on first use
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      wrong.push(await time('cora'));
      unknown.push(await time('nobody'));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[3];
    // Without the dummy hash an unknown name answers in well under a millisecond, against ~20–80 ms for a hash.
    // Bounds loose enough for a machine busy with other work, tight enough to tell a hash from none.
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.3);
    expect(median(unknown)).toBeLessThan(median(wrong) * 3);
  });

  it('four eyes: neither the requester nor the trainer decides', () => {
    expect(fourEyesRefusal('eng', { requestedBy: 'eng', trainedBy: 'other' })).toBe(
      'four eyes: eng requested this promotion and cannot decide on it; another approver must',
    );
    expect(fourEyesRefusal('trainer', { requestedBy: 'eng', trainedBy: 'trainer' })).toMatch(/^four eyes: trainer trained the candidate/);
    expect(fourEyesRefusal('appy', { requestedBy: 'eng', trainedBy: 'trainer' })).toBeNull();
    expect(fourEyesRefusal('appy', { requestedBy: null, trainedBy: null })).toBeNull();
  });
});
