// Sign-in, the current session, sign-out. One message for an unknown user, a wrong password and a disabled user;
// attempts are rate-limited per IP and user name.
import type { FastifyInstance } from 'fastify';
import type { LoginRequest } from '../../../contracts/console';
import { permissionsOf } from '../../../access';
import { sessionInfo } from '../auth';
import { clearSessionCookie, readCookie, setSessionCookie } from '../cookies';
import { HttpError } from '../errors';
import { errorSchema, objectResponse, type ConsoleContext } from '../context';

export const LOGIN_FAILED = 'wrong username or password';

export function sessionRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const limit = ctx.loginRateLimit ?? { max: 5, timeWindowMs: 60000 };
  app.post<{ Body: LoginRequest }>(
    '/api/session',
    {
      config: {
        public: true,
        rateLimit: {
          max: limit.max,
          timeWindow: limit.timeWindowMs,
          hook: 'preHandler',
          // Per IP and user name: guessing one user's password is slowed, other users sign in meanwhile.
          keyGenerator: (req) => `${req.ip}|${String((req.body as Partial<LoginRequest> | undefined)?.username ?? '').toLowerCase()}`,
        },
      },
      schema: {
        tags: ['session'],
        summary: 'sign in: sets the session cookie and returns the CSRF token',
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 200 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
        },
        response: { 200: objectResponse('SessionInfo'), 401: errorSchema, 429: errorSchema },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const signed = await ctx.access.signIn(username, password);
      if (!signed) {
        // The name is not recorded: it may be a mistyped password, and recording it would tell which names exist.
        await ctx.access.store.appendAudit({ actor: 'anonymous', action: 'session.login', target: 'session', outcome: 'refused', detail: { ip: request.ip } });
        throw new HttpError(401, LOGIN_FAILED);
      }
      const secure = ctx.secureCookies === true || (ctx.secureCookies !== false && request.protocol === 'https');
      setSessionCookie(reply, signed.secret, { secure, expires: new Date(signed.session.absoluteExpiresAt) });
      request.identity = {
        username: signed.user.username,
        roles: signed.user.roles,
        permissions: permissionsOf(signed.user.roles),
        via: 'session',
        session: signed.session,
        idleExpiresAt: signed.idleExpiresAt,
      };
      await ctx.audit(request, { action: 'session.login', target: 'session', detail: { ip: request.ip } });
      return sessionInfo(request.identity);
    },
  );

  app.get(
    '/api/session',
    { schema: { tags: ['session'], summary: 'who is signed in, and the CSRF token', response: { 200: objectResponse('SessionInfo'), 401: errorSchema } } },
    async (request) => sessionInfo(request.identity!),
  );

  app.delete(
    '/api/session',
    { schema: { tags: ['session'], summary: 'sign out', response: { 204: { type: 'null' }, 401: errorSchema } } },
    async (request, reply) => {
      const cookie = readCookie(request);
      if (cookie && request.identity?.via === 'session') await ctx.access.signOut(cookie);
      clearSessionCookie(reply);
      await ctx.audit(request, { action: 'session.logout', target: 'session' });
      return reply.code(204).send();
    },
  );
}
