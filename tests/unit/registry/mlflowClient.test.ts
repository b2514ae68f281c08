// Transport behaviour of the MLflow client (retries, error codes, artifact URLs) against a local HTTP server that
// misbehaves on purpose; the client's calls against a real MLflow server are in tests/integration.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MlflowClient, MlflowError } from '../../../registry/mlflowClient';

type Reply = { status: number; body: string; headers?: Record<string, string> };

async function withServer(replies: Reply[], fn: (uri: string, seen: Array<{ method: string; url: string; body: string; type?: string }>) => Promise<void>) {
  const seen: Array<{ method: string; url: string; body: string; type?: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body, type: req.headers['content-type'] });
      const reply = replies[Math.min(seen.length - 1, replies.length - 1)];
      res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
  } finally {
    server.close();
  }
}

const MODEL = JSON.stringify({ registered_model: { name: 'm' } });

describe('MlflowClient transport', () => {
  it('retries 503 and 429 with backoff, then succeeds', async () => {
    await withServer(
      [
        { status: 503, body: 'busy' },
        { status: 429, body: '{}', headers: { 'Retry-After': '0' } },
        { status: 200, body: MODEL },
      ],
      async (uri, seen) => {
        const client = new MlflowClient({ trackingUri: uri, initialBackoffMs: 1 });
        await expect(client.getRegisteredModel('m')).resolves.toEqual({ name: 'm' });
        expect(seen).toHaveLength(3);
        expect(seen[0].url).toBe('/api/2.0/mlflow/registered-models/get?name=m');
      },
    );
  });

  it('gives up after maxAttempts with the last status', async () => {
    await withServer([{ status: 502, body: 'bad gateway' }], async (uri, seen) => {
      const client = new MlflowClient({ trackingUri: uri, initialBackoffMs: 1, maxAttempts: 3 });
      await expect(client.getRegisteredModel('m')).rejects.toMatchObject({ status: 502, errorCode: 'HTTP_502' });
      expect(seen).toHaveLength(3);
    });
  });

  it('does not retry a 4xx and carries MLflow error_code and message', async () => {
    const body = JSON.stringify({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Registered Model with name=x not found' });
    await withServer([{ status: 404, body }], async (uri, seen) => {
      const client = new MlflowClient({ trackingUri: uri, initialBackoffMs: 1 });
      const err = await client.getRegisteredModel('x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MlflowError);
      expect(err).toMatchObject({ status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
      expect((err as Error).message).toContain('Registered Model with name=x not found');
      expect(seen).toHaveLength(1);
    });
  });

  it('sends DELETE with a JSON body, as MLflow requires', async () => {
    await withServer([{ status: 200, body: '{}' }], async (uri, seen) => {
      await new MlflowClient({ trackingUri: uri }).deleteAlias('m', 'champion');
      expect(seen[0]).toMatchObject({ method: 'DELETE', url: '/api/2.0/mlflow/registered-models/alias', type: 'application/json' });
      expect(JSON.parse(seen[0].body)).toEqual({ name: 'm', alias: 'champion' });
    });
  });

  it('reports an unreachable server as NETWORK_ERROR after its retries', async () => {
    const client = new MlflowClient({ trackingUri: 'http://127.0.0.1:1', initialBackoffMs: 1, maxAttempts: 2 });
    await expect(client.getRegisteredModel('m')).rejects.toMatchObject({ errorCode: 'NETWORK_ERROR' });
  });

  it('maps mlflow-artifacts URIs to the proxy', () => {
    const client = new MlflowClient({ trackingUri: 'http://mlflow.local:5000/base' });
    expect(client.artifactUrl('mlflow-artifacts:/1/abc/artifacts', 'model/model.json').href).toBe(
      'http://mlflow.local:5000/base/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model/model.json',
    );
    expect(client.artifactUrl('mlflow-artifacts://other:5000/1/abc/artifacts').pathname).toBe('/base/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts');
    expect(() => client.artifactUrl('s3://bucket/x')).toThrow(/not served by the MLflow artifact proxy/);
  });
});
