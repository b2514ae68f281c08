// A pipeline worker on the real stack whose notifications (overdue, failed QC, needs attention) are POSTed to a local
// webhook the test reads back.
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

export async function startNotifiedPipeline(): Promise<NotifiedPipeline> {
  const notifications: Array<Record<string, string>> = [];
  const webhook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      notifications.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  const harness = await connectHarness();
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
  const pipeline = await harness.startWorker({ notifications: { webhookUrl } });
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
