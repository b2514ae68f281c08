// Schema migrations of the SQLite access store, applied in order and recorded in schema_migrations, all pending ones
// in one transaction. Never edit a released migration: add the next one.
export interface AccessMigration {
  version: number;
  name: string;
  sql: string;
}

export const ACCESS_MIGRATIONS: readonly AccessMigration[] = [
  {
    version: 1,
    name: 'users, sessions, tokens, audit trail',
    sql: `
      CREATE TABLE users (
        username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, roles TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users (username), csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, absolute_expires_at TEXT NOT NULL);
      CREATE INDEX sessions_by_user ON sessions (username);
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users (username), name TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, expires_at TEXT, last_used_at TEXT, revoked_at TEXT);
      CREATE INDEX tokens_by_user ON api_tokens (username);
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        target TEXT NOT NULL, reason TEXT, outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')), detail TEXT);
      CREATE INDEX audit_by_actor ON audit_log (actor, id);
      CREATE INDEX audit_by_target ON audit_log (target, id);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry is never changed'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry is never deleted'); END;
    `,
  },
  {
    version: 2,
    name: 'users of an OpenID Connect provider',
    sql: `
      ALTER TABLE users ADD COLUMN oidc_issuer TEXT;
      ALTER TABLE users ADD COLUMN oidc_subject TEXT;
      CREATE UNIQUE INDEX users_by_oidc ON users (oidc_issuer, oidc_subject) WHERE oidc_issuer IS NOT NULL;
    `,
  },
];
