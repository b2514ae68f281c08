// Models and promotions through the API: an ML engineer requests, a different approver decides; the requester and
// the candidate's trainer are refused (four eyes) even when they hold the approver role; every step audited.
import { testServer, type TestServer } from './support';

let t: TestServer;
const as: Record<string, Record<string, string>> = {};
beforeEach(async () => {
  t = await testServer();
  await t.user('eng', ['ml-engineer', 'approver']);
  await t.user('appy', ['approver']);
  await t.user('trainer', ['approver']);
  await t.user('cora', ['coordinator']);
  for (const u of ['eng', 'appy', 'trainer', 'cora']) {
    const s = await t.signIn(u);
    as[u] = { cookie: s.cookie, 'x-csrf-token': s.csrf };
  }
});
afterEach(async () => t.close());

const call = (who: string, method: 'GET' | 'POST', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: as[who], ...(payload ? { payload } : {}) });

it('lists models and a model with its versions, aliases and AUC with CI', async () => {
  expect((await call('cora', 'GET', '/api/models')).json().models).toEqual([
    { name: 'resp', aliases: [{ alias: 'challenger', version: '2' }], versions: 2, champion: null, challenger: '2' },
  ]);
  const detail = (await call('cora', 'GET', '/api/models/resp')).json();
  expect(detail.versions[1]).toMatchObject({ version: '2', kind: 'delta', auc: 0.8, aucCi: [0.65, 0.95], aliases: ['challenger'] });
  expect((await call('cora', 'GET', '/api/models/nope')).json()).toMatchObject({ statusCode: 404, message: "no registered model 'nope'" });
  expect((await call('cora', 'GET', '/api/models/resp/promotion')).json()).toMatchObject({ phase: 'none', open: false });
});

it('the requester cannot approve; the trainer cannot either; another approver can', async () => {
  const requested = await call('eng', 'POST', '/api/models/resp/promotion', { studyId: 'OS-T1', reason: 'delta model beats baseline' });
  expect(requested.statusCode).toBe(200);
  expect(requested.json()).toMatchObject({ phase: 'awaiting-approval', open: true, requestedBy: 'eng', challenger: { version: '2', kind: 'delta' } });

  const self = await call('eng', 'POST', '/api/models/resp/promotion/approve', { reason: 'I like it' });
  expect(self.statusCode).toBe(403);
  expect(self.json().message).toBe('four eyes: eng requested this promotion and cannot decide on it; another approver must');
  const trainer = await call('trainer', 'POST', '/api/models/resp/promotion/reject', { reason: 'second thoughts' });
  expect(trainer.json()).toMatchObject({
    statusCode: 403,
    message: 'four eyes: trainer trained the candidate and cannot decide on its promotion; another approver must',
  });
  expect(t.models.decisions).toEqual([]);

  const approved = await call('appy', 'POST', '/api/models/resp/promotion/approve', { reason: 'gate passed; reviewed calibration' });
  expect(approved.json()).toMatchObject({
    phase: 'promoted',
    requestedBy: 'eng',
    decisions: [{ action: 'approved', by: 'appy', reason: 'gate passed; reviewed calibration' }],
  });
  expect(t.models.decisions).toEqual(['approved by appy']);

  const trail = (await t.accessStore.listAudit({ action: 'promotion.' })).map((e) => `${e.actor} ${e.action} ${e.outcome}`);
  expect(trail).toEqual(['appy promotion.approve ok', 'trainer promotion.reject refused', 'eng promotion.approve refused', 'eng promotion.request ok']);
});

it('a second request while one is open is a 409; a decision without a reason a 400; a coordinator cannot decide', async () => {
  await call('eng', 'POST', '/api/models/resp/promotion', { studyId: 'OS-T1', reason: 'first' });
  const again = await call('eng', 'POST', '/api/models/resp/promotion', { studyId: 'OS-T1', reason: 'second' });
  expect(again.json()).toMatchObject({ statusCode: 409, message: "a promotion of 'resp' is still open" });
  expect((await call('appy', 'POST', '/api/models/resp/promotion/approve', {})).json()).toMatchObject({ statusCode: 400, field: 'reason' });
  expect((await call('cora', 'POST', '/api/models/resp/promotion/approve', { reason: 'ok by me' })).json()).toMatchObject({
    statusCode: 403,
    permission: 'promotions.decide',
  });
  const unknownStudy = await call('eng', 'POST', '/api/models/resp/promotion', { studyId: 'NOPE', reason: 'x y z' });
  expect(unknownStudy.json()).toMatchObject({ statusCode: 404, message: "study 'NOPE' has no timelines: the promotion's gate needs the study's protocol" });
});

it('a decision with no promotion started is a 404', async () => {
  expect((await call('appy', 'POST', '/api/models/resp/promotion/approve', { reason: 'nothing to approve' })).json()).toMatchObject({
    statusCode: 404,
    message: "no promotion of 'resp' was ever started",
  });
});
