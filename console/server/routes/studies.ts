// Reading studies: the list of studies, a study's cohort (filterable by state), live updates as server-sent events,
// a patient, and a mosaic PNG of a stored scan with its own mask outlined (the one registered for its image, else the
// shared one). None of it needs a worker running.
import type { FastifyInstance } from 'fastify';
import { TIMEPOINT_STATES, type ConsoleEvent, type TimepointState } from '../../../contracts/console';
import { readImage } from '../../../imaging/io';
import { buildCohort, summariseStudy } from '../cohort';
import { badRequest, notFound } from '../errors';
import { maskScanFor, renderMosaic } from '../mosaic';
import { patientDetail } from '../patient';
import { errorSchema, objectResponse, patientParams, studyParams, timepointParams, type ConsoleContext, type Params } from '../context';

function parseStates(text: string | undefined): TimepointState[] | undefined {
  if (!text) return undefined;
  const states = text.split(',').map((s) => s.trim());
  const bad = states.find((s) => !(TIMEPOINT_STATES as readonly string[]).includes(s));
  if (bad !== undefined) throw badRequest(`state '${bad}' is not a timepoint state (expected ${TIMEPOINT_STATES.join(', ')})`, 'state');
  return states as TimepointState[];
}

export function studyRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const read = { permission: 'studies.read' } as const;

  app.get(
    '/api/studies',
    { config: read, schema: { tags: ['studies'], summary: 'studies with patients per state', response: { 200: objectResponse('StudiesResponse') } } },
    async () => {
      const views = await ctx.timelines.listTimelines();
      const now = ctx.now();
      const ids = [...new Set(views.map((v) => v.studyId))].sort();
      return {
        studies: ids.map((id) =>
          summariseStudy(
            id,
            views.filter((v) => v.studyId === id),
            now,
          ),
        ),
      };
    },
  );

  const cohortOf = async (studyId: string, states?: TimepointState[]) => {
    const views = await ctx.timelines.listTimelines(studyId);
    if (views.length === 0) throw notFound(`study '${studyId}' has no patients`);
    return buildCohort(studyId, views, ctx.now(), { states });
  };

  app.get<{ Params: Params<'studyId'>; Querystring: { state?: string } }>(
    '/api/studies/:studyId/cohort',
    {
      config: read,
      schema: {
        tags: ['studies'],
        summary: "a study's patients × timepoints with their states; those needing a person first",
        params: studyParams,
        querystring: { type: 'object', additionalProperties: false, properties: { state: { type: 'string', maxLength: 200 } } },
        response: { 200: objectResponse('CohortResponse'), 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => cohortOf(request.params.studyId, parseStates(request.query.state)),
  );

  app.get<{ Params: Params<'studyId'> }>(
    '/api/studies/:studyId/events',
    {
      config: read,
      schema: {
        tags: ['studies'],
        summary: 'live cohort changes (text/event-stream of ConsoleEvent)',
        params: studyParams,
        produces: ['text/event-stream'],
        response: { 200: { type: 'string', description: 'text/event-stream' }, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const cohort = await cohortOf(request.params.studyId);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const send = (event: ConsoleEvent) => raw.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      send({ type: 'snapshot', studyId: cohort.studyId, at: cohort.at, cohort });
      const unsubscribe = ctx.events.subscribe(request.params.studyId, send, cohort.patients);
      const session = request.identity?.session;
      // The stream lives no longer than the session: at each ping, a session that ended (signed out, expired,
      // disabled) closes it, and the client's reconnect meets the 401.
      const ping = setInterval(() => {
        void (session ? ctx.access.sessionAlive(session.idHash) : Promise.resolve(true)).then(
          (alive) => (alive ? send({ type: 'ping', at: ctx.now().toISOString() }) : raw.end()),
          () => raw.end(), // the store is closing with the server
        );
      }, ctx.pingIntervalMs);
      const end = () => {
        clearInterval(ping);
        unsubscribe();
      };
      request.raw.once('close', end);
      raw.once('close', end);
    },
  );

  const viewOf = async (studyId: string, pseudonym: string) => {
    const view = await ctx.timelines.readTimeline(studyId, pseudonym);
    if (!view) throw notFound(`no patient '${pseudonym}' in study '${studyId}'`);
    return view;
  };

  app.get<{ Params: Params<'studyId' | 'pseudonym'> }>(
    '/api/studies/:studyId/patients/:pseudonym',
    {
      config: read,
      schema: {
        tags: ['studies'],
        summary: "a patient's timeline, QC, features, deltas and predictions",
        params: patientParams,
        response: { 200: objectResponse('PatientResponse'), 404: errorSchema },
      },
    },
    async (request) => {
      const view = await viewOf(request.params.studyId, request.params.pseudonym);
      return patientDetail(view, ctx.store, ctx.now(), await ctx.protocolOf(view.studyId));
    },
  );

  app.get<{ Params: Params<'studyId' | 'pseudonym' | 'timepoint'>; Querystring: { modality: string } }>(
    '/api/studies/:studyId/patients/:pseudonym/timepoints/:timepoint/mosaic.png',
    {
      config: read,
      schema: {
        tags: ['studies'],
        summary: 'axial slices of a stored scan through the tumour, the mask outlined (PNG)',
        params: timepointParams,
        querystring: {
          type: 'object',
          required: ['modality'],
          additionalProperties: false,
          properties: { modality: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$' } },
        },
        produces: ['image/png'],
        response: { 200: { type: 'string', description: 'image/png' }, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { studyId, pseudonym, timepoint } = request.params;
      const scans = await ctx.store.listScans({ studyId, pseudonym, timepoint });
      // The latest stored copy: a re-scan replaces what is shown; each image is outlined with its own contour.
      const image = scans.filter((s) => s.role === 'image' && s.modality === request.query.modality).at(-1);
      if (!image) throw notFound(`no stored ${request.query.modality} scan for ${studyId}/${pseudonym} at '${timepoint}'`);
      const maskScan = maskScanFor(scans, request.query.modality);
      let volume;
      let mask;
      try {
        volume = readImage(await ctx.files.local({ studyId }, image), { maxVoxels: ctx.maxVoxels });
        mask = maskScan ? readImage(await ctx.files.local({ studyId }, maskScan), { mask: true, maxVoxels: ctx.maxVoxels }) : undefined;
      } catch (err) {
        request.log.warn({ err }, 'stored scan unreadable');
        throw notFound(`the stored ${request.query.modality} scan of this timepoint cannot be read any more`);
      }
      const mosaic = await renderMosaic(volume, mask);
      return reply
        .header('content-type', 'image/png')
        .header('cache-control', 'private, max-age=60')
        .header('x-mosaic-slices', mosaic.slices.join(','))
        .header('x-mosaic-outlined', String(mosaic.outlined))
        .header('x-mosaic-contour', maskScan?.modality ?? 'none')
        .send(mosaic.png);
    },
  );
}
