// The session cookie, read and written by hand: one cookie with fixed attributes needs no cookie library (and
// @fastify/cookie loads its parser through a dynamic ESM import that not every runtime of ours supports).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../../contracts/console';

/** The value of a cookie in the request's Cookie header, or undefined. */
export function readCookie(request: FastifyRequest, name: string = SESSION_COOKIE): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at < 0) continue;
    if (pair.slice(0, at).trim() !== name) continue;
    const value = pair.slice(at + 1).trim();
    try {
      return decodeURIComponent(value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export interface SessionCookieOptions {
  secure: boolean;
  expires?: Date;
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Path=/, Secure when asked. The value is base64url already. */
export function setSessionCookie(reply: FastifyReply, value: string, options: SessionCookieOptions): void {
  const parts = [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (options.expires) parts.push(`Expires=${options.expires.toUTCString()}`);
  if (options.secure) parts.push('Secure');
  reply.header('set-cookie', parts.join('; '));
}

export function clearSessionCookie(reply: FastifyReply, secure = false): void {
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0${secure ? '; Secure' : ''}`,
  );
}
