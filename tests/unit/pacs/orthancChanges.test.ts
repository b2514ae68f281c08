// Orthanc's change feed read with a cursor, against a stand-in server: pages follow Last, only StableSeries become
// series (UIDs from /series and /studies, the patient's attributes beside them unread), a series deleted since is left out.
import http from 'node:http';
import type net from 'node:net';
import { OrthancClient, PacsRequestError } from '../../../pacs';

const CHANGES = [
  { Seq: 1, ChangeType: 'NewInstance', ResourceType: 'Instance', ID: 'i1', Date: '20260101T000000' },
  { Seq: 2, ChangeType: 'NewSeries', ResourceType: 'Series', ID: 's1', Date: '20260101T000000' },
  { Seq: 3, ChangeType: 'StableSeries', ResourceType: 'Series', ID: 's1', Date: '20260101T000100' },
  { Seq: 4, ChangeType: 'StableSeries', ResourceType: 'Series', ID: 'gone', Date: '20260101T000100' },
  { Seq: 5, ChangeType: 'StableStudy', ResourceType: 'Study', ID: 'st1', Date: '20260101T000200' },
  { Seq: 6, ChangeType: 'StableSeries', ResourceType: 'Series', ID: 's2', Date: '20260101T000300' },
];
const requests: string[] = [];

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  requests.push(url.pathname + url.search);
  const json = (body: unknown, status = 200) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  if (url.pathname === '/changes') {
    if (url.searchParams.has('last')) return json({ Changes: CHANGES.slice(-1), Done: true, Last: 6 });
    const since = Number(url.searchParams.get('since'));
    const limit = Number(url.searchParams.get('limit'));
    const page = CHANGES.filter((c) => c.Seq > since).slice(0, limit);
    return json({ Changes: page, Done: page.length === 0 || page[page.length - 1].Seq === 6, Last: page.length ? page[page.length - 1].Seq : 6 });
  }
  if (url.pathname === '/series/s1') return json({ MainDicomTags: { SeriesInstanceUID: '1.2.3.1', Modality: 'CT' }, ParentStudy: 'st1' });
  if (url.pathname === '/series/s2') return json({ MainDicomTags: { SeriesInstanceUID: '1.2.3.2', Modality: 'RTSTRUCT' }, ParentStudy: 'st1' });
  if (url.pathname === '/studies/st1') return json({ MainDicomTags: { StudyInstanceUID: '1.2.3' }, PatientMainDicomTags: { PatientName: 'Doe^Jane' } });
  if (url.pathname === '/series/bad') return json({ Whatever: true });
  res.writeHead(404).end();
});

let client: OrthancClient;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new OrthancClient({ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/` });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it('reads the feed in pages from a cursor', async () => {
  const first = await client.changes(0, 2);
  expect(first).toMatchObject({ cursor: 2, done: false });
  expect(first.changes.map((c) => [c.seq, c.changeType])).toEqual([
    [1, 'NewInstance'],
    [2, 'NewSeries'],
  ]);
  const rest = await client.changes(first.cursor, 100);
  expect(rest.changes.map((c) => c.seq)).toEqual([3, 4, 5, 6]);
  expect(rest).toMatchObject({ cursor: 6, done: true });
  expect(await client.latestCursor()).toBe(6);
  await expect(client.changes(-1)).rejects.toThrow(/cursor/);
});

it('turns stable series into DICOM UIDs, leaving out one deleted since', async () => {
  requests.length = 0;
  const result = await client.stableSeries(0, { pageSize: 2 });
  expect(result).toEqual({
    series: [
      { seq: 3, orthancId: 's1', studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.1', modality: 'CT' },
      { seq: 6, orthancId: 's2', studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.2', modality: 'RTSTRUCT' },
    ],
    cursor: 6,
    done: true,
  });
  expect(requests.filter((r) => r.startsWith('/changes')).length).toBe(3);
  // Reading on from the returned cursor finds nothing new.
  expect((await client.stableSeries(result.cursor)).series).toEqual([]);
  // At most maxChanges changes are read per call; the cursor says where to go on.
  const partial = await client.stableSeries(0, { maxChanges: 3 });
  expect(partial).toMatchObject({ cursor: 3, done: false });
  expect(partial.series.map((s) => s.seq)).toEqual([3]);
});

it('names the route of a malformed resource, not its identifier', async () => {
  const err = await client.seriesUids('bad').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PacsRequestError);
  expect((err as Error).message).toMatch(/^PACS GET \/series\/\{id\}: the answer lacks SeriesInstanceUID or ParentStudy/);
});
