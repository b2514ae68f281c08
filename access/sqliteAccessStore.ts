// The embedded access store: one SQLite file (better-sqlite3, WAL), migrated on open. The audit table refuses UPDATE
// and DELETE through triggers, so the trail is append-only even to someone with the file.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { AuditEntry } from '../contracts/console';
import { ACCESS_MIGRATIONS, type AccessMigration } from './migrations';
import { auditOf, likePrefix, sessionOf, tokenOf, userOf, type AuditRow, type SessionRow, type TokenRow, type UserRow } from './rows';
import { AccessConflictError, type AccessStore, type AuditAppend, type AuditFilter, type SessionRecord, type TokenRecord, type UserRecord } from './types';

export class SqliteAccessStore implements AccessStore {
  private readonly db: Database.Database;

  constructor(
    readonly file: string,
    migrations: readonly AccessMigration[] = ACCESS_MIGRATIONS,
  ) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.transaction(() => this.applyPending(migrations)).immediate();
  }

  private applyPending(migrations: readonly AccessMigration[]): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
    const newest = Math.max(0, ...applied);
    const known = Math.max(0, ...migrations.map((m) => m.version));
    if (newest > known) {
      throw new Error(`access store ${this.file}: schema version ${newest} is newer than this osteoflow knows (${known}); upgrade osteoflow instead`);
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      this.db.exec(migration.sql);
      this.db
        .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(migration.version, migration.name, new Date().toISOString());
    }
  }

  async createUser(u: UserRecord): Promise<void> {
    try {
      this.db
        .prepare('INSERT INTO users (username, password_hash, roles, disabled, created_at, oidc_issuer, oidc_subject) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(u.username, u.passwordHash, JSON.stringify(u.roles), u.disabled ? 1 : 0, u.createdAt, u.external?.issuer ?? null, u.external?.subject ?? null);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new AccessConflictError(`user '${u.username}' exists already`);
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' && u.external)
        throw new AccessConflictError(`subject '${u.external.subject}' of ${u.external.issuer} has a user already`);
      throw err;
    }
  }

  async getUserByExternal(issuer: string, subject: string): Promise<UserRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM users WHERE oidc_issuer = ? AND oidc_subject = ?').get(issuer, subject) as UserRow | undefined;
    return row && userOf(row);
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return row && userOf(row);
  }

  async listUsers(): Promise<UserRecord[]> {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map(userOf);
  }

  async updateUser(username: string, change: Partial<Pick<UserRecord, 'passwordHash' | 'roles' | 'disabled'>>): Promise<UserRecord | undefined> {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
        if (!row) return undefined;
        const next = { ...userOf(row), ...change };
        this.db
          .prepare('UPDATE users SET password_hash = ?, roles = ?, disabled = ? WHERE username = ?')
          .run(next.passwordHash, JSON.stringify(next.roles), next.disabled ? 1 : 0, username);
        return next;
      })
      .immediate();
  }

  async createSession(s: SessionRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO sessions (id_hash, username, csrf_token, created_at, last_seen_at, absolute_expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(s.idHash, s.username, s.csrfToken, s.createdAt, s.lastSeenAt, s.absoluteExpiresAt);
  }

  async getSession(idHash: string): Promise<SessionRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id_hash = ?').get(idHash) as SessionRow | undefined;
    return row && sessionOf(row);
  }

  async touchSession(idHash: string, lastSeenAt: string): Promise<void> {
    this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(lastSeenAt, idHash);
  }

  async deleteSession(idHash: string): Promise<void> {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
  }

  async deleteSessionsOf(username: string): Promise<void> {
    this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
  }

  async pruneSessions(idleBefore: string, now: string): Promise<number> {
    return this.db.prepare('DELETE FROM sessions WHERE last_seen_at < ? OR absolute_expires_at <= ?').run(idleBefore, now).changes;
  }

  async createToken(t: TokenRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO api_tokens (id, username, name, secret_hash, created_at, expires_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(t.id, t.username, t.name, t.secretHash, t.createdAt, t.expiresAt, t.lastUsedAt, t.revokedAt);
  }

  async getTokenBySecretHash(secretHash: string): Promise<TokenRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE secret_hash = ?').get(secretHash) as TokenRow | undefined;
    return row && tokenOf(row);
  }

  async getToken(id: string): Promise<TokenRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as TokenRow | undefined;
    return row && tokenOf(row);
  }

  async listTokens(username?: string): Promise<TokenRecord[]> {
    const rows = username
      ? this.db.prepare('SELECT * FROM api_tokens WHERE username = ? ORDER BY created_at, id').all(username)
      : this.db.prepare('SELECT * FROM api_tokens ORDER BY username, created_at, id').all();
    return (rows as TokenRow[]).map(tokenOf);
  }

  async revokeToken(id: string, at: string): Promise<void> {
    this.db.prepare('UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(at, id);
  }

  async touchToken(id: string, at: string): Promise<void> {
    this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id);
  }

  async appendAudit(e: AuditAppend): Promise<AuditEntry> {
    const at = e.at ?? new Date().toISOString();
    const detail = e.detail ? JSON.stringify(e.detail) : null;
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO audit_log (at, actor, action, target, reason, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(at, e.actor, e.action, e.target, e.reason ?? null, e.outcome, detail);
    return auditOf(this.db.prepare('SELECT * FROM audit_log WHERE id = ?').get(Number(lastInsertRowid)) as AuditRow);
  }

  async listAudit(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      args.push(value);
    };
    if (filter.actor !== undefined) add('actor = ?', filter.actor);
    for (const key of ['action', 'target'] as const) {
      const value = filter[key];
      if (value === undefined) continue;
      // A value ending in a separator is a prefix: every action of a kind, every target of a study.
      if (/[./:]$/.test(value)) add(`${key} LIKE ? ESCAPE '\\'`, likePrefix(value));
      else add(`${key} = ?`, value);
    }
    if (filter.outcome !== undefined) add('outcome = ?', filter.outcome);
    if (filter.since !== undefined) add('at >= ?', filter.since);
    if (filter.until !== undefined) add('at <= ?', filter.until);
    if (filter.before !== undefined) add('id < ?', filter.before);
    const limit = Math.max(1, Math.min(1000, filter.limit ?? 100));
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as AuditRow[]).map(auditOf);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
