// Access control over an AccessStore: users (validated names, scrypt passwords, roles), sign-in with sessions that end
// 30 minutes after the last request or 12 hours after sign-in, API tokens for the CLI, and the four-eyes rule. Secrets
// (session ids, tokens) leave only once, to their holder; the store keeps their SHA-256.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '../contracts/console';
import { DEFAULT_SCRYPT, hashPassword, passwordProblem, verifyPassword, type ScryptParams } from './passwords';
import { isRole } from './roles';
import { AccessConflictError, type AccessStore, type ExternalIdentity, type SessionRecord, type TokenRecord, type UserRecord } from './types';

export const IDLE_TIMEOUT_MS = 30 * 60 * 1000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/;
const TOKEN_PREFIX = 'oft_';
/** The password hash of a user of an identity provider: not an scrypt hash, so no password signs them in locally. */
export const EXTERNAL_PASSWORD = '!external';

export interface AccessOptions {
  idleTimeoutMs?: number;
  absoluteTimeoutMs?: number;
  scrypt?: ScryptParams;
  now?: () => Date;
}

/** A request the store refuses for its content (a bad name, a short password, an unknown role): the message says why. */
export class AccessInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'AccessInputError';
  }
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const secret = (bytes = 32) => randomBytes(bytes).toString('base64url');

export type SessionLookup =
  { status: 'ok'; user: UserRecord; session: SessionRecord; idleExpiresAt: string } | { status: 'expired'; reason: 'idle' | 'absolute' } | { status: 'none' };

export interface SignedIn {
  secret: string;
  session: SessionRecord;
  user: UserRecord;
  idleExpiresAt: string;
}

/** An identity provider's verified answer: who (issuer + subject), a name to show, and the roles its groups map to. */
export interface ExternalSignIn extends ExternalIdentity {
  /** preferred_username, else email, else the subject: the wish for the local user name. */
  preferredName?: string;
  roles: Role[];
}

/** A sign-in refused for the user's own state (disabled): the message says why, nothing was opened. */
export class AccessRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccessRefusedError';
  }
}

/** A local user name from an identity provider's name: invalid characters become '-', at most 64 characters. */
function nameFrom(wish: string | undefined): string | null {
  const cleaned = (wish ?? '')
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 55);
  return USERNAME.test(cleaned) ? cleaned : null;
}

export type TokenLookup = { status: 'ok'; user: UserRecord; token: TokenRecord } | { status: 'none' | 'expired' | 'revoked' };

export function usernameProblem(username: unknown): string | null {
  if (typeof username !== 'string' || !USERNAME.test(username))
    return "username must be 2–64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit";
  return null;
}

export function rolesProblem(roles: unknown): string | null {
  if (!Array.isArray(roles) || roles.length === 0) return 'roles must be a non-empty list';
  const bad = roles.find((r) => !isRole(r));
  return bad === undefined ? null : `unknown role ${JSON.stringify(bad)}`;
}

export class AccessControl {
  private readonly idleMs: number;
  private readonly absoluteMs: number;
  private readonly scrypt: ScryptParams;
  private readonly now: () => Date;
  private dummyHash?: Promise<string>;

  constructor(
    readonly store: AccessStore,
    options: AccessOptions = {},
  ) {
    this.idleMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    this.absoluteMs = options.absoluteTimeoutMs ?? ABSOLUTE_TIMEOUT_MS;
    this.scrypt = options.scrypt ?? DEFAULT_SCRYPT;
    this.now = options.now ?? (() => new Date());
  }

  async addUser(username: string, password: string, roles: Role[]): Promise<UserRecord> {
    const problem = usernameProblem(username);
    if (problem) throw new AccessInputError(problem, 'username');
    const weak = passwordProblem(password);
    if (weak) throw new AccessInputError(weak, 'password');
    const badRoles = rolesProblem(roles);
    if (badRoles) throw new AccessInputError(badRoles, 'roles');
    if (await this.store.getUser(username)) throw new AccessConflictError(`user '${username}' exists already`);
    const record: UserRecord = {
      username,
      passwordHash: await hashPassword(password, this.scrypt),
      roles: [...new Set(roles)],
      disabled: false,
      createdAt: this.now().toISOString(),
    };
    await this.store.createUser(record);
    return record;
  }

  /** Changes roles, disabled state or password; disabling or a new password ends the user's sessions. */
  async updateUser(username: string, change: { roles?: Role[]; disabled?: boolean; password?: string }): Promise<UserRecord | undefined> {
    if (change.roles !== undefined) {
      const badRoles = rolesProblem(change.roles);
      if (badRoles) throw new AccessInputError(badRoles, 'roles');
    }
    if (change.password !== undefined) {
      const weak = passwordProblem(change.password);
      if (weak) throw new AccessInputError(weak, 'password');
    }
    const updated = await this.store.updateUser(username, {
      ...(change.roles ? { roles: [...new Set(change.roles)] } : {}),
      ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
      ...(change.password !== undefined ? { passwordHash: await hashPassword(change.password, this.scrypt) } : {}),
    });
    if (updated && (change.disabled || change.password !== undefined)) await this.store.deleteSessionsOf(username);
    return updated;
  }

  /**
   * The user when name and password match an enabled user, else null. An unknown or disabled name costs the same
   * hash as a wrong password, so the answer's time does not tell which it was.
   */
  async checkPassword(username: string, password: string): Promise<UserRecord | null> {
    const user = typeof username === 'string' && USERNAME.test(username) ? await this.store.getUser(username) : undefined;
    this.dummyHash ??= hashPassword(secret(), this.scrypt);
    // An identity provider's user has no local password: checked against the dummy too, so the time is the same.
    const local = user && user.passwordHash !== EXTERNAL_PASSWORD ? user.passwordHash : undefined;
    const matches = await verifyPassword(password, local ?? (await this.dummyHash));
    if (!local) return null;
    return user && matches && !user.disabled ? user : null;
  }

  /** Signs in: the session secret (for the cookie, never stored) and its record, or null. */
  async signIn(username: string, password: string): Promise<SignedIn | null> {
    const user = await this.checkPassword(username, password);
    if (!user) return null;
    return this.openSession(user);
  }

  /**
   * Signs in a user an identity provider vouched for: the local user of that (issuer, subject), created at the first
   * sign-in, with the roles the provider's groups map to now (the provider is where roles are managed, so they are
   * replaced at every sign-in). The user name is the provider's preferred name when it is free, else that name with a
   * short hash of issuer and subject: a provider's user never takes over a local user of the same name. A user an
   * administrator disabled stays refused.
   */
  async signInExternal(who: ExternalSignIn): Promise<SignedIn & { created: boolean }> {
    const badRoles = rolesProblem(who.roles);
    if (badRoles) throw new AccessInputError(badRoles, 'roles');
    if (!who.issuer || !who.subject) throw new AccessInputError('an identity provider user needs an issuer and a subject', 'subject');
    const roles = [...new Set(who.roles)];
    let user = await this.store.getUserByExternal(who.issuer, who.subject);
    let created = false;
    if (user) {
      if (user.disabled) throw new AccessRefusedError(`user '${user.username}' is disabled; ask an administrator`);
      if (user.roles.join(',') !== roles.join(',')) user = (await this.store.updateUser(user.username, { roles })) ?? user;
    } else {
      const suffix = sha256(`${who.issuer}|${who.subject}`).slice(0, 8);
      const base = nameFrom(who.preferredName) ?? nameFrom(who.subject) ?? 'oidc';
      const candidates = [base, `${base}-${suffix}`];
      for (const username of candidates) {
        if (await this.store.getUser(username)) continue;
        user = {
          username,
          passwordHash: EXTERNAL_PASSWORD,
          roles,
          disabled: false,
          createdAt: this.now().toISOString(),
          external: { issuer: who.issuer, subject: who.subject },
        };
        try {
          await this.store.createUser(user);
        } catch (err) {
          // Another sign-in of the same person at the same moment created it: use that one.
          if (!(err instanceof AccessConflictError)) throw err;
          user = await this.store.getUserByExternal(who.issuer, who.subject);
          if (!user) continue;
          return { ...(await this.openSession(user)), created: false };
        }
        created = true;
        break;
      }
      if (!user) throw new AccessConflictError(`no free user name for '${who.preferredName ?? who.subject}' (tried ${candidates.join(', ')})`);
    }
    return { ...(await this.openSession(user)), created };
  }

  private async openSession(user: UserRecord): Promise<SignedIn> {
    const now = this.now();
    const id = secret();
    const session: SessionRecord = {
      idHash: sha256(id),
      username: user.username,
      csrfToken: secret(24),
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      absoluteExpiresAt: new Date(now.getTime() + this.absoluteMs).toISOString(),
    };
    await this.store.createSession(session);
    return { secret: id, session, user, idleExpiresAt: new Date(now.getTime() + this.idleMs).toISOString() };
  }

  /** Looks up the session of a cookie's secret and, when valid, counts this request as activity. */
  async resolveSession(id: string): Promise<SessionLookup> {
    const session = await this.store.getSession(sha256(id));
    if (!session) return { status: 'none' };
    const now = this.now();
    const idleEnds = Date.parse(session.lastSeenAt) + this.idleMs;
    if (now.getTime() >= Date.parse(session.absoluteExpiresAt) || now.getTime() >= idleEnds) {
      await this.store.deleteSession(session.idHash);
      return { status: 'expired', reason: now.getTime() >= Date.parse(session.absoluteExpiresAt) ? 'absolute' : 'idle' };
    }
    const user = await this.store.getUser(session.username);
    if (!user || user.disabled) return { status: 'none' };
    await this.store.touchSession(session.idHash, now.toISOString());
    return { status: 'ok', user, session: { ...session, lastSeenAt: now.toISOString() }, idleExpiresAt: new Date(now.getTime() + this.idleMs).toISOString() };
  }

  /** Whether a session is still valid, without counting this as activity (a long-lived stream checks it). */
  async sessionAlive(idHash: string): Promise<boolean> {
    const session = await this.store.getSession(idHash);
    if (!session) return false;
    const now = this.now().getTime();
    if (now >= Date.parse(session.absoluteExpiresAt) || now >= Date.parse(session.lastSeenAt) + this.idleMs) return false;
    const user = await this.store.getUser(session.username);
    return Boolean(user && !user.disabled);
  }

  async signOut(id: string): Promise<void> {
    await this.store.deleteSession(sha256(id));
  }

  /** A new API token of the user: the secret is returned this once (`oft_…`), only its hash is kept. */
  async createToken(username: string, name: string, expiresInDays?: number): Promise<{ secret: string; token: TokenRecord }> {
    const label = typeof name === 'string' ? name.trim() : '';
    if (label.length < 1 || label.length > 100) throw new AccessInputError('name must be 1–100 characters', 'name');
    if (expiresInDays !== undefined && (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > 365))
      throw new AccessInputError('expiresInDays must be an integer from 1 to 365', 'expiresInDays');
    const now = this.now();
    const value = `${TOKEN_PREFIX}${secret()}`;
    const token: TokenRecord = {
      id: randomUUID(),
      username,
      name: label,
      secretHash: sha256(value),
      createdAt: now.toISOString(),
      expiresAt: expiresInDays ? new Date(now.getTime() + expiresInDays * 86400000).toISOString() : null,
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.store.createToken(token);
    return { secret: value, token };
  }

  async resolveToken(value: string): Promise<TokenLookup> {
    if (!value.startsWith(TOKEN_PREFIX)) return { status: 'none' };
    const token = await this.store.getTokenBySecretHash(sha256(value));
    if (!token) return { status: 'none' };
    if (token.revokedAt) return { status: 'revoked' };
    const now = this.now();
    if (token.expiresAt && now.getTime() >= Date.parse(token.expiresAt)) return { status: 'expired' };
    const user = await this.store.getUser(token.username);
    if (!user || user.disabled) return { status: 'none' };
    await this.store.touchToken(token.id, now.toISOString());
    return { status: 'ok', user, token: { ...token, lastUsedAt: now.toISOString() } };
  }

  async revokeToken(id: string): Promise<void> {
    await this.store.revokeToken(id, this.now().toISOString());
  }
}

/**
 * The four-eyes rule of promotions: whoever requested the promotion or trained the candidate may not approve or
 * reject it. Returns the refusal's message, or null when the decider is someone else.
 */
export function fourEyesRefusal(decider: string, involved: { requestedBy?: string | null; trainedBy?: string | null }): string | null {
  if (involved.requestedBy && involved.requestedBy === decider)
    return `four eyes: ${decider} requested this promotion and cannot decide on it; another approver must`;
  if (involved.trainedBy && involved.trainedBy === decider)
    return `four eyes: ${decider} trained the candidate and cannot decide on its promotion; another approver must`;
  return null;
}
