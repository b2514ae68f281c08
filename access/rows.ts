// The access tables' rows as both backends read them, and their mapping to the store's records: one schema, so one
// mapping (SQLite stores booleans as 0/1 and PostgreSQL returns BIGSERIAL ids as text; both are normalised here).
import type { AuditEntry, AuditOutcome, Role } from '../contracts/console';
import type { SessionRecord, TokenRecord, UserRecord } from './types';

export interface UserRow {
  username: string;
  password_hash: string;
  roles: string;
  disabled: number | boolean;
  created_at: string;
  oidc_issuer: string | null;
  oidc_subject: string | null;
}
export interface SessionRow {
  id_hash: string;
  username: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  absolute_expires_at: string;
}
export interface TokenRow {
  id: string;
  username: string;
  name: string;
  secret_hash: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}
export interface AuditRow {
  id: number | string;
  at: string;
  actor: string;
  action: string;
  target: string;
  reason: string | null;
  outcome: AuditOutcome;
  detail: string | null;
}

export const userOf = (r: UserRow): UserRecord => ({
  username: r.username,
  passwordHash: r.password_hash,
  roles: JSON.parse(r.roles) as Role[],
  disabled: r.disabled === true || r.disabled === 1,
  createdAt: r.created_at,
  external: r.oidc_issuer !== null && r.oidc_subject !== null ? { issuer: r.oidc_issuer, subject: r.oidc_subject } : null,
});
export const sessionOf = (r: SessionRow): SessionRecord => ({
  idHash: r.id_hash,
  username: r.username,
  csrfToken: r.csrf_token,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  absoluteExpiresAt: r.absolute_expires_at,
});
export const tokenOf = (r: TokenRow): TokenRecord => ({
  id: r.id,
  username: r.username,
  name: r.name,
  secretHash: r.secret_hash,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});
export const auditOf = (r: AuditRow): AuditEntry => ({
  id: Number(r.id),
  at: r.at,
  actor: r.actor,
  action: r.action,
  target: r.target,
  reason: r.reason,
  outcome: r.outcome,
  detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
});

/** A LIKE pattern matching `prefix…` literally (%, _ and \ escaped). */
export const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
