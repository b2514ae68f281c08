// A local webhook that collects what is POSTed to it, and a pipeline worker on the real stack whose notifications
// (overdue, failed QC, needs attention) go to one.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PipelineWorker } from '../../../workers/pipeline/worker';
import { connectHarness, type Harness } from './pipeline';

export interface NotifiedPipeline {
  harness: Harness;
  pipeline: PipelineWorker;
  /** Every notification body received so far, in order. */
  notifications: Array<Record<string, string>>;
  stop(): Promise<void>;
}

export interface Webhook {
  url: string;
  close(): void;
}

/** A local webhook on a free port that hands every POSTed body to `onBody` and answers 204. */
export async function startWebhook(onBody: (body: string) => void): Promise<Webhook> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      onBody(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => void server.close() };
}

export async function startNotifiedPipeline(): Promise<NotifiedPipeline> {
  const notifications: Array<Record<string, string>> = [];
  const harness = await connectHarness();
  const webhook = await startWebhook((body) => notifications.push(JSON.parse(body)));
  const pipeline = await harness.startWorker({ notifications: { webhookUrl: webhook.url } });
  const running = pipeline.worker.run();
  return {
    harness,
    pipeline,
    notifications,
    async stop() {
      pipeline.worker.shutdown();
      await running;
      await pipeline.close();
      await harness.close();
      webhook.close();
    },
  };
}
