// Encrypted workflow payloads: a Temporal payload codec with AES-256-GCM. Every payload a client or worker sends
// (workflow and activity inputs and results, memos, update arguments, failure details) is stored by the server as
// ciphertext; search attributes stay in clear (they are indexed, and carry pseudonyms only).
//
// Wire format (the one Temporal's encryption samples use, so the TypeScript and Python workers read each other):
// metadata { encoding: "binary/encrypted", "encryption-key-id": <id> }, data = 12-byte nonce ‖ ciphertext ‖ 16-byte tag
// of the original Payload serialised as protobuf. The key id travels with each payload, so keys rotate: a new key
// encrypts from now on while the old ones still decrypt what they wrote. Payloads written before the codec was on
// (no such encoding) pass through unchanged.
import { readFileSync } from 'node:fs';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { decodeKey, KEY_BYTES, newKey, open, SEALED_OVERHEAD, seal } from './aesGcm';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

/** A payload the codec cannot decrypt, or a key file it cannot use; the message never holds key material or payload content. */
export class PayloadCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadCodecError';
  }
}

export interface CodecKeys {
  /** The key new payloads are encrypted with. */
  encryptWith: string;
  keys: ReadonlyMap<string, Buffer>;
  /** Where the keys came from, for messages. */
  source: string;
}

/**
 * Reads a key file: `{ "encryptWith": "<id>", "keys": { "<id>": "<base64 of 32 random bytes>", … } }`. Keep old ids in
 * `keys` after rotating, until no running workflow's history holds payloads they encrypted.
 */
export function loadCodecKeys(file: string): CodecKeys {
  const fail = (field: string, expected: string): never => {
    throw new PayloadCodecError(`codec key file ${file}: '${field}' must be ${expected}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PayloadCodecError(`codec key file ${file}: ${code ? `cannot be read (${code})` : 'is not valid JSON'}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('(top level)', 'an object with encryptWith and keys');
  const { encryptWith, keys } = raw as { encryptWith?: unknown; keys?: unknown };
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys) || Object.keys(keys).length === 0)
    fail('keys', 'an object of key id → base64 key (32 bytes)');
  const parsed = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(keys as Record<string, unknown>)) {
    const decoded = decodeKey(value);
    if ('problem' in decoded) return fail(`keys.${id}`, `a base64 string of ${KEY_BYTES} bytes (${decoded.problem})`);
    parsed.set(id, decoded.key);
  }
  if (typeof encryptWith !== 'string' || !parsed.has(encryptWith)) fail('encryptWith', `the id of one of the keys (${[...parsed.keys()].join(', ')})`);
  return { encryptWith: encryptWith as string, keys: parsed, source: file };
}

/** A new random key, base64, for a key file. */
export function newCodecKey(): string {
  return newKey();
}

const text = (value: Uint8Array | null | undefined) => (value ? Buffer.from(value).toString('utf8') : undefined);

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const id = this.keys.encryptWith;
    const key = this.keys.keys.get(id)!;
    return payloads.map((payload) => {
      const data = seal(key, temporal.api.common.v1.Payload.encode(payload).finish());
      return { metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[KEY_ID_METADATA]);
      if (!id) throw new PayloadCodecError(`an encrypted payload has no '${KEY_ID_METADATA}' metadata; it cannot be decrypted`);
      const key = this.keys.keys.get(id);
      if (!key)
        throw new PayloadCodecError(
          `a payload is encrypted with key '${id}', which the codec key file ${this.keys.source} does not hold (it holds ${[...this.keys.keys.keys()].join(', ')}); add the key that wrote it`,
        );
      const data = payload.data ?? new Uint8Array();
      if (data.length < SEALED_OVERHEAD) throw new PayloadCodecError(`a payload encrypted with key '${id}' is too short to hold its nonce and tag`);
      const plain = open(key, data);
      if (!plain)
        throw new PayloadCodecError(
          `a payload encrypted with key '${id}' does not decrypt with the key of that id in ${this.keys.source} (authentication failed): the key is not the one that wrote it, or the payload was altered`,
        );
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The data converter of every client and worker: the codec where a key file is configured, else the default. */
export function dataConverterFor(cfg: { codecKeysFile?: string }): { payloadCodecs: PayloadCodec[] } | undefined {
  return cfg.codecKeysFile ? { payloadCodecs: [new AesGcmPayloadCodec(loadCodecKeys(cfg.codecKeysFile))] } : undefined;
}
