// The Python segmentation worker (workers/torch): its venv, provisioned from workers/torch/requirements.txt like the
// stack's, and the environment that points it at the configured Temporal server, namespace and task queue, at the
// repository files it reads (the segmentTumour contract, the sidecar schema, the shipped model), and at its study
// folder and the blob store through which files cross hosts (the data folder's, or the PostgreSQL store's).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT, type OsteoflowConfig } from '../config';
import { stackPaths } from '../config/endpoints';
import { ensureVenv } from './venv';

export const TORCH_WORKER_DIR = path.join(PROJECT_ROOT, 'workers', 'torch');
export const TORCH_REQUIREMENTS = path.join(TORCH_WORKER_DIR, 'requirements.txt');

/** Repository files the worker reads, handed to it by absolute path (workers/torch/osteoflow_torch/settings.py). */
export const TORCH_WORKER_FILES = {
  /** The segmentTumour contract both workers check. */
  OSTEOFLOW_SEGMENT_CONTRACT: path.join(PROJECT_ROOT, 'contracts', 'segmentation.schema.json'),
  /** The schema of a model package's sidecar (model.json). */
  OSTEOFLOW_SIDECAR_SCHEMA: path.join(PROJECT_ROOT, 'models', 'segmentation', 'sidecar.schema.json'),
} as const;

/** The model the worker serves when OSTEOFLOW_TORCH_MODELS names none: the package shipped with osteoflow. */
export const TORCH_DEFAULT_MODEL = path.join(PROJECT_ROOT, 'models', 'segmentation', 'packages', 'osteoflow-tumour-unet3d-1.0.0');

/** The worker's venv, created or updated when its pins changed (first time: about 2 minutes, torch from local disk). */
export async function ensureTorchVenv(cfg: OsteoflowConfig, log?: (line: string) => void): Promise<string> {
  const venv = await ensureVenv({
    venvDir: cfg.torchVenvDir,
    python: cfg.python,
    requirementsFile: TORCH_REQUIREMENTS,
    requires: ['python', 'pytest', 'nnUNetv2_predict'],
    logDir: stackPaths(cfg.dataDir).logs,
    log,
  });
  return venv.python;
}

/**
 * Where the worker keeps study files (workers/torch/osteoflow_torch/settings.py): its study folder root
 * `<dataDir>/studies`, and the blob store `openBlobStore` opens for this configuration: the folder `<dataDir>/blobs`,
 * or the PostgreSQL store with this host's cache `<dataDir>/blob-cache`. The variables of the store not used are
 * removed, so a leftover in the caller's environment cannot point the worker at another store.
 */
export function torchStorageEnv(cfg: OsteoflowConfig): Record<string, string | undefined> {
  const shared = cfg.store.url !== undefined;
  return {
    OSTEOFLOW_STUDY_ROOT: path.join(cfg.dataDir, 'studies'),
    OSTEOFLOW_BLOB_DIR: shared ? undefined : path.join(cfg.dataDir, 'blobs'),
    OSTEOFLOW_STORE_URL: cfg.store.url,
    OSTEOFLOW_STORE_TLS_CA: shared ? cfg.store.tlsCaFile : undefined,
    OSTEOFLOW_BLOB_CACHE: shared ? path.join(cfg.dataDir, 'blob-cache') : undefined,
  };
}

/**
 * Environment for the worker: the server it connects to and its queue, the repository files it reads, the models it
 * serves (OSTEOFLOW_TORCH_MODELS from this process's environment, else the shipped package), and its study folder and
 * blob store (torchStorageEnv); the other OSTEOFLOW_TORCH_* settings pass through. `extra` overrides any of them.
 */
export function torchWorkerEnv(
  cfg: OsteoflowConfig,
  temporalAddress: string,
  taskQueue = cfg.taskQueues.segmentation,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const tls = cfg.temporal.tls ?? {};
  const optional: Record<string, string | undefined> = {
    TEMPORAL_API_KEY: cfg.temporal.apiKey,
    TEMPORAL_TLS_SERVER_NAME: tls.serverNameOverride,
    TEMPORAL_TLS_CA: tls.serverRootCaCertFile,
    TEMPORAL_TLS_CERT: tls.clientCertFile,
    TEMPORAL_TLS_KEY: tls.clientKeyFile,
    // Encrypted payloads: the worker reads the same key file as every other client and worker.
    OSTEOFLOW_CODEC_KEYS: cfg.temporal.codecKeysFile,
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    PYTHONPATH: TORCH_WORKER_DIR,
    PYTHONUNBUFFERED: '1',
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: cfg.temporal.namespace,
    OSTEOFLOW_TASK_QUEUE_SEGMENTATION: taskQueue,
    ...TORCH_WORKER_FILES,
    OSTEOFLOW_TORCH_MODELS: process.env.OSTEOFLOW_TORCH_MODELS || TORCH_DEFAULT_MODEL,
  };
  for (const [name, value] of Object.entries(torchStorageEnv(cfg))) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return { ...env, ...extra };
}

/** The worker's command line after the venv's python; run in TORCH_WORKER_DIR. */
export const TORCH_WORKER_ARGS = ['-m', 'osteoflow_torch', 'worker'];

/** Starts `python -m osteoflow_torch worker` with the given environment (stdout/stderr piped to the caller). */
export function spawnTorchWorker(python: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(python, TORCH_WORKER_ARGS, { cwd: TORCH_WORKER_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
}
