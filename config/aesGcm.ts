// AES-256-GCM as every encrypted thing of osteoflow uses it (workflow payloads, the identifier map): 256-bit keys
// written as base64 text, and sealed bytes laid out as 12-byte nonce ‖ ciphertext ‖ 16-byte tag (the layout of
// Temporal's encryption samples, which the Python worker reads too).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** The fewest bytes sealed data can have: its nonce and tag around an empty ciphertext. */
export const SEALED_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/** A base64 key of KEY_BYTES bytes, or what the text held instead ('got …', for the caller's message, which names its file). */
export function decodeKey(text: unknown): { key: Buffer } | { problem: string } {
  const key = typeof text === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (!key) return { problem: 'got no base64' };
  if (key.length !== KEY_BYTES) return { problem: `got ${key.length} bytes` };
  return { key };
}

/** A new random key, base64, for a key file. */
export function newKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** nonce ‖ ciphertext ‖ tag of `plain` under `key`, with a fresh random nonce. */
export function seal(key: Buffer, plain: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** The plaintext of sealed bytes, or undefined when they are too short or do not authenticate under `key`. */
export function open(key: Buffer, sealed: Uint8Array): Buffer | undefined {
  const data = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (data.length < SEALED_OVERHEAD) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
