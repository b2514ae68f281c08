// The server's other surfaces: the OpenAPI document, /healthz, the front end's files (types, caching, no path
// traversal, the app's fallback), a patient joined with the results store, the mosaic route, and live updates over
// a real socket.
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { writeNifti } from '../../../imaging/io';
import { IDENTITY } from '../../../imaging/image';
import type { ConsoleEvent } from '../../../contracts/console';
import { testServer, type TestServer } from './support';

let t: TestServer;
let h: Record<string, string>;
let web: string;
let csrf: string;
beforeEach(async () => {
  web = path.join(os.tmpdir(), `osteoflow-web-${Math.random().toString(36).slice(2)}`);
  mkdirSync(path.join(web, 'assets'), { recursive: true });
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>osteoflow</title>');
  writeFileSync(path.join(web, 'assets', 'app-1a2b3c.js'), 'console.log(1)');
  writeFileSync(path.join(web, '..', `secret-${path.basename(web)}.txt`), 'not for you');
  t = await testServer({ webRoot: web, pollIntervalMs: 50, pingIntervalMs: 100 });
  await t.user('vic', ['viewer']);
  const s = await t.signIn('vic');
  h = { cookie: s.cookie };
  csrf = s.csrf;
});
afterEach(async () => t.close());

it('serves the OpenAPI document with every route', async () => {
  const r = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(r.statusCode).toBe(200);
  const doc = r.json();
  expect(doc.openapi).toMatch(/^3\./);
  const routes = Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
  for (const route of [
    'POST /api/session',
    'GET /api/session',
    'DELETE /api/session',
    'GET /api/studies',
    'GET /api/studies/{studyId}/cohort',
    'GET /api/studies/{studyId}/events',
    'GET /api/studies/{studyId}/patients/{pseudonym}',
    'GET /api/studies/{studyId}/patients/{pseudonym}/timepoints/{timepoint}/mosaic.png',
    'POST /api/studies/{studyId}/patients/{pseudonym}/timepoints/{timepoint}/scans',
    'PUT /api/studies/{studyId}/patients/{pseudonym}/timepoints/{timepoint}/mask',
    'POST /api/studies/{studyId}/patients/{pseudonym}/timepoints/{timepoint}/override',
    'POST /api/studies/{studyId}/patients/{pseudonym}/timepoints/{timepoint}/retry',
    'POST /api/studies/{studyId}/patients/{pseudonym}/pathology',
    'POST /api/studies/{studyId}/patients/{pseudonym}/withdraw',
    'GET /api/intake',
    'GET /api/studies/{studyId}/intake',
    'POST /api/studies/{studyId}/intake/{pacsSeriesId}/assign',
    'POST /api/studies/{studyId}/intake/{pacsSeriesId}/dismiss',
    'GET /api/session/methods',
    'GET /api/models',
    'GET /api/models/{name}',
    'GET /api/models/{name}/promotion',
    'POST /api/models/{name}/promotion',
    'POST /api/models/{name}/promotion/approve',
    'POST /api/models/{name}/promotion/reject',
    'POST /api/models/{name}/promotion/rollback',
    'GET /api/audit',
    'GET /api/users',
    'POST /api/users',
    'PATCH /api/users/{username}',
    'GET /api/tokens',
    'POST /api/tokens',
    'DELETE /api/tokens/{id}',
    'GET /healthz',
  ])
    expect(routes).toContain(route);
  expect(
    doc.paths['/api/studies/{studyId}/patients/{pseudonym}/timepoints/{timepoint}/override'].post.requestBody.content['application/json'].schema.required,
  ).toEqual(['reason']);
});

it('/healthz reports each dependency; 503 when one does not answer', async () => {
  const ok = await t.app.inject({ method: 'GET', url: '/healthz' });
  expect(ok.statusCode).toBe(200);
  expect(ok.json()).toMatchObject({
    ok: true,
    temporal: { ok: true, target: 'fake-temporal' },
    mlflow: { ok: true, target: 'fake-mlflow' },
    store: { ok: true },
  });
  t.models.ping = async () => {
    throw new Error('connect ECONNREFUSED 127.0.0.1:5050');
  };
  const down = await t.app.inject({ method: 'GET', url: '/healthz' });
  expect(down.statusCode).toBe(503);
  expect(down.json()).toMatchObject({ ok: false, temporal: { ok: true }, mlflow: { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:5050' } });
});

describe('the front end', () => {
  it('serves files with their type; hashed assets for a year, index.html never cached', async () => {
    const js = await t.app.inject({ method: 'GET', url: '/assets/app-1a2b3c.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toBe('console.log(1)');
    const index = await t.app.inject({ method: 'GET', url: '/' });
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
  });

  it("answers the app's own routes with index.html, a missing asset with 404", async () => {
    const route = await t.app.inject({ method: 'GET', url: '/studies/OS-T1/patients/P-001' });
    expect(route.statusCode).toBe(200);
    expect(route.body).toContain('<title>osteoflow</title>');
    expect((await t.app.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/nothing-here' })).json()).toMatchObject({
      statusCode: 404,
      message: 'no route GET /api/nothing-here',
    });
  });

  it.each([`/../secret-NAME.txt`, `/%2e%2e/secret-NAME.txt`, `/assets/..%2f..%2fsecret-NAME.txt`, `/%2e%2e%2fsecret-NAME.txt`])(
    'refuses %s outside the folder',
    async (url) => {
      const r = await t.app.inject({ method: 'GET', url: url.replace('NAME', path.basename(web)) });
      expect(r.body).not.toContain('not for you');
    },
  );

  it('without a built front end says so', async () => {
    const bare = await (await import('./support')).testServer({ webRoot: path.join(web, 'nope') });
    const r = await bare.app.inject({ method: 'GET', url: '/' });
    expect(r.json()).toMatchObject({ statusCode: 404, message: 'the console front end is not built (console/web/dist is missing); the API is at /api' });
    await bare.close();
  });
});

describe('a patient', () => {
  it('joins the view with stored scans, features and QC; the mosaic route draws the stored scan', async () => {
    const dir = path.join(t.dir, 'scans');
    mkdirSync(dir);
    const size: [number, number, number] = [10, 10, 6];
    const n = 600;
    const geometry = { size, spacing: [1, 1, 1] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: IDENTITY };
    writeNifti(path.join(dir, 'T1CE.nii.gz'), { geometry, data: Float32Array.from({ length: n }, (_, i) => i % 10) });
    writeNifti(path.join(dir, 'mask.nii.gz'), {
      geometry,
      data: Uint8Array.from({ length: n }, (_, i) => (i % 10 > 3 && i % 10 < 7 && Math.floor(i / 10) % 10 > 3 && Math.floor(i / 10) % 10 < 7 ? 1 : 0)),
    });
    const key = { studyId: 'OS-T1', pseudonym: 'P-002', timepoint: 'baseline' };
    await t.store.recordScan({
      ...key,
      modality: 'T1CE',
      role: 'image',
      sha256: 'a'.repeat(64),
      path: path.join(dir, 'T1CE.nii.gz'),
      source: '/pacs/export/T1CE.nii.gz',
    });
    await t.store.recordScan({
      ...key,
      modality: 'mask',
      role: 'mask',
      sha256: 'b'.repeat(64),
      path: path.join(dir, 'mask.nii.gz'),
      source: '/pacs/export/mask.nii.gz',
    });
    await t.store.putFeatureSet({
      ...key,
      modality: 'T1CE',
      paramHash: 'h1',
      engineVersion: 'e',
      imageHash: 'i',
      maskHash: 'm',
      extractedAt: '2026-02-01T00:00:00Z',
      features: { original_firstorder_Mean: 4.5, original_shape_VoxelVolume: 18 },
    });
    t.timelines.views.get('P-002')!.timepoints[0].featureSet = { paramHash: 'h1', modalities: ['T1CE'], featureCount: 2 };

    const r = await t.app.inject({ method: 'GET', url: '/api/studies/OS-T1/patients/P-002', headers: h });
    expect(r.statusCode).toBe(200);
    const baseline = r.json().timepoints[0];
    expect(baseline).toMatchObject({ name: 'baseline', state: 'done', mosaics: ['T1CE'], qc: { passed: true, reasons: [], findings: [] } });
    expect(baseline.stored.map((s: { fileName: string }) => s.fileName)).toEqual(['T1CE.nii.gz', 'mask.nii.gz']);
    expect(r.body).not.toContain(dir); // no server paths
    expect(baseline.features).toEqual([
      expect.objectContaining({ modality: 'T1CE', featureCount: 2, features: { original_firstorder_Mean: 4.5, original_shape_VoxelVolume: 18 } }),
    ]);
    expect(r.json().timepoints[1].state).toBe('due');

    const png = await t.app.inject({ method: 'GET', url: '/api/studies/OS-T1/patients/P-002/timepoints/baseline/mosaic.png?modality=T1CE', headers: h });
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['x-mosaic-outlined']).toBe('true');
    expect(png.headers['x-mosaic-slices']).toBe('0,1,2,3,4,5');
    const meta = await sharp(png.rawPayload).metadata();
    expect(meta.format).toBe('png');
    const missing = await t.app.inject({ method: 'GET', url: '/api/studies/OS-T1/patients/P-002/timepoints/baseline/mosaic.png?modality=PET', headers: h });
    expect(missing.json()).toMatchObject({ statusCode: 404, message: "no stored PET scan for OS-T1/P-002 at 'baseline'" });
    const noModality = await t.app.inject({ method: 'GET', url: '/api/studies/OS-T1/patients/P-002/timepoints/baseline/mosaic.png', headers: h });
    expect(noModality.json()).toMatchObject({ statusCode: 400, field: 'modality' });
  });

  it('outlines each image with its own contour and lists the masks the run used', async () => {
    const dir = path.join(t.dir, 'scans');
    mkdirSync(dir);
    const grid = (size: [number, number, number]) => ({
      size,
      spacing: [1, 1, 1] as [number, number, number],
      origin: [0, 0, 0] as [number, number, number],
      direction: IDENTITY,
    });
    // T1CE on a 10×10×6 grid, T2 on an 8×8×5 grid: not co-registered, each with its contour on its own slices.
    const box = (size: [number, number, number], zs: number[]) =>
      Uint8Array.from({ length: size[0] * size[1] * size[2] }, (_, i) => {
        const [x, y, z] = [i % size[0], Math.floor(i / size[0]) % size[1], Math.floor(i / (size[0] * size[1]))];
        return x > 2 && x < 6 && y > 2 && y < 6 && zs.includes(z) ? 1 : 0;
      });
    writeNifti(path.join(dir, 'T1CE.nii.gz'), { geometry: grid([10, 10, 6]), data: Float32Array.from({ length: 600 }, (_, i) => i % 10) });
    writeNifti(path.join(dir, 'T2.nii.gz'), { geometry: grid([8, 8, 5]), data: Float32Array.from({ length: 320 }, (_, i) => i % 8) });
    writeNifti(path.join(dir, 'mask-T1CE.nii.gz'), { geometry: grid([10, 10, 6]), data: box([10, 10, 6], [1, 2]) });
    writeNifti(path.join(dir, 'mask-T2.nii.gz'), { geometry: grid([8, 8, 5]), data: box([8, 8, 5], [3, 4]) });
    const key = { studyId: 'OS-T1', pseudonym: 'P-002', timepoint: 'baseline' };
    const stored = (modality: string, role: 'image' | 'mask', file: string, c: string) =>
      t.store.recordScan({ ...key, modality, role, sha256: c.repeat(64), path: path.join(dir, file), source: `/exports/${file}` });
    await stored('T1CE', 'image', 'T1CE.nii.gz', 'a');
    await stored('T2', 'image', 'T2.nii.gz', 'b');
    await stored('mask:T2', 'mask', 'mask-T2.nii.gz', 'c');
    // The latest mask is T1CE's: the T2 mosaic must still take T2's.
    await stored('mask:T1CE', 'mask', 'mask-T1CE.nii.gz', 'd');
    t.timelines.views.get('P-002')!.timepoints[0].masks = [
      { for: 'T1CE', kind: 'NIfTI', sha256: 'd'.repeat(64) },
      { for: 'T2', kind: 'RTSTRUCT', roi: 'GTV_T2', sha256: 'c'.repeat(64) },
    ];

    const mosaic = (modality: string) =>
      t.app.inject({ method: 'GET', url: `/api/studies/OS-T1/patients/P-002/timepoints/baseline/mosaic.png?modality=${modality}`, headers: h });
    const t2 = await mosaic('T2');
    expect(t2.headers).toMatchObject({ 'x-mosaic-contour': 'mask:T2', 'x-mosaic-outlined': 'true', 'x-mosaic-slices': '3,4' });
    const t1 = await mosaic('T1CE');
    expect(t1.headers).toMatchObject({ 'x-mosaic-contour': 'mask:T1CE', 'x-mosaic-outlined': 'true', 'x-mosaic-slices': '1,2' });

    const baseline = (await t.app.inject({ method: 'GET', url: '/api/studies/OS-T1/patients/P-002', headers: h })).json().timepoints[0];
    expect(baseline.mosaics).toEqual(['T1CE', 'T2']);
    expect(baseline.masks).toEqual([
      { for: 'T1CE', kind: 'NIfTI', roi: null, sha256: 'd'.repeat(64) },
      { for: 'T2', kind: 'RTSTRUCT', roi: 'GTV_T2', sha256: 'c'.repeat(64) },
    ]);
  });

  it('filters the cohort by state and refuses an unknown state', async () => {
    const due = await t.app.inject({ method: 'GET', url: '/api/studies/OS-T1/cohort?state=due', headers: h });
    expect(due.json().patients.map((p: { pseudonym: string }) => p.pseudonym)).toEqual(['P-002']);
    const all = await t.app.inject({ method: 'GET', url: '/api/studies/OS-T1/cohort', headers: h });
    expect(all.json().patients.map((p: { pseudonym: string; state: string }) => `${p.pseudonym}:${p.state}`)).toEqual(['P-001:qc-failed', 'P-002:due']);
    const bad = await t.app.inject({ method: 'GET', url: '/api/studies/OS-T1/cohort?state=sleeping', headers: h });
    expect(bad.json()).toMatchObject({ statusCode: 400, field: 'state' });
    expect((await t.app.inject({ method: 'GET', url: '/api/studies/NOPE/cohort', headers: h })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/studies', headers: h })).json()).toEqual({
      studies: [{ studyId: 'OS-T1', patients: 2, byState: { 'qc-failed': 1, due: 1 }, needingAction: 1 }],
    });
  });
});

it('sends a snapshot, then only the patients that changed, over server-sent events', async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  const events: ConsoleEvent[] = [];
  let buffer = '';
  const request = http.get({ host: '127.0.0.1', port, path: '/api/studies/OS-T1/events', headers: h });
  const response = await new Promise<http.IncomingMessage>((resolve) => request.once('response', resolve));
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  response.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      const event = data && (JSON.parse(data.slice(6)) as ConsoleEvent);
      if (event && event.type !== 'ping') events.push(event); // pings are the other test's subject
    }
  });
  const waitFor = async (n: number) => {
    for (let i = 0; i < 200 && events.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  await waitFor(1);
  expect(events[0]).toMatchObject({ type: 'snapshot', cohort: { studyId: 'OS-T1' } });
  await new Promise((r) => setTimeout(r, 300)); // several polls, nothing changed: nothing sent
  expect(events).toHaveLength(1);
  t.timelines.views.get('P-001')!.timepoints[0].status = 'extracting';
  await waitFor(2);
  expect(events[1]).toMatchObject({ type: 'patients', studyId: 'OS-T1' });
  expect((events[1] as { patients: { pseudonym: string; state: string }[] }).patients.map((p) => `${p.pseudonym}:${p.state}`)).toEqual(['P-001:running']);
  request.destroy();
});

it('pings while the session lives and ends the stream once it has ended', async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  let text = '';
  const request = http.get({ host: '127.0.0.1', port, path: '/api/studies/OS-T1/events', headers: h });
  const response = await new Promise<http.IncomingMessage>((resolve) => request.once('response', resolve));
  const ended = new Promise<void>((resolve) => response.once('end', resolve));
  response.on('data', (chunk: Buffer) => (text += chunk.toString()));
  for (let i = 0; i < 100 && !text.includes('event: ping'); i++) await new Promise((r) => setTimeout(r, 10));
  expect(text).toContain('event: ping');
  const out = await t.app.inject({ method: 'DELETE', url: '/api/session', headers: { ...h, 'x-csrf-token': csrf } });
  expect(out.statusCode).toBe(204);
  await ended; // the next ping finds the session gone and ends the stream
  request.destroy();
});
