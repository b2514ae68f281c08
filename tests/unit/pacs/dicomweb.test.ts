// The DICOMweb client against a small HTTP server of this test: QIDO-RS searches, WADO-RS retrieval streamed to disk
// (cap, progress, broken and malformed answers leave nothing behind), STOW-RS with a streamed body of the announced
// length, and errors that say whether to retry, name the route and never the UIDs or query values.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { DicomwebClient, dicomValue, PacsRequestError, PacsUnavailableError, seriesSummary, studySummary } from '../../../pacs';
import { readMultipart } from '../../../pacs/multipart';
import { tempDir } from './support';

const STUDY = '1.2.826.0.1.3680043.8.498.11';
const SECRET_ID = 'PAT-0427-SMITH';
const USER = { username: 'reader', password: 'correct horse' };

/** A stand-in Part-10 file: the 128-byte preamble, DICM, then `size` bytes. */
function fakeInstance(seed: number, size = 5000): Buffer {
  const b = Buffer.alloc(132 + size, seed);
  b.fill(0, 0, 128);
  b.write('DICM', 128, 'latin1');
  return b;
}
const INSTANCES = [fakeInstance(1), fakeInstance(2, 20000), fakeInstance(3, 1)];

const stowed: { length?: string; parts: Buffer[] } = { parts: [] };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function writeSlowly(res: http.ServerResponse, bytes: Buffer, size = 1000, pause = 0): Promise<void> {
  for (let at = 0; at < bytes.length && !res.destroyed; at += size) {
    res.write(bytes.subarray(at, at + size));
    if (pause) await sleep(pause);
  }
}

function multipart(parts: Buffer[], boundary: string, type = 'application/dicom'): Buffer {
  return Buffer.concat([
    ...parts.flatMap((p) => [Buffer.from(`--${boundary}\r\nContent-Type: ${type}\r\n\r\n`), p, Buffer.from('\r\n')]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const auth = req.headers.authorization ?? '';
  if (auth !== `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`) {
    res.writeHead(401).end('{"Message": "Bad credentials"}');
    return;
  }
  if (url.pathname === '/dicom-web/studies' && req.method === 'GET') {
    if (url.searchParams.get('PatientID') === 'nobody') {
      res.writeHead(204).end();
      return;
    }
    if (url.searchParams.get('PatientID') === 'busy') {
      res.writeHead(503).end('busy');
      return;
    }
    if (url.searchParams.get('PatientID') === 'html') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
    res.end(
      JSON.stringify([
        {
          '0020000D': { vr: 'UI', Value: [STUDY] },
          '00080020': { vr: 'DA', Value: ['20240102'] },
          '00080061': { vr: 'CS', Value: ['CT', 'RTSTRUCT'] },
          '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Smith^Jo' }] },
          '00201206': { vr: 'IS', Value: [2] },
        },
      ]),
    );
    return;
  }
  const series = /^\/dicom-web\/studies\/([^/]+)\/series$/.exec(url.pathname);
  if (series) {
    res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
    res.end(JSON.stringify([{ '0020000E': { vr: 'UI', Value: ['1.2.3.4'] }, '00080060': { vr: 'CS', Value: ['CT'] }, '00201209': { vr: 'IS', Value: [3] } }]));
    return;
  }
  const wado = /^\/dicom-web\/studies\/([^/]+)\/series\/([^/]+)$/.exec(url.pathname);
  if (wado) {
    const kind = decodeURIComponent(wado[2]);
    const boundary = 'wado-boundary-7';
    if (kind === 'missing') {
      res.writeHead(404).end();
      return;
    }
    if (kind === 'json') {
      res.writeHead(200, { 'Content-Type': 'application/dicom+json' }).end('[]');
      return;
    }
    const body = kind === 'notdicom' ? multipart([INSTANCES[0], Buffer.from('plain text')], boundary) : multipart(kind === 'empty' ? [] : INSTANCES, boundary);
    res.writeHead(200, { 'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}` });
    if (kind === 'cut') {
      res.write(body.subarray(0, 9000));
      setTimeout(() => res.destroy(), 20);
      return;
    }
    void writeSlowly(res, body, 777, kind === 'slow' ? 400 : 0).then(() => res.end());
    return;
  }
  if (url.pathname === '/dicom-web/studies' && req.method === 'POST') {
    stowed.length = req.headers['content-length'];
    stowed.parts = [];
    const boundary = /boundary=([^;]+)/.exec(req.headers['content-type'] ?? '')![1];
    const chunks = req as unknown as AsyncIterable<Uint8Array>;
    void readMultipart(chunks, boundary, async () => {
      const got: Buffer[] = [];
      return { write: async (c) => void got.push(Buffer.from(c)), end: async () => void stowed.parts.push(Buffer.concat(got)) };
    }).then(() => {
      res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
      res.end(
        JSON.stringify({
          '00081199': { vr: 'SQ', Value: stowed.parts.slice(1).map((_p, i) => ({ '00081155': { vr: 'UI', Value: [`1.2.3.${i + 1}`] } })) },
          '00081198': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3.0'] }, '00081197': { vr: 'US', Value: [272] } }] },
        }),
      );
    });
    return;
  }
  res.writeHead(404).end();
});

let url = '';
let dir = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  dir = tempDir('osteoflow-dicomweb-');
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A port on which nothing listens. */
async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const client = (extra: Partial<ConstructorParameters<typeof DicomwebClient>[0]> = {}) => new DicomwebClient({ url, credentials: USER, ...extra });

describe('QIDO-RS', () => {
  it('searches studies and series and summarises them without the patient', async () => {
    const studies = await client().searchStudies({ PatientID: SECRET_ID, StudyDate: '20240101-', limit: 10 });
    expect(studySummary(studies[0])).toEqual({
      studyInstanceUid: STUDY,
      studyDate: '20240102',
      modalities: ['CT', 'RTSTRUCT'],
      series: 2,
      instances: undefined,
    });
    expect(dicomValue(studies[0], '00100010')).toBe('Smith^Jo');
    const series = await client().searchSeries(STUDY);
    expect(series.map(seriesSummary)).toEqual([
      { studyInstanceUid: undefined, seriesInstanceUid: '1.2.3.4', modality: 'CT', seriesNumber: undefined, instances: 3 },
    ]);
  });

  it('takes 204 No Content as no match', async () => {
    expect(await client().searchStudies({ PatientID: 'nobody' })).toEqual([]);
  });

  it('refuses a query key that is neither a keyword nor a tag', async () => {
    await expect(client().searchStudies({ 'PatientID&x': 'y' })).rejects.toThrow(/not an attribute keyword, tag or query parameter/);
  });

  it('says retry for a busy server or none, and not for refused credentials or a non-JSON answer; never quoting the query', async () => {
    const busy = await client()
      .searchStudies({ PatientID: 'busy' })
      .catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(PacsUnavailableError);
    expect((busy as Error).message).toMatch(/^PACS GET \/dicom-web\/studies: HTTP 503 .*expected a DICOM JSON array of studies \(QIDO-RS, PS3\.18 10\.6\)$/);

    const refused = await client({ credentials: { username: 'reader', password: 'wrong' } })
      .searchStudies({ PatientID: SECRET_ID })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PacsRequestError);
    expect(refused).toMatchObject({ retryable: false, status: 401, route: '/dicom-web/studies' });
    expect((refused as Error).message).toContain('credentials were refused');
    expect((refused as Error).message).not.toContain(SECRET_ID);

    const html = await client()
      .searchStudies({ PatientID: 'html' })
      .catch((e: unknown) => e);
    expect(html).toBeInstanceOf(PacsRequestError);
    expect((html as Error).message).toMatch(/the answer is not JSON/);

    const port = await closedPort();
    const down = await new DicomwebClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000 })
      .searchStudies({ PatientID: SECRET_ID })
      .catch((e: unknown) => e);
    expect(down).toBeInstanceOf(PacsUnavailableError);
    expect(down).toMatchObject({ retryable: true });
    expect((down as Error).message).toContain(`no answer from http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect((down as Error).message).not.toContain(SECRET_ID);
  });
});

describe('WADO-RS', () => {
  it('streams a series to disk as Part-10 files, reporting progress', async () => {
    const progress: Array<{ instances: number; bytes: number }> = [];
    const dest = path.join(dir, 'ok');
    const got = await client().retrieveSeries(STUDY, 'ok', dest, { onProgress: (p) => progress.push(p) });
    expect(got.instances).toBe(3);
    expect(got.bytes).toBe(INSTANCES.reduce((s, b) => s + b.length, 0));
    expect(readdirSync(dest)).toEqual(['000001.dcm', '000002.dcm', '000003.dcm']);
    got.files.forEach((f, i) => expect(readFileSync(f).equals(INSTANCES[i])).toBe(true));
    expect(progress.map((p) => p.instances)).toEqual([1, 2, 3]);
    expect(readdirSync(dir).filter((n) => n.includes('partial'))).toEqual([]);
    // An existing folder is kept unless replacing was asked for.
    await expect(client().retrieveSeries(STUDY, 'ok', dest)).rejects.toThrow(/destination folder exists already/);
    await expect(client().retrieveSeries(STUDY, 'ok', dest, { overwrite: true })).resolves.toMatchObject({ instances: 3 });
  });

  it('stops at the size cap and keeps nothing', async () => {
    const err = await client()
      .retrieveSeries(STUDY, 'ok', path.join(dir, 'capped'), { maxBytes: 10000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PacsRequestError);
    expect((err as Error).message).toMatch(/the series holds more than 10000 bytes/);
    expect(existsSync(path.join(dir, 'capped'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('calls a broken connection retryable and a malformed answer not, keeping nothing, naming no UID', async () => {
    const cut = await client()
      .retrieveSeries(STUDY, 'cut', path.join(dir, 'cut'))
      .catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(PacsUnavailableError);
    expect((cut as Error).message).toMatch(/^PACS GET \/dicom-web\/studies\/\{study\}\/series\/\{series\}: /);
    expect((cut as Error).message).not.toContain(STUDY);

    for (const [kind, pattern] of [
      ['notdicom', /part 2 is not a DICOM Part-10 file/],
      ['json', /the answer is application\/dicom\+json; expected a multipart\/related answer/],
      ['empty', /holds no instance/],
      ['missing', /HTTP 404 \(not found\)/],
    ] as const) {
      const err = await client()
        .retrieveSeries(STUDY, kind, path.join(dir, kind))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PacsRequestError);
      expect((err as Error).message).toMatch(pattern);
      expect(existsSync(path.join(dir, kind))).toBe(false);
    }
    expect(readdirSync(dir).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('gives up on an answer that pauses too long', async () => {
    const err = await client({ idleTimeoutMs: 150 })
      .retrieveSeries(STUDY, 'slow', path.join(dir, 'slow'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PacsUnavailableError);
    expect((err as Error).message).toMatch(/the answer paused for more than/);
    expect(existsSync(path.join(dir, 'slow'))).toBe(false);
  });

  it('stops when the caller aborts', async () => {
    const abort = new AbortController();
    const pending = client().retrieveSeries(STUDY, 'slow', path.join(dir, 'aborted'), { signal: abort.signal });
    setTimeout(() => abort.abort(new Error('cancelled by the workflow')), 100);
    await expect(pending).rejects.toThrow('cancelled by the workflow');
    expect(existsSync(path.join(dir, 'aborted'))).toBe(false);
  });
});

describe('STOW-RS', () => {
  it('sends the files as one multipart body of the announced length and reads the store response', async () => {
    const files = INSTANCES.map((b, i) => {
      const f = path.join(dir, `stow-${i}.dcm`);
      writeFileSync(f, b);
      return f;
    });
    const result = await client().store(files);
    expect(stowed.parts.map((p) => p.length)).toEqual(INSTANCES.map((b) => b.length));
    expect(Number(stowed.length)).toBeGreaterThan(INSTANCES.reduce((s, b) => s + b.length, 0));
    expect(result).toEqual({ stored: ['1.2.3.1', '1.2.3.2'], failed: [{ sopInstanceUid: '1.2.3.0', reason: 272 }] });
    expect(await client().store([])).toEqual({ stored: [], failed: [] });
  });
});
