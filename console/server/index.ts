// The console against the running stack: connects to Temporal and MLflow where the stack says they are, opens the
// results and access stores in the data folder, optionally hosts a pipeline and a training worker (updates and
// promotions need workers to be answered), and listens.
import { openBlobStore } from '../../store/blobs';
import { StudyFiles } from '../../study/storedFiles';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parseOidcRoleMap, PROJECT_ROOT, type OsteoflowConfig } from '../../config';
import { connectClient } from '../../config/temporal';
import { currentEndpoints } from '../../config/endpoints';
import { AccessControl, openAccessStore } from '../../access';
import { MlflowClient } from '../../registry/mlflowClient';
import { openResultsStore } from '../../store';
import { createPipelineWorker } from '../../workers/pipeline/worker';
import { createTrainingWorker } from '../../workers/training/worker';
import type { StoreWorker } from '../../workers/storeWorker';
import { buildConsoleServer, type ConsoleDeps } from './app';
import { MlflowModelBackend, TemporalIntakeBackend, TemporalTimelineBackend } from './temporalBackend';
import { OidcSignIn } from './oidc';

export { buildConsoleServer, type ConsoleDeps } from './app';
export { MlflowModelBackend, TemporalIntakeBackend, TemporalTimelineBackend } from './temporalBackend';

/** The OpenID Connect sign-in the configuration describes, or undefined (passwords only). */
export function oidcOf(cfg: OsteoflowConfig): OidcSignIn | undefined {
  const o = cfg.console.oidc;
  if (!o?.issuer || !o.clientId || !o.redirectUrl || !o.roleMap) return undefined;
  return new OidcSignIn({
    issuer: o.issuer,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    redirectUrl: o.redirectUrl,
    scopes: o.scopes,
    rolesClaim: o.rolesClaim,
    roleMap: parseOidcRoleMap(o.roleMap),
    label: o.label,
  });
}

export const DEFAULT_WEB_ROOT = path.join(PROJECT_ROOT, 'console', 'web', 'dist');

export interface ConsoleStartOptions {
  port?: number;
  host?: string;
  /** Host a pipeline and a training worker in this process (default true). */
  workers?: boolean;
  /** Overrides of the server's dependencies (cookie and proxy settings, limits). */
  deps?: Partial<Pick<ConsoleDeps, 'secureCookies' | 'trustProxy' | 'webRoot' | 'logger' | 'maxUploadBytes' | 'promotionPolicy'>>;
}

export interface RunningConsole {
  app: FastifyInstance;
  /** http://host:port */
  url: string;
  /** How many users the access store holds (0: add one with `osteoflow users add`). */
  users: number;
  /** Whether the Temporal server answers within 3 s. */
  temporalAnswers(): Promise<boolean>;
  close(): Promise<void>;
}

export async function startConsole(cfg: OsteoflowConfig, options: ConsoleStartOptions = {}): Promise<RunningConsole> {
  const endpoints = currentEndpoints(cfg);
  const client = await connectClient(endpoints.temporal.address, cfg.temporal);
  const mlflow = new MlflowClient({ trackingUri: endpoints.mlflow.trackingUri, token: cfg.mlflow.token });
  const store = openResultsStore(cfg);
  const accessStore = openAccessStore(cfg);
  const blobs = openBlobStore(cfg);
  const workers: { w: StoreWorker; running: Promise<void> }[] = [];
  const closeAll = async () => {
    for (const { w } of workers) if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
    for (const { w, running } of workers) {
      await running.catch(() => undefined);
      await w.close();
    }
    await store.close();
    await blobs.close();
    await accessStore.close();
    await client.connection.close();
  };
  try {
    if (options.workers ?? true) {
      const where = { address: endpoints.temporal.address, mlflowUri: endpoints.mlflow.trackingUri };
      for (const w of [await createPipelineWorker(cfg, { ...where, maxConcurrentActivities: 1 }), await createTrainingWorker(cfg, where)])
        workers.push({ w, running: w.worker.run() });
    }
    const timelines = new TemporalTimelineBackend(client, endpoints.temporal.address);
    const app = await buildConsoleServer({
      access: new AccessControl(accessStore),
      timelines,
      models: new MlflowModelBackend(client, cfg, mlflow, endpoints.mlflow.trackingUri),
      intake: new TemporalIntakeBackend(client),
      store,
      files: new StudyFiles(blobs, path.join(cfg.dataDir, 'console', 'studies')),
      uploadDir: path.join(cfg.dataDir, 'console', 'uploads'),
      maxUploadBytes: cfg.acquisition.maxFileBytes,
      maxVoxels: cfg.acquisition.maxVoxels,
      webRoot: DEFAULT_WEB_ROOT,
      oidc: oidcOf(cfg),
      ...options.deps,
    });
    const address = await app.listen({ port: options.port ?? 8080, host: options.host ?? '127.0.0.1' });
    const users = (await accessStore.listUsers()).length;
    return {
      app,
      url: address,
      users,
      temporalAnswers: () =>
        Promise.race([timelines.ping().then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000).unref())]).catch(() => false),
      close: async () => {
        await app.close();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err;
  }
}
