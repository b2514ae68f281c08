// The audit trail (filterable, newest first), users (admin: add, change roles, disable) and API tokens (anyone:
// their own; an admin: everyone's). A token's secret is returned once, when it is created.
import type { FastifyInstance } from 'fastify';
import {
  AUDIT_OUTCOMES,
  ROLES,
  type AuditOutcome,
  type CreateTokenRequest,
  type CreateUserRequest,
  type Role,
  type TokenInfo,
  type UpdateUserRequest,
  type UserInfo,
} from '../../../contracts/console';
import { AccessConflictError, AccessInputError, type TokenRecord, type UserRecord } from '../../../access';
import { badRequest, conflict, forbidden, HttpError, notFound } from '../errors';
import { errorSchema, objectResponse, type ConsoleContext, type Params } from '../context';

const userInfo = (u: UserRecord): UserInfo => ({ username: u.username, roles: u.roles, disabled: u.disabled, createdAt: u.createdAt });
const tokenInfo = (t: TokenRecord): TokenInfo => ({
  id: t.id,
  username: t.username,
  name: t.name,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  lastUsedAt: t.lastUsedAt,
  revokedAt: t.revokedAt,
});

const USERNAME = '^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$';
const rolesSchema = { type: 'array', minItems: 1, maxItems: ROLES.length, uniqueItems: true, items: { type: 'string', enum: [...ROLES] } } as const;
const usernameParams = { type: 'object', required: ['username'], properties: { username: { type: 'string', pattern: USERNAME } } } as const;

function accessError(err: unknown): never {
  if (err instanceof AccessInputError) throw badRequest(err.message, err.field);
  if (err instanceof AccessConflictError) throw conflict(err.message);
  throw err;
}

export function adminRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get<{
    Querystring: { actor?: string; action?: string; target?: string; outcome?: AuditOutcome; since?: string; until?: string; limit?: number; before?: number };
  }>(
    '/api/audit',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: "the audit trail, newest first; 'action' and 'target' ending in '.', '/' or ':' match as prefixes",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            actor: { type: 'string', maxLength: 64 },
            action: { type: 'string', maxLength: 64 },
            target: { type: 'string', maxLength: 300 },
            outcome: { type: 'string', enum: [...AUDIT_OUTCOMES] },
            since: { type: 'string', format: 'date-time' },
            until: { type: 'string', format: 'date-time' },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            before: { type: 'integer', minimum: 1 },
          },
        },
        response: { 200: objectResponse('AuditResponse'), 400: errorSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 100;
      const entries = await ctx.access.store.listAudit({
        ...q,
        since: q.since && new Date(q.since).toISOString(),
        until: q.until && new Date(q.until).toISOString(),
        limit,
      });
      return { entries, nextBefore: entries.length === limit ? entries[entries.length - 1].id : null };
    },
  );

  app.get(
    '/api/users',
    { config: { permission: 'users.manage' }, schema: { tags: ['users'], summary: 'every user', response: { 200: objectResponse('UsersResponse') } } },
    async () => ({ users: (await ctx.access.store.listUsers()).map(userInfo) }),
  );

  app.post<{ Body: CreateUserRequest }>(
    '/api/users',
    {
      config: { permission: 'users.manage', audit: 'user.create' },
      schema: {
        tags: ['users'],
        summary: 'add a user',
        body: {
          type: 'object',
          required: ['username', 'password', 'roles'],
          additionalProperties: false,
          properties: { username: { type: 'string', pattern: USERNAME }, password: { type: 'string', minLength: 1, maxLength: 1024 }, roles: rolesSchema },
        },
        response: { 201: objectResponse('UserInfo'), 400: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const { username, password, roles } = request.body;
      const user = await ctx.access.addUser(username, password, roles).catch(accessError);
      await ctx.audit(request, { action: 'user.create', target: `user:${username}`, detail: { roles } });
      return reply.code(201).send(userInfo(user));
    },
  );

  app.patch<{ Params: Params<'username'>; Body: UpdateUserRequest }>(
    '/api/users/:username',
    {
      config: { permission: 'users.manage', audit: 'user.update' },
      schema: {
        tags: ['users'],
        summary: "change a user's roles, disable or enable them, or set a new password (ends their sessions)",
        params: usernameParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { roles: rolesSchema, disabled: { type: 'boolean' }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
        },
        response: { 200: objectResponse('UserInfo'), 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const { username } = request.params;
      const change = request.body;
      const me = request.identity!.username;
      // An admin cannot lock themselves out by mistake; another admin can.
      if (username === me && (change.disabled === true || (change.roles && !change.roles.includes('admin'))))
        throw badRequest('you cannot disable yourself or remove your own admin role; ask another admin', change.disabled ? 'disabled' : 'roles');
      const user = await ctx.access.updateUser(username, change as { roles?: Role[]; disabled?: boolean; password?: string }).catch(accessError);
      if (!user) throw notFound(`no user '${username}'`);
      await ctx.audit(request, {
        action: 'user.update',
        target: `user:${username}`,
        detail: {
          ...(change.roles ? { roles: change.roles } : {}),
          ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
          ...(change.password !== undefined ? { password: 'changed' } : {}),
        },
      });
      return userInfo(user);
    },
  );

  app.get<{ Querystring: { username?: string } }>(
    '/api/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: "your API tokens (an admin: another user's with ?username=)",
        querystring: { type: 'object', additionalProperties: false, properties: { username: { type: 'string', pattern: USERNAME } } },
        response: { 200: objectResponse('TokensResponse'), 403: errorSchema },
      },
    },
    async (request) => {
      const me = request.identity!;
      const of = request.query.username ?? me.username;
      if (of !== me.username && !me.permissions.includes('tokens.manage'))
        throw new HttpError(403, "permission 'tokens.manage' is needed to see another user's tokens", { permission: 'tokens.manage' });
      return { tokens: (await ctx.access.store.listTokens(of)).map(tokenInfo) };
    },
  );

  app.post<{ Body: CreateTokenRequest }>(
    '/api/tokens',
    {
      config: { audit: 'token.create' },
      schema: {
        tags: ['tokens'],
        summary: 'create an API token for yourself (its secret is shown this once)',
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, expiresInDays: { type: 'integer', minimum: 1, maximum: 365 } },
        },
        response: { 201: objectResponse('CreatedToken'), 400: errorSchema },
      },
    },
    async (request, reply) => {
      const me = request.identity!.username;
      const { secret, token } = await ctx.access.createToken(me, request.body.name, request.body.expiresInDays).catch(accessError);
      await ctx.audit(request, { action: 'token.create', target: `token:${token.id}`, detail: { name: token.name, expiresAt: token.expiresAt } });
      return reply.code(201).send({ ...tokenInfo(token), token: secret });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/tokens/:id',
    {
      config: { audit: 'token.revoke' },
      schema: {
        tags: ['tokens'],
        summary: 'revoke an API token (your own; an admin: anyone’s)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        response: { 204: { type: 'null' }, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const me = request.identity!;
      const token = await ctx.access.store.getToken(request.params.id);
      if (!token) throw notFound(`no API token '${request.params.id}'`);
      if (token.username !== me.username && !me.permissions.includes('tokens.manage'))
        throw forbidden("permission 'tokens.manage' is needed to revoke another user's token", 'tokens.manage');
      await ctx.access.revokeToken(token.id);
      await ctx.audit(request, { action: 'token.revoke', target: `token:${token.id}`, detail: { owner: token.username } });
      return reply.code(204).send();
    },
  );
}
