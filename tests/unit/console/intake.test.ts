// The PACS review list through the API: reading it (any reader), assigning and dismissing an open series (studies.act)
// under the signed-in identity with a note, each audited; every bad input refused with a clear 4xx naming the field or
// permission, and nothing sent to the intake workflow.
import { INTAKE_REASON_LABELS } from '../../../contracts/console';
import { INTAKE_REVIEW_CODES, INTAKE_TAKE_IN_CODES } from '../../../contracts/intake';
import { STUDY, testServer, type TestServer } from './support';

const OPEN_1 = '0a1b2c3d-44556677-8899aabb-ccddeeff-00112233';
const OPEN_2 = 'ffeeddcc-bbaa9988-77665544-33221100-abcdef01';
const DISMISSED = '11111111-22222222-33333333-44444444-55555555';

let t: TestServer;
let cora: Record<string, string>;
beforeEach(async () => {
  t = await testServer();
  await t.user('cora', ['coordinator']);
  await t.user('vic', ['viewer']);
  const s = await t.signIn('cora');
  cora = { cookie: s.cookie, 'x-csrf-token': s.csrf };
});
afterEach(async () => t.close());

const act = (series: string, action: 'assign' | 'dismiss', payload: object, headers = cora, study = STUDY) =>
  t.app.inject({ method: 'POST', url: `/api/studies/${study}/intake/${series}/${action}`, headers, payload });
const audit = (action: string) => t.accessStore.listAudit({ action });

it('labels every reason code intake can give', () => {
  for (const code of [...INTAKE_REVIEW_CODES, ...INTAKE_TAKE_IN_CODES]) expect(INTAKE_REASON_LABELS[code]).toMatch(/^[A-Z].{5,}$/);
});

describe('reading the review list', () => {
  it('lists open entries oldest first with a label, resolved ones with who, when and the note; a viewer may read', async () => {
    const vic = await t.signIn('vic');
    const r = await t.app.inject({ method: 'GET', url: '/api/intake', headers: { cookie: vic.cookie } });
    expect(r.statusCode).toBe(200);
    const [study] = r.json().studies;
    expect(study.studyId).toBe(STUDY);
    expect(study.open.map((e: { pacsSeriesId: string }) => e.pacsSeriesId)).toEqual([OPEN_1, OPEN_2]);
    expect(study.open[0]).toMatchObject({ code: 'unknown-patient', label: 'Patient not enrolled', status: 'open', resolution: null });
    expect(study.resolved).toEqual([
      expect.objectContaining({
        pacsSeriesId: DISMISSED,
        status: 'dismissed',
        resolution: { who: 'earlier', at: '2026-02-21T09:00:00.000Z', note: 'a dose report, not an image' },
      }),
    ]);
    const one = await t.app.inject({ method: 'GET', url: `/api/studies/${STUDY}/intake`, headers: { cookie: vic.cookie } });
    expect(one.json()).toEqual(study);
  });

  it('says when intake cannot read the PACS, and nothing while it can', async () => {
    const read = async () => (await t.app.inject({ method: 'GET', url: `/api/studies/${STUDY}/intake`, headers: cora })).json().attention;
    expect(await read()).toBeNull();
    const attention = { reason: 'GET /changes: connection refused', since: '2026-03-01T09:00:00.000Z', failedPolls: 3 };
    Object.assign(t.intake.states.get(STUDY)!, { attention });
    expect(await read()).toEqual(attention);
  });

  it('answers 404 for a study without intake and 401 when signed out', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/studies/OS-NONE/intake', headers: cora });
    expect(none.json()).toMatchObject({ statusCode: 404, message: "study 'OS-NONE' has no PACS intake" });
    expect((await t.app.inject({ method: 'GET', url: '/api/intake' })).statusCode).toBe(401);
  });

  it('appears in the OpenAPI document with the note required', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/intake',
        '/api/studies/{studyId}/intake',
        '/api/studies/{studyId}/intake/{pacsSeriesId}/assign',
        '/api/studies/{studyId}/intake/{pacsSeriesId}/dismiss',
      ]),
    );
    const body = (p: string) => doc.paths[p].post.requestBody.content['application/json'].schema;
    expect(body('/api/studies/{studyId}/intake/{pacsSeriesId}/dismiss').required).toEqual(['note']);
    expect(body('/api/studies/{studyId}/intake/{pacsSeriesId}/assign').required).toEqual(['pseudonym', 'timepoint', 'modality', 'note']);
  });
});

describe('dismiss', () => {
  it('resolves the entry under the signed-in identity with the note, audited', async () => {
    const r = await act(OPEN_2, 'dismiss', { note: '  scanned at another hospital before enrolment ' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.intake.open.map((e: { pacsSeriesId: string }) => e.pacsSeriesId)).toEqual([OPEN_1]);
    expect(body.intake.resolved[0]).toMatchObject({
      pacsSeriesId: OPEN_2,
      status: 'dismissed',
      resolution: { who: 'cora', at: t.clock.now.toISOString(), note: 'scanned at another hospital before enrolment' },
    });
    const [entry] = await audit('intake.dismiss');
    expect(entry).toMatchObject({
      id: body.auditId,
      actor: 'cora',
      target: `${STUDY}/intake/${OPEN_2}`,
      reason: 'scanned at another hospital before enrolment',
      outcome: 'ok',
    });
  });

  it.each([
    ['no note', {}, 'note'],
    ['a blank note', { note: '   ' }, 'note'],
    ['a note of two letters', { note: 'no' }, 'note'],
    ['an unknown property', { note: 'not ours', who: 'someone-else' }, 'who'],
  ])('refuses %s with 400 naming the field; nothing reaches the workflow', async (_what, payload, field) => {
    const r = await act(OPEN_2, 'dismiss', payload);
    expect(r.statusCode).toBe(400);
    expect(r.json().field).toBe(field);
    expect(t.intake.updates).toEqual([]);
    expect(await audit('intake.dismiss')).toEqual([]);
  });

  it('refuses an unknown series (404) and one resolved already (409), audited as refused', async () => {
    const unknown = await act('99999999-99999999-99999999-99999999-99999999', 'dismiss', { note: 'not ours' });
    expect(unknown.json()).toMatchObject({
      statusCode: 404,
      message: `series 99999999-99999999-99999999-99999999-99999999 is not on the review list of study '${STUDY}'`,
    });
    const again = await act(DISMISSED, 'dismiss', { note: 'not ours' });
    expect(again.json()).toMatchObject({
      statusCode: 409,
      message: `series ${DISMISSED} was dismissed already by earlier at 2026-02-21T09:00:00.000Z; nothing was changed`,
    });
    const badId = await act('../etc', 'dismiss', { note: 'not ours' });
    expect(badId.statusCode).toBe(404);
    expect(t.intake.updates).toEqual([]);
    expect((await audit('intake.dismiss')).map((e) => e.outcome)).toEqual(['refused', 'refused']);
  });

  it('refuses a viewer with 403 naming the permission, audited; the entry stays open', async () => {
    const vic = await t.signIn('vic');
    const r = await act(OPEN_2, 'dismiss', { note: 'not ours' }, { cookie: vic.cookie, 'x-csrf-token': vic.csrf });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ permission: 'studies.act' });
    expect(t.intake.updates).toEqual([]);
    expect(await audit('intake.dismiss')).toEqual([expect.objectContaining({ actor: 'vic', outcome: 'refused', detail: { permission: 'studies.act' } })]);
    expect(t.intake.states.get(STUDY)!.review.find((e) => e.pacsSeriesId === OPEN_2)!.status).toBe('open');
  });

  it('refuses a request with the session cookie but no CSRF header', async () => {
    const r = await act(OPEN_2, 'dismiss', { note: 'not ours' }, { cookie: cora.cookie });
    expect(r.statusCode).toBe(403);
    expect(r.json().message).toMatch(/^missing or wrong x-csrf-token header/);
    expect(t.intake.updates).toEqual([]);
  });
});

describe('assign', () => {
  it('assigns a series as a scan of a timepoint under the signed-in identity, audited with what it became', async () => {
    const r = await act(OPEN_1, 'assign', { pseudonym: 'P-001', timepoint: 'baseline', modality: 'T2', note: 'PatientID typed with a space at the scanner' });
    expect(r.statusCode).toBe(200);
    expect(t.intake.updates).toEqual([
      { pacsSeriesId: OPEN_1, pseudonym: 'P-001', timepoint: 'baseline', modality: 'T2', who: 'cora', note: 'PatientID typed with a space at the scanner' },
    ]);
    expect(r.json().intake.resolved[0]).toMatchObject({ pacsSeriesId: OPEN_1, status: 'assigned', resolution: { who: 'cora' } });
    expect(r.json().intake.taken).toBe(1);
    const [entry] = await audit('intake.assign');
    expect(entry).toMatchObject({ actor: 'cora', outcome: 'ok', detail: { pseudonym: 'P-001', timepoint: 'baseline', modality: 'T2' } });
  });

  it('assigns a contour for one image', async () => {
    const r = await act(OPEN_1, 'assign', { pseudonym: 'P-001', timepoint: 'baseline', modality: 'mask', for: 'T1CE', note: 'the T1CE contour' });
    expect(r.statusCode).toBe(200);
    expect(t.intake.updates[0]).toMatchObject({ modality: 'mask', for: 'T1CE' });
  });

  it.each([
    ['no note', { pseudonym: 'P-001', timepoint: 'baseline', modality: 'T2' }, 'note', /must have required property 'note'/],
    [
      'an unknown patient',
      { pseudonym: 'P-404', timepoint: 'baseline', modality: 'T2', note: 'the scan' },
      'pseudonym',
      /^no patient 'P-404' in study 'OS-T1'$/,
    ],
    [
      'an unknown timepoint',
      { pseudonym: 'P-001', timepoint: 'week-9', modality: 'T2', note: 'the scan' },
      'timepoint',
      /^unknown timepoint 'week-9' \(expected one of baseline, mid\)$/,
    ],
    ['a contour without its image', { pseudonym: 'P-001', timepoint: 'baseline', modality: 'mask', note: 'the contour' }, 'for', /needs 'for'/],
    ["'for' on a scan", { pseudonym: 'P-001', timepoint: 'baseline', modality: 'T2', for: 'T1CE', note: 'the scan' }, 'for', /contour only/],
    ['a pseudonym that is a path', { pseudonym: '../P-001', timepoint: 'baseline', modality: 'T2', note: 'the scan' }, 'pseudonym', /pattern/],
  ])('refuses %s with 400 naming the field; nothing reaches the workflow', async (_what, payload, field, message) => {
    const r = await act(OPEN_1, 'assign', payload);
    expect(r.statusCode).toBe(400);
    expect(r.json().field).toBe(field);
    expect(r.json().message).toMatch(message);
    expect(t.intake.updates).toEqual([]);
  });

  it("shows the workflow's own refusal with its reason, audited as refused; the entry stays open", async () => {
    const r = await act(OPEN_1, 'assign', { pseudonym: 'P-001', timepoint: 'baseline', modality: 'PET', note: 'the PET' });
    expect(r.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: `modality "PET" is not part of timepoint 'baseline' (expected one of T1CE, T2, or mask)`,
    });
    const [entry] = await audit('intake.assign');
    expect(entry).toMatchObject({ outcome: 'refused', reason: 'the PET', detail: { message: expect.stringContaining('"PET" is not part') } });
    expect(t.intake.states.get(STUDY)!.review.find((e) => e.pacsSeriesId === OPEN_1)!.status).toBe('open');
  });
});
