// Sign-in with the site's OpenID Connect provider, beside passwords: which methods there are, the redirect to the
// provider, and its callback. A successful callback opens the same session (cookie, CSRF token, idle and absolute
// expiry) and writes the same audit entry as a password sign-in; a refused one opens nothing and sends the browser to
// the sign-in page with the reason.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccessRefusedError, permissionsOf } from '../../../access';
import type { SignInMethods } from '../../../contracts/console';
import { readCookie, setSessionCookie } from '../cookies';
import { OidcRefusal } from '../oidc';
import { objectResponse, type ConsoleContext } from '../context';

/** The browser binding of a sign-in in progress: sent back only to the callback, also after the provider's redirect. */
const BINDING_COOKIE = 'osteoflow_oidc';
const CALLBACK = '/api/session/oidc/callback';

function bindingCookie(reply: FastifyReply, value: string | null, secure: boolean): void {
  // Lax, not Strict: the callback arrives as a top-level navigation from the provider's site.
  const parts = [`${BINDING_COOKIE}=${value ?? ''}`, `Path=${CALLBACK}`, 'HttpOnly', 'SameSite=Lax', value ? 'Max-Age=600' : 'Max-Age=0'];
  if (secure) parts.push('Secure');
  // Fastify appends a second set-cookie (the session's) to this one.
  reply.header('set-cookie', parts.join('; '));
}

export function oidcRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const secureOf = (request: FastifyRequest) => ctx.secureCookies === true || (ctx.secureCookies !== false && request.protocol === 'https');
  const toSignIn = (reply: FastifyReply, message: string) => reply.redirect(`/sign-in?error=${encodeURIComponent(message)}`, 302);

  app.get(
    '/api/session/methods',
    {
      config: { public: true },
      schema: {
        tags: ['session'],
        summary: 'the sign-in methods: password, and the identity provider when configured',
        response: { 200: objectResponse('SignInMethods') },
      },
    },
    async (): Promise<SignInMethods> => ({ password: true, oidc: ctx.oidc ? { label: ctx.oidc.label, start: '/api/session/oidc' } : null }),
  );

  if (!ctx.oidc) return;
  const oidc = ctx.oidc;

  app.get<{ Querystring: { next?: string } }>(
    '/api/session/oidc',
    {
      config: { public: true },
      schema: {
        tags: ['session'],
        summary: 'sign in with the identity provider: redirects there (authorization code with PKCE, state and nonce)',
        querystring: { type: 'object', properties: { next: { type: 'string', maxLength: 2000 } } },
      },
    },
    async (request, reply) => {
      try {
        const { url, binding } = await oidc.start(request.query.next);
        bindingCookie(reply, binding, secureOf(request));
        return reply.redirect(url, 302);
      } catch (err) {
        if (!(err instanceof OidcRefusal)) throw err;
        await ctx.access.store.appendAudit({
          actor: 'anonymous',
          action: 'session.login',
          target: 'session',
          outcome: 'failed',
          detail: { ip: request.ip, via: 'oidc', reason: err.message, ...err.audit },
        });
        return toSignIn(reply, err.message);
      }
    },
  );

  app.get(
    CALLBACK,
    { config: { public: true }, schema: { tags: ['session'], summary: "the identity provider's answer: opens the session and goes back to the console" } },
    async (request, reply) => {
      const secure = secureOf(request);
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      const binding = readCookie(request, BINDING_COOKIE);
      bindingCookie(reply, null, secure);
      try {
        const who = await oidc.finish(query, binding);
        const signed = await ctx.access.signInExternal(who);
        setSessionCookie(reply, signed.secret, { secure, expires: new Date(signed.session.absoluteExpiresAt) });
        request.identity = {
          username: signed.user.username,
          roles: signed.user.roles,
          permissions: permissionsOf(signed.user.roles),
          via: 'session',
          session: signed.session,
          idleExpiresAt: signed.idleExpiresAt,
        };
        await ctx.audit(request, {
          action: 'session.login',
          target: 'session',
          detail: {
            ip: request.ip,
            via: 'oidc',
            issuer: who.issuer,
            subject: who.subject,
            groups: who.groups,
            roles: who.roles,
            ...(signed.created ? { created: true } : {}),
          },
        });
        return reply.redirect(who.next, 302);
      } catch (err) {
        const refusal = err instanceof OidcRefusal ? err : err instanceof AccessRefusedError ? new OidcRefusal(err.message, { stage: 'user' }) : undefined;
        if (!refusal) throw err;
        await ctx.access.store.appendAudit({
          actor: 'anonymous',
          action: 'session.login',
          target: 'session',
          outcome: 'refused',
          detail: { ip: request.ip, via: 'oidc', reason: refusal.message, ...refusal.audit },
        });
        return toSignIn(reply, refusal.message);
      }
    },
  );
}
