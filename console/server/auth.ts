// Who is asking, and may they: resolves the caller from an API token (Authorization: Bearer) or the session cookie,
// checks the CSRF header on unsafe methods with cookie authentication, and the route's permission. Runs before body
// parsing and validation, so an anonymous caller learns nothing about a route's input.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_HEADER, type Permission, type Role, type SessionInfo } from '../../contracts/console';
import { permissionsOf, type AccessControl, type SessionRecord } from '../../access';
import { clearSessionCookie, readCookie } from './cookies';
import { HttpError } from './errors';

export interface Identity {
  username: string;
  roles: Role[];
  permissions: Permission[];
  via: 'session' | 'token';
  session?: SessionRecord;
  idleExpiresAt?: string;
  tokenId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    identity?: Identity;
  }
  interface FastifyContextConfig {
    /** No sign-in needed. */
    public?: boolean;
    /** The permission the route needs (signed in is enough when absent). */
    permission?: Permission;
    /** The audit action of the route: a refusal for lack of permission is recorded under it. */
    audit?: string;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const EXPIRED_MESSAGE = {
  idle: 'your session expired after 30 minutes without activity; sign in again',
  absolute: 'your session expired 12 hours after sign-in; sign in again',
} as const;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function sessionInfo(identity: Identity): SessionInfo {
  return {
    username: identity.username,
    roles: identity.roles,
    permissions: identity.permissions,
    via: identity.via,
    ...(identity.session
      ? { csrfToken: identity.session.csrfToken, idleExpiresAt: identity.idleExpiresAt, absoluteExpiresAt: identity.session.absoluteExpiresAt }
      : {}),
  };
}

/** The caller, or an HttpError 401 saying why not (no credentials, a bad token, an expired session). */
export async function identify(access: AccessControl, request: FastifyRequest, reply: FastifyReply): Promise<Identity> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new HttpError(401, "the Authorization header must be 'Bearer <api token>'");
    const found = await access.resolveToken(match[1]);
    if (found.status !== 'ok') throw new HttpError(401, `the API token is ${found.status === 'none' ? 'not valid' : found.status}; create a new one`);
    return { username: found.user.username, roles: found.user.roles, permissions: permissionsOf(found.user.roles), via: 'token', tokenId: found.token.id };
  }
  const cookie = readCookie(request);
  if (!cookie) throw new HttpError(401, 'not signed in: sign in first (POST /api/session)');
  const found = await access.resolveSession(cookie);
  if (found.status === 'expired') {
    clearSessionCookie(reply);
    throw new HttpError(401, EXPIRED_MESSAGE[found.reason]);
  }
  if (found.status !== 'ok') {
    clearSessionCookie(reply);
    throw new HttpError(401, 'your session has ended; sign in again');
  }
  return {
    username: found.user.username,
    roles: found.user.roles,
    permissions: permissionsOf(found.user.roles),
    via: 'session',
    session: found.session,
    idleExpiresAt: found.idleExpiresAt,
  };
}

/** The CSRF rule: an unsafe method authenticated by the cookie carries the session's token in `x-csrf-token`. */
export function checkCsrf(request: FastifyRequest, identity: Identity): void {
  if (identity.via !== 'session' || !UNSAFE.has(request.method)) return;
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !sameSecret(sent, identity.session!.csrfToken))
    throw new HttpError(403, `missing or wrong ${CSRF_HEADER} header: send the csrfToken your sign-in returned (GET /api/session shows it)`);
}

export function needPermission(identity: Identity, permission: Permission): void {
  if (!identity.permissions.includes(permission))
    throw new HttpError(403, `permission '${permission}' is needed (your roles: ${identity.roles.join(', ') || 'none'})`, { permission });
}
