// A coordinator's actions on a patient's timeline, each under the signed-in identity and audited: register a re-scan
// or a new mask by upload, override a failed QC verdict, retry a timepoint that needs attention, record pathology,
// withdraw. Bad input is refused with a 4xx before anything changes; the timeline's own refusals come back as 400/409.
import path from 'node:path';
import { rm } from 'node:fs/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  MASK_FOR_ALL,
  MASK_UPLOAD_EXTENSIONS,
  type ActionResponse,
  type OverrideRequest,
  type PathologyRequest,
  type RetryRequest,
  type WithdrawRequest,
} from '../../../contracts/console';
import type { TimelineView } from '../../../contracts/timeline';
import { badRequest, conflict, notFound } from '../errors';
import { imageModalitiesOf, patientDetail } from '../patient';
import { checkImage, keepUpload, receiveUpload } from '../uploads';
import { auditedAction, errorSchema, objectResponse, patientParams, reasonSchema, timepointParams, type ConsoleContext, type Params } from '../context';

const RUNNING = new Set(['acquiring', 'segmenting', 'extracting']);
const MODALITY = /^[A-Za-z0-9_-]{1,32}$/;
/** An RTSTRUCT ROI name or a SEG segment label: printable, one line. */
const ROI = /^\P{Cc}{1,64}$/u;

export function actionRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const viewOf = async (studyId: string, pseudonym: string) => {
    const view = await ctx.timelines.readTimeline(studyId, pseudonym);
    if (!view) throw notFound(`no patient '${pseudonym}' in study '${studyId}'`);
    return view;
  };

  /** Runs the action and audits it (ok, refused with the timeline's message, or failed); answers the patient after it. */
  const act = async (
    request: FastifyRequest,
    audit: { action: string; target: string; reason?: string; detail?: Record<string, unknown> },
    run: () => Promise<TimelineView>,
    message?: (view: TimelineView) => string | undefined,
  ): Promise<ActionResponse> => {
    const { result: view, entry } = await auditedAction(ctx, request, audit, run);
    const text = message?.(view);
    const protocol = await ctx.protocolOf(view.studyId);
    return { auditId: entry.id, patient: await patientDetail(view, ctx.store, ctx.now(), protocol), ...(text ? { message: text } : {}) };
  };

  const uploadSchema = (summary: string) => ({
    tags: ['actions'],
    summary,
    consumes: ['multipart/form-data'],
    params: timepointParams,
    response: { 200: objectResponse('ActionResponse'), 400: errorSchema, 404: errorSchema, 409: errorSchema, 413: errorSchema, 415: errorSchema },
  });

  /** The mask's `for` and `roi` fields, checked against the timepoint's image modalities; undefined `for`: the shared mask. */
  const maskTarget = (fields: Record<string, string>, images: string[], kind: 'RTSTRUCT' | 'SEG' | 'image') => {
    const forField = fields.for?.trim();
    const forModality = !forField || forField === MASK_FOR_ALL ? undefined : forField;
    if (forModality !== undefined && !images.includes(forModality))
      throw badRequest(
        `field 'for' must be an image modality of the timepoint (expected one of ${images.join(', ')}, or '${MASK_FOR_ALL}'), got '${forModality}'`,
        'for',
      );
    if (kind !== 'image' && forModality === undefined)
      throw badRequest(`field 'for' must name the image the ${kind} is drawn on (one of ${images.join(', ')}): it is converted on that series' grid`, 'for');
    const roi = fields.roi?.trim() || undefined;
    if (roi !== undefined && kind === 'image') throw badRequest("field 'roi' names an RTSTRUCT ROI or SEG segment; a NIfTI or NRRD mask has none", 'roi');
    if (roi !== undefined && !ROI.test(roi)) throw badRequest("field 'roi' must be one line of 1–64 printable characters", 'roi');
    return { ...(forModality ? { for: forModality } : {}), ...(roi ? { roi } : {}) };
  };

  const registerUpload = async (request: FastifyRequest<{ Params: Params<'studyId' | 'pseudonym' | 'timepoint'> }>, kind: 'scan' | 'mask') => {
    const { studyId, pseudonym, timepoint } = request.params;
    const before = await viewOf(studyId, pseudonym);
    const tp = before.timepoints.find((t) => t.name === timepoint);
    if (!tp) throw badRequest(`unknown timepoint '${timepoint}' (expected one of ${before.timepoints.map((t) => t.name).join(', ')})`, 'timepoint');
    const upload = await receiveUpload(request, ctx.uploadDir, ctx.maxUploadBytes, kind === 'mask' ? MASK_UPLOAD_EXTENSIONS : undefined);
    const modality = kind === 'mask' ? 'mask' : upload.fields.modality;
    if (kind === 'scan' && (typeof modality !== 'string' || !MODALITY.test(modality) || modality === 'mask')) {
      await rm(upload.file, { force: true });
      throw badRequest("field 'modality' must name an image modality of the timepoint (e.g. T1CE); replace a mask with PUT …/mask", 'modality');
    }
    const fileKind = await checkImage(upload, { mask: kind === 'mask', maxVoxels: ctx.maxVoxels });
    let target: { for?: string; roi?: string } = {};
    if (kind === 'mask') {
      try {
        target = maskTarget(upload.fields, imageModalitiesOf(tp, await ctx.protocolOf(studyId)), fileKind);
      } catch (err) {
        await rm(upload.file, { force: true });
        throw err;
      }
    }
    const kept = await keepUpload(upload, ctx.uploadDir, [studyId, pseudonym, timepoint], target.for ? `${modality}-${target.for}` : modality);
    // Registered by its address in the blob store: the pipeline worker that acquires it may run on another host.
    const source = `blob:${(await ctx.files.blobs.put(kept)).sha256}/${path.basename(kept)}`;
    const audit = {
      action: kind === 'mask' ? 'mask.replace' : 'scan.register',
      target: `${studyId}/${pseudonym}/${timepoint}`,
      detail: { modality, ...target, ...(fileKind !== 'image' ? { kind: fileKind } : {}), sha256: upload.sha256, bytes: upload.bytes },
    };
    try {
      return await act(
        request,
        audit,
        () => ctx.timelines.registerScan(studyId, pseudonym, { timepoint, modality, source, ...target }),
        (view) => {
          const now = view.timepoints.find((t) => t.name === timepoint);
          return now && RUNNING.has(now.status) ? `timepoint '${timepoint}' is running; the new ${kind} is processed in a run after this one` : undefined;
        },
      );
    } catch (err) {
      if (err instanceof Error && 'statusCode' in err && (err as { statusCode: number }).statusCode < 500) await rm(kept, { force: true });
      throw err;
    }
  };

  app.post<{ Params: Params<'studyId' | 'pseudonym' | 'timepoint'> }>(
    '/api/studies/:studyId/patients/:pseudonym/timepoints/:timepoint/scans',
    {
      config: { permission: 'studies.act', audit: 'scan.register' },
      schema: uploadSchema("register a (re-)scan: multipart field 'modality' and file 'file' (.nii, .nii.gz, .nrrd)"),
    },
    (request) => registerUpload(request, 'scan'),
  );

  app.put<{ Params: Params<'studyId' | 'pseudonym' | 'timepoint'> }>(
    '/api/studies/:studyId/patients/:pseudonym/timepoints/:timepoint/mask',
    {
      config: { permission: 'studies.act', audit: 'mask.replace' },
      schema: uploadSchema(
        "replace a mask: multipart fields 'for' (the image modality it is drawn on; absent or 'all': every image on its grid) and 'roi' (RTSTRUCT ROI / SEG segment), file 'file' (.nii, .nii.gz, .nrrd, or an RTSTRUCT/SEG .dcm)",
      ),
    },
    (request) => registerUpload(request, 'mask'),
  );

  const reasonBody = { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: reasonSchema } } as const;

  /** A coordinator's action on one timepoint that needs a reason (override, retry), run as the signed-in user. */
  const timepointActionWithReason = (
    route: 'override' | 'retry',
    audit: 'qc.override' | 'timepoint.retry',
    summary: string,
    run: (studyId: string, pseudonym: string, input: { timepoint: string; reason: string; who: string }) => Promise<TimelineView>,
  ) =>
    app.post<{ Params: Params<'studyId' | 'pseudonym' | 'timepoint'>; Body: OverrideRequest | RetryRequest }>(
      `/api/studies/:studyId/patients/:pseudonym/timepoints/:timepoint/${route}`,
      {
        config: { permission: 'studies.act', audit },
        schema: {
          tags: ['actions'],
          summary,
          params: timepointParams,
          body: reasonBody,
          response: { 200: objectResponse('ActionResponse'), 400: errorSchema, 404: errorSchema, 409: errorSchema },
        },
      },
      async (request) => {
        const { studyId, pseudonym, timepoint } = request.params;
        await viewOf(studyId, pseudonym);
        const reason = request.body.reason.trim();
        return act(request, { action: audit, target: `${studyId}/${pseudonym}/${timepoint}`, reason }, () =>
          run(studyId, pseudonym, { timepoint, reason, who: request.identity!.username }),
        );
      },
    );
  timepointActionWithReason('override', 'qc.override', 'override a failed QC verdict (reason required)', (s, p, input) =>
    ctx.timelines.overrideQc(s, p, input),
  );
  timepointActionWithReason('retry', 'timepoint.retry', 'rerun a timepoint that needs attention on the same scans (say what was fixed)', (s, p, input) =>
    ctx.timelines.retryTimepoint(s, p, input),
  );

  app.post<{ Params: Params<'studyId' | 'pseudonym'>; Body: PathologyRequest }>(
    '/api/studies/:studyId/patients/:pseudonym/pathology',
    {
      config: { permission: 'studies.act', audit: 'pathology.record' },
      schema: {
        tags: ['actions'],
        summary: 'record the resection pathology (once)',
        params: patientParams,
        body: {
          type: 'object',
          required: ['necrosisPct', 'huvosGrade', 'date'],
          additionalProperties: false,
          properties: {
            necrosisPct: { type: 'number', minimum: 0, maximum: 100 },
            huvosGrade: { type: 'string', enum: ['I', 'II', 'III', 'IV'] },
            date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          },
        },
        response: { 200: objectResponse('ActionResponse'), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const { studyId, pseudonym } = request.params;
      const { necrosisPct, huvosGrade, date } = request.body;
      const target = `${studyId}/${pseudonym}`;
      if (Number.isNaN(Date.parse(date))) throw badRequest(`date must be a calendar date YYYY-MM-DD, got '${date}'`, 'date');
      const view = await viewOf(studyId, pseudonym);
      if (view.pathology) {
        const p = view.pathology;
        const message = `pathology of ${pseudonym} is already recorded (necrosis ${p.necrosisPct} %, Huvos ${p.huvosGrade}, ${p.date}); it is recorded once`;
        await ctx.audit(request, { action: 'pathology.record', target, outcome: 'refused', detail: { message } });
        throw conflict(message);
      }
      return act(request, { action: 'pathology.record', target, detail: { huvosGrade } }, () =>
        ctx.timelines.recordPathology(studyId, pseudonym, { necrosisPct, huvosGrade, date }),
      );
    },
  );

  app.post<{ Params: Params<'studyId' | 'pseudonym'>; Body: WithdrawRequest }>(
    '/api/studies/:studyId/patients/:pseudonym/withdraw',
    {
      config: { permission: 'studies.act', audit: 'patient.withdraw' },
      schema: {
        tags: ['actions'],
        summary: 'withdraw the patient from the study (reason required)',
        params: patientParams,
        body: reasonBody,
        response: { 200: objectResponse('ActionResponse'), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const { studyId, pseudonym } = request.params;
      const view = await viewOf(studyId, pseudonym);
      const target = `${studyId}/${pseudonym}`;
      if (view.withdrawn) throw conflict(`${pseudonym} is already withdrawn (${view.withdrawn.reason})`);
      const reason = request.body.reason.trim();
      return act(request, { action: 'patient.withdraw', target, reason }, () => ctx.timelines.withdraw(studyId, pseudonym, { reason }));
    },
  );
}
