// A coordinator's actions through the API: each under the signed-in identity and audited; every bad input refused
// with a clear 4xx and nothing changed (no timeline update, no file left behind, no 'ok' audit entry).
import { existsSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeNifti } from '../../../imaging/io';
import type { Volume } from '../../../imaging/image';
import { IDENTITY } from '../../../imaging/image';
import { referencePath } from '../../support/referenceData';
import { STUDY, testServer, type TestServer } from './support';
import type { StudyProtocol } from '../../../contracts/study';

let t: TestServer;
let h: Record<string, string>;
beforeEach(async () => {
  t = await testServer({ maxUploadBytes: 64 * 1024 });
  await t.user('cora', ['coordinator']);
  const s = await t.signIn('cora');
  h = { cookie: s.cookie, 'x-csrf-token': s.csrf };
});
afterEach(async () => t.close());

const BASE = '/api/studies/OS-T1/patients';
const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url: `${BASE}${url}`, headers: h, payload: payload as object });
/** A blob of the test server's store (tests/unit/console/support.ts: `<dir>/blobs`). */
const blobFile = (sha256: string) => path.join(t.dir, 'blobs', sha256.slice(0, 2), sha256);
const okEntries = async (action: string) => (await t.accessStore.listAudit({ action, outcome: 'ok' })).length;

/** Files under the upload folder, the incoming area included. */
function uploadedFiles(): string[] {
  const root = path.join(t.dir, 'uploads');
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as Dirent[]).filter((d) => d.isFile()).map((d) => d.name);
}

function multipart(fields: Record<string, string>, file?: { name: string; content: Buffer }): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----osteoflowtest';
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    );
    chunks.push(file.content, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

function niftiBytes(size: [number, number, number], fill: (i: number) => number): Buffer {
  const n = size[0] * size[1] * size[2];
  const volume: Volume = {
    geometry: { size, spacing: [1, 1, 3], origin: [0, 0, 0], direction: IDENTITY },
    data: Float32Array.from({ length: n }, (_, i) => fill(i)),
  };
  const file = path.join(t.dir, `v-${Math.random().toString(36).slice(2)}.nii.gz`);
  writeNifti(file, volume);
  return readFileSync(file);
}

const upload = (method: 'POST' | 'PUT', url: string, fields: Record<string, string>, file?: { name: string; content: Buffer }) => {
  const body = multipart(fields, file);
  return t.app.inject({ method, url: `${BASE}${url}`, headers: { ...h, ...body.headers }, payload: body.payload });
};

describe('override QC', () => {
  it('records the signed-in coordinator as who, with the reason, and audits it', async () => {
    const r = await post('/P-001/timepoints/baseline/override', { reason: 'T2 slice count is the scanner default here' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.patient.timepoints[0].qc.override).toEqual({ reason: 'T2 slice count is the scanner default here', who: 'cora' });
    const [entry] = await t.accessStore.listAudit({ action: 'qc.override' });
    expect(entry).toMatchObject({
      id: body.auditId,
      actor: 'cora',
      target: 'OS-T1/P-001/baseline',
      reason: 'T2 slice count is the scanner default here',
      outcome: 'ok',
    });
  });

  it.each([
    [{}, 'reason', "body must have required property 'reason'"],
    [{ reason: '' }, 'reason', 'body/reason must NOT have fewer than 3 characters'],
    [{ reason: '     ' }, 'reason', 'body/reason must match pattern "\\S.*\\S"'],
    [{ reason: 'fine', who: 'someone-else' }, 'who', 'body must NOT have additional properties'], // who is the signed-in user
  ])('refuses %j with 400 naming the field; nothing changes', async (payload, field, message) => {
    const r = await post('/P-001/timepoints/baseline/override', payload);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({ statusCode: 400, error: 'Bad Request', message, field });
    expect(t.timelines.views.get('P-001')!.timepoints[0].qc!.override).toBeUndefined();
    expect(await t.accessStore.listAudit({ action: 'qc.override' })).toEqual([]);
  });

  it("passes the timeline's own refusal on as 400, audited as refused", async () => {
    const r = await post('/P-002/timepoints/baseline/override', { reason: 'no reason really' });
    expect(r.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: "timepoint 'baseline' is done, not awaiting a re-scan; there is no QC verdict to override",
    });
    expect((await t.accessStore.listAudit({ action: 'qc.override' }))[0]).toMatchObject({ outcome: 'refused', actor: 'cora' });
  });

  it('404 for a patient the study does not have; 400 for a malformed pseudonym', async () => {
    expect((await post('/P-404/timepoints/baseline/override', { reason: 'why not' })).json()).toMatchObject({
      statusCode: 404,
      message: "no patient 'P-404' in study 'OS-T1'",
    });
    const bad = await post('/Jane%20Doe/timepoints/baseline/override', { reason: 'why not' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('pseudonym');
  });
});

describe('pathology', () => {
  const pathology = { necrosisPct: 95, huvosGrade: 'III', date: '2026-05-01' };
  it('is recorded once: the second time is a 409 saying what is recorded', async () => {
    expect((await post('/P-002/pathology', pathology)).statusCode).toBe(200);
    const again = await post('/P-002/pathology', { ...pathology, necrosisPct: 40, huvosGrade: 'I' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'pathology of P-002 is already recorded (necrosis 95 %, Huvos III, 2026-05-01); it is recorded once',
    });
    expect(t.timelines.views.get('P-002')!.pathology).toEqual(pathology);
    expect((await t.accessStore.listAudit({ action: 'pathology.record' })).map((e) => e.outcome)).toEqual(['refused', 'ok']);
  });

  it.each([
    [{ ...pathology, necrosisPct: 101 }, 'necrosisPct'],
    [{ ...pathology, huvosGrade: 'V' }, 'huvosGrade'],
    [{ ...pathology, date: '01/05/2026' }, 'date'],
    [{ ...pathology, date: '2026-13-45' }, 'date'],
    [{ necrosisPct: 95, huvosGrade: 'III' }, 'date'],
  ])('refuses %j (400, field %s); nothing recorded', async (payload, field) => {
    const r = await post('/P-002/pathology', payload);
    expect(r.statusCode).toBe(400);
    expect(r.json().field).toBe(field);
    expect(t.timelines.views.get('P-002')!.pathology).toBeUndefined();
  });
});

describe('withdraw and retry', () => {
  it('withdraws with a reason; twice is a 409', async () => {
    expect((await post('/P-001/withdraw', { reason: 'consent withdrawn' })).json().patient.state).toBe('withdrawn');
    expect((await post('/P-001/withdraw', { reason: 'consent withdrawn' })).json()).toMatchObject({
      statusCode: 409,
      message: 'P-001 is already withdrawn (consent withdrawn)',
    });
  });

  it('a retry of a timepoint that does not need attention is refused by the timeline', async () => {
    const r = await post('/P-002/timepoints/baseline/retry', { reason: 'disk freed' });
    expect(r.json()).toMatchObject({ statusCode: 400, message: "timepoint 'baseline' is done, not needing attention; there is nothing to retry" });
  });
});

describe('uploads', () => {
  it('registers a NIfTI re-scan under the signed-in identity by its blob address; the file is kept inside the upload folder', async () => {
    const content = niftiBytes([8, 8, 4], (i) => i % 17);
    const r = await upload('POST', '/P-001/timepoints/baseline/scans', { modality: 'T2' }, { name: 'T2-rescan.nii.gz', content });
    expect(r.statusCode).toBe(200);
    const [registered] = t.timelines.registered;
    expect(registered.modality).toBe('T2');
    expect(registered.timepoint).toBe('baseline');
    const [, sha256, name] = /^blob:([0-9a-f]{64})\/(T2-[^/]+\.nii\.gz)$/.exec(registered.source)!;
    expect(sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(readFileSync(blobFile(sha256))).toEqual(content);
    expect(readFileSync(path.join(t.dir, 'uploads', 'OS-T1', 'P-001', 'baseline', name))).toEqual(content);
    expect(r.json().message).toBe("timepoint 'baseline' is running; the new scan is processed in a run after this one");
    const [entry] = await t.accessStore.listAudit({ action: 'scan.register' });
    expect(entry).toMatchObject({
      actor: 'cora',
      outcome: 'ok',
      detail: { modality: 'T2', sha256: createHash('sha256').update(content).digest('hex'), bytes: content.length },
    });
    // The client's file name may name a person: it is not kept.
    expect(JSON.stringify(entry)).not.toContain('T2-rescan');
  });

  it('replaces a mask with PUT …/mask', async () => {
    const content = niftiBytes([8, 8, 4], (i) => (i % 8 > 2 && i % 8 < 6 ? 1 : 0));
    const r = await upload('PUT', '/P-001/timepoints/baseline/mask', {}, { name: 'mask.nii.gz', content });
    expect(r.statusCode).toBe(200);
    expect(t.timelines.registered.map((x) => x.modality)).toEqual(['mask']);
    expect(await okEntries('mask.replace')).toBe(1);
  });

  it.each([
    [
      'a text file named like an image',
      'notes.nii.gz',
      gzipSync(Buffer.from('these are my notes, not an image')),
      400,
      /^file 'notes.nii.gz' is not a readable .nii.gz image: /,
    ],
    ['a non-gzip .nii.gz', 'scan.nii.gz', Buffer.from('plain bytes'), 400, /^file 'scan.nii.gz' is not a readable .nii.gz image: /],
    ['a NRRD that is not one', 'scan.nrrd', Buffer.from('NRRD0004\ntype: float\n'), 400, /^file 'scan.nrrd' is not a readable .nrrd image: /],
    [
      'a JPEG',
      'photo.jpg',
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      400,
      /^file 'photo.jpg' is not an image the pipeline reads \(expected .nii, .nii.gz, .nrrd\)$/,
    ],
    ['a file over the limit', 'big.nii', Buffer.alloc(70 * 1024, 1), 413, /^file 'big.nii' is larger than the limit of 65536 bytes$/],
  ])('refuses %s; nothing registered, no file kept', async (_what, name, content, status, message) => {
    const r = await upload('POST', '/P-001/timepoints/baseline/scans', { modality: 'T2' }, { name, content });
    expect(r.statusCode).toBe(status);
    expect(r.json().message).toMatch(message);
    expect(r.json().field).toBe('file');
    expect(t.timelines.registered).toEqual([]);
    expect(uploadedFiles()).toEqual([]);
    expect(await okEntries('scan.register')).toBe(0);
  });

  it('refuses an upload without a file, without a modality, with a modality the timepoint lacks, or not multipart', async () => {
    const content = niftiBytes([8, 8, 4], (i) => i);
    const noFile = await upload('POST', '/P-001/timepoints/baseline/scans', { modality: 'T2' });
    expect(noFile.json()).toMatchObject({ statusCode: 400, field: 'file', message: "no file: send the image in multipart field 'file'" });
    const noModality = await upload('POST', '/P-001/timepoints/baseline/scans', {}, { name: 's.nii.gz', content });
    expect(noModality.json()).toMatchObject({ statusCode: 400, field: 'modality' });
    const unknown = await upload('POST', '/P-001/timepoints/baseline/scans', { modality: 'XRAY' }, { name: 's.nii.gz', content });
    expect(unknown.json()).toMatchObject({ statusCode: 400, message: `modality "XRAY" is not part of timepoint 'baseline'` });
    const unknownTimepoint = await upload('POST', '/P-001/timepoints/week-9/scans', { modality: 'T2' }, { name: 's.nii.gz', content });
    expect(unknownTimepoint.json()).toMatchObject({
      statusCode: 400,
      field: 'timepoint',
      message: "unknown timepoint 'week-9' (expected one of baseline, mid)",
    });
    const json = await t.app.inject({ method: 'POST', url: `${BASE}/P-001/timepoints/baseline/scans`, headers: h, payload: { modality: 'T2' } });
    expect(json.statusCode).toBe(415);
    expect(t.timelines.registered).toEqual([]);
    expect(uploadedFiles()).toEqual([]);
  });
});

describe('a mask per image', () => {
  const maskContent = () => niftiBytes([8, 8, 4], (i) => (i % 8 > 2 && i % 8 < 6 ? 1 : 0));
  beforeEach(() => {
    // The protocol's image modalities per timepoint: what a mask may be for.
    t.timelines.protocol = {
      studyId: STUDY,
      model: { name: 'resp' },
      timepoints: [
        { name: 'baseline', modalities: ['T1CE', 'T2'] },
        { name: 'mid', modalities: ['T1CE'] },
      ],
    } as unknown as StudyProtocol;
  });

  it("registers a mask for one image ('for'), audited with it", async () => {
    const r = await upload('PUT', '/P-001/timepoints/baseline/mask', { for: 'T2' }, { name: 'mask.nii.gz', content: maskContent() });
    expect(r.statusCode).toBe(200);
    expect(t.timelines.registered).toEqual([expect.objectContaining({ modality: 'mask', for: 'T2' })]);
    expect(t.timelines.registered[0]).not.toHaveProperty('roi');
    expect(t.timelines.registered[0].source).toMatch(/^blob:[0-9a-f]{64}\/mask-T2-/);
    const [entry] = await t.accessStore.listAudit({ action: 'mask.replace' });
    expect(entry.detail).toMatchObject({ modality: 'mask', for: 'T2' });
    // The patient answered lists the image modalities the form offers.
    expect(r.json().patient.timepoints[0].imageModalities).toEqual(['T1CE', 'T2']);
  });

  it("registers the shared mask for 'all' images on its grid, as for no 'for'", async () => {
    for (const fields of [{ for: 'all' }, {}] as Record<string, string>[]) {
      const r = await upload('PUT', '/P-001/timepoints/baseline/mask', fields, { name: 'mask.nii.gz', content: maskContent() });
      expect(r.statusCode).toBe(200);
    }
    expect(t.timelines.registered.map((x) => x.for)).toEqual([undefined, undefined]);
  });

  it.each([
    [
      'an image the timepoint does not take',
      { for: 'PET' },
      'for',
      "field 'for' must be an image modality of the timepoint (expected one of T1CE, T2, or 'all'), got 'PET'",
    ],
    ['the mask itself', { for: 'mask' }, 'for', "field 'for' must be an image modality of the timepoint (expected one of T1CE, T2, or 'all'), got 'mask'"],
    ['an ROI for a NIfTI mask', { for: 'T2', roi: 'GTV' }, 'roi', "field 'roi' names an RTSTRUCT ROI or SEG segment; a NIfTI or NRRD mask has none"],
  ])('refuses %s with 400 naming the field; nothing registered, no file kept', async (_what, fields, field, message) => {
    const r = await upload('PUT', '/P-001/timepoints/baseline/mask', fields, { name: 'mask.nii.gz', content: maskContent() });
    expect(r.json()).toMatchObject({ statusCode: 400, field, message });
    expect(t.timelines.registered).toEqual([]);
    expect(uploadedFiles()).toEqual([]);
    expect(await okEntries('mask.replace')).toBe(0);
  });

  it("checks 'for' against the timepoint's own modalities (mid takes no T2)", async () => {
    const r = await upload('PUT', '/P-001/timepoints/mid/mask', { for: 'T2' }, { name: 'mask.nii.gz', content: maskContent() });
    expect(r.json()).toMatchObject({ statusCode: 400, field: 'for' });
    expect(t.timelines.registered).toEqual([]);
  });

  it('refuses a .dcm that is not an RTSTRUCT or SEG, and any .dcm as a scan', async () => {
    const fake = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from('not a data set')]);
    const r = await upload('PUT', '/P-001/timepoints/baseline/mask', { for: 'T2' }, { name: 'RS.dcm', content: fake });
    expect(r.json()).toMatchObject({ statusCode: 400, field: 'file', message: expect.stringMatching(/^file 'RS.dcm' is not a readable .dcm image: /) });
    const scan = await upload('POST', '/P-001/timepoints/baseline/scans', { modality: 'T2' }, { name: 'RS.dcm', content: fake });
    expect(scan.json()).toMatchObject({
      statusCode: 400,
      field: 'file',
      message: "file 'RS.dcm' is not an image the pipeline reads (expected .nii, .nii.gz, .nrrd)",
    });
    expect(t.timelines.registered).toEqual([]);
    expect(uploadedFiles()).toEqual([]);
  });

  const rtstruct = referencePath('sts', 'dicom', 'STS_001', 'MR_T1', 'mask', 'RS.dcm');
  (existsSync(rtstruct) || process.env.CI === 'true' ? it : it.skip)(
    "takes an RTSTRUCT with its ROI for one image, and refuses one without 'for'",
    async () => {
      // The RTSTRUCT is larger than this file's 64 KiB upload limit: a server with the default limit.
      await t.close();
      t = await testServer();
      t.timelines.protocol = { studyId: STUDY, timepoints: [{ name: 'baseline', modalities: ['CT', 'T1', 'PET'] }] } as unknown as StudyProtocol;
      await t.user('cora', ['coordinator']);
      const s = await t.signIn('cora');
      h = { cookie: s.cookie, 'x-csrf-token': s.csrf };
      const content = readFileSync(rtstruct);
      const none = await upload('PUT', '/P-001/timepoints/baseline/mask', { roi: 'GTV_Mass_MR_T1' }, { name: 'RS.dcm', content });
      expect(none.json()).toMatchObject({
        statusCode: 400,
        field: 'for',
        message: "field 'for' must name the image the RTSTRUCT is drawn on (one of CT, T1, PET): it is converted on that series' grid",
      });
      expect(uploadedFiles()).toEqual([]);
      const r = await upload('PUT', '/P-001/timepoints/baseline/mask', { for: 'T1', roi: 'GTV_Mass_MR_T1' }, { name: 'RS.dcm', content });
      expect(r.statusCode).toBe(200);
      expect(t.timelines.registered).toEqual([expect.objectContaining({ modality: 'mask', for: 'T1', roi: 'GTV_Mass_MR_T1' })]);
      expect(readFileSync(blobFile(t.timelines.registered[0].source.slice('blob:'.length, 'blob:'.length + 64)))).toEqual(content);
      const [entry] = await t.accessStore.listAudit({ action: 'mask.replace', outcome: 'ok' });
      expect(entry.detail).toMatchObject({ for: 'T1', roi: 'GTV_Mass_MR_T1', kind: 'RTSTRUCT' });
    },
  );
});

describe('the audit trail over HTTP', () => {
  it('filters by action prefix and actor', async () => {
    await post('/P-001/timepoints/baseline/override', { reason: 'reviewed by the PI' });
    await post('/P-002/pathology', { necrosisPct: 30, huvosGrade: 'I', date: '2026-05-02' });
    const r = await t.app.inject({ method: 'GET', url: '/api/audit?action=qc.&actor=cora', headers: h });
    expect(r.json().entries.map((e: { action: string; target: string }) => `${e.action} ${e.target}`)).toEqual(['qc.override OS-T1/P-001/baseline']);
    const bad = await t.app.inject({ method: 'GET', url: '/api/audit?outcome=maybe', headers: h });
    expect(bad.json()).toMatchObject({ statusCode: 400, field: 'outcome' });
  });
});
