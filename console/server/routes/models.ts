// Models and promotions: registered models with versions, aliases and metrics (MLflow), an ML engineer's request to
// promote, and an approver's approval, rejection or rollback under the four-eyes rule: whoever requested the
// promotion or trained the candidate cannot decide on it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DecisionRequest, PromotionRequest, PromotionResponse } from '../../../contracts/console';
import type { PromotionView } from '../../../contracts/models';
import { fourEyesRefusal } from '../../../access';
import { forbidden, notFound } from '../errors';
import { auditedAction, errorSchema, ID_PATTERN, objectResponse, reasonSchema, type ConsoleContext, type Params } from '../context';

const MODEL_NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$';
const nameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: MODEL_NAME } } } as const;

export function modelRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  /** Who requested the model's promotion of this challenger version through the console (the audit trail). */
  const requesterOf = async (name: string, version: string | undefined): Promise<string | null> => {
    const requests = await ctx.access.store.listAudit({ action: 'promotion.request', target: `model:${name}`, outcome: 'ok', limit: 50 });
    return requests.find((e) => version === undefined || e.detail?.version === version)?.actor ?? null;
  };

  const response = async (name: string, found: { view: PromotionView; open: boolean } | null, auditId?: number): Promise<PromotionResponse> => {
    if (!found) return { modelName: name, phase: 'none', open: false, challenger: null, previousChampion: null, requestedBy: null, gate: null, decisions: [] };
    const { view, open } = found;
    const gate = view.gate;
    return {
      modelName: view.modelName,
      phase: view.phase,
      open,
      challenger: view.challenger ? { version: view.challenger.version, kind: view.challenger.kind } : null,
      previousChampion: view.previousChampion ? { version: view.previousChampion.version, kind: view.previousChampion.kind } : null,
      requestedBy: await requesterOf(name, view.challenger?.version),
      gate: gate
        ? {
            passed: gate.passed,
            verdict: gate.verdict,
            checks: gate.checks.map((c) => ({ name: c.name, passed: c.passed, detail: c.detail })),
            challengerAuc: gate.challengerAuc,
            challengerAucCi: gate.challengerAucCi,
          }
        : null,
      decisions: view.decisions.map((d) => ({ action: d.action, version: d.version, by: d.by, reason: d.reason, at: d.at })),
      ...(auditId !== undefined ? { auditId } : {}),
    };
  };

  app.get(
    '/api/models',
    {
      config: { permission: 'models.read' },
      schema: { tags: ['models'], summary: 'registered models and their aliases', response: { 200: objectResponse('ModelsResponse') } },
    },
    async () => ({ models: await ctx.models.listModels() }),
  );

  app.get<{ Params: Params<'name'> }>(
    '/api/models/:name',
    {
      config: { permission: 'models.read' },
      schema: {
        tags: ['models'],
        summary: 'versions with kind, aliases, AUC and its 95 % CI, run metrics',
        params: nameParams,
        response: { 200: objectResponse('ModelDetail'), 404: errorSchema },
      },
    },
    async (request) => {
      const model = await ctx.models.getModel(request.params.name);
      if (!model) throw notFound(`no registered model '${request.params.name}'`);
      return model;
    },
  );

  app.get<{ Params: Params<'name'> }>(
    '/api/models/:name/promotion',
    {
      config: { permission: 'models.read' },
      schema: { tags: ['models'], summary: "the model's latest promotion", params: nameParams, response: { 200: objectResponse('PromotionResponse') } },
    },
    async (request) => response(request.params.name, await ctx.models.readPromotion(request.params.name)),
  );

  app.post<{ Params: Params<'name'>; Body: PromotionRequest }>(
    '/api/models/:name/promotion',
    {
      config: { permission: 'promotions.request', audit: 'promotion.request' },
      schema: {
        tags: ['models'],
        summary: "request a promotion: evaluates the gate on the study's locked hold-out; an approver decides",
        params: nameParams,
        body: {
          type: 'object',
          required: ['studyId', 'reason'],
          additionalProperties: false,
          properties: {
            studyId: { type: 'string', pattern: ID_PATTERN },
            challenger: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
            reason: reasonSchema,
          },
        },
        response: { 200: objectResponse('PromotionResponse'), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const { name } = request.params;
      const { studyId, challenger, reason } = request.body;
      const target = `model:${name}`;
      const protocol = await ctx.timelines.protocolOf(studyId);
      if (!protocol) throw notFound(`study '${studyId}' has no timelines: the promotion's gate needs the study's protocol`);
      if (!(await ctx.models.getModel(name))) throw notFound(`no registered model '${name}'`);
      const { result: view, entry } = await auditedAction(
        ctx,
        request,
        { action: 'promotion.request', target, reason, detail: { studyId } },
        () => ctx.models.startPromotion({ modelName: name, protocol, challenger, policy: ctx.promotionPolicy }),
        (started) => ({ version: started.challenger?.version, phase: started.phase }),
      );
      return response(name, { view, open: !['gate-failed', 'rejected', 'approval-timed-out', 'rolled-back', 'closed'].includes(view.phase) }, entry.id);
    },
  );

  const decide = (kind: 'approve' | 'reject' | 'rollback') => async (request: FastifyRequest<{ Params: Params<'name'>; Body: DecisionRequest }>) => {
    const { name } = request.params;
    const reason = request.body.reason.trim();
    const target = `model:${name}`;
    const action = `promotion.${kind}`;
    const me = request.identity!.username;
    const current = await ctx.models.readPromotion(name);
    if (!current) throw notFound(`no promotion of '${name}' was ever started`);
    const version = current.view.challenger?.version;
    if (kind !== 'rollback') {
      const trainedBy = version ? ((await ctx.models.getModel(name))?.versions.find((v) => v.version === version)?.trainedBy ?? null) : null;
      const refusal = fourEyesRefusal(me, { requestedBy: await requesterOf(name, version), trainedBy });
      if (refusal) {
        await ctx.audit(request, { action, target, reason, outcome: 'refused', detail: { version, message: refusal } });
        throw forbidden(refusal);
      }
    }
    const by = { identity: me, reason };
    const { result: view, entry } = await auditedAction(
      ctx,
      request,
      { action, target, reason, detail: { version } },
      () => (kind === 'approve' ? ctx.models.approve(name, by) : kind === 'reject' ? ctx.models.reject(name, by) : ctx.models.rollback(name, by)),
      (decided) => ({ phase: decided.phase }),
    );
    return response(name, { view, open: view.phase === 'promoted' || view.phase === 'awaiting-approval' }, entry.id);
  };

  for (const kind of ['approve', 'reject', 'rollback'] as const) {
    app.post<{ Params: Params<'name'>; Body: DecisionRequest }>(
      `/api/models/:name/promotion/${kind}`,
      {
        config: { permission: 'promotions.decide', audit: `promotion.${kind}` },
        schema: {
          tags: ['models'],
          summary:
            kind === 'rollback'
              ? 'roll back the promotion: the previous champion returns'
              : `${kind} the open promotion (not one you requested or whose candidate you trained)`,
          params: nameParams,
          body: { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: reasonSchema } },
          response: { 200: objectResponse('PromotionResponse'), 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
        },
      },
      decide(kind),
    );
  }
}
