// The PACS intake's review list: for each study with an intake workflow, the series intake could not place (open) and
// those a coordinator assigned or dismissed (resolved), read from the workflow's memo without a worker; and the two
// coordinator actions on an open entry, assign (to a patient's timepoint, as a scan or the contour of one image) and
// dismiss, each under the signed-in identity, with a note, and audited. Bad input is refused before the workflow is
// asked; the workflow's own refusals (its update validator) come back as 400/409 with its reason.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  INTAKE_REASON_LABELS,
  type AssignSeriesRequest,
  type DismissSeriesRequest,
  type IntakeActionResponse,
  type IntakeEntryView,
  type IntakeResponse,
  type IntakeStudyView,
} from '../../../contracts/console';
import type { IntakeState, ReviewEntry } from '../../../contracts/intake';
import { ActionRefused, badRequest, conflict, notFound } from '../errors';
import type { IntakeBackend } from '../backend';
import {
  auditedAction,
  errorSchema,
  ID_PATTERN,
  objectResponse,
  reasonSchema,
  studyParams,
  TIMEPOINT_PATTERN,
  type ConsoleContext,
  type Params,
} from '../context';

/** Orthanc's series ids are hashes in dashed hex; other PACS ids are kept to a safe alphabet. */
export const PACS_SERIES_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
const MODALITY_PATTERN = '^[A-Za-z0-9_-]{1,32}$';

const entryView = (e: ReviewEntry): IntakeEntryView => ({
  pacsSeriesId: e.pacsSeriesId,
  code: e.code,
  label: INTAKE_REASON_LABELS[e.code] ?? e.code,
  message: e.message,
  at: e.at,
  status: e.status,
  resolution: e.resolution ?? null,
});

/** The state as intake publishes it; `attention` is set while the PACS does not answer (absent in older states). */
type PublishedIntake = IntakeState & { attention?: { reason: string; since: string; failedPolls: number } };

/** A study's review list as the console shows it: open entries oldest first, resolved ones latest first. */
export function intakeStudyView(studyId: string, state: PublishedIntake): IntakeStudyView {
  const attention = state.attention ? { reason: state.attention.reason, since: state.attention.since, failedPolls: state.attention.failedPolls } : null;
  const open = state.review.filter((e) => e.status === 'open').sort((a, b) => a.at.localeCompare(b.at));
  const resolved = state.review.filter((e) => e.status !== 'open').sort((a, b) => (b.resolution?.at ?? '').localeCompare(a.resolution?.at ?? ''));
  return { studyId, open: open.map(entryView), resolved: resolved.map(entryView), taken: state.taken.length, attention };
}

/** Without an intake backend no study has intake. */
const NO_INTAKE: IntakeBackend = {
  listIntakes: async () => [],
  readIntake: async () => null,
  assign: async () => Promise.reject(new ActionRefused('no PACS intake runs here', 'not-found')),
  dismiss: async () => Promise.reject(new ActionRefused('no PACS intake runs here', 'not-found')),
};

const seriesParams = {
  type: 'object',
  required: ['studyId', 'pacsSeriesId'],
  properties: { studyId: { type: 'string', pattern: ID_PATTERN }, pacsSeriesId: { type: 'string', pattern: PACS_SERIES_PATTERN } },
} as const;

export function intakeRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const intake = ctx.intake ?? NO_INTAKE;

  const stateOf = async (studyId: string): Promise<IntakeState> => {
    const state = await intake.readIntake(studyId);
    if (!state) throw notFound(`study '${studyId}' has no PACS intake`);
    return state;
  };

  app.get(
    '/api/intake',
    {
      config: { permission: 'studies.read' },
      schema: { tags: ['intake'], summary: "every study's PACS review list: open and resolved entries", response: { 200: objectResponse('IntakeResponse') } },
    },
    async (): Promise<IntakeResponse> => ({ studies: (await intake.listIntakes()).map(({ studyId, state }) => intakeStudyView(studyId, state)) }),
  );

  app.get<{ Params: Params<'studyId'> }>(
    '/api/studies/:studyId/intake',
    {
      config: { permission: 'studies.read' },
      schema: {
        tags: ['intake'],
        summary: "a study's PACS review list",
        params: studyParams,
        response: { 200: objectResponse('IntakeStudyView'), 404: errorSchema },
      },
    },
    async (request) => intakeStudyView(request.params.studyId, await stateOf(request.params.studyId)),
  );

  /** The series must wait on the list: unknown → 404, already resolved → 409 (both audited as refused). */
  const openEntry = async (request: FastifyRequest, action: string, studyId: string, pacsSeriesId: string, note: string) => {
    const state = await stateOf(studyId);
    const entries = state.review.filter((e) => e.pacsSeriesId === pacsSeriesId);
    const target = `${studyId}/intake/${pacsSeriesId}`;
    if (entries.some((e) => e.status === 'open')) return target;
    const last = entries.at(-1);
    const message = last
      ? `series ${pacsSeriesId} was ${last.status} already${last.resolution ? ` by ${last.resolution.who} at ${last.resolution.at}` : ''}; nothing was changed`
      : `series ${pacsSeriesId} is not on the review list of study '${studyId}'`;
    await ctx.audit(request, { action, target, reason: note, outcome: 'refused', detail: { message } });
    throw last ? conflict(message) : notFound(message);
  };

  /** Runs the update, audits it (ok, or refused with the workflow's reason), and answers the list after it. */
  const act = async (
    request: FastifyRequest,
    audit: { action: string; target: string; reason: string; detail?: Record<string, unknown> },
    studyId: string,
    run: () => Promise<IntakeState>,
  ): Promise<IntakeActionResponse> => {
    const { result: state, entry } = await auditedAction(ctx, request, audit, run);
    return { auditId: entry.id, intake: intakeStudyView(studyId, state) };
  };

  const noteBody = { note: reasonSchema } as const;

  app.post<{ Params: Params<'studyId' | 'pacsSeriesId'>; Body: AssignSeriesRequest }>(
    '/api/studies/:studyId/intake/:pacsSeriesId/assign',
    {
      config: { permission: 'studies.act', audit: 'intake.assign' },
      schema: {
        tags: ['intake'],
        summary: "assign a series of the review list to a patient's timepoint, as a scan or as the contour of one image (note required)",
        params: seriesParams,
        body: {
          type: 'object',
          required: ['pseudonym', 'timepoint', 'modality', 'note'],
          additionalProperties: false,
          properties: {
            pseudonym: { type: 'string', pattern: ID_PATTERN },
            timepoint: { type: 'string', pattern: TIMEPOINT_PATTERN },
            modality: { type: 'string', pattern: MODALITY_PATTERN },
            for: { type: 'string', pattern: MODALITY_PATTERN },
            ...noteBody,
          },
        },
        response: { 200: objectResponse('IntakeActionResponse'), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const { studyId, pacsSeriesId } = request.params;
      const { pseudonym, timepoint, modality } = request.body;
      const note = request.body.note.trim();
      const target = await openEntry(request, 'intake.assign', studyId, pacsSeriesId, note);
      if (modality === 'mask' && !request.body.for) throw badRequest("a contour (modality 'mask') needs 'for': the image modality it is drawn on", 'for');
      if (modality !== 'mask' && request.body.for) throw badRequest("'for' is for a contour only (modality 'mask')", 'for');
      const view = await ctx.timelines.readTimeline(studyId, pseudonym);
      if (!view) throw badRequest(`no patient '${pseudonym}' in study '${studyId}'`, 'pseudonym');
      if (!view.timepoints.some((t) => t.name === timepoint))
        throw badRequest(`unknown timepoint '${timepoint}' (expected one of ${view.timepoints.map((t) => t.name).join(', ')})`, 'timepoint');
      const detail = { pseudonym, timepoint, modality, ...(request.body.for ? { for: request.body.for } : {}) };
      return act(request, { action: 'intake.assign', target, reason: note, detail }, studyId, () =>
        intake.assign(studyId, { pacsSeriesId, ...detail, who: request.identity!.username, note }),
      );
    },
  );

  app.post<{ Params: Params<'studyId' | 'pacsSeriesId'>; Body: DismissSeriesRequest }>(
    '/api/studies/:studyId/intake/:pacsSeriesId/dismiss',
    {
      config: { permission: 'studies.act', audit: 'intake.dismiss' },
      schema: {
        tags: ['intake'],
        summary: 'dismiss a series of the review list: it is not taken in (note required)',
        params: seriesParams,
        body: { type: 'object', required: ['note'], additionalProperties: false, properties: noteBody },
        response: { 200: objectResponse('IntakeActionResponse'), 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const { studyId, pacsSeriesId } = request.params;
      const note = request.body.note.trim();
      const target = await openEntry(request, 'intake.dismiss', studyId, pacsSeriesId, note);
      return act(request, { action: 'intake.dismiss', target, reason: note }, studyId, () =>
        intake.dismiss(studyId, { pacsSeriesId, who: request.identity!.username, note }),
      );
    },
  );
}
