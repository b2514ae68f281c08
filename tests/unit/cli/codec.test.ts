// `osteoflow codec`: a new key file (private, never over an existing one), a rotation that keeps the old keys able to
// decrypt what they wrote, and the server refusing to start without a key file or a token.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { main } from '../../../cli/main';
import { AesGcmPayloadCodec, loadCodecKeys } from '../../../config/payloadCodec';
import { captureOutput } from './support/captureOutput';

const osteoflow = (...argv: string[]) => captureOutput(() => main(argv));
const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-codec-cli-'));

describe('osteoflow codec', () => {
  it('writes a private key file with one key, and never overwrites one', async () => {
    const file = path.join(dir, 'keys.json');
    const made = await osteoflow('codec', 'new-keys', file);
    expect(made.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const keys = loadCodecKeys(file);
    expect([...keys.keys.keys()]).toEqual([keys.encryptWith]);
    expect(made.out).toContain(`key ${keys.encryptWith}`);
    expect(made.out).not.toContain(keys.keys.get(keys.encryptWith)!.toString('base64'));
    const before = readFileSync(file, 'utf8');
    const again = await osteoflow('codec', 'new-keys', file);
    expect(again).toMatchObject({ code: 1, err: `osteoflow codec new-keys: ${file} exists; it is never overwritten (use rotate to add a key)\n` });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('rotates: the new key encrypts, the old one still decrypts what it wrote', async () => {
    const file = path.join(dir, 'rotating.json');
    writeFileSync(file, JSON.stringify({ encryptWith: 'k-old', keys: { 'k-old': Buffer.alloc(32, 7).toString('base64') } }));
    const [sealed] = await new AesGcmPayloadCodec(loadCodecKeys(file)).encode([defaultPayloadConverter.toPayload({ pseudonym: 'SYN-001' })!]);
    const rotated = await osteoflow('codec', 'rotate', file);
    expect(rotated.code).toBe(0);
    const keys = loadCodecKeys(file);
    expect(keys.encryptWith).toMatch(/^k-\d{8}T\d{6}Z$/);
    expect([...keys.keys.keys()].sort()).toEqual(['k-old', keys.encryptWith].sort());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const [opened] = await new AesGcmPayloadCodec(keys).decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(opened)).toEqual({ pseudonym: 'SYN-001' });
  });

  it('refuses to rotate a bad key file, naming it, and leaves it as it was', async () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"encryptWith": "k1", "keys": {"k1": "c2hvcnQ="}}');
    const result = await osteoflow('codec', 'rotate', file);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`codec key file ${file}: 'keys.k1' must be a base64 string of 32 bytes (got 5 bytes)`);
    expect(readFileSync(file, 'utf8')).toBe('{"encryptWith": "k1", "keys": {"k1": "c2hvcnQ="}}');
  });

  it('will not serve without a key file or without a token', async () => {
    const saved = { keys: process.env.OSTEOFLOW_CODEC_KEYS, token: process.env.OSTEOFLOW_CODEC_SERVER_TOKEN };
    try {
      delete process.env.OSTEOFLOW_CODEC_KEYS;
      expect((await osteoflow('codec', 'server', '--port', '0')).err).toMatch(/no key file: set OSTEOFLOW_CODEC_KEYS/);
      process.env.OSTEOFLOW_CODEC_KEYS = path.join(dir, 'keys.json');
      process.env.OSTEOFLOW_CODEC_SERVER_TOKEN = 'short';
      const result = await osteoflow('codec', 'server', '--port', '0');
      expect(result).toMatchObject({ code: 1 });
      expect(result.err).toMatch(/set OSTEOFLOW_CODEC_SERVER_TOKEN to a secret of at least 16 characters/);
    } finally {
      for (const [name, value] of [
        ['OSTEOFLOW_CODEC_KEYS', saved.keys],
        ['OSTEOFLOW_CODEC_SERVER_TOKEN', saved.token],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
