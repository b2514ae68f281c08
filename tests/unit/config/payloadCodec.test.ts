// AES-256-GCM payload encryption: round trips, a fresh nonce each time, no clear text on the wire, keys that rotate,
// and a clear error — never garbage, never key material — for a wrong or missing key, an altered payload or a bad key
// file. And the codec server that lets the Temporal UI decode for a caller holding its token.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, loadCodecKeys, newCodecKey, PayloadCodecError } from '../../../config/payloadCodec';
import { startCodecServer } from '../../../ops/codecServer';

const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-codec-'));
function keyFile(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
const k1 = newCodecKey();
const k2 = newCodecKey();
const codecOf = (encryptWith: string, keys: Record<string, string>, name = `${encryptWith}-${Object.keys(keys).join('-')}.json`) =>
  new AesGcmPayloadCodec(loadCodecKeys(keyFile(name, { encryptWith, keys })));

const secret = { pseudonym: 'SYN-007', source: '/data/site/scans/T1CE.nii.gz', clinical: { ageYears: 14 } };
const payload = (): Payload => defaultPayloadConverter.toPayload(secret)!;
const text = (p: Payload) => Buffer.from(p.metadata?.encoding ?? []).toString();

describe('AesGcmPayloadCodec', () => {
  it('round-trips payloads, each encrypted with a fresh nonce and no clear text left', async () => {
    const codec = codecOf('k1', { k1 });
    const [a, b] = await codec.encode([payload(), payload()]);
    expect(text(a)).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(a.metadata![KEY_ID_METADATA]!).toString()).toBe('k1');
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
    const wire = Buffer.from(a.data!).toString('latin1');
    for (const word of ['SYN-007', 'T1CE', 'ageYears', 'json/plain']) expect(wire).not.toContain(word);
    const [back] = await codec.decode([a]);
    expect(defaultPayloadConverter.fromPayload(back)).toEqual(secret);
    expect(text(back)).toBe('json/plain');
  });

  it('decrypts what the Python worker’s codec wrote (workers/torch/osteoflow_torch/codec.py)', async () => {
    const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'codec');
    const raw = JSON.parse(readFileSync(path.join(fixtures, 'from-python.json'), 'utf8')) as { metadata: Record<string, string>; data: string };
    const sealed: Payload = {
      metadata: Object.fromEntries(Object.entries(raw.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      data: Buffer.from(raw.data, 'base64'),
    };
    const [plain] = await new AesGcmPayloadCodec(loadCodecKeys(path.join(fixtures, 'keys.json'))).decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(plain)).toEqual({ pseudonym: 'SYN-043', timepoint: 'mid', volumeMl: 7.25 });
  });

  it('passes through payloads written before encryption was on', async () => {
    const clear = payload();
    expect(await codecOf('k1', { k1 }).decode([clear])).toEqual([clear]);
  });

  it('rotates: a new key encrypts, the old one still decrypts what it wrote', async () => {
    const [old] = await codecOf('k1', { k1 }).encode([payload()]);
    const rotated = codecOf('k2', { k1, k2 });
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old]))[0])).toEqual(secret);
    const [fresh] = await rotated.encode([payload()]);
    expect(Buffer.from(fresh.metadata![KEY_ID_METADATA]!).toString()).toBe('k2');
  });

  it('refuses a payload of a key it does not hold, naming the key id and the file', async () => {
    const [old] = await codecOf('k1', { k1 }).encode([payload()]);
    const error = await codecOf('k2', { k2 }, 'only-k2.json')
      .decode([old])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadCodecError);
    expect((error as Error).message).toBe(
      `a payload is encrypted with key 'k1', which the codec key file ${path.join(dir, 'only-k2.json')} does not hold (it holds k2); add the key that wrote it`,
    );
  });

  it('refuses the wrong key material under the right id, and an altered payload, with a clear error', async () => {
    const [sealed] = await codecOf('k1', { k1 }).encode([payload()]);
    const wrongKey = await codecOf('k1', { k1: k2 }, 'wrong-k1.json')
      .decode([sealed])
      .catch((e: unknown) => e as Error);
    expect(wrongKey).toBeInstanceOf(PayloadCodecError);
    expect((wrongKey as Error).message).toMatch(
      /^a payload encrypted with key 'k1' does not decrypt with the key of that id in .*wrong-k1\.json \(authentication failed\)/,
    );
    expect((wrongKey as Error).message).not.toContain(k1);
    expect((wrongKey as Error).message).not.toContain(k2);
    const altered = Buffer.from(sealed.data!);
    altered[20] ^= 1;
    await expect(codecOf('k1', { k1 }).decode([{ ...sealed, data: altered }])).rejects.toThrow(/authentication failed/);
    await expect(codecOf('k1', { k1 }).decode([{ ...sealed, data: altered.subarray(0, 10) }])).rejects.toThrow(/too short to hold its nonce and tag/);
  });

  it.each([
    ['a missing file', null, /cannot be read \(ENOENT\)/],
    ['not JSON', 'keys: k1', /is not valid JSON$/],
    ['no keys', { encryptWith: 'k1', keys: {} }, /'keys' must be an object of key id → base64 key \(32 bytes\)$/],
    [
      'a short key',
      { encryptWith: 'k1', keys: { k1: Buffer.alloc(16).toString('base64') } },
      /'keys\.k1' must be a base64 string of 32 bytes \(got 16 bytes\)$/,
    ],
    ['a key that is not base64', { encryptWith: 'k1', keys: { k1: 'not base64!' } }, /'keys\.k1' must be a base64 string of 32 bytes \(got no base64\)$/],
    ['encryptWith not among the keys', { encryptWith: 'k3', keys: { k1 } }, /'encryptWith' must be the id of one of the keys \(k1\)$/],
  ])('refuses a key file with %s, naming the file and the field', (_what, content, message) => {
    const file = content === null ? path.join(dir, 'absent.json') : keyFile(`bad-${_what.replace(/\W+/g, '-')}.json`, content);
    expect(() => loadCodecKeys(file)).toThrow(PayloadCodecError);
    expect(() => loadCodecKeys(file)).toThrow(message);
    expect(() => loadCodecKeys(file)).toThrow(new RegExp(`^codec key file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
  });
});

describe('codec server', () => {
  const token = 'codec-token-for-tests';
  const codec = codecOf('k1', { k1 }, 'server.json');
  const json = (p: Payload) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
    data: Buffer.from(p.data!).toString('base64'),
  });
  let server: Awaited<ReturnType<typeof startCodecServer>>;
  beforeAll(async () => {
    server = await startCodecServer({ codec, namespace: 'osteoflow', token, allowedOrigins: ['http://localhost:8233'] });
  });
  afterAll(() => server.close());
  const post = (route: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${token}`, 'x-namespace': 'osteoflow' }) =>
    fetch(`${server.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('decodes for a caller with the token, as the Temporal UI asks', async () => {
    const [sealed] = await codec.encode([payload()]);
    const response = await post('/decode', { payloads: [json(sealed)] });
    expect(response.status).toBe(200);
    const { payloads } = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(JSON.parse(Buffer.from(payloads[0].data, 'base64').toString('utf8'))).toEqual(secret);
    expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
  });

  it('refuses a caller without the token, another namespace and a malformed body, saying why', async () => {
    const [sealed] = await codec.encode([payload()]);
    const noToken = await post('/decode', { payloads: [json(sealed)] }, { 'x-namespace': 'osteoflow' });
    expect(noToken.status).toBe(401);
    const wrongToken = await post('/decode', { payloads: [json(sealed)] }, { authorization: 'Bearer guess', 'x-namespace': 'osteoflow' });
    expect(wrongToken.status).toBe(401);
    const other = await post('/decode', { payloads: [] }, { authorization: `Bearer ${token}`, 'x-namespace': 'other' });
    expect([other.status, await other.json()]).toEqual([403, { error: "this codec server serves namespace 'osteoflow', not 'other'" }]);
    const bad = await post('/decode', { items: [] });
    expect([bad.status, await bad.json()]).toEqual([400, { error: 'the body must be { "payloads": [ … ] }' }]);
    const wrongKey = await post('/decode', { payloads: [json((await codecOf('k9', { k9: k2 }, 'k9.json').encode([payload()]))[0])] });
    expect(wrongKey.status).toBe(422);
    expect(((await wrongKey.json()) as { error: string }).error).toMatch(/encrypted with key 'k9', which the codec key file .* does not hold/);
  });

  it('answers the UI origin’s preflight, and no other origin', async () => {
    const ui = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: 'http://localhost:8233' } });
    expect([ui.status, ui.headers.get('access-control-allow-origin')]).toEqual([204, 'http://localhost:8233']);
    const elsewhere = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: 'http://evil.example' } });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });
});
