// The console server as the end-to-end tests run it: the real server (console/server, buildConsoleServer) on a free
// local port, over the shared test stack's Temporal and MLflow and the pipeline's results store, with an access store
// of its own holding the users a test names, and the front end freshly built (ops/build.cjs) into console/web/dist.
import { openBlobStore } from '../../store/blobs';
import { StudyFiles } from '../../study/storedFiles';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AccessControl, SqliteAccessStore } from '../../access';
import { buildWeb } from '../../ops/build.cjs';
import { buildConsoleServer } from '../../console/server/app';
import { MlflowModelBackend, TemporalTimelineBackend } from '../../console/server/temporalBackend';
import type { Role } from '../../contracts/console';
import type { GatePolicy } from '../../contracts/models';
import { PROJECT_ROOT, type OsteoflowConfig } from '../../config';
import { MlflowClient } from '../../registry/mlflowClient';
import { openResultsStore } from '../../store';
import type { Harness } from '../integration/support/pipeline';

export const WEB_ROOT = path.join(PROJECT_ROOT, 'console', 'web', 'dist');

export interface ConsoleUser {
  username: string;
  password: string;
  roles: Role[];
}

export interface RunningConsole {
  /** http://127.0.0.1:<port> */
  url: string;
  app: FastifyInstance;
  access: AccessControl;
  close(): Promise<void>;
}

export async function startConsole(
  harness: Harness,
  cfg: OsteoflowConfig,
  options: { users: ConsoleUser[]; promotionPolicy?: GatePolicy },
): Promise<RunningConsole> {
  await buildWeb();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'osteoflow-console-e2e-'));
  const accessStore = new SqliteAccessStore(path.join(dir, 'access.sqlite'));
  const access = new AccessControl(accessStore);
  for (const user of options.users) await access.addUser(user.username, user.password, user.roles);
  const store = openResultsStore(cfg);
  const mlflow = new MlflowClient({ trackingUri: harness.endpoints.mlflow.trackingUri });
  const app = await buildConsoleServer({
    access,
    timelines: new TemporalTimelineBackend(harness.client, harness.endpoints.temporal.address),
    models: new MlflowModelBackend(harness.client, cfg, mlflow, harness.endpoints.mlflow.trackingUri),
    store,
    files: new StudyFiles(openBlobStore(cfg), path.join(cfg.dataDir, 'console-studies')),
    // Inside the data folder: an import root of the pipeline, so the worker may read what is uploaded.
    uploadDir: path.join(cfg.dataDir, 'console-uploads'),
    webRoot: WEB_ROOT,
    secureCookies: false,
    pollIntervalMs: 500,
    promotionPolicy: options.promotionPolicy,
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    app,
    access,
    async close() {
      await app.close();
      await store.close();
      await accessStore.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
