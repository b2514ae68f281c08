// The access store's contract: users, sessions, API tokens and the append-only audit trail, independent of the
// database behind it (SQLite embedded; a PostgreSQL implementation fills the same interface). Secrets are stored as
// hashes only; the audit trail names users and pseudonymised targets, never patient identity.
import type { AuditEntry, AuditOutcome, Role } from '../contracts/console';

/** A user signed in by an OpenID Connect provider: the provider's issuer and its subject identifier there. */
export interface ExternalIdentity {
  issuer: string;
  subject: string;
}

export interface UserRecord {
  username: string;
  /** An scrypt hash; EXTERNAL_PASSWORD for a user of an identity provider (no local password can match it). */
  passwordHash: string;
  roles: Role[];
  disabled: boolean;
  createdAt: string;
  /** Set for a user of an identity provider; absent or null for a local user. */
  external?: ExternalIdentity | null;
}

export interface SessionRecord {
  /** SHA-256 (hex) of the session secret held in the cookie. */
  idHash: string;
  username: string;
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
  absoluteExpiresAt: string;
}

export interface TokenRecord {
  id: string;
  username: string;
  name: string;
  /** SHA-256 (hex) of the token secret. */
  secretHash: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditAppend {
  at?: string;
  actor: string;
  action: string;
  target: string;
  reason?: string | null;
  outcome: AuditOutcome;
  detail?: Record<string, unknown> | null;
}

export interface AuditFilter {
  actor?: string;
  /** An action, or a prefix ending in '.' (e.g. 'promotion.'). */
  action?: string;
  /** A target, or a prefix ending in '/' or ':' (e.g. 'OS-2026/' for a study). */
  target?: string;
  outcome?: AuditOutcome;
  /** ISO times, inclusive. */
  since?: string;
  until?: string;
  /** Entries older than this id (paging, newest first). */
  before?: number;
  /** At most this many (default 100). */
  limit?: number;
}

export interface AccessStore {
  createUser(user: UserRecord): Promise<void>;
  getUser(username: string): Promise<UserRecord | undefined>;
  /** The user an identity provider's (issuer, subject) was first signed in as. */
  getUserByExternal(issuer: string, subject: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  updateUser(username: string, change: Partial<Pick<UserRecord, 'passwordHash' | 'roles' | 'disabled'>>): Promise<UserRecord | undefined>;

  createSession(session: SessionRecord): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | undefined>;
  touchSession(idHash: string, lastSeenAt: string): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Ends every session of the user (disabled, password changed). */
  deleteSessionsOf(username: string): Promise<void>;
  /** Removes sessions past either expiry; returns how many. */
  pruneSessions(idleBefore: string, now: string): Promise<number>;

  createToken(token: TokenRecord): Promise<void>;
  getTokenBySecretHash(secretHash: string): Promise<TokenRecord | undefined>;
  getToken(id: string): Promise<TokenRecord | undefined>;
  listTokens(username?: string): Promise<TokenRecord[]>;
  revokeToken(id: string, at: string): Promise<void>;
  touchToken(id: string, at: string): Promise<void>;

  /** Appends an entry (never changed or deleted afterwards) and returns it. */
  appendAudit(entry: AuditAppend): Promise<AuditEntry>;
  /** Newest first. */
  listAudit(filter?: AuditFilter): Promise<AuditEntry[]>;

  close(): Promise<void>;
}

export class AccessConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccessConflictError';
  }
}
