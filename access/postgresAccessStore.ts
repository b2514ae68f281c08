// The access store on PostgreSQL, for a site whose results store is there (OSTEOFLOW_STORE_URL): the same contract and
// semantics as the SQLite store, in tables of its own (access_*) beside the results store's. The audit table refuses
// UPDATE, DELETE and TRUNCATE through triggers, so the trail is append-only to every role but the one that can drop
// them. Text columns compare bytewise (COLLATE "C"), as SQLite's do. The schema is migrated lazily under a session
// advisory lock: the constructor cannot wait, so every method waits for `ready`.
import type { Pool, PoolClient } from 'pg';
import type { StoreConnection } from '../config';
import type { AuditEntry } from '../contracts/console';
import { inTransaction, migratedPool, whenReady, type PostgresMigration } from '../store/postgresSchema';
import { auditOf, likePrefix, sessionOf, tokenOf, userOf, type AuditRow, type SessionRow, type TokenRow, type UserRow } from './rows';
import { AccessConflictError, type AccessStore, type AuditAppend, type AuditFilter, type SessionRecord, type TokenRecord, type UserRecord } from './types';

export type PostgresAccessMigration = PostgresMigration;

export const POSTGRES_ACCESS_MIGRATIONS: readonly PostgresAccessMigration[] = [
  {
    version: 1,
    name: 'users (local and of an OpenID Connect provider), sessions, tokens, audit trail',
    sql: `
      CREATE TABLE access_users (
        username TEXT COLLATE "C" PRIMARY KEY, password_hash TEXT NOT NULL, roles TEXT NOT NULL,
        disabled BOOLEAN NOT NULL DEFAULT FALSE, created_at TEXT NOT NULL,
        oidc_issuer TEXT COLLATE "C", oidc_subject TEXT COLLATE "C");
      CREATE UNIQUE INDEX access_users_by_oidc ON access_users (oidc_issuer, oidc_subject) WHERE oidc_issuer IS NOT NULL;
      CREATE TABLE access_sessions (
        id_hash TEXT PRIMARY KEY, username TEXT COLLATE "C" NOT NULL REFERENCES access_users (username), csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, absolute_expires_at TEXT NOT NULL);
      CREATE INDEX access_sessions_by_user ON access_sessions (username);
      CREATE TABLE access_tokens (
        id TEXT COLLATE "C" PRIMARY KEY, username TEXT COLLATE "C" NOT NULL REFERENCES access_users (username), name TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE, created_at TEXT COLLATE "C" NOT NULL, expires_at TEXT, last_used_at TEXT, revoked_at TEXT);
      CREATE INDEX access_tokens_by_user ON access_tokens (username);
      CREATE TABLE access_audit (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at TEXT COLLATE "C" NOT NULL, actor TEXT COLLATE "C" NOT NULL,
        action TEXT COLLATE "C" NOT NULL, target TEXT COLLATE "C" NOT NULL, reason TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')), detail TEXT);
      CREATE INDEX access_audit_by_actor ON access_audit (actor, id);
      CREATE INDEX access_audit_by_target ON access_audit (target, id);
      CREATE FUNCTION access_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'access_audit is append-only: an entry is never %', CASE TG_OP WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END;
        END $$;
      CREATE TRIGGER access_audit_no_update BEFORE UPDATE ON access_audit FOR EACH ROW EXECUTE FUNCTION access_audit_append_only();
      CREATE TRIGGER access_audit_no_delete BEFORE DELETE ON access_audit FOR EACH ROW EXECUTE FUNCTION access_audit_append_only();
      CREATE TRIGGER access_audit_no_truncate BEFORE TRUNCATE ON access_audit FOR EACH STATEMENT EXECUTE FUNCTION access_audit_append_only();
    `,
  },
];

/** The session advisory lock held while migrating the access tables (the results store's key + 1). */
const MIGRATION_LOCK = '31370666169494640';

export class PostgresAccessStore implements AccessStore {
  private readonly pool: Pool;
  readonly ready: Promise<void>;

  constructor(
    readonly connection: StoreConnection,
    options: { max?: number; migrations?: readonly PostgresAccessMigration[] } = {},
  ) {
    // A console is one process with short requests: a few connections suffice.
    const { pool, ready } = migratedPool(connection, {
      max: options.max ?? 4,
      label: `access store ${connection.redacted}`,
      lock: MIGRATION_LOCK,
      table: 'access_schema_migrations',
      migrations: options.migrations ?? POSTGRES_ACCESS_MIGRATIONS,
    });
    this.pool = pool;
    this.ready = ready;
  }

  static async open(connection: StoreConnection): Promise<PostgresAccessStore> {
    const store = new PostgresAccessStore(connection);
    await whenReady(store.pool, store.ready);
    return store;
  }

  private async query<R extends object>(text: string, values: unknown[] = []) {
    await this.ready;
    return this.pool.query<R>(text, values);
  }

  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    await this.ready;
    return inTransaction(this.pool, fn);
  }

  async createUser(u: UserRecord): Promise<void> {
    try {
      await this.query(
        'INSERT INTO access_users (username, password_hash, roles, disabled, created_at, oidc_issuer, oidc_subject) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [u.username, u.passwordHash, JSON.stringify(u.roles), u.disabled, u.createdAt, u.external?.issuer ?? null, u.external?.subject ?? null],
      );
    } catch (err) {
      const { code, constraint } = err as { code?: string; constraint?: string };
      if (code === '23505' && constraint === 'access_users_by_oidc' && u.external)
        throw new AccessConflictError(`subject '${u.external.subject}' of ${u.external.issuer} has a user already`);
      if (code === '23505') throw new AccessConflictError(`user '${u.username}' exists already`);
      throw err;
    }
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    const row = (await this.query<UserRow>('SELECT * FROM access_users WHERE username = $1', [username])).rows[0];
    return row && userOf(row);
  }

  async getUserByExternal(issuer: string, subject: string): Promise<UserRecord | undefined> {
    const row = (await this.query<UserRow>('SELECT * FROM access_users WHERE oidc_issuer = $1 AND oidc_subject = $2', [issuer, subject])).rows[0];
    return row && userOf(row);
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.query<UserRow>('SELECT * FROM access_users ORDER BY username')).rows.map(userOf);
  }

  async updateUser(username: string, change: Partial<Pick<UserRecord, 'passwordHash' | 'roles' | 'disabled'>>): Promise<UserRecord | undefined> {
    return this.tx(async (c) => {
      const row = (await c.query<UserRow>('SELECT * FROM access_users WHERE username = $1 FOR UPDATE', [username])).rows[0];
      if (!row) return undefined;
      const next = { ...userOf(row), ...change };
      await c.query('UPDATE access_users SET password_hash = $1, roles = $2, disabled = $3 WHERE username = $4', [
        next.passwordHash,
        JSON.stringify(next.roles),
        next.disabled,
        username,
      ]);
      return next;
    });
  }

  async createSession(s: SessionRecord): Promise<void> {
    await this.query(
      'INSERT INTO access_sessions (id_hash, username, csrf_token, created_at, last_seen_at, absolute_expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [s.idHash, s.username, s.csrfToken, s.createdAt, s.lastSeenAt, s.absoluteExpiresAt],
    );
  }

  async getSession(idHash: string): Promise<SessionRecord | undefined> {
    const row = (await this.query<SessionRow>('SELECT * FROM access_sessions WHERE id_hash = $1', [idHash])).rows[0];
    return row && sessionOf(row);
  }

  async touchSession(idHash: string, lastSeenAt: string): Promise<void> {
    await this.query('UPDATE access_sessions SET last_seen_at = $1 WHERE id_hash = $2', [lastSeenAt, idHash]);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.query('DELETE FROM access_sessions WHERE id_hash = $1', [idHash]);
  }

  async deleteSessionsOf(username: string): Promise<void> {
    await this.query('DELETE FROM access_sessions WHERE username = $1', [username]);
  }

  async pruneSessions(idleBefore: string, now: string): Promise<number> {
    return (await this.query('DELETE FROM access_sessions WHERE last_seen_at < $1 OR absolute_expires_at <= $2', [idleBefore, now])).rowCount ?? 0;
  }

  async createToken(t: TokenRecord): Promise<void> {
    await this.query(
      'INSERT INTO access_tokens (id, username, name, secret_hash, created_at, expires_at, last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [t.id, t.username, t.name, t.secretHash, t.createdAt, t.expiresAt, t.lastUsedAt, t.revokedAt],
    );
  }

  async getTokenBySecretHash(secretHash: string): Promise<TokenRecord | undefined> {
    const row = (await this.query<TokenRow>('SELECT * FROM access_tokens WHERE secret_hash = $1', [secretHash])).rows[0];
    return row && tokenOf(row);
  }

  async getToken(id: string): Promise<TokenRecord | undefined> {
    const row = (await this.query<TokenRow>('SELECT * FROM access_tokens WHERE id = $1', [id])).rows[0];
    return row && tokenOf(row);
  }

  async listTokens(username?: string): Promise<TokenRecord[]> {
    const rows = username
      ? (await this.query<TokenRow>('SELECT * FROM access_tokens WHERE username = $1 ORDER BY created_at, id', [username])).rows
      : (await this.query<TokenRow>('SELECT * FROM access_tokens ORDER BY username, created_at, id')).rows;
    return rows.map(tokenOf);
  }

  async revokeToken(id: string, at: string): Promise<void> {
    await this.query('UPDATE access_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2', [at, id]);
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.query('UPDATE access_tokens SET last_used_at = $1 WHERE id = $2', [at, id]);
  }

  async appendAudit(e: AuditAppend): Promise<AuditEntry> {
    const at = e.at ?? new Date().toISOString();
    const detail = e.detail ? JSON.stringify(e.detail) : null;
    const row = (
      await this.query<AuditRow>(
        'INSERT INTO access_audit (at, actor, action, target, reason, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *',
        [at, e.actor, e.action, e.target, e.reason ?? null, e.outcome, detail],
      )
    ).rows[0];
    return auditOf(row);
  }

  async listAudit(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: (n: string) => string, value: unknown) => {
      args.push(value);
      where.push(clause(`$${args.length}`));
    };
    if (filter.actor !== undefined) add((n) => `actor = ${n}`, filter.actor);
    for (const key of ['action', 'target'] as const) {
      const value = filter[key];
      if (value === undefined) continue;
      // A value ending in a separator is a prefix: every action of a kind, every target of a study.
      if (/[./:]$/.test(value)) add((n) => `${key} LIKE ${n} ESCAPE '\\'`, likePrefix(value));
      else add((n) => `${key} = ${n}`, value);
    }
    if (filter.outcome !== undefined) add((n) => `outcome = ${n}`, filter.outcome);
    if (filter.since !== undefined) add((n) => `at >= ${n}`, filter.since);
    if (filter.until !== undefined) add((n) => `at <= ${n}`, filter.until);
    if (filter.before !== undefined) add((n) => `id < ${n}`, filter.before);
    const limit = Math.max(1, Math.min(1000, filter.limit ?? 100));
    const sql = `SELECT * FROM access_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`;
    return (await this.query<AuditRow>(sql, args)).rows.map(auditOf);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
