// The codec server: Temporal's web UI and CLI send it the encrypted payloads of a history and show what it returns, so
// a person allowed to see payloads (holding the server's bearer token) reads them in clear while the Temporal server
// only ever holds ciphertext. Protocol (Temporal's remote codec): POST /decode and /encode with
// { payloads: [{ metadata: { <key>: <base64> }, data: <base64> }] }, the namespace in the X-Namespace header.
import { timingSafeEqual, createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The namespace whose payloads it serves; a request for another is refused. */
  namespace: string;
  /** Bearer token a caller must present (the Temporal UI forwards its user's access token when told to). */
  token: string;
  /** Origins allowed to call from a browser (the Temporal web UI's), for CORS. */
  allowedOrigins?: string[];
  host?: string;
  port?: number;
  /** Largest request body, bytes (default 16 MiB). */
  maxBodyBytes?: number;
}

export interface CodecServer {
  url: string;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const sha = (text: string) => createHash('sha256').update(text).digest();
/** Constant-time comparison of the presented token with the configured one. */
const tokenMatches = (presented: string, expected: string) => timingSafeEqual(sha(presented), sha(expected));

function fromJson(p: JsonPayload, index: number): Payload {
  if (typeof p !== 'object' || p === null) throw new Error(`payloads[${index}] must be an object with metadata and data`);
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(p.metadata ?? {})) {
    if (typeof value !== 'string') throw new Error(`payloads[${index}].metadata.${key} must be a base64 string`);
    metadata[key] = Buffer.from(value, 'base64');
  }
  if (p.data !== undefined && typeof p.data !== 'string') throw new Error(`payloads[${index}].data must be a base64 string`);
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const allowed = new Set(options.allowedOrigins ?? []);
  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Headers', 'content-type,x-namespace,authorization');
      res.setHeader('Access-Control-Allow-Methods', 'POST,OPTIONS');
      res.setHeader('Vary', 'Origin');
    }
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const route = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || (route !== '/decode' && route !== '/encode')) return answer(404, { error: 'expected POST /decode or POST /encode' });
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !tokenMatches(auth.slice(7), options.token))
      return answer(401, { error: 'a valid bearer token is required (Authorization: Bearer <token>)' });
    const namespace = req.headers['x-namespace'];
    if (namespace !== undefined && namespace !== options.namespace)
      return answer(403, { error: `this codec server serves namespace '${options.namespace}', not '${String(namespace)}'` });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) {
        answer(413, { error: `the request body is over ${maxBody} bytes` });
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      let payloads: Payload[];
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads?: unknown };
        if (!Array.isArray(body?.payloads)) throw new Error('the body must be { "payloads": [ … ] }');
        payloads = body.payloads.map((p, i) => fromJson(p as JsonPayload, i));
      } catch (err) {
        return answer(400, { error: err instanceof SyntaxError ? 'the body is not valid JSON' : (err as Error).message });
      }
      const run = route === '/decode' ? options.codec.decode(payloads) : options.codec.encode(payloads);
      run.then(
        (out) => answer(200, { payloads: out.map(toJson) }),
        // The codec's messages name key ids and files, never key material or payload content.
        (err: unknown) => answer(422, { error: err instanceof Error ? err.message : String(err) }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
