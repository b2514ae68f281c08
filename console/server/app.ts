// The console's HTTP server, built by one function from its dependencies (so tests inject them): JSON API under
// /api with a schema on every route and the OpenAPI document generated from them, /healthz, and the front end's
// built files with the single-page app's fallback.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { DependencyHealth, Health } from '../../contracts/console';
import type { StudyProtocol } from '../../contracts/study';
import { checkCsrf, identify, needPermission } from './auth';
import { CohortEvents } from './events';
import { ActionRefused, HttpError, statusText } from './errors';
import { resolveStatic, sendStatic } from './static';
import type { ConsoleContext, ConsoleDeps } from './context';
import { sessionRoutes } from './routes/session';
import { oidcRoutes } from './routes/oidc';
import { studyRoutes } from './routes/studies';
import { actionRoutes } from './routes/actions';
import { modelRoutes } from './routes/models';
import { adminRoutes } from './routes/admin';
import { intakeRoutes } from './routes/intake';

export type { ConsoleDeps } from './context';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const DEFAULT_MAX_UPLOAD = 2 * 1024 ** 3;
const PROTOCOL_TTL_MS = 60_000;

/** The timelines' protocolOf, each study's answer kept for a minute (reading it fetches a workflow's history). */
function rememberedProtocols(timelines: ConsoleDeps['timelines'], now: () => Date): ConsoleContext['protocolOf'] {
  const seen = new Map<string, { at: number; protocol: Promise<StudyProtocol | null> }>();
  return (studyId) => {
    const hit = seen.get(studyId);
    if (hit && now().getTime() - hit.at < PROTOCOL_TTL_MS) return hit.protocol;
    const protocol = timelines.protocolOf(studyId);
    seen.set(studyId, { at: now().getTime(), protocol });
    protocol.catch(() => seen.delete(studyId));
    return protocol;
  };
}
const HEALTH_TIMEOUT_MS = 3000;

async function probe(target: () => Promise<string>): Promise<DependencyHealth> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const answered = await Promise.race([
      target(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS / 1000} s`)), HEALTH_TIMEOUT_MS))),
    ]);
    return { ok: true, target: answered || undefined, latencyMs: Date.now() - started };
  } catch (err) {
    return { ok: false, error: (err as Error).message?.split('\n')[0] ?? String(err), latencyMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** A field name from a validation error: `body/reason` → `reason`, a missing property → its name. */
function fieldOf(err: FastifyError): string | undefined {
  const first = err.validation?.[0];
  if (!first) return undefined;
  const missing = (first.params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {};
  const pathPart = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  return pathPart || missing.missingProperty || missing.additionalProperty || err.validationContext;
}

export async function buildConsoleServer(deps: ConsoleDeps): Promise<FastifyInstance> {
  // Unknown properties are refused, not silently dropped: a client sending `who` learns it is not theirs to set.
  const app = Fastify({
    logger: deps.logger ?? false,
    trustProxy: deps.trustProxy ?? false,
    bodyLimit: 1024 * 1024,
    // Live-update streams never end by themselves: closing the server ends them.
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false } },
  });
  const now = deps.now ?? (() => new Date());
  const ctx: ConsoleContext = {
    ...deps,
    maxUploadBytes: deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD,
    pingIntervalMs: deps.pingIntervalMs ?? 15000,
    now,
    events: new CohortEvents(deps.timelines, deps.pollIntervalMs ?? 1000, now),
    protocolOf: rememberedProtocols(deps.timelines, now),
    audit: (request, entry) =>
      deps.access.store.appendAudit({
        actor: request.identity?.username ?? 'anonymous',
        action: entry.action,
        target: entry.target,
        reason: entry.reason ?? null,
        outcome: entry.outcome ?? 'ok',
        detail: { ...(request.identity?.via === 'token' ? { via: 'token' } : {}), ...(entry.detail ?? {}) },
        at: now().toISOString(),
      }),
  };

  await app.register(swagger, {
    openapi: {
      info: { title: 'osteoflow console API', version: deps.version ?? '0.1.0', description: 'Types: contracts/console.ts' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'osteoflow_session' },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `too many sign-in attempts; try again in ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
  await app.register(multipart, { limits: { fileSize: ctx.maxUploadBytes, files: 1, fields: 10, fieldSize: 1024 } });

  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return;
    const config = request.routeOptions.config;
    if (config.public || !request.routeOptions.url) return;
    const identity = await identify(ctx.access, request, reply);
    request.identity = identity;
    checkCsrf(request, identity);
    if (!config.permission) return;
    try {
      needPermission(identity, config.permission);
    } catch (err) {
      if (config.audit && UNSAFE.has(request.method)) {
        const target = Object.values((request.params ?? {}) as Record<string, string>).join('/') || request.routeOptions.url;
        await ctx.audit(request, { action: config.audit, target, outcome: 'refused', detail: { permission: config.permission } });
      }
      throw err;
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send(err.body());
    if (err instanceof ActionRefused) return reply.code(err.toHttp().statusCode).send(err.toHttp().body());
    if (err.validation) {
      const field = fieldOf(err);
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: err.message, ...(field ? { field } : {}) });
    }
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ statusCode: status, error: statusText(status), message: err.message });
    request.log.error({ err }, 'console request failed');
    return reply.code(status).send({ statusCode: status, error: statusText(status), message: `the server failed: ${err.message.split('\n')[0]}` });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );

  app.get('/healthz', { schema: { tags: ['health'], summary: 'the server, and whether Temporal, MLflow and the store answer' } }, async (_request, reply) => {
    const [temporal, mlflow, store] = await Promise.all([
      probe(() => ctx.timelines.ping()),
      probe(() => ctx.models.ping()),
      probe(async () => {
        await ctx.store.listPatients('');
        return 'results store';
      }),
    ]);
    const health: Health = {
      ok: temporal.ok && mlflow.ok && store.ok,
      version: deps.version ?? '0.1.0',
      uptimeS: Math.round(process.uptime()),
      temporal,
      mlflow,
      store,
    };
    return reply.code(health.ok ? 200 : 503).send(health);
  });

  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  sessionRoutes(app, ctx);
  oidcRoutes(app, ctx);
  studyRoutes(app, ctx);
  actionRoutes(app, ctx);
  intakeRoutes(app, ctx);
  modelRoutes(app, ctx);
  adminRoutes(app, ctx);

  // The front end: its files, and index.html for its own routes. Unknown API paths stay JSON 404s.
  app.get<{ Params: { '*': string } }>('/*', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const urlPath = request.url.split('?')[0];
    if (urlPath.startsWith('/api/') || urlPath === '/api')
      return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route GET ${urlPath}` });
    return sendStatic(reply, resolveStatic(deps.webRoot, urlPath));
  });

  app.addHook('onClose', async () => ctx.events.close());
  return app;
}
